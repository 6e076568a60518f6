"""snmp-ups' pure parts: the tables, NUT's decoders, the walk and SET planning (no sockets)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.snmp.mib import Mib2Nut, Su, info, pairs
from powerdown.drivers.snmp.mibs import MIBS
from powerdown.drivers.snmp.mibs.apcc import APCC
from powerdown.drivers.snmp.mibs.eaton_epdu import EATON_EPDU, count_units
from powerdown.drivers.snmp.mibs.ietf import IETF
from powerdown.drivers.snmp.mibs.mge import MGE
from powerdown.drivers.snmp.poll import (
    SetPlan,
    SetType,
    Status,
    Value,
    Walker,
    decode_string,
    format_number,
    plan_set,
    strtol,
)
from powerdown.state.tree import Flag

OID = re.compile(r"^\.?1(\.\d+)+$")
NAME = re.compile(r"^[a-zA-Z0-9.%-]+$")


def run_walk(walker: Walker, dstate: Dstate, values: dict[str, Value], *, init: bool) -> list:
    """Drive a walk from a dict; returns the requests it made."""
    requests = []
    walk = walker.walk(dstate, init=init)
    try:
        oids = next(walk)
        while True:
            requests.append(oids)
            oids = walk.send({o: values.get(o) for o in oids})
    except StopIteration:
        pass
    return requests


def poll(walker: Walker, values: dict[str, Value], dstate: Dstate | None = None) -> Dstate:
    """initinfo's walk then one update walk, as the driver runs them."""
    dstate = dstate or Dstate()
    run_walk(walker, dstate, values, init=True)
    dstate.alarm_init()
    dstate.status_init()
    run_walk(walker, dstate, values, init=False)
    dstate.alarm_commit()
    dstate.status_commit()
    return dstate


# -- tables -------------------------------------------------------------------


@pytest.mark.parametrize("mib", MIBS, ids=lambda m: m.name)
def test_table_rows_are_well_formed(mib: Mib2Nut) -> None:
    for row in mib.table:
        assert NAME.match(row.name), row
        if row.oid is not None:
            assert OID.match(row.oid.replace("%i", "1")), row
        else:
            assert row.default is not None, row
        if row.is_command and row.default is not None:
            # NUT's ".delay" commands have no default: the parameter is mandatory.
            assert strtol(row.default) >= 0, row
        if row.lookup is not None:
            assert row.lookup.pairs, row
            assert all(isinstance(n, int) and isinstance(w, str) for n, w in row.lookup.pairs)
        assert row.length > 0, row
    assert mib.find("ups.model") or mib.find("device.model")


def test_detection_order_is_nuts_vendor_tables_before_ietf() -> None:
    assert [m.name for m in MIBS] == ["apcc", "eaton_epdu", "mge", "tripplite", "ietf"]


def test_lookups_both_ways() -> None:
    sensitivity = APCC.find("input.sensitivity")
    assert sensitivity is not None and sensitivity.lookup is not None
    assert sensitivity.lookup.to_nut(3) == "medium"
    assert sensitivity.lookup.to_device("high") == 4
    assert sensitivity.lookup.to_device("bogus") == -1  # as NUT's su_find_valinfo
    assert sensitivity.lookup.to_nut(99) is None


# -- decoders -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mult", "text"),
    [
        (2232, 0.1, "223.20"),
        (500, 0.1, "50"),
        (30, 60.0, "1800"),
        (227, 0.1, "22.70"),
        (43, 0.1, "4.30"),
        (-1, 1.0, "-1"),
        (90, 3, "270"),
        (230001, 0.001, "230.00"),  # not whole to a float's epsilon: NUT shows decimals
        (230000, 0.001, "230"),
        (1, 0.001, "0.00"),
    ],
)
def test_format_number_is_nuts(value: int, mult: float, text: str) -> None:
    assert format_number(value, mult) == text


def test_decode_string_text_hex_and_length() -> None:
    assert decode_string(b"Smart-UPS 5000") == "Smart-UPS 5000"
    assert decode_string(b"x" * 200) == "x" * 127
    cyrillic = "Серверная".encode()
    # net-snmp's hex: "XX " per byte, 16 bytes a line (as NUT 2.8.0 shows it).
    assert decode_string(cyrillic) == ("D0 A1 D0 B5 D1 80 D0 B2 D0 B5 D1 80 D0 BD D0 B0 \nD1 8F ")
    assert decode_string(b"") == ""


