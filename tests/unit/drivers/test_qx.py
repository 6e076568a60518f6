"""nutdrv_qx's pure parts: reply layouts, status bits, commands, the walk and the estimate.

Real replies used here (each says where it comes from):

* ``(208.4 140.0 208.4 034 59.9 2.05 35.0 00110000`` -- a Q1 answer said to
  come from NUT's issue tracker (handed to us as such; the thread was not
  re-checked here): a UPS reporting one 2 V cell, so packs matter;
* ``(226.0 195.0 226.0 014 49.0 27.5 30.0 00001000``, ``#220.0 000 024.0 50.0``
  and ``#-------------   ------     VT12046Q  `` -- the captures in the
  comments of NUT's ``nutdrv_qx_megatec.c`` table;
* the DDL dumps that ``tests/support/sim_qx.py`` replays (Fideltronik INIGO
  Viper 1200, UltraMax 1000SC, Green Cell PowerProof 2000, Powermatic
  Cleanline) for the values NUT's driver printed for those devices.
"""

from __future__ import annotations

import re

import pytest

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.qx import blazer
from powerdown.drivers.qx.engine import Engine, Mode, Poll, run_sync
from powerdown.drivers.qx.estimate import EstimateError, Estimator
from powerdown.drivers.qx.items import Item, extract, standard_value
from powerdown.drivers.qx.protocols import PROTOCOLS, by_name
from powerdown.protocol.sock import TrackingStatus
from tests.support.sim_qx import Device

REAL_Q1 = "(208.4 140.0 208.4 034 59.9 2.05 35.0 00110000\r"
TABLE_Q1 = "(226.0 195.0 226.0 014 49.0 27.5 30.0 00001000\r"
TABLE_F = "#220.0 000 024.0 50.0\r"
TABLE_I = "#-------------   ------     VT12046Q  \r"


def parse(protocol: str, replies: dict[str, str]) -> dict[str, str]:
    """Every plain value a protocol's table reads out of the given replies."""
    proto = by_name(protocol)
    assert proto is not None
    out: dict[str, str] = {}
    for item in proto.items:
        if item.command in replies and item.process is None:
            raw = extract(item, replies[item.command])
            assert raw is not None
            value = standard_value(item, raw)
            if value:
                out[item.name] = value
    return out


def test_megatec_Q1_F_I_from_NUTs_table_comments() -> None:
    assert parse("megatec", {"Q1\r": TABLE_Q1, "F\r": TABLE_F, "I\r": TABLE_I}) == {
        "input.voltage": "226.0",
        "input.voltage.fault": "195.0",
        "output.voltage": "226.0",
        "ups.load": "14",
        "input.frequency": "49.0",
        "battery.voltage": "27.50",
        "ups.temperature": "30.0",
        "input.voltage.nominal": "220",
        "input.current.nominal": "0.0",
        "battery.voltage.nominal": "24.0",
        "input.frequency.nominal": "50",
        # only spaces and hashes are trimmed: the dashes stay, as in NUT
        "device.mfr": "-------------",
        "device.model": "------",
        "ups.firmware": "VT12046Q",
    }


def test_q1_real_answer_from_an_issue() -> None:
    assert parse("q1", {"Q1\r": REAL_Q1}) == {
        "input.voltage": "208.4",
        "input.voltage.fault": "140.0",
        "output.voltage": "208.4",
        "ups.load": "34",
        "input.frequency": "59.9",
        "battery.voltage": "2.05",
        "ups.temperature": "35.0",
    }


@pytest.mark.parametrize(
    ("protocol", "command"),
    [("mustek", "QS\r"), ("megatec/old", "D\r"), ("zinto", "Q1\r"), ("voltronic-qs", "QS\r")],
)
def test_same_layout_other_status_commands(protocol: str, command: str) -> None:
    values = parse(protocol, {command: TABLE_Q1})
    assert values["input.voltage"] == "226.0"
    assert values["battery.voltage"] == "27.50"
    # voltronic-qs reads the frequency as the output's
    freq = "output.frequency" if protocol == "voltronic-qs" else "input.frequency"
    assert values[freq] == "49.0"


