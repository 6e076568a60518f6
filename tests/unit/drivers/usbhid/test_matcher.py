"""Device matching as NUT's USBNewRegexMatcher / USBNewExactMatcher do it."""

from __future__ import annotations

import pytest

from powerdown.drivers.usbhid.matcher import ExactMatcher, MatchError, RegexMatcher, UsbInfo

APC = UsbInfo(
    vendorid=0x051D,
    productid=0x0002,
    vendor="American Power Conversion",
    product=" Back-UPS BX1600MI FW:378600G -302202G ",
    serial="9B2133A12345",
    bus="001",
    device="004",
    busport="002",
)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"vendorid": "051d"},
        {"vendorid": "051D"},  # case-insensitive, ids as four hex digits
        {"vendorid": "051[cd]", "productid": "000[0-9]"},
        {"vendor": "american.*"},
        {"product": "Back-UPS BX1600MI FW:378600G -302202G"},  # surrounding blanks ignored
        {"product": ".*(Smart|Back)-?UPS.*"},
        {"serial": "9B2133A12345"},
        {"bus": "001", "device": "00[1-4]", "busport": "002"},
    ],
)
def test_RegexMatcher_accepts(options) -> None:
    assert RegexMatcher(options)(APC)


@pytest.mark.parametrize(
    ("options", "fails"),
    [
        ({"vendorid": "51d"}, "vendorid"),  # anchored: the whole value
        ({"vendorid": "051"}, "vendorid"),
        ({"vendor": "American"}, "vendor"),
        ({"serial": "9B2133A1234"}, "serial"),
        ({"bus": "1"}, "bus"),  # leading zeroes count
        ({"busport": "003"}, "busport"),
    ],
)
def test_RegexMatcher_refuses_and_names_the_option(options, fails) -> None:
    m = RegexMatcher(options)
    assert not m(APC)
    assert m.mismatch(APC) == fails


def test_RegexMatcher_missing_string_matches_as_empty() -> None:
    bare = UsbInfo(vendorid=0x0463, productid=0xFFFF)
    assert RegexMatcher({"serial": ""})(bare)
    assert RegexMatcher({"serial": ".*"})(bare)
    assert not RegexMatcher({"serial": ".+"})(bare)


def test_RegexMatcher_bad_regex() -> None:
    with pytest.raises(MatchError, match="product"):
        RegexMatcher({"product": "(unclosed"})


def test_ExactMatcher_same_device_after_replug_on_another_port() -> None:
    m = ExactMatcher(APC)
    moved = UsbInfo(
        vendorid=APC.vendorid,
        productid=APC.productid,
        vendor=APC.vendor,
        product=APC.product,
        serial=APC.serial,
        bus="002",
        device="011",
        busport="004",
    )
    assert m(moved)
    twin = UsbInfo(
        vendorid=APC.vendorid,
        productid=APC.productid,
        vendor=APC.vendor,
        product=APC.product,
        serial="9B2133A99999",
    )
    assert not m(twin)
