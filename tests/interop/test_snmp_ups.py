"""snmp-ups against a real SNMP agent (snmpsim on loopback), side by side with NUT's own.

The agent serves ``tests/data/snmp/apc-smartups5000-ap9630.snmprec``: an
APC Smart-UPS 5000 whose UPS-MIB part was captured from the device and
whose PowerNet part reproduces the ``upsc`` dump captured with NUT 2.8.0
(``shared/ddl``, NUT issue #1559).  NUT's ``/lib/nut/snmp-ups`` and ours
read the same agent; their variables must be equal, but for the one
documented difference: ours also publishes ``driver.state`` (later NUT's).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from powerdown.drivers.snmp.client import SnmpClient, SnmpSettings
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
from tests.support.snmpagent import DATA, SnmpAgent, V3User

pytestmark = pytest.mark.interop

NUT_SNMP_UPS = "/lib/nut/snmp-ups"
OUR_SNMP_UPS = str(Path(sys.executable).parent / "snmp-ups")
RECORDING = DATA / "apc-smartups5000-ap9630.snmprec"
DUMP = DDL / "APC" / "APC__Smart-UPS_5000_RM__snmp-ups__2.8.0__01.dev"
V3 = V3User(
    name="nutv3", auth_key="authpass123", auth_proto="SHA", priv_key="privpass123", priv_proto="AES"
)
V3_OPTIONS = {
    "snmp_version": "v3",
    "secLevel": "authPriv",
    "secName": "nutv3",
    "authPassword": "authpass123",
    "privPassword": "privpass123",
    "authProtocol": "SHA",
    "privProtocol": "AES",
}
ADMIN = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
LOGIN = ("-u", "admin", "-p", "s3cret")
U = "1.3.6.1.4.1.318.1.1.1."


@pytest.fixture(scope="module")
def agent() -> Iterator[SnmpAgent]:
    """A read-only use of the recording: shared by the comparison tests."""
    with SnmpAgent(recordings={"public": RECORDING}, v3_user=V3) as a:
        yield a


@pytest.fixture
def own_agent() -> Iterator[SnmpAgent]:
    """An agent of the test's own (SET, pause and stop change it)."""
    with SnmpAgent(recordings={"public": RECORDING}, v3_user=V3) as a:
        yield a


def dump(
    program: str, agent: SnmpAgent, tmp_path: Path, options: dict[str, str], *extra: str
) -> subprocess.CompletedProcess[str]:
    """The driver's ``-d 1`` dump (one update, then exit) of our agent."""
    conf = tmp_path / f"conf-{Path(program).name}-{len(list(tmp_path.iterdir()))}"
    conf.mkdir()
    lines = ["[apc]", "  driver = snmp-ups", f'  port = "{agent.endpoint}"']
    lines += [f'  {k} = "{v}"' for k, v in options.items()]
    (conf / "ups.conf").write_text("\n".join(lines) + "\n")
    env = dict(
        os.environ,
        NUT_CONFPATH=str(conf),
        NUT_STATEPATH=str(conf),
        NUT_ALTPIDPATH=str(conf),
        NUT_PIDPATH=str(conf),
        NUT_QUIET_INIT_BANNER="1",
    )
    user = ["-u", "root"] if os.geteuid() == 0 else []
    return subprocess.run(
        [program, "-a", "apc", "-d", "1", *user, *extra],
        capture_output=True,
        text=True,
        timeout=60,  # a guard against a hang: a loaded machine once took over 20 s
        env=env,
    )


def variables(out: str) -> str:
    """The dump without NUT's banner and without ``driver.state`` (ours only)."""
    lines = [
        line
        for line in out.splitlines(keepends=True)
        if not line.startswith("Network UPS Tools - ") and not line.startswith("driver.state:")
    ]
    return "".join(lines)


def as_dict(out: str) -> dict[str, str]:
    """``name: value`` lines (a hex value's second line joins the first)."""
    result: dict[str, str] = {}
    last = None
    for line in out.splitlines():
        m = re.match(r"^([a-z0-9][a-zA-Z0-9.\-_]*): (.*)$", line)
        if m:
            last = m.group(1)
            result[last] = m.group(2)
        elif last is not None:
            result[last] += "\n" + line
    return result


def captured_dump() -> dict[str, str]:
    """The ``upsc`` lines of the DDL file (before its snmpwalk block)."""
    text = DUMP.read_text().split("# DEVICE:COMMENT-BLOCK: `snmpwalk`")[0]
    return {
        m.group(1): m.group(2) for m in re.finditer(r"^([a-z][a-z0-9.]*): ([^\t\n]*)", text, re.M)
    }


def agent_get(agent: SnmpAgent, oid: str) -> object:
    async def get() -> object:
        client = SnmpClient(SnmpSettings(host="127.0.0.1", port=agent.port, version="v2c"))
        try:
            value = (await client.get([oid]))[oid]
            assert value is not None
            return value.number if value.kind.value != "string" else value.data.decode()
        finally:
            client.close()

    return asyncio.run(get())


