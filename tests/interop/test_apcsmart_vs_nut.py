"""Our apcsmart and NUT 2.8.0's ``/lib/nut/apcsmart`` on the same simulated Smart-UPS.

The simulator answers with the values of real units (DDL dumps made by
NUT's apcsmart).  Both drivers run under NUT's upsd and are read with
Debian's clients: ``upsc``, ``upsrw`` and ``upscmd -l`` must print the
same, the bytes each driver sends to the UPS must be the same, and the
values must be those of the dump.

Documented differences, asserted exactly:

* ``driver.state`` is ours only (a variable of later NUT, see
  ``drivers.main``);
* the dumps were made by older NUT; NUT 2.8.0 and we leave out a
  variable whose reply is empty, where NUT 2.6.4 printed ``ups.serial:``
  with nothing after it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSD,
    NUT_UPSRW,
    NutServer,
    Port,
    User,
    ddl,
    run,
    wait_until,
)
from tests.support.ptysim import PtySimulator
from tests.support.sim_apcsmart import read_dump

pytestmark = pytest.mark.interop

NUT_APCSMART = ("/lib/nut/apcsmart",)
OUR_APCSMART = (str(Path(sys.executable).parent / "apcsmart"),)
DRIVERS = {"nut": NUT_APCSMART, "ours": OUR_APCSMART}
ADMIN = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
LOGIN = ("-u", "admin", "-p", "s3cret")

#: dump -> variables the dump has that NUT 2.8.0 (and we) leave out
DUMPS = {
    "Smart-UPS_3000_RM__apcsmart__2.6.5": set(),
    "Smart-UPS_RT_3000_XL__apcsmart__2.7.1": set(),
    "Smart-UPS_RT_2000_XL__apcsmart__2.6.4": {"ups.serial", "device.serial"},
}


def _upsc(server: NutServer, *args: str) -> str:
    rc, out, err = run([NUT_UPSC, server.ups("apc"), *args], env=server.env)
    assert rc == 0, err
    return out


def _ours_only(text: str) -> str:
    return "".join(line for line in text.splitlines(True) if not line.startswith("driver.state:"))


def _port_dropped(text: str) -> str:
    """Without ``driver.parameter.port``: each driver has its own pty (numbers vary with
    whatever else opened one in between, as under a parallel test run)."""
    return "".join(
        line for line in text.splitlines(True) if not line.startswith("driver.parameter.port:")
    )


def _served(
    factory: NutServerFactory, sim: PtySimulator, driver: tuple[str, ...], **options: str
) -> NutServer:
    return factory(
        {"apc": Port(sim.port)},
        users=ADMIN,
        upsd_cmd=NUT_UPSD,
        driver_cmd=driver,
        driver_options={"apc": options},
    )


def _session(
    tmp_path: Path,
    factory: NutServerFactory,
    dump: Path,
    who: str,
    sim_kwargs: Mapping[str, object] | None = None,
    **options: str,
) -> tuple[PtySimulator, NutServer]:
    sim = PtySimulator(
        "tests.support.sim_apcsmart", tmp_path / f"{who}.log", dump=str(dump), **(sim_kwargs or {})
    )
    try:
        return sim, _served(factory, sim, DRIVERS[who], **options)
    except BaseException:
        sim.stop()
        raise


@pytest.mark.parametrize("name", sorted(DUMPS))
def test_same_variables_commands_and_bytes_as_nut(
    name: str, tmp_path: Path, nut_server_factory: NutServerFactory
) -> None:
    dump = ddl("APC", name)
    seen: dict[str, tuple[str, str, str, bytes]] = {}
    for who in DRIVERS:
        sim, server = _session(tmp_path, nut_server_factory, dump, who)
        try:
            upsc = _upsc(server)
            assert f"driver.parameter.port: {sim.port}\n" in upsc
            upsc = _port_dropped(upsc)
            _, rw, _ = run([NUT_UPSRW, server.ups("apc")], env=server.env)
            _, cmds, _ = run([NUT_UPSCMD, "-l", server.ups("apc")], env=server.env)
            # everything up to the first status poll: the probe, byte for byte
            sent = sim.received()
        finally:
            server.stop()
            sim.stop()
        seen[who] = (upsc, rw, cmds, sent[: sent.index(b"Q") + 1])

    nut, ours = seen["nut"], seen["ours"]
    assert "driver.state: quiet\n" in ours[0]
    assert _ours_only(ours[0]) == nut[0]
    assert ours[1:] == nut[1:]

    # The values are the real unit's (the dump's), but for the driver's own.
    expected = {k: v for k, v in read_dump(dump).items() if not k.startswith("driver.")}
    for missing in DUMPS[name]:
        del expected[missing]
    served = {
        name: value
        for name, _, value in (line.partition(": ") for line in nut[0].splitlines())
        if not name.startswith("driver.")
    }
    assert served == expected


def test_caps_make_the_same_enums_as_nut(
    tmp_path: Path, nut_server_factory: NutServerFactory
) -> None:
    """The real ^Z capture: writable enums in the firmware's locale (D) and locale 4."""
    dump = ddl("APC", "Smart-UPS_3000_RM__apcsmart__2.6.5")
    sim, server = _session(tmp_path, nut_server_factory, dump, "ours")
    try:
        _, rw, _ = run([NUT_UPSRW, server.ups("apc")], env=server.env)
    finally:
        server.stop()
        sim.stop()
    assert (
        "[input.transfer.high]\nHigh voltage transfer point (V)\nType: ENUM NUMBER\n"
        'Option: "132" SELECTED\nOption: "135"\nOption: "138"\nOption: "129"\n'
    ) in rw
    # "ON " and "OFF" both read as 0 hours: one option
    assert 'Option: "1209600" SELECTED\nOption: "604800"\nOption: "0"\n' in rw
    assert (
        "[ups.id]\nUPS system identifier\nType: STRING\nMaximum length: 8\nValue: s0-ups0\n" in rw
    )