def test_replies_NUT_refuses() -> None:
    item = by_name("megatec").items[0]  # type: ignore[union-attr]
    assert extract(item, TABLE_Q1[:46]) is None  # short
    assert extract(item, "#" + TABLE_Q1[1:]) is None  # wrong first character
    assert extract(item, "Q1\r") is None  # an echo is short
    numeric = Item(name="x", command="Q1\r", start=33, end=36, fmt="%.1f")
    assert standard_value(numeric, "--.-") is None  # dashes: not a number
    assert extract(Item(name="x", start=0), "NAK\rjunk") == "NAK"


BITS = [
    # (bits b7..b0, input V, output V, status words, ups.type, beeper, alarm)
    ("00000000", "230", "230", ["OL"], "online", "disabled", None),
    ("10000000", "230", "230", ["OB"], "online", "disabled", None),
    ("11000000", "230", "230", ["OB", "LB"], "online", "disabled", None),
    ("00100000", "230", "200", ["OL", "TRIM"], "online", "disabled", None),
    ("00100000", "230", "230", ["OL", "BYPASS"], "online", "disabled", None),
    ("00100000", "200", "230", ["OL", "BOOST"], "online", "disabled", None),
    ("00010000", "230", "230", ["OL"], "online", "disabled", "UPS selftest failed!"),
    ("00001001", "230", "230", ["OL"], "offline / line interactive", "enabled", None),
    ("00000100", "230", "230", ["OL", "CAL"], "online", "disabled", None),
    ("00000010", "230", "230", ["OL", "FSD"], "online", "disabled", "Shutdown imminent!"),
]


@pytest.mark.parametrize(("bits", "vin", "vout", "status", "kind", "beeper", "alarm"), BITS)
def test_status_bits(
    bits: str, vin: str, vout: str, status: list[str], kind: str, beeper: str, alarm: str | None
) -> None:
    dev = Device("megatec")
    dev.control("bits", bits)
    dev.control("set", {"input.voltage": vin, "output.voltage": vout})
    dstate = Dstate()
    engine = Engine(by_name("megatec"), dstate, pollfreq=0)  # type: ignore[arg-type]
    assert run_sync(engine.walk(Mode.INIT, 0.0), _answer(dev)) is True
    assert run_sync(engine.update(1.0), _answer(dev)) is Poll.OK
    assert dstate.getinfo("ups.status") == " ".join((["ALARM"] if alarm else []) + status)
    assert dstate.getinfo("ups.type") == kind
    assert dstate.getinfo("ups.beeper.status") == beeper
    assert dstate.getinfo("ups.alarm") == alarm


def test_out_of_range_bypass_voltage_fails_the_status() -> None:
    item = blazer.status_items("Q1\r")[9]
    assert item.start == 40
    assert (
        blazer.status_bit(item, "1", {"input.voltage": "230", "output.voltage": "100"}.get) is None
    )
    assert blazer.status_bit(item, "x", {}.get) is None


@pytest.mark.parametrize(
    ("command", "offdelay", "ondelay", "param", "sent"),
    [
        ("shutdown.return", "30", "180", "", "S.5R0003\r"),
        ("shutdown.return", "60", "180", "", "S01R0003\r"),
        ("shutdown.return", "12", "0", "", "S.2\r"),
        ("shutdown.return", "180", "0", "", "S03\r"),
        ("shutdown.return", "120", "300", "", "S02R0005\r"),
        ("shutdown.stayoff", "30", "180", "", "S.5R0000\r"),
        ("test.battery.start", "30", "180", "", "T10\r"),
        ("test.battery.start", "30", "180", "240", "T04\r"),
        ("test.battery.start", "30", "180", "59", None),
        ("test.battery.start", "30", "180", "5941", None),
    ],
)
def test_command_formatting(
    command: str, offdelay: str, ondelay: str, param: str, sent: str | None
) -> None:
    tree = {"ups.delay.shutdown": offdelay, "ups.delay.start": ondelay}
    item = Item(name=command)
    assert blazer.shutdown_command(item, param, tree.get) == sent


@pytest.mark.parametrize(
    ("name", "value", "stored"),
    [
        ("ups.delay.start", "179", "120"),
        ("ups.delay.start", "0", "0"),
        ("ups.delay.shutdown", "59", "54"),
        ("ups.delay.shutdown", "61", "60"),
        ("ups.delay.shutdown", "599", "540"),
    ],
)
def test_delay_truncation(name: str, value: str, stored: str) -> None:
    assert blazer.delay_setvar(Item(name=name), value, {}.get) == stored


