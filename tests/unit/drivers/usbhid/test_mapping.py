"""NUT's shared lookups and conversions."""

from __future__ import annotations

import pytest

from powerdown.drivers.usbhid import mapping as m


@pytest.mark.parametrize(
    ("lookup", "value", "text"),
    [
        (m.online_info, 1, "online"),
        (m.online_info, 0, "offline"),
        (m.off_info, 0, "off"),  # inverted
        (m.nobattery_info, 0, "nobattery"),  # inverted
        (m.fullycharged_info, 0, "notfullycharged"),
        (m.beeper_info, 2, "enabled"),
        (m.test_read_info, 6, "No test initiated"),
        (m.yes_no_info, 1, "yes"),
        (m.date_conversion, 0, "not set"),
        (m.date_conversion, (2021 - 1980) * 512 + 7 * 32 + 15, "2021/07/15"),
        (m.hex_conversion, 0x1234, "00001234"),
        (m.divide_by_10_conversion, 1234, "123.4"),
        (m.divide_by_100_conversion, 1234, "12.3"),
        (m.kelvin_celsius_conversion, 300.15, "27.0"),
        (m.kelvin_celsius_conversion, 25, "25.0"),  # already Celsius (HP)
        (m.beeper_info, 9, None),
    ],
)
def test_lookup_to_nut(lookup, value, text) -> None:
    assert m.lookup_to_nut(lookup, value) == text


def test_lookup_to_hid() -> None:
    assert m.lookup_to_hid(m.beeper_info, "muted") == 3
    assert m.lookup_to_hid(m.beeper_info, "Muted") is None  # strcmp
    assert m.lookup_to_hid(m.date_conversion, "2021/07/15") == (2021 - 1980) * 512 + 7 * 32 + 15
    assert m.lookup_to_hid(m.yes_no_info, "maybe") is None


@pytest.mark.parametrize(
    ("fmt", "value", "text"),
    [("%.0f", 95.4, "95"), ("%.1f", 230.04, "230.0"), ("%02x", 10, "0a"), ("%d", 7.9, "7")],
)
def test_format_value(fmt, value, text) -> None:
    assert m.format_value(fmt, value) == text
