"""Salicru, Delta, openUPS, Ever, iDowell and EcoFlow: NUT's lookups, claims and fix-ups."""

from __future__ import annotations

import dataclasses

import pytest

from powerdown.drivers.usbhid import hidparser
from powerdown.drivers.usbhid.mapping import HU, lookup_to_hid, lookup_to_nut
from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.subdrivers import (
    SUBDRIVERS,
    choose,
    delta_ups,
    ecoflow,
    ever,
    idowell,
    liebert,
    openups,
    salicru,
)


def _row(sub_rows, var, path=None):
    return next(r for r in sub_rows if r.var == var and (path is None or r.hidpath == path))


# -- registry -----------------------------------------------------------------------------


def test_registry_is_nut_heads_subdriver_list_order():
    # NUT HEAD's usbhid-ups.c subdriver_list, less powervar (not written yet)
    assert [s.name for s in SUBDRIVERS] == [
        "EXPLORE HID",
        "MGE HID",
        "APC HID",
        "Arduino HID",
        "Belkin/Liebert HID",
        "CyberPower HID",
        "Delta UPS HID",
        "EcoFlow HID",
        "Ever HID",
        "iDowell HID",
        "Legrand HID",
        "Phoenixtec/Liebert HID",
        "openUPS HID",
        "PowerCOM HID",
        "Salicru HID",
        "TrippLite HID",
    ]


@pytest.mark.parametrize(
    ("vid", "pid", "sub", "mfr"),
    [
        (0x2E66, 0x0201, salicru, "Salicru"),
        (0x05DD, 0x041B, delta_ups, "Delta"),
        (0x04D8, 0xD005, openups, "openUPS"),
        (0x0483, 0xA113, ever, "Ever"),
        (0x075D, 0x0300, idowell, "iDowell"),
        (0x3746, 0xFFFF, ecoflow, "EcoFlow"),
    ],
)
def test_choose_and_maker_fallback(vid, pid, sub, mfr):
    info = UsbInfo(vendorid=vid, productid=pid, product="P")
    assert choose(info) is sub.SUBDRIVER
    assert sub.SUBDRIVER.format_mfr(info, None) == mfr
    assert sub.SUBDRIVER.format_mfr(info, "Vendor String") == "Vendor String"
    assert sub.SUBDRIVER.format_serial(info, "S1") == "S1"


def test_subdriver_option_finds_the_new_ones_by_name():
    from powerdown.drivers.usbhid.subdrivers import by_name

    assert by_name("Delta UPS HID 0.6") is delta_ups.SUBDRIVER
    assert by_name("ecoflow") is ecoflow.SUBDRIVER
    assert by_name("openups") is openups.SUBDRIVER


# -- salicru ------------------------------------------------------------------------------


def test_salicru_commands_are_only_the_twin_pro_battery_tests():
    cmds = {r.var: r.fmt for r in salicru.SALICRU_HID2NUT if r.hu & HU.CMD}
    assert cmds == {
        "test.battery.start.quick": "1",
        "test.battery.start.deep": "2",
        "test.battery.stop": "3",
    }
    rws = {r.var for r in salicru.SALICRU_HID2NUT if r.st_flags}
    assert rws == {"battery.charge.low", "battery.runtime.low"}


# -- delta --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (0, "online"),
        (1, "offline"),
        (2, "line-interactive"),
        (3, "offline"),
        (4, "line-interactive"),
        (5, "3-phase"),
        (6, "split-phase"),
        (7, None),
        (0x15, "3-phase"),  # only the low nibble counts
    ],
)
def test_delta_ups_type(code, text):
    assert lookup_to_nut(delta_ups.delta_ups_type_info, code) == text