# -- ours against NUT's driver -------------------------------------------------------


@pytest.mark.parametrize("mibs", ["auto", "apcc", "ietf"])
def test_our_variables_equal_nut_snmp_ups(agent: SnmpAgent, tmp_path: Path, mibs: str) -> None:
    options = {"mibs": mibs, "snmp_version": "v2c", "pollfreq": "1"}
    nut = dump(NUT_SNMP_UPS, agent, tmp_path, options)
    ours = dump(OUR_SNMP_UPS, agent, tmp_path, options)
    assert nut.returncode == 0, nut.stderr
    assert ours.returncode == 0, ours.stderr
    assert variables(ours.stdout) == variables(nut.stdout)
    assert "driver.state: " in ours.stdout
    if mibs == "ietf":
        # The UPS-MIB as this card answers it (captured): upsOutputSource none(2),
        # upsTestId pointing at upsTestQuickBatteryTest -> OFF TEST, in both drivers.
        assert as_dict(ours.stdout)["ups.status"] == "OFF TEST"


def test_apcc_variables_equal_the_dump_captured_from_the_device(
    agent: SnmpAgent, tmp_path: Path
) -> None:
    ours = dump(OUR_SNMP_UPS, agent, tmp_path, {"snmp_version": "v2c"})
    assert ours.returncode == 0, ours.stderr
    got = {k: v for k, v in as_dict(ours.stdout).items() if not k.startswith("driver.")}
    want = {k: v for k, v in captured_dump().items() if not k.startswith("driver.")}
    # The DDL file shows the hex location on one line (its note says why); the
    # driver prints net-snmp's hex, 16 bytes a line, as NUT's does (compared above).
    assert got.pop("device.location") == (
        "D0 A1 D0 B5 D1 80 D0 B2 D0 B5 D1 80 D0 BD D0 B0 \nD1 8F "
    )
    assert want.pop("device.location").startswith("D0 A1 D0 B5")
    assert got == want
    assert "driver.version.data: apcc MIB 1.6" in ours.stdout


def test_snmpv3_authpriv_sha_aes_reads_the_same(agent: SnmpAgent, tmp_path: Path) -> None:
    v2c = dump(OUR_SNMP_UPS, agent, tmp_path, {"snmp_version": "v2c"})
    ours = dump(OUR_SNMP_UPS, agent, tmp_path, V3_OPTIONS)
    nut = dump(NUT_SNMP_UPS, agent, tmp_path, V3_OPTIONS)
    assert ours.returncode == 0, ours.stderr
    assert nut.returncode == 0, nut.stderr

    def data(out: str) -> dict[str, str]:
        return {k: v for k, v in as_dict(out).items() if not k.startswith("driver.parameter.")}

    assert data(ours.stdout) == data(v2c.stdout)
    assert variables(ours.stdout) == variables(nut.stdout)
    # Secrets are not published (NUT's VAR_SENSITIVE).
    assert "privpass123" not in ours.stdout and "nutv3" not in ours.stdout


def test_wrong_community_is_a_clear_error(agent: SnmpAgent, tmp_path: Path) -> None:
    started = time.monotonic()
    ours = dump(
        OUR_SNMP_UPS,
        agent,
        tmp_path,
        {"snmp_version": "v2c", "community": "nope", "snmp_retries": "0", "snmp_timeout": "1"},
    )
    assert ours.returncode == 1
    assert f"no answer from {agent.endpoint}" in ours.stderr
    assert "No SNMP response received before timeout" in ours.stderr
    assert time.monotonic() - started < 15


def test_wrong_v3_password_is_a_clear_error(agent: SnmpAgent, tmp_path: Path) -> None:
    options = dict(V3_OPTIONS, authPassword="wrongpass1", snmp_retries="0")
    ours = dump(OUR_SNMP_UPS, agent, tmp_path, options)
    assert ours.returncode == 1
    assert f"no answer from {agent.endpoint}" in ours.stderr
    assert re.search(r"[Ww]rong ?[Dd]igest|[Dd]igest|authentication", ours.stderr), ours.stderr


def test_v3_without_secname_is_refused_as_nut_does(agent: SnmpAgent, tmp_path: Path) -> None:
    ours = dump(OUR_SNMP_UPS, agent, tmp_path, {"snmp_version": "v3", "secLevel": "authPriv"})
    assert ours.returncode == 1
    assert "securityName is required for SNMPv3" in ours.stderr


def test_killpower_sends_shutdown_return_with_the_delays(
    own_agent: SnmpAgent, tmp_path: Path
) -> None:
    ours = dump(OUR_SNMP_UPS, own_agent, tmp_path, {"ondelay": "60", "offdelay": "30"}, "-k")
    assert ours.returncode == 0, ours.stderr
    assert agent_get(own_agent, U + "6.1.1.0") == 2  # upsBasicControlConserveBattery: on
    assert agent_get(own_agent, U + "5.2.9.0") == 2000  # ondelay 60 s / length 3, in ticks
    assert agent_get(own_agent, U + "5.2.10.0") == 1000  # offdelay 30 s / 3


