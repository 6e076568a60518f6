"""NUT's usage names and dotted paths (libhid.c's hid_usage_lkp, path_to_string, string_to_path)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powerdown.drivers.usbhid.usages import (
    GENERIC,
    lookup_usage,
    name_to_path,
    path_to_name,
    usage_name,
)

APC_LIKE = {0xFF860060: "BUPBatteryCapacity", 0x00840030: "VendorVoltage"}


@pytest.mark.parametrize(
    ("usage", "name"),
    [
        (0x00840004, "UPS"),
        (0x00840024, "PowerSummary"),
        (0x0084001A, "Input"),
        (0x0084001C, "Output"),
        (0x0084001E, "Flow"),
        (0x00840010, "BatterySystem"),
        (0x00840065, "Overload"),
        (0x0084006B, "SwitchOn/Off"),
        (0x008400FD, "iManufacturer"),
        (0x00850066, "RemainingCapacity"),
        (0x008500D0, "ACPresent"),
        (0x00850042, "BelowRemainingCapacityLimit"),
        (0x00850088, "iDevicename"),
        (0x00850063, "Maxerror"),
        (0x00850019, "Usenext"),
        (0x008500F3, "Level3"),
    ],
)
def test_generic_names_are_spelled_as_nut_spells_them(usage: int, name: str) -> None:
    assert GENERIC[usage] == name


def test_generic_table_covers_both_pages_and_nothing_else() -> None:
    assert {u >> 16 for u in GENERIC} == {0x84, 0x85}
    assert len(GENERIC) == 170


def test_path_to_name_for_a_known_path() -> None:
    path = (0x00840004, 0x00840024, 0x00850066)
    assert path_to_name(path) == "UPS.PowerSummary.RemainingCapacity"


def test_unknown_usages_print_as_8_hex_digits() -> None:
    assert path_to_name((0x00840004, 0xFF860060)) == "UPS.ff860060"
    assert usage_name(0x00000030) == "00000030"
    assert usage_name(0x00840006) == "00840006"  # reserved on the power page


def test_index_nodes_print_in_brackets() -> None:
    assert path_to_name((0x00840004, 0x00840020, 0x00FF0003)) == "UPS.Outlet.[3]"


def test_subdriver_tables_are_searched_first() -> None:
    path = (0x00840004, 0xFF860060, 0x00840030)
    assert path_to_name(path, APC_LIKE) == "UPS.BUPBatteryCapacity.VendorVoltage"
    assert path_to_name(path) == "UPS.ff860060.Voltage"
    assert name_to_path("UPS.BUPBatteryCapacity.Voltage", APC_LIKE) == path


def test_name_to_path_is_case_insensitive() -> None:
    assert name_to_path("ups.POWERSUMMARY.remainingcapacity") == (
        0x00840004,
        0x00840024,
        0x00850066,
    )


def test_duplicate_names_find_the_first_in_nut_order() -> None:
    # "VoltageOutOfRange" is on both pages; libhid.c lists page 0x84 first.
    assert lookup_usage("VoltageOutOfRange") == 0x00840063
    assert lookup_usage("Undefined") == 0x00840000


def test_name_to_path_accepts_hex_and_index_nodes() -> None:
    assert name_to_path("UPS.ff860060.[2]") == (0x00840004, 0xFF860060, 0x00FF0002)
    assert name_to_path("UPS.FF860060") == (0x00840004, 0xFF860060)


def test_name_to_path_skips_empty_components_as_nut() -> None:
    assert name_to_path(".UPS..PowerSummary.") == (0x00840004, 0x00840024)


@pytest.mark.parametrize(
    "name",
    ["", "...", "UPS.NoSuchUsage", "UPS.1ffffffff", "UPS.[x]", "UPS.[]", "UPS.[70000]", "UPS.[²]"],
)
def test_unknown_names_raise_KeyError(name: str) -> None:
    with pytest.raises(KeyError):
        name_to_path(name)


def test_round_trip_of_every_generic_usage() -> None:
    for usage, name in GENERIC.items():
        expected = lookup_usage(name)
        # names used twice come back as their first usage
        assert path_to_name((expected,)) == name
        assert name_to_path(path_to_name((usage,))) in {(usage,), (expected,)}


@given(st.lists(st.integers(0, 0xFFFFFFFF), min_size=1, max_size=8))
def test_any_path_survives_name_and_back(path: list[int]) -> None:
    # up to the names shared by two usages ("Undefined", "VoltageOutOfRange")
    back = name_to_path(path_to_name(tuple(path)))
    assert len(back) == len(path)
    for a, b in zip(back, path, strict=True):
        assert a == b or GENERIC.get(a) == GENERIC.get(b)