def test_delta_lookups_and_model():
    assert lookup_to_nut(delta_ups.delta_ups_output_source_info, 2) == "bypass/reserve"
    assert lookup_to_nut(delta_ups.delta_ups_output_source_info, 9) is None
    assert lookup_to_hid(delta_ups.delta_ups_sensitivity_info, "reduced") == 1.0
    info = UsbInfo(vendorid=0x05DD, productid=0x041B, product="DELTA UPS")
    sub = delta_ups.SUBDRIVER
    assert sub.note_identity is not None
    sub.note_identity({delta_ups.MODEL_PATH: "RT-3K"}, {})
    assert sub.format_model(info, info.product) == "RT-3K"
    sub.note_identity({delta_ups.MODEL_PATH: None}, {})
    assert sub.format_model(info, info.product) == "DELTA UPS"
    # tripplite keeps Minuteman's 05dd ids; Delta's is its own
    assert choose(UsbInfo(vendorid=0x05DD, productid=0xA011)) is not delta_ups.SUBDRIVER


# -- openups ------------------------------------------------------------------------------


def test_openups_scales_follow_the_claimed_product():
    assert openups.SUBDRIVER.claims(UsbInfo(vendorid=0x04D8, productid=0xD004))
    assert lookup_to_nut(openups.openups_vin_info, 100) == "354.50"
    assert lookup_to_nut(openups.openups_vout_info, 100) == "257.10"
    assert lookup_to_nut(openups.openups_ccharge_info, 100) == "8.274"
    assert lookup_to_nut(openups.openups_cdischarge_info, 100) == "161.130"
    assert openups.SUBDRIVER.claims(UsbInfo(vendorid=0x04D8, productid=0xD005))
    assert lookup_to_nut(openups.openups_vin_info, 120) == "12.00"
    assert lookup_to_nut(openups.openups_cdischarge_info, 15) == "1.500"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "-40"),  # 10 <= 0x31
        (0.49, "-40"),
        (9.72, "125"),  # 972 = 0x3cc
        (20.0, "125"),
        (5.12, "25"),  # 512 = 0x200, index 13: 13*5-40
        (5.5, "29.04"),  # 550 between 0x200 (25) and 0x22f (30): 25 + 38 * 5 / 47
        (-1.0, "-40"),
    ],
)
def test_openups_thermistor(value, text):
    assert openups.thermistor_celsius(value) == text


def test_openups_status_words_are_any_nonzero():
    assert lookup_to_nut(openups.openups_online_info, 3) == "online"
    assert lookup_to_nut(openups.openups_online_info, 0) == "!online"
    assert lookup_to_nut(openups.openups_off_info, 0) == "off"
    assert lookup_to_nut(openups.openups_off_info, 1) == "!off"
    assert lookup_to_nut(openups.openups_charging_info, 2) == "chrg"


# -- ever ---------------------------------------------------------------------------------


def test_ever_versions():
    assert lookup_to_nut(ever.ever_format_version, 0x1203) == "v1.2b03"
    assert lookup_to_nut(ever.ever_format_version, 0xA10C) == "vA.1b12"
    assert lookup_to_nut(ever.ever_format_hardware, 0x0205) == "rev.Bv05"
    assert lookup_to_nut(ever.ever_format_hardware, 0x0000) == "rev.0v00"


