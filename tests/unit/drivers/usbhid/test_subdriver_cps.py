"""CyberPower: NUT's descriptor fix-ups and the battery/frequency scale."""

from __future__ import annotations

from powerdown.drivers.usbhid.hidparser import HidField, ReportDescriptor, ReportKind
from powerdown.drivers.usbhid.mapping import lookup_to_hid, lookup_to_nut
from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.subdrivers import cps

SUB = cps.SUBDRIVER
CP1500 = UsbInfo(vendorid=0x0764, productid=0x0501)


def field(report_id: int, usage: int, lo: int, hi: int) -> HidField:
    return HidField(
        path=(0x00840004, 0x0084001C, usage),
        kind=ReportKind.FEATURE,
        report_id=report_id,
        offset=0,
        size=16,
        logical_min=lo,
        logical_max=hi,
        physical_min=lo,
        physical_max=hi,
        unit=0,
        unit_exponent=0,
        flags=2,
    )


def broken() -> ReportDescriptor:
    # CP1500PFCLCD: output (0x12) and input (0x0f) voltage share the high
    # transfer voltage's (0x10) range; ConfigActivePower (0x18) clipped at 900.
    return ReportDescriptor(
        fields=(
            field(0x0F, 0x00840030, 170, 270),
            field(0x10, 0x00840054, 170, 270),
            field(0x12, 0x00840030, 170, 270),
            field(0x18, 0x00840044, 0, 900),
            field(0x13, 0x00840035, 0, 100),
        )
    )


def test_cps_fix_report_desc_changes_what_nut_changes():
    fixed = SUB.fix_report_desc(CP1500, broken()).fields
    old = broken().fields
    assert (fixed[0].logical_min, fixed[0].logical_max) == (0, 511)
    assert (fixed[2].logical_min, fixed[2].logical_max) == (0, 511)
    assert (fixed[2].physical_min, fixed[2].physical_max) == (0, 511)
    assert fixed[3].logical_max == 2048
    assert fixed[1] == old[1] and fixed[4] == old[4]


def test_cps_fix_report_desc_only_for_0501_and_0601():
    assert SUB.fix_report_desc(UsbInfo(vendorid=0x0764, productid=0x0005), broken()) == broken()
    assert SUB.fix_report_desc(UsbInfo(vendorid=0x0764, productid=0x0601), broken()) != broken()


def test_cps_input_voltage_kept_when_its_range_differs():
    desc = ReportDescriptor(fields=(field(0x0F, 0x00840030, 0, 300), *broken().fields[1:4]))
    fixed = SUB.fix_report_desc(CP1500, desc).fields
    assert (fixed[0].logical_min, fixed[0].logical_max) == (0, 300)
    assert fixed[2].logical_max == 511


def rows() -> dict[str, object]:
    return {r.var: r.lookup for r in SUB.mapping if r.lookup is not None}


def test_cps_battery_voltage_scaled_by_two_thirds_when_too_high():
    assert SUB.claims(CP1500)
    lk = rows()
    assert lookup_to_nut(lk["battery.voltage.nominal"], 24.0) == "24"
    assert lookup_to_nut(lk["battery.voltage"], 40.5) == "27.0"
    assert lookup_to_nut(lk["battery.voltage"], 36.0) == "24.0"  # decided once, as NUT


def test_cps_battery_voltage_as_is_on_other_products_or_sane_readings():
    assert SUB.claims(UsbInfo(vendorid=0x0764, productid=0x0601))
    lk = rows()
    assert lookup_to_nut(lk["battery.voltage.nominal"], 24.0) == "24"
    assert lookup_to_nut(lk["battery.voltage"], 40.5) == "40.5"
    assert SUB.claims(CP1500)
    assert lookup_to_nut(lk["battery.voltage"], 40.5) == "40.5"  # nominal not known yet
    assert lookup_to_nut(lk["battery.voltage.nominal"], 24.0) == "24"
    assert lookup_to_nut(lk["battery.voltage"], 27.2) == "27.2"


def test_cps_frequency_in_tenths_is_scaled():
    assert SUB.claims(CP1500)
    lk = rows()
    assert lookup_to_nut(lk["input.frequency"], 499.0) == "49.9"
    assert lookup_to_nut(lk["output.frequency"], 60.0) == "60.0"
    assert lookup_to_nut(lk["input.frequency"], 501.0) == "50.1"


def test_cps_lookups():
    lk = rows()
    assert lookup_to_nut(lk["battery.charge"], 103.0) == "100"
    assert lookup_to_nut(lk["battery.status"], 98.0) == "98%"
    assert lookup_to_nut(cps.cps_sensitivity_info, 1) == "normal"
    assert lookup_to_hid(cps.cps_sensitivity_info, "high") == 2.0
    assert SUB.format_mfr(CP1500, None) == "CPS"
    delays = {r.var: r.fmt for r in SUB.mapping if r.var.startswith(("load.", "ups.delay."))}
    assert delays == {
        "load.off.delay": "60",
        "load.on.delay": "120",
        "ups.delay.start": "120",
        "ups.delay.shutdown": "60",
    }
