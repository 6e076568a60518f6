"""snmp-ups on an Eaton ePDU, and the SNMP v1 / v3 modes, side by side with NUT's own driver.

The ePDU agent serves ``tests/data/snmp/eaton-epdu-ma-8xc13.snmprec``,
written from the EATON-EPDU-MIB objects NUT's ``eaton_epdu`` table reads
(no DDL dump of a Marlin ePDU exists to copy values from): one unit
("EPDU MA 1U (C20 16A 1P)8XC13"), single phase, 8 outlets in 2 groups, an
EMP001 probe, outlet 4 over its current warning threshold.

NUT 2.8.0's ``/lib/nut/snmp-ups`` and ours must print the same variables
(but ``driver.state``, ours only).  One documented difference: on SNMP
v2c/v3, NUT 2.8.0 takes a noSuchInstance answer for an existing object
when it probes whether the outlet tables count from 0 or 1, so it walks
outlets 0..7 and groups 0..1 (missing outlet 8 and group 2, and, since
outlet 0's alarm row fails at start, ``ups.alarm``); NUT 2.8.1 fixed that
(commit 5a81345, "Fix walk issue with snmpv3"), and ours behaves as fixed.
On v1 (NUT's default) the agent answers noSuchName and both agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.test_snmp_ups import (
    NUT_SNMP_UPS,
    OUR_SNMP_UPS,
    RECORDING,
    as_dict,
    dump,
    variables,
)
from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSD,
    NUT_UPSRW,
    OUR_UPSD,
    Port,
    User,
    run,
)
from tests.support.snmpagent import DATA, Reader, SnmpAgent, V3User

pytestmark = pytest.mark.interop

EPDU = DATA / "eaton-epdu-ma-8xc13.snmprec"
M = "1.3.6.1.4.1.534.6.6.7."
ADMIN = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
LOGIN = ("-u", "admin", "-p", "s3cret")
UPSDS = {"our-upsd": OUR_UPSD, "nut-upsd": NUT_UPSD}


@pytest.fixture(scope="module")
def epdu() -> Iterator[SnmpAgent]:
    with SnmpAgent(recordings={"public": EPDU}) as a:
        yield a


def test_epdu_v1_ours_equals_nut_snmp_ups(epdu: SnmpAgent, tmp_path: Path) -> None:
    options = {"snmp_version": "v1"}
    nut = dump(NUT_SNMP_UPS, epdu, tmp_path, options)
    ours = dump(OUR_SNMP_UPS, epdu, tmp_path, options)
    assert nut.returncode == 0, nut.stderr
    assert ours.returncode == 0, ours.stderr
    assert variables(ours.stdout) == variables(nut.stdout)
    got = as_dict(ours.stdout)
    assert got["driver.version.data"] == "eaton_epdu MIB 0.69"  # found by sysObjectID
    assert (got["device.type"], got["device.count"], got["outlet.count"]) == ("pdu", "1", "8")
    assert got["outlet.8.desc"] == "console switch"
    assert got["outlet.group.2.name"] == "B"
    assert got["ups.alarm"] == "outlet 4 high current warning!"
    assert got["ups.status"] == ""  # NUT commits a chain table's status before its alarms


def test_epdu_v2c_differs_only_where_nut_280_misprobes_the_outlet_base(
    epdu: SnmpAgent, tmp_path: Path
) -> None:
    options = {"snmp_version": "v2c"}
    nut = as_dict(variables(dump(NUT_SNMP_UPS, epdu, tmp_path, options).stdout))
    ours = as_dict(variables(dump(OUR_SNMP_UPS, epdu, tmp_path, options).stdout))
    v1 = as_dict(variables(dump(OUR_SNMP_UPS, epdu, tmp_path, {"snmp_version": "v1"}).stdout))
    assert {k: v for k, v in v1.items() if not k.startswith("driver.parameter")} == {
        k: v for k, v in ours.items() if not k.startswith("driver.parameter")
    }
    only_ours = {k for k in ours if k not in nut}
    assert only_ours == {
        k for k in ours if k.startswith(("outlet.8.", "outlet.group.2.")) or k == "ups.alarm"
    }
    assert len(only_ours) == 23 + 24 + 1  # outlet.8.*, outlet.group.2.*, ups.alarm
    assert {k: v for k, v in ours.items() if k not in only_ours} == nut


@pytest.mark.parametrize("upsd", sorted(UPSDS))
def test_epdu_outlet_commands_and_settings_reach_the_agent(
    nut_server_factory: NutServerFactory, upsd: str
) -> None:
    with SnmpAgent(recordings={"public": EPDU}) as agent:
        server = nut_server_factory(
            {"pdu": Port(agent.endpoint)},
            users=ADMIN,
            upsd_cmd=UPSDS[upsd],
            driver_cmd=(OUR_SNMP_UPS,),
            driver_options={"pdu": {"snmp_version": "v2c"}},
        )
        ups = server.ups("pdu")
        agent_get = Reader(agent)
        rc, out, _ = run([NUT_UPSCMD, "-l", ups], env=server.env)
        assert rc == 0 and "outlet.1.load.off" in out and "outlet.group.2.load.cycle" in out
        assert agent_get(M + "6.6.1.3.0.1") == -1  # outletControlOffCmd: none pending
        rc, _, err = run([NUT_UPSCMD, *LOGIN, "-w", ups, "outlet.1.load.off"], env=server.env)
        assert (rc, err) == (0, "SUCCESS\n")
        assert agent_get(M + "6.6.1.3.0.1") == 0  # off, now
        rc, _, err = run([NUT_UPSCMD, *LOGIN, "-w", ups, "outlet.1.load.cycle"], env=server.env)
        assert (rc, err) == (0, "SUCCESS\n")
        assert agent_get(M + "6.6.1.5.0.1") == 0  # outletControlRebootCmd
        rc, _, err = run([NUT_UPSCMD, *LOGIN, "-w", ups, "outlet.group.1.load.on"], env=server.env)
        assert (rc, err) == (0, "SUCCESS\n")
        assert agent_get(M + "5.6.1.4.0.1") == 0  # groupControlOnCmd
        rc, _, err = run(
            [NUT_UPSRW, *LOGIN, "-w", "-s", "outlet.1.delay.shutdown=60", ups], env=server.env
        )
        assert (rc, err) == (0, "SUCCESS\n")
        assert agent_get(M + "6.6.1.10.0.1") == 60  # outletControlShutoffDelay
        assert run([NUT_UPSC, ups, "outlet.1.delay.shutdown"], env=server.env)[1] == "60\n"
        # As NUT 2.8.0: a non-outlet threshold is SET at its OID template, which fails.
        rc, _, err = run(
            [NUT_UPSRW, *LOGIN, "-w", "-s", "input.voltage.high.warning=250", ups],
            env=server.env,
        )
        assert (rc, err) == (0, "ERR FAILED\n")
        assert agent_get(M + "3.2.1.7.0.1.1") == 255000
        agent_get.close()


# -- SNMP v1 and v3 modes on the APC recording ------------------------------------------------


def test_apc_v1_ours_equals_nut_snmp_ups(tmp_path: Path) -> None:
    with SnmpAgent(recordings={"public": RECORDING}) as agent:
        nut = dump(NUT_SNMP_UPS, agent, tmp_path, {"snmp_version": "v1"})
        ours = dump(OUR_SNMP_UPS, agent, tmp_path, {"snmp_version": "v1"})
    assert nut.returncode == 0, nut.stderr
    assert ours.returncode == 0, ours.stderr
    assert variables(ours.stdout) == variables(nut.stdout)
    assert as_dict(ours.stdout)["ups.model"] == "Smart-UPS 5000"


V3_MODES = {
    # name: (agent's user, driver options)
    "authNoPriv-MD5": (
        V3User(name="nutv3", auth_key="authpass123", auth_proto="MD5"),
        {"secLevel": "authNoPriv", "authProtocol": "MD5"},
    ),
    "authNoPriv-SHA": (
        V3User(name="nutv3", auth_key="authpass123", auth_proto="SHA"),
        {"secLevel": "authNoPriv", "authProtocol": "SHA"},
    ),
    "authPriv-SHA-DES": (
        V3User(
            name="nutv3",
            auth_key="authpass123",
            auth_proto="SHA",
            priv_key="privpass123",
            priv_proto="DES",
        ),
        {"secLevel": "authPriv", "authProtocol": "SHA", "privProtocol": "DES"},
    ),
    # net-snmp's AES256 (what NUT's privProtocol=AES256 asks for) extends the
    # localized key as Blumenthal's draft does: snmpsim's AES256BLMT.
    "authPriv-SHA-AES256": (
        V3User(
            name="nutv3",
            auth_key="authpass123",
            auth_proto="SHA",
            priv_key="privpass123",
            priv_proto="AES256BLMT",
        ),
        {"secLevel": "authPriv", "authProtocol": "SHA", "privProtocol": "AES256"},
    ),
}


def v3_options(extra: dict[str, str]) -> dict[str, str]:
    options = {
        "snmp_version": "v3",
        "secName": "nutv3",
        "authPassword": "authpass123",
        "snmp_retries": "0",
    }
    if extra["secLevel"] == "authPriv":
        options["privPassword"] = "privpass123"
    return {**options, **extra}


@pytest.mark.parametrize("mode", sorted(V3_MODES))
def test_apc_v3_modes_ours_equals_nut_snmp_ups(tmp_path: Path, mode: str) -> None:
    user, extra = V3_MODES[mode]
    options = v3_options(extra)
    with SnmpAgent(recordings={"public": RECORDING}, v3_user=user) as agent:
        nut = dump(NUT_SNMP_UPS, agent, tmp_path, options)
        ours = dump(OUR_SNMP_UPS, agent, tmp_path, options)
    assert nut.returncode == 0, nut.stderr
    assert ours.returncode == 0, ours.stderr
    assert variables(ours.stdout) == variables(nut.stdout)
    assert as_dict(ours.stdout)["ups.model"] == "Smart-UPS 5000"


def test_aes256_is_blumenthals_for_both_drivers_not_reeders(tmp_path: Path) -> None:
    """An agent localizing AES256 keys as Reeder's draft (Cisco's "AES256C") is not understood.

    Both NUT's driver (net-snmp's usmAES256PrivProtocol) and ours fail the
    same way, so the two agree on which key extension AES256 means.
    """
    user = V3User(
        name="nutv3",
        auth_key="authpass123",
        auth_proto="SHA",
        priv_key="privpass123",
        priv_proto="AES256",  # snmpsim: pysnmp's Reeder key extension
    )
    options = v3_options({"secLevel": "authPriv", "authProtocol": "SHA", "privProtocol": "AES256"})
    options["snmp_timeout"] = "1"
    with SnmpAgent(recordings={"public": RECORDING}, v3_user=user) as agent:
        nut = dump(NUT_SNMP_UPS, agent, tmp_path, options)
        ours = dump(OUR_SNMP_UPS, agent, tmp_path, options)
    assert nut.returncode == 1
    assert "MIB wasn't found" in nut.stderr or "No supported device" in nut.stderr, nut.stderr
    assert ours.returncode == 1
    assert "no answer from" in ours.stderr