def test_ever_raw_report_texts():
    reports = ever.REPORTS
    saved = dataclasses.replace(reports, data=dict(reports.data))
    try:
        reports.data.clear()
        reports.next_ip = reports.next_packets = 0
        # before any report arrived: the row's own value (report 74's byte) decides
        assert lookup_to_nut(ever.ever_workmode, 8) == "ONBATTERY"
        assert lookup_to_nut(ever.ever_on_off_info, 4) == "!off"
        assert lookup_to_nut(ever.ever_messages, 1) == ""
        reports.note_report(bytes([74, 2]))
        assert lookup_to_nut(ever.ever_workmode, 8) == "STOP"
        assert lookup_to_nut(ever.ever_on_off_info, 8) == "off"
        reports.note_report(bytes([74, 3]))
        assert lookup_to_nut(ever.ever_workmode, 0) == "UNKNOWN"
        reports.note_report(bytes([75, 0x4C, 0x24]))  # 0x244c
        assert lookup_to_nut(ever.ever_messages, 0) == (
            "BOOST BUCK CHARGING OVERHEAT MAINS_OUT_OF_RANGE"
        )
        reports.note_report(bytes([76, 0x21, 0x01]))
        assert lookup_to_nut(ever.ever_alarms, 0) == "OVERLOAD INERNAL_ERROR CRITICAL_BATT_VOLTAGE"
        reports.note_report(bytes([210, 0x00, 0x1B, 0x2C, 0x3D, 0x4E, 0x5F]))
        assert lookup_to_nut(ever.ever_mac_address, 0) == "00:1b:2c:3d:4e:5f"
        for rid, last in ((211, 9), (230, 10), (231, 0), (232, 1)):
            reports.note_report(bytes([rid, 192, 168, 1, last]))
        # NUT's rotating counter: the four address rows in table order
        assert [lookup_to_nut(ever.ever_ip_address, 0) for _ in range(5)] == [
            "192.168.1.9",
            "192.168.1.10",
            "192.168.1.0",
            "192.168.1.1",
            "192.168.1.9",
        ]
        reports.note_report(bytes([215, 0x10, 0x27, 0, 0]))
        reports.note_report(bytes([216, 1, 0]))  # too short: ""
        assert lookup_to_nut(ever.ever_packets, 0) == "10000"
        assert lookup_to_nut(ever.ever_packets, 0) == ""
    finally:
        ever.REPORTS.data = saved.data
        ever.REPORTS.next_ip, ever.REPORTS.next_packets = saved.next_ip, saved.next_packets


def test_ever_usage_names():
    assert ever.EVER_USAGES[0] == "EVER1"
    assert ever.EVER_USAGES[0xFF000009] == "EVER11"
    assert ever.EVER_USAGES[0xFF000010] == "EVER12"
    assert ever.EVER_USAGES[0xFF000039] == "EVER41"
    assert ever.EVER_USAGES[0xFF000040] == "EVER42"
    assert ever.EVER_USAGES[0xFF000097] == "EVER104"
    assert 0xFF00003A not in ever.EVER_USAGES and 0xFF000065 not in ever.EVER_USAGES


# -- idowell ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "product", "claimed"),
    [
        ("-BMS-", "Smart-Battery", True),
        ("-BMS-", None, True),
        (None, "Smart-Battery", True),
        (None, "Offline UPS", False),  # PowerWalker VI SHL on the same id: liebert's
        ("PPC", "USB UPS", False),
    ],
)
def test_idowell_claims_goldenmate_only_on_phoenixtec_id(vendor, product, claimed):
    info = UsbInfo(vendorid=0x06DA, productid=0xFFFF, vendor=vendor, product=product)
    assert idowell.SUBDRIVER.claims(info) is claimed
    assert (choose(info) is idowell.SUBDRIVER) is claimed
    if not claimed and vendor != "PPC":
        assert choose(info) is liebert.SUBDRIVER


# Report 0x02: RunTimeToEmpty (32 bits) with the byte-swapped maximum 27 ff ff ff fe,
# and Voltage (16 bits) inheriting it.
_GOLDENMATE_LIKE = bytes.fromhex(
    "058409 04a101 0924a100 8502 0585 0968 7520 9501 1500 27fffffffe 8102"
    " 0584 0930 7510 8102 c0c0".replace(" ", "")
)


def test_idowell_fix_only_where_the_maximum_is_below_the_minimum():
    info = UsbInfo(vendorid=0x075D, productid=0x0300)
    desc = hidparser.parse_report_descriptor(_GOLDENMATE_LIKE)
    # our parser reads 0xfeffffff unsigned, as NUT on 64-bit Linux: nothing to fix
    assert idowell.idowell_fix_report_desc(info, desc) == desc
    # as NUT's LLP64 recovery leaves it (Windows): negative, below the minimum
    broken = dataclasses.replace(
        desc,
        fields=tuple(
            dataclasses.replace(f, logical_max=-16777217, physical_max=-16777217)
            for f in desc.fields
        ),
    )
    fixed = idowell.idowell_fix_report_desc(info, broken)
    runtime, voltage = fixed.fields
    assert (runtime.logical_max, runtime.physical_max) == (0x75FFFFFF, 0x75FFFFFF)
    assert voltage.logical_max == 65535
    other = UsbInfo(vendorid=0x0764, productid=0x0501)
    assert idowell.idowell_fix_report_desc(other, broken) == broken


