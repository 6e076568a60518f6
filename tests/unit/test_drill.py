"""The drill's texts read back with our own parsers, and its verdict on made-up runs."""

from __future__ import annotations

import shlex

import pytest

from powerdown import drill
from powerdown.config import users
from powerdown.config.upsmonconf import parse_upsmon_conf
from powerdown.drivers.dummy import devfile
from powerdown.drivers.dummy.devfile import SetStatus, SetVar
from powerdown.monitor.notify import NotifyFlag, NotifyType

PRIMARY, SECOND, THIRD = drill.HOSTS
NOTE = ["/opt/py thon/bin/python", "-I", "-S", "/tmp/sand box/note.py"]


def _conf(host: drill.Host, flag: str | None) -> str:
    return drill.upsmon_conf(
        host,
        system="demo@127.0.0.1:40000",
        notifycmd=[*NOTE, "notify", "/tmp/sand box/timeline", host.name],
        shutdowncmd=[*NOTE, "shutdown", "/tmp/sand box/timeline", host.name],
        powerdownflag=flag,
    )


def test_upsmon_conf_primary_reads_back() -> None:
    cfg = parse_upsmon_conf(_conf(PRIMARY, "/tmp/sand box/killpower"))
    assert cfg.warnings == ()
    (m,) = cfg.monitors
    assert (m.upsname, m.host, m.port, m.primary, m.username) == (
        "demo",
        "127.0.0.1",
        40000,
        True,
        "monprimary",
    )
    assert (cfg.pollfreq, cfg.pollfreqalert, cfg.hostsync, cfg.finaldelay) == (1, 1, 15, 2)
    assert cfg.powerdownflag == "/tmp/sand box/killpower"
    # Paths with blanks survive: NOTIFYCMD is split as a shell would, SHUTDOWNCMD goes to one.
    assert cfg.notifycmd == (*NOTE, "notify", "/tmp/sand box/timeline", "host-a")
    assert cfg.shutdowncmd is not None
    assert shlex.split(cfg.shutdowncmd) == [*NOTE, "shutdown", "/tmp/sand box/timeline", "host-a"]


def test_upsmon_conf_never_walls_and_execs_every_event() -> None:
    cfg = parse_upsmon_conf(_conf(SECOND, None))
    assert cfg.powerdownflag is None
    assert not cfg.monitors[0].primary
    for ntype in NotifyType:
        assert cfg.flags(ntype) == NotifyFlag.SYSLOG | NotifyFlag.EXEC, ntype


def test_upsd_users_grant_fsd_to_the_primary_only() -> None:
    conf = users.parse(drill.upsd_users(), "upsd.users")
    primary, secondary = conf.users["monprimary"], conf.users["monsecondary"]
    assert primary.upsmon == "primary" and secondary.upsmon == "secondary"
    assert primary.has_action("FSD") and not secondary.has_action("FSD")
    assert conf.check_action("monprimary", drill.PASSWORDS["monprimary"], "LOGIN")
    assert conf.check_action("monsecondary", drill.PASSWORDS["monsecondary"], "LOGIN")


@pytest.mark.parametrize("step", [drill.BEFORE, *drill.OUTAGE])
def test_dev_text_is_a_clean_dummy_ups_file(step: drill.Step) -> None:
    parsed = devfile.parse(drill.dev_text(step).encode(), "drill.dev")
    assert parsed.warnings == ()
    statuses = [i.tokens for i in parsed.instructions if isinstance(i, SetStatus)]
    values = {i.name: i.value for i in parsed.instructions if isinstance(i, SetVar)}
    assert statuses == [tuple(step.status.split())]
    assert values["battery.charge"] == str(step.charge)


def test_outage_goes_ol_ob_lb_with_the_charge_falling() -> None:
    assert drill.BEFORE.status == "OL"
    assert [s.status.split()[0] for s in drill.OUTAGE] == ["OB"] * len(drill.OUTAGE)
    assert "LB" in drill.OUTAGE[-1].status.split()
    assert not any("LB" in s.status.split() for s in drill.OUTAGE[:-1])
    charges = [drill.BEFORE.charge] + [s.charge for s in drill.OUTAGE]
    assert charges == sorted(charges, reverse=True)