@pytest.mark.parametrize(
    ("text", "number"), [("42", 42), (" -7x", -7), ("0x1f", 31), ("010", 8), ("abc", 0)]
)
def test_strtol_is_cs(text: str, number: int) -> None:
    assert strtol(text) == number


# -- the walk -------------------------------------------------------------------

U = "1.3.6.1.4.1.318.1.1.1."


def apc(**overrides: Value) -> dict[str, Value]:
    values = {
        U + "1.1.1.0": Value.string("Smart-UPS 1500"),
        U + "4.1.1.0": Value.integer(2),
        U + "2.1.1.0": Value.integer(2),
        U + "7.2.6.0": Value.integer(1),
        U + "2.2.4.0": Value.integer(1),
        U + "2.2.1.0": Value.integer(99),
        U + "2.3.1.0": Value.integer(987),
        U + "2.2.3.0": Value.ticks(123456),
        U + "5.2.10.0": Value.ticks(9000),
    }
    values.update({k.replace("_", "."): v for k, v in overrides.items()})
    return values


def test_apcc_status_words_compose_ups_status() -> None:
    d = poll(Walker(APCC), apc())
    assert d.getinfo("ups.status") == "OL"
    on_battery = apc()
    on_battery[U + "4.1.1.0"] = Value.integer(3)
    on_battery[U + "2.1.1.0"] = Value.integer(3)
    on_battery[U + "2.2.4.0"] = Value.integer(2)
    assert poll(Walker(APCC), on_battery).getinfo("ups.status") == "OB LB RB"
    boost = apc()
    boost[U + "4.1.1.0"] = Value.integer(4)
    boost[U + "7.2.6.0"] = Value.integer(3)
    assert poll(Walker(APCC), boost).getinfo("ups.status") == "OL BOOST CAL"


def test_unique_high_precision_row_wins_and_the_coarse_one_is_the_fallback() -> None:
    d = poll(Walker(APCC), apc())
    assert d.getinfo("battery.charge") == "98.70"  # upsHighPrecBatteryCapacity
    coarse = apc()
    del coarse[U + "2.3.1.0"]
    assert poll(Walker(APCC), coarse).getinfo("battery.charge") == "99"


def test_neginvalid_drops_the_row() -> None:
    values = apc()
    values[U + "3.3.1.0"] = Value.integer(-1)  # high-precision input voltage: invalid
    values[U + "3.2.1.0"] = Value.integer(230)
    walker = Walker(APCC)
    d = poll(walker, values)
    assert d.getinfo("input.voltage") == "230"


def test_ticks_strings_and_nuts_length_multiplier() -> None:
    d = poll(Walker(APCC), apc())
    assert d.getinfo("battery.runtime") == "1234"  # TimeTicks / 100
    assert d.getinfo("ups.delay.shutdown") == "270"  # 90 s times the row's length 3
    assert d.getinfo("ups.mfr") == "APC"  # server-side default (ABSENT)
    assert d.tree.get("ups.delay.shutdown").flags & Flag.RW


def test_rows_missing_at_init_are_never_asked_again_and_static_rows_read_once() -> None:
    walker = Walker(APCC)
    dstate = Dstate()
    run_walk(walker, dstate, apc(), init=True)
    requests = run_walk(walker, dstate, apc(), init=False)
    asked = {oid for batch in requests for oid in batch}
    assert U + "2.2.1.0" in asked or U + "2.3.1.0" in asked
    assert U + "1.1.1.0" not in asked  # ups.model: static
    assert U + "3.3.1.0" not in asked  # absent at init: dropped


def test_update_keeps_the_last_value_of_a_row_that_stops_answering() -> None:
    walker = Walker(APCC)
    d = poll(walker, apc())
    assert d.getinfo("battery.runtime") == "1234"
    values = apc()
    del values[U + "2.2.3.0"]
    run_walk(walker, d, values, init=False)
    assert d.getinfo("battery.runtime") == "1234"
    assert walker.flags[APCC.table.index(APCC.find("battery.runtime"))] & Su.FLAG_STALE


P = "1.3.6.1.2.1.33.1."


