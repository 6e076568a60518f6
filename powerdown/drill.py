"""The power-failure drill the demo plays: the cast, the script and the verdict.

Strategy: everything here is text and values, no I/O. It says which hosts
take part (one primary upsmon, two secondaries), what their ``upsmon.conf``
and upsd's ``upsd.users`` hold, what the simulated UPS's ``.dev`` file says
at each step of the outage, how a timeline line reads and prints, and
whether a finished run went the way NUT's shutdown sequence promises:

  every upsmon sees ONBATT, then LOWBATT; the primary raises FSD and waits
  (HOSTSYNC) for its secondaries; each secondary sees FSD, waits FINALDELAY,
  runs SHUTDOWNCMD and logs out; only then does the primary run its own
  SHUTDOWNCMD, last, after writing POWERDOWNFLAG (``upsmon -K`` exits 0).

``powerdown.demo`` is the shell: it writes these texts into a sandbox, runs
the processes and feeds the timeline back here.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from powerdown.monitor.notify import NotifyType
from powerdown.protocol.words import quote

__all__ = [
    "Host",
    "HOSTS",
    "Step",
    "BEFORE",
    "OUTAGE",
    "Event",
    "Verdict",
    "UPSNAME",
    "SHUTDOWN_TEXT",
    "NOTE_SCRIPT",
    "dev_text",
    "upsd_users",
    "upsmon_conf",
    "parse_event",
    "format_header",
    "format_event",
    "judge",
]

UPSNAME = "demo"
SHUTDOWN_TEXT = "ran (this is where the machine would power off)"

# upsmon.conf timings: short enough for the whole drill to take well under
# a minute, with NUT's meaning unchanged.
POLLFREQ = 1
POLLFREQALERT = 1
HOSTSYNC = 15
DEADTIME = 15
FINALDELAY = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Host:
    """One machine on the UPS: only a name in the output, a config dir in the sandbox."""

    name: str
    primary: bool

    @property
    def role(self) -> str:
        return "primary" if self.primary else "secondary"

    @property
    def user(self) -> str:
        return "monprimary" if self.primary else "monsecondary"


HOSTS = (
    Host(name="host-a", primary=True),
    Host(name="host-b", primary=False),
    Host(name="host-c", primary=False),
)
PASSWORDS: Mapping[str, str] = {"monprimary": "drill-primary", "monsecondary": "drill-secondary"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """What the simulated UPS reports at one point of the outage."""

    status: str
    charge: int
    runtime: int
    input_voltage: float
    note: str


BEFORE = Step(status="OL", charge=100, runtime=2460, input_voltage=231.4, note="on line power")
OUTAGE = (
    Step(status="OB DISCHRG", charge=93, runtime=2200, input_voltage=0.0, note="the power fails"),
    Step(status="OB DISCHRG", charge=54, runtime=1100, input_voltage=0.0, note="charge falling"),
    Step(status="OB DISCHRG LB", charge=18, runtime=110, input_voltage=0.0, note="battery low"),
)

_DEVICE = (
    ("device.mfr", "powerdown"),
    ("device.model", "Simulated 1500VA"),
    ("device.type", "ups"),
    ("ups.mfr", "powerdown"),
    ("ups.model", "Simulated 1500VA"),
    ("ups.realpower.nominal", "900"),
    ("battery.charge.low", "20"),
    ("battery.runtime.low", "120"),
    ("input.voltage.nominal", "230"),
    ("output.voltage.nominal", "230"),
    ("ups.load", "23"),
)


def dev_text(step: Step) -> str:
    """The dummy-ups ``.dev`` file for one step (re-read by the driver when it changes)."""
    lines = ["# powerdown demo: the simulated UPS, rewritten at each step of the drill"]
    lines += [f"{name}: {value}" for name, value in _DEVICE]
    lines += [
        f"ups.status: {step.status}",
        f"battery.charge: {step.charge}",
        f"battery.runtime: {step.runtime}",
        f"input.voltage: {step.input_voltage:.1f}",
    ]
    return "\n".join(lines) + "\n"


def upsd_users() -> str:
    """One upsd user per upsmon role, as NUT's upsd.users(5) sets them up."""
    return "".join(
        f"[{user}]\n  password = {password}\n  upsmon {role}\n"
        for user, password, role in (
            ("monprimary", PASSWORDS["monprimary"], "primary"),
            ("monsecondary", PASSWORDS["monsecondary"], "secondary"),
        )
    )