def test_parse_event_reads_both_kinds_of_line() -> None:
    notify = drill.parse_event("1700000000.250 host-b FSD demo@h:1 UPS demo@h:1: forced shutdown\n")
    assert notify == drill.Event(
        at=1700000000.25,
        who="host-b",
        kind="FSD",
        ups="demo@h:1",
        text="UPS demo@h:1: forced shutdown",
    )
    shutdown = drill.parse_event(f"1700000001.000 host-a SHUTDOWNCMD {drill.SHUTDOWN_TEXT}")
    assert shutdown == drill.Event(
        at=1700000001.0, who="host-a", kind="SHUTDOWNCMD", text=drill.SHUTDOWN_TEXT
    )
    no_ups = drill.parse_event("1700000002.000 host-a SHUTDOWN - Auto logout")
    assert no_ups is not None and no_ups.ups is None and no_ups.text == "Auto logout"
    assert drill.parse_event("garbage") is None
    assert drill.parse_event("notatime host-a FSD x y") is None


def test_format_event_aligns_columns() -> None:
    a = drill.format_event(drill.Event(at=106.4, who="host-a", kind="FSD", text="x"), 100.0)
    b = drill.format_event(
        drill.Event(at=112.0, who="UPS", kind="SHUTDOWN_HOSTSYNC", text="y"), 100.0
    )
    assert a == "   +6.4s  host-a  FSD                x"
    assert b == "  +12.0s  UPS     SHUTDOWN_HOSTSYNC  y"
    assert a.index("x") == b.index("y") == drill.format_header().index("what")


def _run(order: list[tuple[float, str, str]]) -> list[drill.Event]:
    return [drill.Event(at=at, who=who, kind=kind, text="") for at, who, kind in order]


def _good_run() -> list[drill.Event]:
    order = []
    for host in ("host-a", "host-b", "host-c"):
        order += [(1.0, host, "ONBATT"), (7.0, host, "LOWBATT"), (7.1, host, "FSD")]
        order += [(7.2, host, "SHUTDOWN")]
    order += [(9.0, "host-b", "SHUTDOWNCMD"), (9.5, "host-c", "SHUTDOWNCMD")]
    order += [(12.0, "host-a", "SHUTDOWNCMD")]
    return _run(order)


EXITS = {"host-a": 0, "host-b": 1, "host-c": 1}


def test_judge_accepts_nuts_order() -> None:
    verdict = drill.judge(_good_run(), 0.0, flag_exits=EXITS)
    assert verdict.ok
    text = "\n".join(verdict.lines)
    assert "host-b +7.1s -> +9.0s, host-c +7.1s -> +9.5s" in text
    assert "host-a (primary) ran SHUTDOWNCMD last, at +12.0s" in text
    assert "`upsmon -K` exits 0 there" in text
    assert "Nothing was shut down" in text
    assert "NOT AS EXPECTED" not in text


def test_judge_rejects_a_primary_that_goes_first() -> None:
    events = [e for e in _good_run() if not (e.who == "host-c" and e.kind == "SHUTDOWNCMD")]
    events.append(drill.Event(at=13.0, who="host-c", kind="SHUTDOWNCMD", text=""))
    verdict = drill.judge(events, 0.0, flag_exits=EXITS)
    assert not verdict.ok
    assert verdict.lines[-1] == "NOT AS EXPECTED: host-a shut down before host-c."


def test_judge_names_what_is_missing() -> None:
    events = [e for e in _good_run() if not (e.who == "host-b" and e.kind == "FSD")]
    events += _run([(20.0, "host-a", "SHUTDOWNCMD")])
    verdict = drill.judge(events, 0.0, flag_exits={"host-a": 1, "host-b": 0, "host-c": 1})
    assert not verdict.ok
    assert "`upsmon -K` exits 1 there (0 on host-b, 1 on host-c)" in verdict.lines[3]
    assert verdict.lines[-1] == (
        "NOT AS EXPECTED: no FSD on host-b; host-a ran SHUTDOWNCMD 2 times; "
        "upsmon -K on host-a exited 1 (expected 0: POWERDOWNFLAG written); "
        "upsmon -K on host-b did not exit 1 (no POWERDOWNFLAG there)."
    )
