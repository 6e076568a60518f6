"""Which USB device is ours: what a device says about itself, and NUT's two matchers.

Strategy
--------
NUT's ``drivers/usb-common.c`` and ``docs/man/nut_usb_addvars.txt``.  The
user names the device with up to eight extended regular expressions
(``vendorid``, ``productid``, ``vendor``, ``product``, ``serial``,
``bus``, ``device``, ``busport``); each must match the *whole* value,
ignoring case and surrounding blanks, and ids are matched as four
lower-case hex digits (``051d``).  An option not given matches anything;
a string the device does not have matches as the empty string.

Once a device is open, reconnecting must find *that* device again, not
another one that also fits the regexes: the exact matcher wants the same
vendor and product ids and the same vendor, product and serial strings
(NUT compares neither bus nor device number: both change on re-plug).

Pure; ``transport`` does the USB side and re-exports these names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "UsbInfo",
    "HidGone",
    "HidIOError",
    "MatchError",
    "REGEX_OPTIONS",
    "RegexMatcher",
    "ExactMatcher",
]


class HidGone(Exception):
    """The device went away (unplugged, reset, taken by another driver): reconnect."""


class HidIOError(Exception):
    """One transfer failed (timeout, pipe error): the poll fails, the device may still be there."""


class MatchError(ValueError):
    """A matching option is not a valid regular expression."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UsbInfo:
    """NUT's ``USBDevice_t``: how a USB device identifies itself.

    ``bus`` and ``device`` are three-digit decimal numbers ("001"), as
    libusb-1.0 builds of NUT print them; ``busport`` the port number on
    its hub, also three digits, when known.
    """

    vendorid: int
    productid: int
    vendor: str | None = None
    product: str | None = None
    serial: str | None = None
    bus: str = "000"
    device: str = "000"
    busport: str | None = None
    bcd_device: int = 0


#: The driver options that name a device, in NUT's order.
REGEX_OPTIONS = ("vendorid", "productid", "vendor", "product", "serial", "bus", "device", "busport")


def _field(info: UsbInfo, name: str) -> str:
    if name == "vendorid":
        return f"{info.vendorid:04x}"
    if name == "productid":
        return f"{info.productid:04x}"
    value: str | None = getattr(info, name)
    return "" if value is None else value.strip(" \t\n")


class RegexMatcher:
    """NUT's ``USBNewRegexMatcher``: every given option must match its whole field."""

    def __init__(self, options: Mapping[str, str | None]) -> None:
        """Compile the options that are set (``None`` means not given).

        Raises:
            MatchError: a pattern does not compile; the message names the option.
        """
        self.patterns: dict[str, re.Pattern[str]] = {}
        for name in REGEX_OPTIONS:
            text = options.get(name)
            if text is None:
                continue
            try:
                self.patterns[name] = re.compile(text, re.IGNORECASE)
            except re.error as exc:
                raise MatchError(f"invalid regular expression for {name}: {text!r}: {exc}") from exc

    def __call__(self, info: UsbInfo) -> bool:
        return self.mismatch(info) is None

    def mismatch(self, info: UsbInfo) -> str | None:
        """The first option the device fails, or None when it matches (for the debug log)."""
        for name, pattern in self.patterns.items():
            if pattern.fullmatch(_field(info, name)) is None:
                return name
        return None


class ExactMatcher:
    """NUT's ``USBNewExactMatcher``: the very device we had, found again after a re-plug."""

    def __init__(self, info: UsbInfo) -> None:
        self.info = info

    def __call__(self, info: UsbInfo) -> bool:
        a, b = self.info, info
        return (
            a.vendorid == b.vendorid
            and a.productid == b.productid
            and a.vendor == b.vendor
            and a.product == b.product
            and a.serial == b.serial
        )