def _answer(dev: Device):  # type: ignore[no-untyped-def]
    def answer(command: bytes) -> bytes:
        return b"".join(r.data for r in dev.receive(command, 0.0))

    return answer


def _engine(protocol: str, dev: Device, **flags: bool) -> tuple[Engine, Dstate, list[bytes]]:
    proto = by_name(protocol)
    assert proto is not None
    dstate = Dstate()
    engine = Engine(proto, dstate)
    sent: list[bytes] = []

    def answer(command: bytes) -> bytes:
        sent.append(command)
        return _answer(dev)(command)

    assert run_sync(engine.claim(), answer)
    engine.answer = answer  # type: ignore[attr-defined]
    return engine, dstate, sent


def test_walk_init_sends_what_NUT_sends_and_skips_what_the_UPS_lacks() -> None:
    # The UltraMax 1000SC (mustek) reports no temperature: NUT printed none.
    dev = Device("mustek")
    engine, dstate, sent = _engine("mustek", dev)
    answer = engine.answer  # type: ignore[attr-defined]
    assert run_sync(engine.walk(Mode.INIT, 0.0), answer)
    # claim: QS; init: QS (shared by every status item), F, I (the UPS echoes them)
    assert sent == [b"QS\r", b"QS\r", b"F\r", b"I\r"]
    assert dstate.getinfo("ups.temperature") is None
    assert dstate.getinfo("input.voltage") == "242.3"
    assert dstate.getinfo("ups.load") == "13"
    assert dstate.getinfo("ups.delay.shutdown") == "30"
    assert dstate.tree.has_cmd("shutdown.return")


def test_claim_order_and_auto_detection_against_a_megatec_ups() -> None:
    dev = Device("megatec")
    dstate = Dstate()
    tried = []
    for proto in PROTOCOLS:
        if not proto.implemented:
            continue
        engine = Engine(proto, dstate)
        if run_sync(engine.claim(), _answer(dev)):
            break
        tried.append(proto.name)
    # voltronic gets "QGS" echoed, voltronic-qs "M"; mustek and megatec/old "QS"/"D";
    # bestups and mecer read Q1 but get "ID" and "QPI" echoed.
    tried_first = ["voltronic", "voltronic-qs", "mustek", "megatec/old", "bestups", "mecer"]
    assert tried == tried_first
    assert proto.name == "megatec"
    assert dstate.getinfo("input.voltage") == "225.9"
    assert dstate.getinfo("ups.firmware") == "VER 1.00"
    assert dstate.getinfo("ups.firmware.aux") is None  # a failed claim takes back its values


def test_novendor_norating_ignoresab() -> None:
    dev = Device("megatec")
    dev.control("shutdown_active", True)
    proto = by_name("megatec")
    assert proto is not None
    dstate = Dstate()
    engine = Engine(proto, dstate)
    sent: list[bytes] = []

    def answer(command: bytes) -> bytes:
        sent.append(command)
        return _answer(dev)(command)

    assert run_sync(engine.claim(novendor=True), answer)
    from powerdown.drivers.qx.protocols import Flags

    engine.skip |= proto.initups(proto.items, Flags(norating=True, novendor=True, ignoresab=True))
    assert run_sync(engine.walk(Mode.INIT, 0.0), answer)
    assert sent == [b"Q1\r", b"Q1\r"]
    assert run_sync(engine.update(1.0), answer) is Poll.OK
    assert dstate.getinfo("ups.status") == "OL"  # the FSD bit is ignored


def test_silence_is_stale_after_NUTs_retries_and_recovers() -> None:
    dev = Device("q1")
    engine, dstate, _ = _engine("q1", dev)
    answer = engine.answer  # type: ignore[attr-defined]
    assert run_sync(engine.walk(Mode.INIT, 0.0), answer)
    results = [run_sync(engine.update(float(t)), lambda c: b"") for t in range(1, 7)]
    assert results == [Poll.RETRY] * 4 + [Poll.STALE] * 2
    garbage = run_sync(engine.update(7.0), lambda c: b"(\x00\xff garbage\r")
    assert garbage is Poll.STALE
    assert run_sync(engine.update(8.0), answer) is Poll.OK
    assert engine.retry == 0