def upsmon_conf(
    host: Host,
    *,
    system: str,
    notifycmd: Sequence[str],
    shutdowncmd: Sequence[str],
    powerdownflag: str | None,
) -> str:
    """``upsmon.conf`` for one host: NUT's directives, every event to NOTIFYCMD, never wall."""
    lines = [
        f"# upsmon.conf for {host.name} ({host.role}), written by powerdown's demo",
        f"MONITOR {system} 1 {host.user} {PASSWORDS[host.user]} {host.role}",
        "MINSUPPLIES 1",
        # One word, as NUT 2.8.0 reads them: SHUTDOWNCMD goes to the shell,
        # NOTIFYCMD is split as a shell would and gets the message appended.
        f"SHUTDOWNCMD {quote(shlex.join(shutdowncmd))}",
        f"NOTIFYCMD {quote(shlex.join(notifycmd))}",
        f"POLLFREQ {POLLFREQ}",
        f"POLLFREQALERT {POLLFREQALERT}",
        f"HOSTSYNC {HOSTSYNC}",
        f"DEADTIME {DEADTIME}",
        f"FINALDELAY {FINALDELAY}",
    ]
    if powerdownflag is not None:
        lines.append(f"POWERDOWNFLAG {quote(powerdownflag)}")
    # SYSLOG goes to upsmon's log (it runs in the foreground); EXEC to the
    # timeline. Never WALL: a demo must not write on everyone's terminal.
    lines += [f"NOTIFYFLAG {ntype} SYSLOG+EXEC" for ntype in NotifyType]
    return "\n".join(lines) + "\n"


# NOTIFYCMD and SHUTDOWNCMD of every host: append one line to the timeline
# (O_APPEND, one write per line, so lines from several processes never mix).
NOTE_SCRIPT = '''\
"""powerdown demo: NOTIFYCMD/SHUTDOWNCMD that only append a line to the timeline."""
import os
import sys
import time

mode, timeline, host, *message = sys.argv[1:]
now = time.time()
if mode == "shutdown":
    line = f"{now:.3f} {host} SHUTDOWNCMD {SHUTDOWN_TEXT}"
else:
    ntype = os.environ.get("NOTIFYTYPE") or "?"
    ups = os.environ.get("UPSNAME") or "-"
    line = f"{now:.3f} {host} {ntype} {ups} {' '.join(message)}"
fd = os.open(timeline, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
try:
    os.write(fd, (line + "\\n").encode())
finally:
    os.close(fd)
'''.replace("{SHUTDOWN_TEXT}", SHUTDOWN_TEXT)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One line of the timeline: who (a host, or ``UPS``), what, when (epoch seconds)."""

    at: float
    who: str
    kind: str
    text: str
    ups: str | None = None


def parse_event(line: str) -> Event | None:
    """A line NOTE_SCRIPT wrote, or None for anything else."""
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 3:
        return None
    try:
        at = float(parts[0])
    except ValueError:
        return None
    who, kind = parts[1], parts[2]
    rest = parts[3] if len(parts) > 3 else ""
    if kind == "SHUTDOWNCMD":
        return Event(at=at, who=who, kind=kind, text=rest)
    ups, _, message = rest.partition(" ")
    return Event(at=at, who=who, kind=kind, ups=None if ups in ("", "-") else ups, text=message)


_WHO = 6
_KIND = len("SHUTDOWN_HOSTSYNC")


def format_header() -> str:
    return f"{'time':>8}  {'who':<{_WHO}}  {'event':<{_KIND}}  what"


def format_event(event: Event, start: float) -> str:
    """``  +6.4s  host-a  FSD  UPS demo@…: forced shutdown in progress``, columns aligned."""
    return f"{event.at - start:+7.1f}s  {event.who:<{_WHO}}  {event.kind:<{_KIND}}  {event.text}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """Whether the drill went as NUT's sequence says, and the summary to print."""

    ok: bool
    lines: tuple[str, ...]