def ietf(phases: int) -> dict[str, Value]:
    values = {
        P + "1.1.0": Value.string("ACME"),
        P + "1.2.0": Value.string("UPS 3000"),
        P + "3.2.0": Value.integer(phases),
        P + "4.3.0": Value.integer(phases),
        P + "4.1.0": Value.integer(5),
        P + "2.1.0": Value.integer(3),
        P + "7.1.0": Value.object_id(P + "7.7.1"),
    }
    for line in range(1, phases + 1):
        values[P + f"3.3.1.3.{line}"] = Value.integer(228 + line)
        values[P + f"4.4.1.2.{line}"] = Value.integer(230)
    return values


def test_ietf_single_phase_rows() -> None:
    d = poll(Walker(IETF), ietf(1))
    assert d.getinfo("input.voltage") == "229"
    assert d.getinfo("input.L1-N.voltage") is None
    # Words in table order: upsBatteryStatus comes before upsOutputSource (as NUT).
    assert d.getinfo("ups.status") == "LB OB"
    assert d.getinfo("ups.mfr") == "ACME"


def test_ietf_three_phase_rows() -> None:
    d = poll(Walker(IETF), ietf(3))
    assert d.getinfo("input.voltage") is None
    assert [d.getinfo(f"input.L{n}-N.voltage") for n in (1, 2, 3)] == ["229", "230", "231"]
    assert d.getinfo("output.L3-N.voltage") == "230"


def test_ietf_oid_value_is_followed_or_its_last_arc_used() -> None:
    values = ietf(1)
    values[P + "7.1.0"] = Value.object_id(P + "7.7.4")  # upsTestQuickBatteryTest
    assert poll(Walker(IETF), values).getinfo("ups.status") == "LB OB TEST"


OUTLET = "1.3.6.1.4.1.99999.1."
PDU = Mib2Nut(
    name="pdu",
    version="0",
    power_status_oid=None,
    auto_check_oid=None,
    table=(
        info("device.model", Flag.STRING, 128, OUTLET + "1.0", "", Su.FLAG_STATIC),
        info("outlet.%i.status", Flag.STRING, 128, OUTLET + "2.%i", None, Su.OUTLET,
             pairs((0, "off"), (1, "on"))),
        info("outlet.%i.desc", Flag.STRING | Flag.RW, 20, OUTLET + "3.%i", None, Su.OUTLET),
        info("outlet.%i.id", Flag.NONE, 1, None, "%i", Su.OUTLET | Su.FLAG_STATIC),
        info("outlet.%i.load.off", Flag.NONE, 1, OUTLET + "4.%i", "0", Su.OUTLET | Su.TYPE_CMD),
        info("outlet.%i.load.on", Flag.NONE, 1, OUTLET + "4.%i", "1", Su.OUTLET | Su.TYPE_CMD),
    ),
)  # fmt: skip


@pytest.mark.parametrize("base", [0, 1])
def test_outlet_templates_are_expanded_from_the_mibs_own_index(base: int) -> None:
    values = {OUTLET + "1.0": Value.string("PDU")}
    for n in range(base, base + 3):
        values[OUTLET + f"2.{n}"] = Value.integer(n % 2)
        values[OUTLET + f"3.{n}"] = Value.string(f"Outlet {n}")
        values[OUTLET + f"4.{n}"] = Value.integer(1)
    d = poll(Walker(PDU), values)
    assert d.getinfo("outlet.count") == "3"  # guessed by probing
    names = [n for n in (f"outlet.{i}.status" for i in range(5)) if d.getinfo(n)]
    assert names == [f"outlet.{i}.status" for i in range(base, base + 3)]
    assert d.getinfo(f"outlet.{base}.status") == ("off" if base == 0 else "on")
    assert d.getinfo(f"outlet.{base + 2}.desc") == f"Outlet {base + 2}"
    assert d.getinfo(f"outlet.{base + 1}.id") == str(base + 1)
    assert d.tree.has_cmd(f"outlet.{base}.load.off")
    plan = plan_set(Walker(PDU), d, f"outlet.{base + 1}.load.on", None, command=True)
    assert plan == SetPlan(oid=OUTLET + f"4.{base + 1}", type=SetType.INTEGER, value=1)


# -- SET planning -------------------------------------------------------------------