def test_instcmd_bytes_and_replies() -> None:
    dev = Device("megatec")
    engine, dstate, sent = _engine("megatec", dev)
    answer = engine.answer  # type: ignore[attr-defined]
    assert run_sync(engine.walk(Mode.INIT, 0.0), answer)
    del sent[:]
    for cmd in ("test.battery.start.quick", "test.battery.stop", "shutdown.return", "load.on"):
        assert run_sync(engine.instcmd(cmd, None), answer) is TrackingStatus.HANDLED
    assert run_sync(engine.instcmd("test.battery.start", "60"), answer) is TrackingStatus.HANDLED
    assert sent == [b"T\r", b"CT\r", b"S.5R0003\r", b"C\r", b"T01\r"]
    # a parameter out of range is refused before anything is sent
    assert run_sync(engine.instcmd("test.battery.start", "30"), answer) is TrackingStatus.FAILED
    assert run_sync(engine.instcmd("bypass.start", None), answer) is TrackingStatus.INVALID
    # a reply that is not "ACK" (here: an echo) is a failure
    assert run_sync(engine.instcmd("load.off", None), lambda c: c) is TrackingStatus.FAILED
    assert run_sync(engine.instcmd("load.off", None), lambda c: b"ACK\r") is TrackingStatus.HANDLED
    assert engine.data_has_changed


def test_setvar_delays_range_and_truncation() -> None:
    dev = Device("megatec")
    engine, dstate, _ = _engine("megatec", dev)
    answer = engine.answer  # type: ignore[attr-defined]
    assert run_sync(engine.walk(Mode.INIT, 0.0), answer)
    assert run_sync(engine.setvar("ups.delay.shutdown", "125"), answer) is TrackingStatus.HANDLED
    assert dstate.getinfo("ups.delay.shutdown") == "120"
    assert run_sync(engine.setvar("ups.delay.shutdown", "601"), answer) is TrackingStatus.UNKNOWN
    assert run_sync(engine.setvar("ups.delay.shutdown", "1x"), answer) is TrackingStatus.UNKNOWN
    assert run_sync(engine.setvar("ups.delay.start", "0"), answer) is TrackingStatus.HANDLED
    assert run_sync(engine.instcmd("shutdown.return", None), answer) is TrackingStatus.HANDLED
    assert run_sync(engine.setvar("ups.load", "3"), answer) is TrackingStatus.UNKNOWN


# -- the estimate --------------------------------------------------------------------


def _tree(**values: str) -> Dstate:
    dstate = Dstate()
    for name, value in values.items():
        dstate.setinfo(name.replace("_", "."), value)
    return dstate


def test_estimate_charge_from_voltage_with_guessed_limits() -> None:
    # Fideltronik INIGO Viper 1200 (DDL): nominal 24.0, 27.70 V -> limits 20.80/26.00, charge 100.
    tree = _tree(battery_voltage="27.70", battery_voltage_nominal="24.0")
    est = Estimator()
    est.init(tree, 0.0, runtimecal=None, chargetime=None, idleload=None)
    assert tree.getinfo("battery.voltage.low") == "20.80"
    assert tree.getinfo("battery.voltage.high") == "26.00"
    assert tree.getinfo("battery.charge") == "100"
    tree.setinfo("battery.voltage", "22.00")
    est.start_full_poll()
    est.update(tree, 30.0, online=False)
    assert tree.getinfo("battery.charge") == "23"


def test_estimate_packs_for_a_UPS_reporting_one_cell() -> None:
    # The real Q1 answer above: 2.05 V for a 24 V battery -> 12 packs.
    tree = _tree(battery_voltage="2.05", battery_voltage_nominal="24.0")
    est = Estimator()
    est.init(tree, 0.0, runtimecal=None, chargetime=None, idleload=None)
    assert est.packs == 12
    est.start_full_poll()
    est.update(tree, 30.0, online=True)
    # 24.6 V between 20.8 and 26.0
    assert tree.getinfo("battery.charge") == "73"