def _first(events: Sequence[Event], who: str, kind: str) -> Event | None:
    return next((e for e in events if e.who == who and e.kind == kind), None)


def _names(hosts: Sequence[Host]) -> str:
    return ", ".join(h.name for h in hosts)


def _secondary_exits(secondaries: Sequence[Host], exits: Mapping[str, int]) -> str:
    codes = {exits.get(h.name) for h in secondaries}
    if len(codes) == 1:
        return f"{codes.pop()} on the secondaries"
    return ", ".join(f"{exits.get(h.name)} on {h.name}" for h in secondaries)


def judge(
    events: Sequence[Event],
    start: float,
    *,
    hosts: Sequence[Host] = HOSTS,
    flag_exits: Mapping[str, int],
) -> Verdict:
    """Check the order of a finished drill and say what happened, in a few lines.

    ``flag_exits`` is ``upsmon -K``'s exit code on each host after the run.
    """
    problems: list[str] = []
    primary = next(h for h in hosts if h.primary)
    secondaries = [h for h in hosts if not h.primary]

    def t(event: Event | None) -> str:
        return "?" if event is None else f"{event.at - start:+.1f}s"

    for kind in ("ONBATT", "LOWBATT", "FSD", "SHUTDOWN", "SHUTDOWNCMD"):
        missing = [h for h in hosts if _first(events, h.name, kind) is None]
        if missing:
            problems.append(f"no {kind} on {_names(missing)}")
    for host in hosts:
        runs = [e for e in events if e.who == host.name and e.kind == "SHUTDOWNCMD"]
        if len(runs) > 1:
            problems.append(f"{host.name} ran SHUTDOWNCMD {len(runs)} times")

    last = _first(events, primary.name, "SHUTDOWNCMD")
    early = [
        h
        for h in secondaries
        if (ev := _first(events, h.name, "SHUTDOWNCMD")) is not None
        and last is not None
        and ev.at >= last.at
    ]
    if early:
        problems.append(f"{primary.name} shut down before {_names(early)}")
    if flag_exits.get(primary.name) != 0:
        problems.append(
            f"upsmon -K on {primary.name} exited {flag_exits.get(primary.name)} "
            "(expected 0: POWERDOWNFLAG written)"
        )
    flagged = [h for h in secondaries if flag_exits.get(h.name) != 1]
    if flagged:
        problems.append(f"upsmon -K on {_names(flagged)} did not exit 1 (no POWERDOWNFLAG there)")

    onbatt = [e.at - start for h in hosts if (e := _first(events, h.name, "ONBATT"))]
    lines = [
        f"1. The power failed at +0.0s; every upsmon saw ONBATT by "
        f"{max(onbatt, default=0.0):+.1f}s ({_names(hosts)}).",
        f"2. The battery ran low; {primary.name} (primary) saw LOWBATT at "
        f"{t(_first(events, primary.name, 'LOWBATT'))}, raised FSD on the UPS at "
        f"{t(_first(events, primary.name, 'FSD'))} and waited for its secondaries (HOSTSYNC).",
        f"3. The secondaries saw FSD, waited FINALDELAY ({FINALDELAY} s), ran SHUTDOWNCMD and "
        "logged out: "
        + ", ".join(
            f"{h.name} {t(_first(events, h.name, 'FSD'))} -> "
            f"{t(_first(events, h.name, 'SHUTDOWNCMD'))}"
            for h in secondaries
        )
        + ".",
        f"4. With its secondaries gone, {primary.name} (primary) ran SHUTDOWNCMD last, at "
        f"{t(last)}, and wrote POWERDOWNFLAG: `upsmon -K` exits "
        f"{flag_exits.get(primary.name)} there ({_secondary_exits(secondaries, flag_exits)}), "
        "so its late shutdown script would now cut the UPS's power.",
        "Nothing was shut down: every SHUTDOWNCMD only wrote its line to the timeline.",
    ]
    if problems:
        lines.append("NOT AS EXPECTED: " + "; ".join(problems) + ".")
    return Verdict(ok=not problems, lines=tuple(lines))