def test_plan_set_for_settings_and_commands() -> None:
    walker = Walker(APCC)
    values = apc()
    values[U + "1.1.2.0"] = Value.string("UPS_IDEN")
    d = poll(walker, values)
    assert plan_set(walker, d, "ups.delay.shutdown", "270", command=False) == SetPlan(
        oid=U + "5.2.10.0", type=SetType.TIMETICKS, value=9000, publish="270"
    )
    assert plan_set(walker, d, "ups.id", "RACK7", command=False) == SetPlan(
        oid=U + "1.1.2.0", type=SetType.STRING, value="RACK7", publish="RACK7"
    )
    assert plan_set(walker, d, "test.battery.start", None, command=True) == SetPlan(
        oid=U + "7.2.2.0", type=SetType.INTEGER, value=2
    )
    assert plan_set(walker, d, "no.such.thing", None, command=True) is Status.UNKNOWN
    # A row the agent did not have at start (upsAdvConfigRatedOutputVoltage) is unknown.
    assert plan_set(walker, d, "output.voltage.nominal", "230", command=False) is Status.UNKNOWN
    assert plan_set(walker, d, "ups.delay.shutdown", "soon", command=False) is Status.INVALID
    ietf_walker = Walker(IETF)
    assert plan_set(ietf_walker, d, "beeper.mute", None, command=True) == SetPlan(
        oid=P + "9.8.0", type=SetType.INTEGER, value=3
    )


# -- Eaton ePDU (Marlin): a daisy-chain table on a single unit ----------------------

EPDU_RECORDING = (
    Path(__file__).resolve().parents[1] / "data" / "snmp" / "eaton-epdu-ma-8xc13.snmprec"
)
MARLIN = ".1.3.6.1.4.1.534.6.6.7."


def snmprec_values(path: Path) -> dict[str, Value]:
    """A ``.snmprec`` file as the values an agent would answer (strings, integers, OIDs)."""
    values: dict[str, Value] = {}
    for line in path.read_text().splitlines():
        oid, tag, text = line.split("|", 2)
        kind = tag.split(":")[0]
        if ":writecache" in tag:
            text = text.removeprefix("value=")
        if kind == "4":
            values[oid] = Value.string(text)
        elif kind == "4x":
            values[oid] = Value.string(bytes.fromhex(text))
        elif kind == "6":
            values[oid] = Value.object_id(text)
        elif kind == "67":
            values[oid] = Value.ticks(int(text))
        else:
            values[oid] = Value.integer(int(text))
    return values


def drive(walk: object, values: dict[str, Value]) -> object:
    try:
        oids = next(walk)  # type: ignore[call-overload]
        while True:
            oids = walk.send({o: values.get(o.lstrip(".")) for o in oids})  # type: ignore[attr-defined]
    except StopIteration as stop:
        return stop.value


def epdu() -> tuple[Walker, Dstate]:
    values = snmprec_values(EPDU_RECORDING)
    walker, d = Walker(EATON_EPDU), Dstate()
    assert drive(walker.daisy_init(d), values) is True
    poll(walker, values, d)
    return walker, d


def test_count_units_counts_the_units_present_list() -> None:
    assert [count_units(s) for s in ("0", "0,3,4", "0,1,", "")] == [1, 3, 2, 0]


def test_epdu_single_unit_is_a_chain_of_one_read_at_index_0() -> None:
    walker, d = epdu()
    assert (walker.daisy, walker.devices_count, walker.daisy_index) == (True, 1, 0)
    assert d.getinfo("device.count") == "1"
    assert d.getinfo("device.type") == "pdu"
    # daisychain_init's forged "daisychain pdu (1+0)" is overwritten by the walk
    assert d.getinfo("device.model") == "EPDU MA 1U (C20 16A 1P)8XC13"
    assert d.getinfo("input.phases") == "1"
    assert d.getinfo("input.voltage") == "229.16"  # mV * 0.001
    assert d.getinfo("outlet.current") == "16.50"  # NUT's 0.01 on a mA reading
    assert d.getinfo("input.L2.voltage") is None  # no phase 2 on this unit
    assert d.getinfo("input.current.low.critical") is None  # -1: NEGINVALID
    assert d.getinfo("ambient.temperature") == "23.5"
    assert d.getinfo("ambient.count") == "0"


