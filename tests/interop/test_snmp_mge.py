"""snmp-ups on an MGE UPS SYSTEMS MIB agent (Eaton 5PX), side by side with NUT's own driver.

The agent serves ``tests/data/snmp/eaton-5px-mge.snmprec``, written so that
NUT's ``mge`` table gives the values of the ``upsc`` dump NUT's snmp-ups
made of a real Eaton 5PX (``shared/ddl``, "mge MIB 0.5", NUT 2.7.4).  NUT
2.8.0's ``/lib/nut/snmp-ups`` and ours read the same agent, and must print
the same variables (but ``driver.state``, ours only).  Documented
differences, each asserted exactly below:

* NUT 2.8.0 adds a status word each time a row says it, so a UPS whose MGE
  flags and UPS-MIB ``upsOutputSource`` both say "on battery" shows
  ``OB ... OB``; our status words are a set ("OB" once);
* the DDL dump is NUT 2.7.4's, which printed every number with ``%.2f``
  ("238.00") where 2.8.0 prints whole numbers with ``%i`` ("238"), and whose
  ``mge`` 0.5 table had no ``device.description``/``contact``/``location``.

One agent serves the module's reading tests; the tests that SET get an agent
of their own (snmpsim's write cache is shared by all its communities).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.test_snmp_ups import NUT_SNMP_UPS, OUR_SNMP_UPS, as_dict, dump, variables
from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    DDL,
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSD,
    NUT_UPSRW,
    OUR_UPSD,
    NutServer,
    Port,
    User,
    run,
    wait_until,
)
from tests.support.snmpagent import DATA, Reader, SnmpAgent

pytestmark = pytest.mark.interop

RECORDING = DATA / "eaton-5px-mge.snmprec"
DUMP = DDL / "Eaton" / "Eaton__5PX__snmp-ups__2.7.4__01.dev"
MG = "1.3.6.1.4.1.705.1."
UPS_MIB = "1.3.6.1.2.1.33.1."
ADMIN = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
LOGIN = ("-u", "admin", "-p", "s3cret")
UPSDS = {"our-upsd": OUR_UPSD, "nut-upsd": NUT_UPSD}
DRIVERS = {"our-driver": OUR_SNMP_UPS, "nut-driver": NUT_SNMP_UPS}

#: the "onbattery" community: on battery, low battery, replace battery, overload,
#: utility off, upsOutputSource battery(5), upsmgInputLineFailCause utility off(4)
ON_BATTERY = {
    MG + "7.3.0": 1,
    MG + "5.14.0": 1,
    MG + "5.16.0": 1,
    MG + "5.11.0": 1,
    MG + "7.10.0": 1,
    MG + "7.7.0": 1,
    MG + "6.4.0": 4,
    UPS_MIB + "4.1.0": 5,
}


def changed(path: Path, values: dict[str, int]) -> str:
    """The recording with some integers changed."""
    lines = []
    for line in RECORDING.read_text().splitlines():
        oid, tag, text = line.split("|", 2)
        if oid in values:
            assert tag == "2", line
            text = str(values[oid])
        lines.append(f"{oid}|{tag}|{text}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpAgent]:
    on_battery = Path(changed(tmp_path_factory.mktemp("mge") / "ob.snmprec", ON_BATTERY))
    with SnmpAgent(recordings={"public": RECORDING, "onbattery": on_battery}) as a:
        yield a


@pytest.fixture
def own_agent() -> Iterator[SnmpAgent]:
    """An agent of the test's own (its SETs change the agent's answers)."""
    with SnmpAgent(recordings={"public": RECORDING}) as a:
        yield a


def ddl_dump() -> dict[str, str]:
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"^([a-z][a-z0-9.]*): ([^\t\n]*)", DUMP.read_text(), re.M)
    }


def as_280(value: str) -> str:
    """A 2.7.4 ``%.2f`` whole number as 2.8.0 prints it (``%i``)."""
    m = re.fullmatch(r"(-?\d+)\.00", value)
    return m.group(1) if m else value


# -- ours against NUT's driver ---------------------------------------------------------


@pytest.mark.parametrize(("mibs", "version"), [("mge", "v2c"), ("auto", "v2c"), ("mge", "v1")])
def test_mge_ours_equals_nut_snmp_ups(
    agent: SnmpAgent, tmp_path: Path, mibs: str, version: str
) -> None:
    options = {"mibs": mibs, "snmp_version": version}
    nut = dump(NUT_SNMP_UPS, agent, tmp_path, options)
    ours = dump(OUR_SNMP_UPS, agent, tmp_path, options)
    assert nut.returncode == 0, nut.stderr
    assert ours.returncode == 0, ours.stderr
    assert variables(ours.stdout) == variables(nut.stdout)
    got = as_dict(ours.stdout)
    assert got["driver.version.data"] == "mge MIB 0.55"  # auto: by sysObjectID .705.1
    assert got["ups.status"] == "OL"


def test_mge_on_battery_differs_only_by_nuts_repeated_status_words(
    agent: SnmpAgent, tmp_path: Path
) -> None:
    options = {"mibs": "mge", "snmp_version": "v2c", "community": "onbattery"}
    nut = as_dict(variables(dump(NUT_SNMP_UPS, agent, tmp_path, options).stdout))
    ours = as_dict(variables(dump(OUR_SNMP_UPS, agent, tmp_path, options).stdout))
    assert nut.pop("ups.status") == "RB LB LB OB OFF OVER OB"
    assert ours.pop("ups.status") == "RB LB OB OFF OVER"
    assert ours == nut
    assert ours["input.transfer.reason"] == "utility off"


def test_mge_variables_equal_the_ddl_dump_of_a_real_5px(agent: SnmpAgent, tmp_path: Path) -> None:
    ours = dump(OUR_SNMP_UPS, agent, tmp_path, {"snmp_version": "v2c"})
    assert ours.returncode == 0, ours.stderr
    got = {k: v for k, v in as_dict(ours.stdout).items() if not k.startswith("driver.")}
    want = {k: v for k, v in ddl_dump().items() if not k.startswith("driver.")}
    assert want["ups.model"] == "Eaton 5PX" and len(want) == 34
    reformatted = {k for k, v in want.items() if as_280(v) != v}
    assert reformatted == {
        "ambient.humidity",
        "battery.charge",
        "battery.runtime",
        "battery.runtime.low",
        "battery.voltage",
        "input.phases",
        "output.current",
        "output.frequency",
        "output.phases",
        "output.voltage",
        "ups.load",
        "ups.timer.reboot",
        "ups.timer.shutdown",
        "ups.timer.start",
    }
    assert {k for k in got if k not in want} == {
        "device.description",
        "device.contact",
        "device.location",
    }
    assert {k: v for k, v in got.items() if k in want} == {k: as_280(v) for k, v in want.items()}


# -- end to end: upsd (ours and NUT's), upsc, upsrw, upscmd ------------------------------------


def upsc(server: NutServer, var: str) -> tuple[int, str]:
    rc, out, _ = run([NUT_UPSC, server.ups("ups"), var], env=server.env)
    return rc, out


def serve(factory: NutServerFactory, agent: SnmpAgent, upsd: str, driver: str) -> NutServer:
    return factory(
        {"ups": Port(agent.endpoint)},
        users=ADMIN,
        upsd_cmd=UPSDS[upsd],
        driver_cmd=(DRIVERS[driver],),
        driver_options={"ups": {"snmp_version": "v2c", "pollfreq": "1"}},
    )


@pytest.mark.parametrize("upsd", sorted(UPSDS))
def test_mge_upsrw_and_upscmd_reach_the_agent(
    own_agent: SnmpAgent, nut_server_factory: NutServerFactory, upsd: str
) -> None:
    server = serve(nut_server_factory, own_agent, upsd, "our-driver")
    ups = server.ups("ups")
    agent_get = Reader(own_agent)
    try:
        rc, out, _ = run([NUT_UPSRW, ups], env=server.env)
        assert rc == 0 and "[ups.start.auto]" in out and "[battery.charge.low]" in out
        assert upsc(server, "ups.start.auto") == (0, "yes\n")
        rc, _, err = run([NUT_UPSRW, *LOGIN, "-w", "-s", "ups.start.auto=no", ups], env=server.env)
        assert (rc, err) == (0, "SUCCESS\n")
        assert agent_get(UPS_MIB + "8.5.0") == 2  # upsAutoRestart: off
        rc, out, _ = run([NUT_UPSCMD, "-l", ups], env=server.env)
        assert rc == 0
        for command in ("test.battery.start", "beeper.disable", "load.off.delay", "load.off"):
            assert f"\n{command} - " in out, out
        assert agent_get(MG + "10.4.0") == 1
        rc, _, err = run([NUT_UPSCMD, *LOGIN, "-w", ups, "test.battery.start"], env=server.env)
        assert (rc, err) == (0, "SUCCESS\n")
        assert agent_get(MG + "10.4.0") == 2  # upsmgTestBatterySchedule: start now
        rc, _, err = run([NUT_UPSCMD, *LOGIN, "-w", ups, "beeper.disable"], env=server.env)
        assert (rc, err) == (0, "SUCCESS\n")
        assert agent_get(UPS_MIB + "9.8.0") == 1  # upsConfigAudibleStatus: disabled
        # The next walks read both back from the agent.
        wait_until(
            lambda: (
                upsc(server, "ups.beeper.status") == (0, "disabled\n")
                and upsc(server, "ups.start.auto") == (0, "no\n")
            ),
            timeout=10,
            what="beeper and auto-restart read back",
        )
    finally:
        agent_get.close()


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_mge_listed_commands_without_a_row_are_refused_alike(
    own_agent: SnmpAgent, nut_server_factory: NutServerFactory, driver: str
) -> None:
    """NUT lists ``load.off`` (the table has ``load.off.delay``) but has no row to run it."""
    server = serve(nut_server_factory, own_agent, "our-upsd", driver)
    ups = server.ups("ups")
    rc, _, err = run([NUT_UPSCMD, *LOGIN, "-w", ups, "load.off"], env=server.env)
    assert (rc, err) == (0, "ERR UNKNOWN\n")  # the driver's tracked answer: no such command
    # load.off.delay needs its delay; given one, it SETs upsShutdownAfterDelay.
    rc, _, err = run([NUT_UPSCMD, *LOGIN, "-w", ups, "load.off.delay", "120"], env=server.env)
    assert (rc, err) == (0, "SUCCESS\n")
    agent_get = Reader(own_agent)
    try:
        assert agent_get(UPS_MIB + "8.2.0") == 120
    finally:
        agent_get.close()