# -- end to end: upsd (ours and NUT's), upsc, upsrw, upscmd ---------------------------------

UPSDS = {"our-upsd": OUR_UPSD, "nut-upsd": NUT_UPSD}


def upsc(server: NutServer, *args: str) -> tuple[int, str, str]:
    rc, out, err = run([NUT_UPSC, server.ups("apc"), *args], env=server.env)
    return rc, out, err.replace("Init SSL without certificate database\n", "")


def serve(factory: NutServerFactory, agent: SnmpAgent, upsd: str, **options: str) -> NutServer:
    return factory(
        {"apc": Port(agent.endpoint)},
        users=ADMIN,
        upsd_cmd=UPSDS[upsd],
        driver_cmd=(OUR_SNMP_UPS,),
        driver_options={"apc": {"snmp_version": "v2c", **options}},
    )


@pytest.mark.parametrize("upsd", sorted(UPSDS))
def test_upsc_through_upsd_shows_the_devices_variables(
    own_agent: SnmpAgent, nut_server_factory: NutServerFactory, upsd: str
) -> None:
    server = serve(nut_server_factory, own_agent, upsd)
    rc, out, _ = upsc(server)
    assert rc == 0
    got = {k: v for k, v in as_dict(out).items() if not k.startswith("driver.")}
    want = {k: v for k, v in captured_dump().items() if not k.startswith("driver.")}
    got.pop("device.location"), want.pop("device.location")
    assert got == want


@pytest.mark.parametrize("upsd", sorted(UPSDS))
def test_upsrw_and_upscmd_reach_the_agent(
    own_agent: SnmpAgent, nut_server_factory: NutServerFactory, upsd: str
) -> None:
    server = serve(nut_server_factory, own_agent, upsd, pollfreq="1")
    rc, out, _ = run([NUT_UPSRW, server.ups("apc")], env=server.env)
    assert rc == 0 and "[ups.delay.shutdown]" in out and "[ups.id]" in out
    rc, out, err = run(
        [NUT_UPSRW, *LOGIN, "-w", "-s", "ups.id=RACK7", server.ups("apc")], env=server.env
    )
    assert (rc, err) == (0, "SUCCESS\n")
    assert agent_get(own_agent, U + "1.1.2.0") == "RACK7"
    assert upsc(server, "ups.id") == (0, "RACK7\n", "")
    rc, out, err = run(
        [NUT_UPSRW, *LOGIN, "-w", "-s", "ups.delay.shutdown=180", server.ups("apc")],
        env=server.env,
    )
    assert (rc, err) == (0, "SUCCESS\n")
    assert agent_get(own_agent, U + "5.2.10.0") == 6000  # 180 s / 3, in ticks
    # The next walks read it back from the agent: still 180.
    wait_until(
        lambda: upsc(server, "ups.delay.shutdown") == (0, "180\n", ""),
        timeout=10,
        what="ups.delay.shutdown read back",
    )
    rc, out, _ = run([NUT_UPSCMD, "-l", server.ups("apc")], env=server.env)
    assert rc == 0 and "test.battery.start" in out and "shutdown.return" in out
    rc, out, err = run(
        [NUT_UPSCMD, *LOGIN, "-w", server.ups("apc"), "test.battery.start"], env=server.env
    )
    assert (rc, err) == (0, "SUCCESS\n")
    assert agent_get(own_agent, U + "7.2.2.0") == 2  # upsAdvTestDiagnostics: testNow
    # The agent refuses 999 s (99900 ticks) with wrongValue: FAILED, value unchanged.
    rc, out, err = run(
        [NUT_UPSRW, *LOGIN, "-w", "-s", "ups.delay.start=2997", server.ups("apc")],
        env=server.env,
    )
    assert (rc, err) == (0, "ERR FAILED\n")  # NUT 2.8.0's upsrw: a tracked failure, exit 0
    assert agent_get(own_agent, U + "5.2.9.0") == 0
    assert upsc(server, "ups.delay.start") == (0, "0\n", "")


@pytest.mark.parametrize("upsd", sorted(UPSDS))
def test_agent_that_stops_answering_goes_stale_then_recovers(
    own_agent: SnmpAgent, nut_server_factory: NutServerFactory, upsd: str
) -> None:
    server = serve(
        nut_server_factory,
        own_agent,
        upsd,
        pollfreq="1",
        pollinterval="1",
        snmp_retries="0",
        snmp_timeout="1",
    )
    assert upsc(server, "ups.status") == (0, "OL\n", "")
    own_agent.pause()
    try:
        started = time.monotonic()
        wait_until(
            lambda: upsc(server, "ups.status")[2] == "Error: Data stale\n",
            timeout=15,
            what="the data to go stale",
        )
        assert time.monotonic() - started < 15
    finally:
        own_agent.resume()
    wait_until(
        lambda: upsc(server, "ups.status") == (0, "OL\n", ""),
        timeout=15,
        what="the data to recover",
    )