def test_epdu_outlets_and_groups_are_numbered_from_1() -> None:
    _, d = epdu()
    assert d.getinfo("outlet.count") == "8" and d.getinfo("outlet.group.count") == "2"
    assert d.getinfo("outlet.0.status") is None and d.getinfo("outlet.9.status") is None
    assert d.getinfo("outlet.6.status") == "off"
    assert d.getinfo("outlet.1.name") == "A1"  # outletDesignator wins over outletID
    assert d.getinfo("outlet.4.current.status") == "warning-high"
    assert d.getinfo("ups.alarm") == "outlet 4 high current warning!"
    assert d.getinfo("outlet.group.2.desc") == "Branch Circuit B"
    assert d.getinfo("outlet.group.1.phase") == "1"
    assert d.getinfo("outlet.group.1.color") == "16051527"
    assert d.tree.has_cmd("outlet.8.load.cycle") and d.tree.has_cmd("outlet.group.2.load.on")


def test_epdu_switchable_last_row_wins_at_init_first_row_after() -> None:
    """SU_FLAG_UNIQUE does not work on templates in NUT: both rows run."""
    values = snmprec_values(EPDU_RECORDING)
    walker, d = Walker(EATON_EPDU), Dstate()
    drive(walker.daisy_init(d), values)
    run_walk(walker, d, values, init=True)
    assert d.getinfo("outlet.8.switchable") == "yes"  # G2 row: an off command answers
    run_walk(walker, d, values, init=False)
    assert d.getinfo("outlet.8.switchable") == "no"  # outletControlSwitchable = 2


def test_epdu_plan_set_outlet_commands_and_settings() -> None:
    walker, d = epdu()
    assert plan_set(walker, d, "outlet.1.load.off", None, command=True) == SetPlan(
        oid=MARLIN.lstrip(".") + "6.6.1.3.0.1", type=SetType.INTEGER, value=0
    )
    assert plan_set(walker, d, "outlet.group.2.load.cycle", None, command=True) == SetPlan(
        oid=MARLIN.lstrip(".") + "5.6.1.5.0.2", type=SetType.INTEGER, value=0
    )
    assert plan_set(walker, d, "outlet.3.load.off.delay", "30", command=True) == SetPlan(
        oid=MARLIN.lstrip(".") + "6.6.1.3.0.3", type=SetType.INTEGER, value=30
    )
    assert plan_set(walker, d, "outlet.3.load.off.delay", None, command=True) is Status.INVALID
    assert plan_set(walker, d, "outlet.9.load.off", None, command=True) is Status.INVALID
    assert plan_set(walker, d, "outlet.1.delay.shutdown", "60", command=False) == SetPlan(
        oid=MARLIN.lstrip(".") + "6.6.1.10.0.1", type=SetType.INTEGER, value=60, publish="60"
    )
    # NUT SETs the non-outlet thresholds' OID template as written: it fails.
    assert plan_set(walker, d, "input.voltage.high.warning", "250", command=False) is (
        Status.FAILED
    )


# -- MGE UPS SYSTEMS MIB (Eaton 5PX on a Network Management Card) ----------------------

MGE_RECORDING = EPDU_RECORDING.with_name("eaton-5px-mge.snmprec")
MG = "1.3.6.1.4.1.705.1."


def mge(**changes: int) -> dict[str, Value]:
    """The 5PX recording's values, with ``{"7_3_0": 1}``-style changes to MGE objects."""
    values = snmprec_values(MGE_RECORDING)
    for key, number in changes.items():
        oid = key.replace("_", ".")
        values[oid if oid.startswith("1.3.6") else MG + oid] = Value.integer(number)
    return values


def test_mge_on_line_ups_reads_as_nuts_table_makes_it() -> None:
    d = poll(Walker(MGE), mge())
    assert d.getinfo("ups.status") == "OL"  # upsOutputSource normal(3) adds no word
    assert d.getinfo("ups.model") == "Eaton 5PX"
    assert d.getinfo("ups.mfr") == "Eaton"  # server side
    assert (d.getinfo("output.voltage"), d.getinfo("output.frequency")) == ("238", "50")
    assert d.getinfo("battery.voltage") == "52"
    assert d.getinfo("ambient.temperature") == "0.0"
    assert d.getinfo("input.transfer.reason") == ""  # noTransfer(1) is an empty word
    assert d.getinfo("input.voltage") is None  # the card has no input phase table
    assert (d.getinfo("ups.delay.shutdown"), d.getinfo("ups.delay.start")) == ("20", "30")
    assert (d.getinfo("outlet.id"), d.getinfo("outlet.desc")) == ("0", "Main Outlet")
    assert d.tree.get("outlet.desc").flags & Flag.RW
    assert d.getinfo("ups.timer.shutdown") == "-1"
    assert d.getinfo("ups.start.auto") == "yes"
    assert d.tree.get("ups.start.auto").flags & Flag.RW


