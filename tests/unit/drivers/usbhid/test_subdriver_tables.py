"""Every subdriver's table is well formed, and each claims exactly NUT's ids."""

from __future__ import annotations

import re

import pytest

from powerdown.drivers.usbhid import usages
from powerdown.drivers.usbhid.mapping import HU, STATUS_WORDS, Lookup, lookup_to_nut
from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.subdrivers import (
    apc,
    arduino,
    belkin,
    cps,
    delta_ups,
    ecoflow,
    ever,
    idowell,
    legrand,
    liebert,
    mge,
    openups,
    powercom,
    salicru,
    tripplite,
)
from powerdown.state.tree import Flag

MODULES = [apc, cps, tripplite, liebert, powercom, belkin, mge, legrand, arduino]
MODULES += [salicru, delta_ups, openups, ever, idowell, ecoflow]

# NUT HEAD's id tables (vendor id -> product ids), per subdriver.
NUT_IDS = {
    "apc": {0x051D: {0x0000, 0x0002, 0x0003, 0x0004, 0x0005}},
    "cps": {0x0764: {0x0005, 0x0501, 0x0601}, 0x0483: {0xA430}},
    "tripplite": {
        0x09AE: {
            0x1003,
            0x1007,
            0x1008,
            0x1009,
            0x1010,
            0x1330,
            0x2005,
            0x2007,
            0x2008,
            0x2009,
            0x2010,
            0x2011,
            0x2012,
            0x2013,
            0x2014,
            0x3008,
            0x3009,
            0x3010,
            0x3011,
            0x3012,
            0x3013,
            0x3014,
            0x3015,
            0x3016,
            0x3024,
            0x4001,
            0x4002,
            0x4003,
            0x4004,
            0x4005,
            0x4006,
            0x4007,
            0x4008,
        },
        0x03F0: {0x0001, 0x1FE0, 0x1FE1, 0x1FE2, 0x1FE3, 0x1F06, 0x1F08, 0x1F09, 0x1F0A},
        0x05DD: {0xA011, 0xA0A0},
    },
    "liebert": {0x06DA: {0xFFFF}},
    "powercom": {0x0D9F: {0x00A2, 0x00A3, 0x00A4, 0x00A5, 0x00A6, 0x0004, 0x0001}},
    "belkin": {
        0x050D: {0x0980, 0x0900, 0x0910, 0x0912, 0x0551, 0x0750, 0x0751, 0x0375, 0x0F51, 0x1100},
        0x10AF: {0x0000, 0x0001, 0x0002, 0x0004, 0x0008},
    },
    # and 06da:ffff (AEG units only) and 09d6:0001 (KSTAR only): test_subdriver_mge.py
    "mge": {
        0x0463: {0x0001, 0xFFFF},
        0x047C: {0xFFFF},
        0x0592: {0x0004},
        0x03F0: {0x1FE5, 0x1FE6, 0x1FE7, 0x1FE8},
        0x2B2D: {0xFFFF},
        0x04B3: {0x0001},
    },
    "legrand": {0x1CB0: {0x0038, 0x0032}},
    "arduino": {0x2341: {0x0036, 0x8036}, 0x2A03: {0x0036, 0x8036, 0x0040, 0x8040}},
    "salicru": {0x2E66: {0x0101, 0x0201, 0x0202, 0x0203, 0x0300, 0x0302}},
    "delta_ups": {0x05DD: {0x041B}},
    "openups": {0x04D8: {0xD004, 0xD005}},
    "ever": {0x0483: {0xA113}, 0x2E51: {0x0000, 0xFFFF}},
    # and 06da:ffff, GoldenMate packs only (by their strings): test_subdriver_more.py
    "idowell": {0x075D: {0x0300}},
    "ecoflow": {0x3746: {0xFFFF}},
}

# Rows per table in NUT HEAD (powercom: less the raw report-0xa4 battery.voltage row).
NUT_ROWS = {
    "apc": 97,
    "cps": 57,
    "tripplite": 77,
    "liebert": 39,
    "powercom": 81,
    "belkin": 83,
    "mge": 251,
    "legrand": 44,
    "arduino": 31,
    # (less the rows NUT builds only with DEBUG or WITH_UNMAPPED_DATA_POINTS)
    "salicru": 44,
    "delta_ups": 70,
    "openups": 27,
    "ever": 116,
    "idowell": 37,
    "ecoflow": 31,
}

FORMAT = re.compile(r"^%(\.\d)?[fsd]$|^%\.\d+f%%$")
# NUT's phase names: "input.L1-N.voltage", "ups.L2.power".
NAME = re.compile(r"^[a-z][a-z0-9]*(\.[A-Za-z0-9-]+)+$")
# ever-hid's experimental names use underscores ("experimental.battery.input_flowid").
NAME_EXPERIMENTAL = re.compile(r"^experimental(\.[A-Za-z0-9_-]+)+$")


