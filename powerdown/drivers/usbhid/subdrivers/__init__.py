"""The subdrivers usbhid-ups knows, in the order NUT tries them, and how one is chosen.

Strategy
--------
NUT's ``usbhid-ups.c`` ``subdriver_list`` and ``match_function_subdriver_name``.
Each subdriver claims devices by vendor/product id; the first that claims
a device wins.  ``explore`` comes first in NUT's list but claims a device
only when the ``explore`` flag is set; then the driver publishes what the
descriptor has instead of a mapping (see ``driver``).

The ``subdriver`` option names one directly: first an exact match with the
name NUT prints ("APC HID 0.101", or the bare name), then the option as a
case-insensitive regular expression over the whole name, then the same with
``.*`` appended (so "apc" finds "APC HID").

Only modules that exist are listed: a subdriver lands here when its module
does.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from powerdown.drivers.usbhid.mapping import Subdriver
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

__all__ = ["SUBDRIVERS", "EXPLORE", "choose", "by_name", "names"]


def _nothing(info: UsbInfo) -> bool:
    return False


#: NUT's ``explore`` stub: no mapping of its own; the driver publishes every path.
EXPLORE = Subdriver(
    name="EXPLORE HID",
    version="0.2",
    usage_tables=(MappingProxyType({}),),
    mapping=(),
    claims=_nothing,
)

#: NUT's order after ``explore``: MGE first, then alphabetical.
SUBDRIVERS: tuple[Subdriver, ...] = (
    EXPLORE,
    mge.SUBDRIVER,
    apc.SUBDRIVER,
    arduino.SUBDRIVER,
    belkin.SUBDRIVER,
    cps.SUBDRIVER,
    delta_ups.SUBDRIVER,
    ecoflow.SUBDRIVER,
    ever.SUBDRIVER,
    idowell.SUBDRIVER,
    legrand.SUBDRIVER,
    liebert.SUBDRIVER,
    openups.SUBDRIVER,
    powercom.SUBDRIVER,
    salicru.SUBDRIVER,
    tripplite.SUBDRIVER,
)


def names() -> list[str]:
    """What ``-h`` lists as the accepted ``subdriver`` values."""
    return [s.label for s in SUBDRIVERS]


def by_name(wanted: str) -> Subdriver | None:
    """The subdriver the ``subdriver`` option names, or None."""
    for sub in SUBDRIVERS:
        if wanted in (sub.label, sub.name):
            return sub
    for pattern in (wanted, wanted + ".*"):
        try:
            rx = re.compile(pattern, re.IGNORECASE)
        except re.error:
            continue
        for sub in SUBDRIVERS:
            if rx.fullmatch(sub.label) or rx.fullmatch(sub.name):
                return sub
    return None


def choose(info: UsbInfo, name: str | None = None, *, explore: bool = False) -> Subdriver | None:
    """The subdriver for this device: the named one, else the first that claims it."""
    if name is not None:
        return by_name(name)
    if explore:
        return EXPLORE
    for sub in SUBDRIVERS:
        if sub.claims(info):
            return sub
    return None