def test_mge_status_flags_compose_ups_status() -> None:
    on_battery = mge(**{"7_3_0": 1, "5_14_0": 1, "1.3.6.1.2.1.33.1.4.1.0": 5})
    # NUT 2.8.0 prints "LB OB OB" (upsmgOutputOnBattery and upsOutputSource both
    # say OB); our status words are a set.
    assert poll(Walker(MGE), on_battery).getinfo("ups.status") == "LB OB"
    words = mge(**{"5_11_0": 1, "7_4_0": 1, "7_8_0": 1, "7_10_0": 1, "7_12_0": 1})
    assert poll(Walker(MGE), words).getinfo("ups.status") == "RB OL BYPASS BOOST OVER TRIM"
    off = mge(**{"7_7_0": 1, "1.3.6.1.2.1.33.1.4.1.0": 2})
    assert poll(Walker(MGE), off).getinfo("ups.status") == "OL OFF"


def test_mge_lookups() -> None:
    def lookup(name: str, number: int) -> str | None:
        row = MGE.find(name)
        assert row is not None and row.lookup is not None
        return row.lookup.to_nut(number)

    assert lookup("input.transfer.reason", 4) == "utility off"
    assert lookup("ups.test.result", 4) == "aborted"
    assert lookup("ups.beeper.status", 3) == "muted"
    assert lookup("ambient.contacts.1.status", -1) == "unknown"
    assert lookup("ambient.contacts.2.status", 2) == "opened"
    start = MGE.find("ups.start.auto")
    assert start is not None and start.lookup is not None
    assert start.lookup.to_device("no") == 2
    d = poll(Walker(MGE), mge(**{"1.3.6.1.2.1.33.1.9.8.0": 3, "1.3.6.1.2.1.33.1.7.3.0": 6}))
    assert d.getinfo("ups.beeper.status") == "muted"
    assert d.getinfo("ups.test.result") == "no test initiated"


def test_mge_three_phase_rows_and_environment_sensor() -> None:
    values = mge(**{"7_1_0": 3, "8_1_0": 235, "8_2_0": 456, "8_7_1_9_1": 1})
    for line in (1, 2, 3):
        values[MG + f"7.2.1.2.{line}"] = Value.integer(2300 + line)
        values[MG + f"7.2.1.4.{line}"] = Value.integer(10 * line)
    d = poll(Walker(MGE), values)
    assert d.getinfo("output.phases") == "3"
    assert d.getinfo("ups.load") is None and d.getinfo("output.voltage") is None
    assert [d.getinfo(f"ups.L{n}.load") for n in (1, 2, 3)] == ["10", "20", "30"]
    assert d.getinfo("output.L3-N.voltage") == "230.30"
    assert (d.getinfo("ambient.temperature"), d.getinfo("ambient.humidity")) == ("23.5", "45.60")
    assert d.getinfo("ambient.contacts.1.status") == "closed"
    assert d.getinfo("ambient.contacts.2.status") is None


def test_mge_plan_set_commands_and_settings() -> None:
    walker = Walker(MGE)
    d = poll(walker, mge())
    assert plan_set(walker, d, "test.battery.start", None, command=True) == SetPlan(
        oid=MG + "10.4.0", type=SetType.INTEGER, value=2
    )
    assert plan_set(walker, d, "beeper.disable", None, command=True) == SetPlan(
        oid=P + "9.8.0", type=SetType.INTEGER, value=1
    )
    assert plan_set(walker, d, "ups.start.auto", "no", command=False) == SetPlan(
        oid=P + "8.5.0", type=SetType.INTEGER, value=2, publish="no"
    )
    # The .delay commands need their delay; load.off has no row (NUT 2.8.0 lists it anyway).
    assert plan_set(walker, d, "load.off.delay", None, command=True) is Status.INVALID
    assert plan_set(walker, d, "load.off.delay", "20", command=True) == SetPlan(
        oid=P + "8.2.0", type=SetType.INTEGER, value=20
    )
    assert plan_set(walker, d, "load.off", None, command=True) is Status.UNKNOWN
    # String rows are SET as strings, whatever the MIB's type (as NUT).
    assert plan_set(walker, d, "battery.charge.low", "30", command=False) == SetPlan(
        oid=MG + "4.8.0", type=SetType.STRING, value="30", publish="30"
    )