def short(mod: object) -> str:
    return mod.__name__.rsplit(".", 1)[1]  # type: ignore[attr-defined]


@pytest.mark.parametrize("mod", MODULES, ids=short)
def test_subdriver_claims_nut_ids_only(mod):
    ids = NUT_IDS[short(mod)]
    for vid, pids in ids.items():
        for pid in pids:
            assert mod.SUBDRIVER.claims(UsbInfo(vendorid=vid, productid=pid)), (hex(vid), hex(pid))
        for pid in (0x0002 if 0x0002 not in pids else 0x7777, 0xBEEF):
            assert not mod.SUBDRIVER.claims(UsbInfo(vendorid=vid, productid=pid))
    for vid, pid in ((0x1234, 0x0002), (0x0000, 0x0000), (0x046D, 0xC52B)):
        if vid not in ids:
            assert not mod.SUBDRIVER.claims(UsbInfo(vendorid=vid, productid=pid))


def test_subdriver_no_two_claim_one_device():
    for name, ids in NUT_IDS.items():
        for vid, pids in ids.items():
            for pid in pids:
                claimed = [
                    short(m)
                    for m in MODULES
                    if m.SUBDRIVER.claims(UsbInfo(vendorid=vid, productid=pid))
                ]
                assert claimed == [name]


@pytest.mark.parametrize("mod", MODULES, ids=short)
def test_subdriver_rows_are_well_formed(mod):
    sub = mod.SUBDRIVER
    assert len(sub.mapping) == NUT_ROWS[short(mod)]
    tables = (*sub.usage_tables, usages.GENERIC)
    for row in sub.mapping:
        assert row.hidpath is not None
        path = usages.name_to_path(row.hidpath, *tables)
        # Tripp Lite renames four page-0x84 usages, so compare numbers, not names.
        assert usages.name_to_path(usages.path_to_name(path, *tables), *tables) == path
        if row.hu & HU.CMD:
            assert NAME.match(row.var), row
            assert row.fmt is not None or (row.lookup is not None and row.lookup.to_hid), row
            continue
        if row.var == "BOOL":
            assert isinstance(row.lookup, Lookup), row
            continue
        assert NAME.match(row.var) or NAME_EXPERIMENTAL.match(row.var), row
        if row.hu & HU.ABSENT:
            # a delay in seconds, or (mge-hid) an outlet's description
            assert row.fmt and (row.fmt.isdigit() or row.var.endswith(".desc")), row
        else:
            assert row.fmt is not None and FORMAT.match(row.fmt), row
        if row.st_flags & Flag.RW:
            writable = row.lookup is None or row.lookup.to_hid is not None or row.lookup.table
            # NUT's own exception: belkin-hid marks it RW with a one-way conversion.
            assert writable or (short(mod), row.var) == ("belkin", "input.sensitivity"), row
        if row.st_flags & Flag.STRING and not row.hu & HU.ENUM:  # NUT: an enum needs none
            assert row.length > 0, row


@pytest.mark.parametrize("mod", MODULES, ids=short)
def test_subdriver_status_lookups_give_status_words(mod):
    words = set(STATUS_WORDS) | {"normal"}
    for row in mod.SUBDRIVER.mapping:
        if row.var != "BOOL":
            continue
        assert row.lookup is not None
        values = list(row.lookup.table) or [0, 1, 2, 4, 8, 16, 0x18, 0x20, 0x40, 0x80, 0x2000]
        for value in values:
            word = lookup_to_nut(row.lookup, float(value))
            if word is not None:
                assert word.lstrip("!") in words, (row, value, word)


@pytest.mark.parametrize("mod", MODULES, ids=short)
def test_subdriver_usage_tables_are_vendor_usages(mod):
    for table in mod.SUBDRIVER.usage_tables:
        for usage, name in table.items():
            assert 0 <= usage <= 0xFFFFFFFF and name.isidentifier()


def test_subdriver_labels_are_nuts():
    assert [m.SUBDRIVER.label for m in MODULES] == [
        "APC HID 0.101",
        "CyberPower HID 0.85",
        "TrippLite HID 0.85",
        "Phoenixtec/Liebert HID 0.41",
        "PowerCOM HID 0.75",
        "Belkin/Liebert HID 0.23",
        "MGE HID 1.59",
        "Legrand HID 0.2",
        "Arduino HID 0.22",
        "Salicru HID 0.4",
        "Delta UPS HID 0.6",
        "openUPS HID 0.50",
        "Ever HID 0.10",
        "iDowell HID 0.22",
        "EcoFlow HID 0.01",
    ]