# -- ecoflow ------------------------------------------------------------------------------


def test_ecoflow_runtime_minutes_to_seconds():
    assert lookup_to_nut(ecoflow.ecoflow_runtime_conversion, 2400) == "144000"
    assert lookup_to_nut(ecoflow.ecoflow_runtime_conversion, 0) == "0"
    assert lookup_to_nut(ecoflow.ecoflow_runtime_conversion, -1) is None
    assert not any(r.hu & HU.CMD for r in ecoflow.ECOFLOW_HID2NUT)
    row = _row(ecoflow.ECOFLOW_HID2NUT, "battery.charge.low")
    assert row.length == 5 and row.st_flags


# -- new captures: the names NUT's table gives for the paths each descriptor has -----------

#: capture -> the subdriver NUT's id tables give it
NEW_CAPTURES = {
    "salicru-slc-twin-pro2": "Salicru HID 0.4",
    "legrand-keor-sp": "Legrand HID 0.2",
    "legrand-keor-pdu-800": "Legrand HID 0.2",
    "liebert-gxt4": "Belkin/Liebert HID 0.23",
}


def _zeroed_replay(name):
    from tests.support.hiddouble import from_capture

    dev = from_capture(name)
    desc = hidparser.parse_report_descriptor(dev.descriptor)
    for rid in {f.report_id for f in desc.fields}:
        dev.reports[rid] = bytes([rid]) + bytes(desc.report_size(rid) - 1)
    return dev


def _mappable_on_zeros(sub, desc):
    """Variables the table yields for zeroed reports: a row whose path the descriptor has
    and whose lookup (if any) has a word for 0 (or is an ABSENT row: its default)."""
    from powerdown.drivers.usbhid import usages
    from powerdown.drivers.usbhid.hidparser import ReportKind
    from powerdown.drivers.usbhid.mapping import stringid_conversion

    names = set()
    for row in sub.mapping:
        if row.hu & HU.CMD or row.var == "BOOL" or row.hidpath is None:
            continue
        try:
            path = usages.name_to_path(row.hidpath, *sub.usage_tables)
        except KeyError:
            continue
        if desc.find(path, ReportKind.FEATURE) is None:
            continue
        lk = row.lookup
        if lk is None or row.hu & HU.ABSENT or lk is stringid_conversion:
            names.add(row.var)
        elif lookup_to_nut(lk, 0.0) is not None:
            names.add(row.var)
    return names


@pytest.mark.parametrize("name", sorted(NEW_CAPTURES))
def test_new_capture_publishes_what_the_table_maps_on_its_descriptor(name):
    from powerdown.drivers.dstate import Dstate
    from powerdown.drivers.usbhid.driver import DEFAULT_POLLFREQ, HidUps, Settings

    dev = _zeroed_replay(name)
    assert choose(dev.info).label == NEW_CAPTURES[name]
    d = Dstate()
    core = HidUps(Settings(), d, opener=lambda: [dev])
    core.initups()
    core.initinfo(0.0)
    core.update(DEFAULT_POLLFREQ + 1.0, None)
    assert core.sub is not None and core.desc is not None
    published = {line.split(": ", 1)[0] for line in d.upsc_lines()}
    published = {n for n in published if not n.startswith("driver.parameter.")}
    # the identity the format hooks give (no USB strings captured), not the table
    identity = {"driver.version.data", "ups.vendorid", "ups.productid", "ups.status"}
    identity |= {"ups.mfr", "ups.model", "ups.serial"}
    assert published - identity == _mappable_on_zeros(core.sub, core.desc) - identity
    assert _mappable_on_zeros(core.sub, core.desc)  # each maps something