REQUESTS = [
    # (client arguments, what reaches the UPS after the request)
    (("upsrw", "-s", "input.transfer.high=138"), b"u-u-u"),
    (("upsrw", "-s", "ups.delay.shutdown=020"), b"p"),
    (("upsrw", "-s", "ups.id=rack7"), b"c-rack7\r\r\r"),
    (("upscmd", "test.battery.start"), b"W"),
    (("upscmd", "calibrate.start"), b"QD"),
    (("upscmd", "load.on"), b"\x0e\x0e"),
]


@pytest.mark.parametrize(("request_args", "wire"), REQUESTS, ids=[" ".join(r[0]) for r in REQUESTS])
def test_set_and_instcmd_send_what_nut_sends(
    request_args: tuple[str, ...],
    wire: bytes,
    tmp_path: Path,
    nut_server_factory: NutServerFactory,
) -> None:
    dump = ddl("APC", "Smart-UPS_3000_RM__apcsmart__2.6.5")
    results = {}
    for who in DRIVERS:
        sim, server = _session(tmp_path, nut_server_factory, dump, who)
        try:
            tool, *args = request_args
            client = NUT_UPSRW if tool == "upsrw" else NUT_UPSCMD
            before = len(sim.received())
            if tool == "upsrw":
                cmd = [client, *LOGIN, "-w", *args, server.ups("apc")]
            else:
                cmd = [client, *LOGIN, "-w", server.ups("apc"), *args]
            rc, out, err = run(cmd, env=server.env)
            after = sim.received()[before:]
            results[who] = (rc, out, err, after)
        finally:
            server.stop()
            sim.stop()
    assert results["ours"][:3] == results["nut"][:3] == (0, "", "SUCCESS\n")
    for who, (_, _, _, after) in results.items():
        # polls may come between: what the request sent starts the rest
        assert _without_polls(after).startswith(wire), (who, after)


def _without_polls(data: bytes) -> bytes:
    """Drop whole poll cycles (``Q`` then the POLL variables) from the bytes."""
    poll = b"QCPXLF9GMNOfBj"
    return data.replace(poll, b"").lstrip(b"")


def test_power_event_reaches_both_drivers(
    tmp_path: Path, nut_server_factory: NutServerFactory
) -> None:
    """The mains fail (``!``, ``%`` and status 50): OB LB; they return (``$``, ``+``, 08): OL."""
    dump = ddl("APC", "Smart-UPS_3000_RM__apcsmart__2.6.5")
    for who in DRIVERS:
        sim, server = _session(tmp_path, nut_server_factory, dump, who, pollinterval="1")
        try:
            sim.control(status="OB LB")
            _wait_status(server, "OB LB")
            sim.control(status="OL")
            _wait_status(server, "OL")
        finally:
            server.stop()
            sim.stop()


def _wait_status(server: NutServer, status: str) -> None:
    wait_until(lambda: _upsc(server, "ups.status") == status + "\n", 10, f"ups.status {status}")


#: Units without ``a``: the firmware table (``V`` answers a known code) and
#: the minimal probe of very old ones (nothing but a few values).
OLD_UNITS = {
    "firmware-table-7II": ("Smart-UPS_900i__apcsmart__2.4.1", {"old_firmware": "7II"}),
    "firmware-table-matrix": ("Matrix-UPS_3000__apcsmart__2.2.0", {"old_firmware": "0XI"}),
    "very-old": ("Smart-UPS_900i__apcsmart__2.4.1", {}),
}
OLD_MODELS = {
    "firmware-table-7II": "Smart-UPS",
    "firmware-table-matrix": "Matrix-UPS",
    "very-old": "Smart-UPS",
}


@pytest.mark.parametrize("case", sorted(OLD_UNITS))
def test_old_units_probe_like_nut(
    case: str, tmp_path: Path, nut_server_factory: NutServerFactory
) -> None:
    name, kwargs = OLD_UNITS[case]
    sim_kwargs = {"cmdset": False, "caps": None, **kwargs}
    seen = {}
    for who in DRIVERS:
        sim, server = _session(tmp_path, nut_server_factory, ddl("APC", name), who, sim_kwargs)
        try:
            upsc = _upsc(server)
            assert f"driver.parameter.port: {sim.port}\n" in upsc
            upsc = _port_dropped(upsc)
            _, rw, _ = run([NUT_UPSRW, server.ups("apc")], env=server.env)
            _, cmds, _ = run([NUT_UPSCMD, "-l", server.ups("apc")], env=server.env)
            sent = sim.received()
        finally:
            server.stop()
            sim.stop()
        seen[who] = (upsc, rw, cmds, sent[: sent.index(b"Q") + 1])
    assert _ours_only(seen["ours"][0]) == seen["nut"][0]
    assert seen["ours"][1:] == seen["nut"][1:]
    assert f"ups.model: {OLD_MODELS[case]}\n" in seen["nut"][0]
    if case == "very-old":
        # a (refused), then the minimal probe: the values NUT's oldapcsetup asks for
        assert seen["nut"][3] == b"YVbaCPLOfB\x01n/bVQ"