def test_estimate_runtime_matches_NUTs_on_two_real_devices() -> None:
    # Green Cell PowerProof 2000 (DDL, NUT 2.8.0): runtimecal=2340,8,4740,4, idleload 4,
    # load 3 %, charge 100 -> NUT printed battery.runtime 4468.
    tree = _tree(
        battery_voltage="27.40",
        battery_voltage_nominal="24",
        battery_voltage_low="21.00",
        battery_voltage_high="25.00",
        battery_packs="2",
        ups_load="3",
    )
    est = Estimator()
    est.init(tree, 0.0, runtimecal="2340,8,4740,4", chargetime="28800", idleload="4")
    est.start_full_poll()
    est.update(tree, 0.0, online=True)
    assert (tree.getinfo("battery.charge"), tree.getinfo("battery.runtime")) == ("100", "4468")
    # Fideltronik INIGO Viper 1200 (DDL): runtimecal=60,100,900,21, idleload 10, load 0 -> 600.
    tree = _tree(battery_voltage="27.70", battery_voltage_nominal="24.0", ups_load="0")
    est = Estimator()
    est.init(tree, 0.0, runtimecal="60,100,900,21", chargetime="28800", idleload="10")
    est.start_full_poll()
    est.update(tree, 0.0, online=True)
    assert (tree.getinfo("battery.charge"), tree.getinfo("battery.runtime")) == ("100", "600")


def test_estimate_runtime_falls_on_battery_and_recovers_on_line() -> None:
    tree = _tree(battery_voltage="27.70", battery_voltage_nominal="24.0", ups_load="50")
    est = Estimator()
    # rated 240 s at full load, 720 s at half load (the man page's example)
    est.init(tree, 0.0, runtimecal="240,100,720,50", chargetime="3600", idleload=None)
    assert est.runt_nom == pytest.approx(240)
    est.start_full_poll()
    # As in NUT, a poll spends the load measured by the poll before it: the first
    # one (on line, full) only learns the load.
    est.update(tree, 0.0, online=True)
    assert est.load_eff == pytest.approx(1 / 3)
    est.start_full_poll()
    est.update(tree, 60.0, online=False)  # one minute at half load
    # the effective load at 50 % is 0.5 ** log2(3) = 1/3: 240 - 60/3 = 220 s left at full load
    assert est.runt_est == pytest.approx(220)
    assert tree.getinfo("battery.charge") == "92"
    assert tree.getinfo("battery.runtime") == "660"
    est.start_full_poll()
    est.update(tree, 60.0 + 360.0, online=True)  # six minutes of charging: +24 s, capped
    assert est.runt_est == pytest.approx(240)
    # a voltage that says less than the model wins (old batteries): 24.6 V is
    # 73 % between the guessed 20.80 and 26.00
    tree.setinfo("battery.voltage", "24.60")
    est.start_full_poll()
    est.update(tree, 420.0, online=True)
    assert tree.getinfo("battery.charge") == "73"


def test_estimate_reported_values_are_kept() -> None:
    tree = _tree(battery_voltage="27.70", battery_voltage_nominal="24.0")
    est = Estimator()
    est.init(tree, 0.0, runtimecal=None, chargetime=None, idleload=None)
    est.start_full_poll()
    est.reported("battery.charge", "42")
    est.reported("battery.runtime", "99")
    tree.setinfo("battery.charge", "42")
    est.update(tree, 1.0, online=True)
    assert tree.getinfo("battery.charge") == "42"


@pytest.mark.parametrize(
    ("runtimecal", "chargetime", "idleload", "message"),
    [
        ("240,100,720", None, None, "Insufficient parameters for runtimecal"),
        ("720,100,240,50", None, None, "Parameter out of range (runtime)"),
        ("240,150,720,50", None, None, "Parameter out of range (load)"),
        ("240,100,720,50", "0", None, "Charge time out of range [1..s]"),
        ("240,100,720,50", None, "101", "Idle load out of range [0..100]"),
    ],
)
def test_estimate_bad_settings(
    runtimecal: str, chargetime: str | None, idleload: str | None, message: str
) -> None:
    tree = _tree(battery_voltage="27.70", battery_voltage_nominal="24.0")
    with pytest.raises(EstimateError, match=re.escape(message)):
        Estimator().init(tree, 0.0, runtimecal=runtimecal, chargetime=chargetime, idleload=idleload)
