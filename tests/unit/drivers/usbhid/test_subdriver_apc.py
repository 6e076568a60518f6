"""APC: NUT's date encoding, lookups, model string and the XS 1400U descriptor fix."""

from __future__ import annotations

import pytest

from powerdown.drivers.usbhid.hidparser import HidField, ReportDescriptor, ReportKind
from powerdown.drivers.usbhid.mapping import lookup_to_hid, lookup_to_nut
from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.subdrivers import apc

SUB = apc.SUBDRIVER


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (0x102202, "2002/10/22"),
        (0x092501, "2001/09/25"),
        (0x123199, "1999/12/31"),
        (0x010170, "1970/01/01"),
    ],
)
def test_apc_date_round_trips(raw, text):
    assert lookup_to_nut(apc.apc_date_conversion, float(raw)) == text
    assert lookup_to_hid(apc.apc_date_conversion, text) == float(raw)


def test_apc_date_zero_is_not_set_and_bad_dates_write_zero():
    assert lookup_to_nut(apc.apc_date_conversion, 0.0) == "not set"
    assert lookup_to_hid(apc.apc_date_conversion, "2071/01/01") == 0.0
    assert lookup_to_hid(apc.apc_date_conversion, "2020/13/01") == 0.0


def test_apc_lookups_give_nuts_strings():
    assert [lookup_to_nut(apc.apc_sensitivity_info, v) for v in (0, 1, 2, 3)] == [
        "low",
        "medium",
        "high",
        None,
    ]
    assert lookup_to_hid(apc.apc_sensitivity_info, "medium") == 1.0
    assert [lookup_to_nut(apc.apcstatusflag_info, v) for v in (8, 16, 0)] == ["!off", "!off", "off"]
    assert [lookup_to_nut(apc.apc_linefailcause_vrange_info, v) for v in (0, 1, 2, 4, 7, 8, 9)] == [
        "!vrange",
        "vrange",
        "vrange",
        "vrange",
        None,
        "vrange",
        "vrange",
    ]
    assert [lookup_to_nut(apc.apc_linefailcause_frange_info, v) for v in (0, 7, 1)] == [
        "!frange",
        "frange",
        None,
    ]


def test_apc_beeper_and_test_rows_use_nuts_generic_tables():
    rows = {r.var: r for r in SUB.mapping}
    assert lookup_to_nut(rows["ups.beeper.status"].lookup, 2) == "enabled"
    assert lookup_to_nut(rows["ups.test.result"].lookup, 1) == "Done and passed"
    cmds = {(r.var, r.hidpath): r.fmt for r in SUB.mapping if r.hu & r.hu.CMD}
    assert cmds[("beeper.disable", "UPS.PowerSummary.AudibleAlarmControl")] == "1"
    assert cmds[("test.battery.start.deep", "UPS.BatterySystem.Battery.Test")] == "2"
    assert cmds[("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown")] == "20"
    assert cmds[("shutdown.return", "UPS.Output.APCDelayBeforeReboot")] == "1"


def test_apc_model_firmware_and_mfr():
    product = "Back-UPS RS 1500G FW:865.L5 .D USB FW:L5 "
    info = UsbInfo(vendorid=0x051D, productid=0x0002, product=product)
    assert SUB.format_model(info, product) == "Back-UPS RS 1500G"
    assert apc.product_info(product) == {"ups.firmware": "865.L5 .D", "ups.firmware.aux": "L5 "}
    assert SUB.format_model(info, "Back-UPS BX1600MI") == "Back-UPS BX1600MI"
    assert apc.product_info("Back-UPS BX1600MI") == {}
    assert SUB.format_model(info, None) == "unknown"
    assert SUB.format_mfr(info, None) == "APC"
    assert SUB.format_mfr(info, "American Power Conversion") == "American Power Conversion"


def field(report_id: int, usage: int, lo: int, hi: int, *, size: int = 16) -> HidField:
    return HidField(
        path=(0x00840004, 0x0084001A, usage),
        kind=ReportKind.FEATURE,
        report_id=report_id,
        offset=0,
        size=size,
        logical_min=lo,
        logical_max=hi,
        physical_min=lo,
        physical_max=hi,
        unit=0,
        unit_exponent=0,
        flags=2,
    )


def xs1400u(voltage_max: int = 255, config_max: int = 127) -> ReportDescriptor:
    return ReportDescriptor(
        fields=(
            field(0x30, 0x00840040, 0, config_max, size=8),
            field(0x31, 0x00840030, 0, voltage_max),
            field(0x33, 0x00840054, 0, 290),
            field(0x34, 0x00840053, 0, 180),
        )
    )


def test_apc_fix_report_desc_widens_input_voltage_as_nut_does():
    fixed = SUB.fix_report_desc(UsbInfo(vendorid=0x051D, productid=0x0002), xs1400u())
    before, after = xs1400u().fields, fixed.fields
    assert (after[1].logical_min, after[1].logical_max) == (0, 580)
    assert (after[1].physical_min, after[1].physical_max) == (0, 580)
    assert after[0].logical_max == 255
    assert after[2:] == before[2:]


def test_apc_fix_report_desc_leaves_good_descriptors_and_other_products():
    good = xs1400u(voltage_max=1000, config_max=300)
    assert SUB.fix_report_desc(UsbInfo(vendorid=0x051D, productid=0x0002), good) == good
    assert SUB.fix_report_desc(UsbInfo(vendorid=0x051D, productid=0x0003), xs1400u()) == xs1400u()
