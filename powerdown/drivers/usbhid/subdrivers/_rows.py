"""Short constructors for mapping rows, so a subdriver's table reads like NUT's.

Each subdriver table has hundreds of rows in four shapes: a read-only
variable, a writable string variable, a status bit (NUT's ``"BOOL"`` rows)
and an instant command.  These helpers build a ``HidInfo`` for each shape
and nothing else; the tables themselves stay plain data.  Also the few
helpers every subdriver's claim and fix-up code needs (id tables, finding a
field as NUT's ``FindObject_with_ID_Node`` does).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid.mapping import HU, HidInfo, Lookup
from powerdown.state.tree import Flag

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.hidparser import HidField, ReportDescriptor
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = [
    "DEFAULT_ONDELAY",
    "DEFAULT_OFFDELAY",
    "var",
    "rw",
    "status",
    "cmd",
    "table",
    "id_claim",
    "vendor_or",
    "find_field",
    "with_logical",
]

#: usbhid-ups.h: ``ondelay`` and ``offdelay`` defaults, as strings (HU.ABSENT rows and commands).
DEFAULT_ONDELAY = "30"
DEFAULT_OFFDELAY = "20"


def var(
    name: str,
    path: str,
    fmt: str | None = "%.0f",
    *,
    hu: HU = HU.NONE,
    lookup: Lookup | None = None,
    flags: Flag = Flag.NONE,
    length: int = 0,
) -> HidInfo:
    """A variable read from ``path`` (read-only unless ``flags`` says RW)."""
    return HidInfo(
        var=name, hidpath=path, fmt=fmt, hu=hu, st_flags=flags, length=length, lookup=lookup
    )


def rw(
    name: str,
    path: str,
    fmt: str | None,
    length: int,
    *,
    hu: HU = HU.NONE,
    lookup: Lookup | None = None,
) -> HidInfo:
    """A writable string variable (``ST_FLAG_RW | ST_FLAG_STRING`` in NUT)."""
    return HidInfo(
        var=name,
        hidpath=path,
        fmt=fmt,
        hu=hu,
        st_flags=Flag.RW | Flag.STRING,
        length=length,
        lookup=lookup,
    )


def status(path: str, lookup: Lookup, *, hu: HU = HU.NONE) -> HidInfo:
    """A status bit: the lookup yields a word of ``mapping.STATUS_WORDS`` (or ``!word``)."""
    return HidInfo(var="BOOL", hidpath=path, fmt=None, hu=hu, lookup=lookup)


def cmd(
    name: str, path: str, value: str | None, *, hu: HU = HU.CMD, lookup: Lookup | None = None
) -> HidInfo:
    """An instant command that writes ``value`` to ``path``.

    With a lookup, its ``to_hid`` turns the value (or the command's
    argument, or None) into what is written, as NUT's ``nuf``.
    """
    return HidInfo(var=name, hidpath=path, fmt=value, hu=hu, lookup=lookup)


def table(values: Iterable[tuple[int, str]]) -> Lookup:
    """A lookup table, keeping NUT's order (the first match wins both ways).

    Where NUT's C array lists the same HID value twice, the first entry is
    what NUT reads; the later one only matters the other way (NUT text to
    HID), which a dict cannot hold, so later duplicates are dropped here
    and the subdriver says so where it matters.
    """
    out: dict[int, str] = {}
    for hid, text in values:
        out.setdefault(hid, text)
    return Lookup(table=MappingProxyType(out))


def id_claim(
    ids: Mapping[int, frozenset[int] | None],
) -> Callable[[UsbInfo], bool]:
    """A claim by vendor id -> product ids (None: any product of that vendor)."""

    def claims(info: UsbInfo) -> bool:
        if info.vendorid not in ids:
            return False
        products = ids[info.vendorid]
        return products is None or info.productid in products

    return claims


def vendor_or(default: str) -> Callable[[UsbInfo, str | None], str | None]:
    """``format_mfr``: the USB vendor string, or the maker's name when the device has none."""

    def format_mfr(info: UsbInfo, vendor: str | None) -> str | None:
        return vendor if vendor is not None else default

    return format_mfr


def find_field(desc: ReportDescriptor, report_id: int, usage: int) -> HidField | None:
    """NUT's ``FindObject_with_ID_Node``: report ``report_id``'s first field ending in ``usage``."""
    for f in desc.fields:
        if f.report_id == report_id and f.path and f.path[-1] == usage:
            return f
    return None


def with_logical(
    desc: ReportDescriptor,
    old: HidField,
    *,
    logical_min: int | None = None,
    logical_max: int | None = None,
) -> ReportDescriptor:
    """``desc`` with ``old``'s logical range changed.

    NUT keeps physical equal to logical when the descriptor gave no physical
    range; our parser fills that in, so a physical range equal to the old
    logical one moves with it.
    """
    lo = old.logical_min if logical_min is None else logical_min
    hi = old.logical_max if logical_max is None else logical_max
    follows = old.physical_min == old.logical_min and old.physical_max == old.logical_max
    new = dataclasses.replace(
        old,
        logical_min=lo,
        logical_max=hi,
        physical_min=lo if follows else old.physical_min,
        physical_max=hi if follows else old.physical_max,
    )
    fields = tuple(new if f is old else f for f in desc.fields)
    return dataclasses.replace(desc, fields=fields)
