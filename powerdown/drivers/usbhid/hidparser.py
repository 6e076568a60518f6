"""USB HID report descriptors: parse them, and read or write one field of a report.

Strategy
--------
A report descriptor (USB HID 1.11, section 6.2.2) is a string of items.  A
short item is one prefix byte (tag: 4 bits, type: main/global/local: 2 bits,
data size 0, 1, 2 or 4 bytes: 2 bits) and its little-endian data; a long item
(prefix 0xFE) carries its own length and is skipped, as NUT skips it.  Global
items set state that lasts until changed (usage page, logical and physical
extents, unit, unit exponent, report size, count and id; Push and Pop save and
restore all of it); local items (usages) last until the next main item.  Each
Input, Output or Feature item lays ``report count`` fields of ``report size``
bits one after another in its report, and every (report id, kind) pair has its
own bit counter.  Collections nest and give each field its path.

Where the specification leaves room, this parser does what NUT's
``drivers/hidparser.c`` and ``libhid.c`` do, because a device is judged by the
values NUT shows for it:

* a field is kept (with its path) only while a usage is left for it: when
  ``Report Count`` exceeds the usages declared, the extra fields only move
  the offset, exactly like padding, and nothing repeats the last usage;
  whether the field is constant does not matter, only whether it has a usage;
* a usage item of 1 or 2 bytes takes the usage page current at that item, a
  4-byte one is an extended usage (page in the high 16 bits);
* a collection whose type is 0x80 or more (vendor defined) adds an index node
  ``0x00ff0000 | (type & 0x7f)`` after its usage (NUT prints it "[n]");
* logical and physical extents are signed in the item's own width; a logical
  maximum that comes out below the logical minimum is re-read as unsigned
  (firmwares that write 0..65535 as ``26 FF FF``);
* the unit exponent is the spec's 4-bit signed nibble, and NUT's reading of a
  full-width one (``55 FE`` is -2 too);
* physical extents count only when both were declared and are not both 0,
  else physical equals logical;
* :func:`get_value` keeps only the bits the logical extents need, sign-extends
  when the logical minimum is negative, clamps into the logical range, scales
  to physical units and applies ``10 ** (exponent - unit's own exponent)`` as
  ``libhid.c`` does (volts and VA/W are stored with exponent 7 in HID's
  cm/g units).

Departures from NUT, all where NUT is wrong or undefined: Push/Pop and Usage
Minimum/Maximum are honoured (NUT ignores them); offsets and lengths are not
truncated to 8 bits (NUT's logged offsets wrap past bit 255); a descriptor
without report ids keeps separate offsets (NUT's offset table gives every
id-0 field offset 0); a Report Count of 0 declares nothing (NUT's 8-bit
counter wraps to 255); the last main item keeps all its fields (NUT stops
after the first when the item ends the descriptor); malformed input raises
:class:`HidParseError` instead of reading past the end.  Checked against NUT's
own ``Parse_ReportDesc``/``GetValue`` compiled from its tree, on thousands of
generated descriptors inside those limits: same fields, offsets, extents,
units and values.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, replace

__all__ = [
    "HidParseError",
    "ReportKind",
    "HidField",
    "ReportDescriptor",
    "parse_report_descriptor",
    "get_logical",
    "get_value",
    "set_logical",
    "set_value",
    "to_physical",
    "to_logical",
    "writable",
    "MAX_FIELDS",
    "MAX_REPORT_BYTES",
]

#: more fields than this is not a power device (NUT stops at 500)
MAX_FIELDS = 65536
#: a report travels in one control transfer, whose wLength is 16 bits
MAX_REPORT_BYTES = 65535


class HidParseError(ValueError):
    """The report descriptor is malformed; ``offset`` is the byte where it went wrong."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"report descriptor byte {offset}: {message}")
        self.offset = offset


class ReportKind(enum.IntEnum):
    """A report's type, numbered as GET_REPORT/SET_REPORT number them."""

    INPUT = 1
    OUTPUT = 2
    FEATURE = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class HidField:
    """One value in one report (NUT's ``HIDData_t``)."""

    #: 32-bit usages ``(page << 16) | id``, outermost collection first, own usage last
    path: tuple[int, ...]
    kind: ReportKind
    #: 0 when the device uses no report ids
    report_id: int
    #: bit offset in the report, not counting the report-id byte
    offset: int
    #: bits
    size: int
    logical_min: int
    logical_max: int
    #: equal to the logical extents when the descriptor gives none (or both 0)
    physical_min: int
    physical_max: int
    unit: int
    #: decoded: -8..7 for every sane descriptor
    unit_exponent: int
    #: the main item's data: bit 0 constant, bit 1 variable, bit 2 relative, ...
    flags: int

    @property
    def usage(self) -> int:
        """The field's own usage (the last node of its path)."""
        return self.path[-1]


@dataclass(frozen=True, slots=True)
class ReportDescriptor:
    """Every field a descriptor declares that has a usage, in descriptor order."""

    fields: tuple[HidField, ...]
    #: ``(report id, kind, bits)`` for every report, padding included
    report_bits: tuple[tuple[int, ReportKind, int], ...] = ()

    def report_size(self, report_id: int, kind: ReportKind | None = None) -> int:
        """Bytes in a report, the id byte included when the device uses ids.

        ``kind=None`` gives NUT's length, the longest report of any kind
        with that id (what NUT asks for in GET_REPORT and sends in SET_REPORT).
        """
        bits = 0
        for rid, rkind, rbits in self.report_bits:
            if rid == report_id and (kind is None or rkind == kind):
                bits = max(bits, rbits)
        for f in self.fields:
            if f.report_id == report_id and (kind is None or f.kind == kind):
                bits = max(bits, f.offset + f.size)
        return (bits + 7) // 8 + (1 if report_id else 0)

    def find(self, path: tuple[int, ...], kind: ReportKind | None = None) -> HidField | None:
        """The first field whose path starts with ``path`` (NUT's FindObject_with_Path).

        NUT compares only as many nodes as the path it looks for has, so a
        collection's path finds the first field inside it.
        """
        if not path:
            return None
        n = len(path)
        for f in self.fields:
            if (kind is None or f.kind == kind) and f.path[:n] == path:
                return f
        return None

    def report_ids(self, kind: ReportKind | None = None) -> tuple[int, ...]:
        """The report ids in use (of one kind, or of any), sorted."""
        ids = {rid for rid, rkind, _ in self.report_bits if kind is None or rkind == kind}
        ids.update(f.report_id for f in self.fields if kind is None or f.kind == kind)
        return tuple(sorted(ids))


# --- parsing -----------------------------------------------------------------

_DATA_SIZE = (0, 1, 2, 4)

# main items
_INPUT = 0x80
_OUTPUT = 0x90
_COLLECTION = 0xA0
_FEATURE = 0xB0
_END_COLLECTION = 0xC0
# global items
_USAGE_PAGE = 0x04
_LOGICAL_MIN = 0x14
_LOGICAL_MAX = 0x24
_PHYSICAL_MIN = 0x34
_PHYSICAL_MAX = 0x44
_UNIT_EXPONENT = 0x54
_UNIT = 0x64
_REPORT_SIZE = 0x74
_REPORT_ID = 0x84
_REPORT_COUNT = 0x94
_PUSH = 0xA4
_POP = 0xB4
# local items
_USAGE = 0x08
_USAGE_MIN = 0x18
_USAGE_MAX = 0x28

_LONG_ITEM = 0xFE
_KINDS = {_INPUT: ReportKind.INPUT, _OUTPUT: ReportKind.OUTPUT, _FEATURE: ReportKind.FEATURE}
_INDEX_NODE = 0x00FF0000


@dataclass(slots=True)
class _Globals:
    page: int = 0
    logical_min: int = 0
    logical_max: int = 0
    physical_min: int = 0
    physical_max: int = 0
    have_physical_min: bool = False
    have_physical_max: bool = False
    unit: int = 0
    unit_exponent: int = 0
    report_size: int = 0
    report_id: int = 0
    report_count: int = 0


def _signed(value: int, nbytes: int) -> int:
    if nbytes == 0:
        return 0
    bits = 8 * nbytes
    return value - (1 << bits) if value >> (bits - 1) else value


def _unit_exponent(value: int) -> int:
    # NUT reads the low byte as a signed char and widens a positive value
    # above 7 as a 4-bit nibble: 0x0F -> -1 (the spec's encoding), 0xFE -> -2
    # (a full-width exponent); the result is what a C int8_t would hold.
    exp = _signed(value & 0xFF, 1)
    if exp > 7:
        exp = _signed((exp | 0xF0) & 0xFF, 1)
    return exp


class _Usages:
    """The local usages waiting for the next main item, ranges kept lazy."""

    __slots__ = ("ranges", "index", "pending_min", "pending_max")

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []
        self.index = 0
        self.pending_min: int | None = None
        self.pending_max: int | None = None

    def add(self, usage: int) -> None:
        self.ranges.append((usage, usage))

    def set_min(self, usage: int) -> None:
        self.pending_min = usage
        self._close_range()

    def set_max(self, usage: int) -> None:
        self.pending_max = usage
        self._close_range()

    def _close_range(self) -> None:
        if self.pending_min is None or self.pending_max is None:
            return
        if self.pending_min <= self.pending_max:
            self.ranges.append((self.pending_min, self.pending_max))
        self.pending_min = self.pending_max = None

    def take(self) -> int:
        """The next usage, or 0 when none is left (NUT's empty usage slot)."""
        while self.index < len(self.ranges):
            lo, hi = self.ranges[self.index]
            if lo < hi:
                self.ranges[self.index] = (lo + 1, hi)
            else:
                self.index += 1
            if lo:
                return lo
            return 0
        return 0

    def left(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.ranges[self.index :])


class _Parser:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.globals = _Globals()
        self.stack: list[_Globals] = []
        self.usages = _Usages()
        self.path: list[int] = []
        self.pushed: list[int] = []  # nodes each open collection added
        self.bits: dict[tuple[int, ReportKind], int] = {}
        self.fields: list[HidField] = []

    def run(self) -> ReportDescriptor:
        data = self.data
        pos = 0
        end = len(data)
        while pos < end:
            start = pos
            prefix = data[pos]
            if prefix == _LONG_ITEM:
                if pos + 3 > end:
                    raise HidParseError(start, "long item cut short")
                pos += 3 + data[pos + 1]
                if pos > end:
                    raise HidParseError(start, "long item runs past the end")
                continue
            nbytes = _DATA_SIZE[prefix & 0x03]
            if pos + 1 + nbytes > end:
                raise HidParseError(
                    start,
                    f"item 0x{prefix:02x} needs {nbytes} data bytes, {end - pos - 1} left",
                )
            value = int.from_bytes(data[pos + 1 : pos + 1 + nbytes], "little")
            pos += 1 + nbytes
            if prefix & 0xFC == 0xFC:
                # 0xfc, 0xfd, 0xff are reserved; NUT skips them as it skips
                # the long item, by the low byte of their data
                pos += value & 0xFF
                if pos > end:
                    raise HidParseError(start, f"item 0x{prefix:02x} runs past the end")
                continue
            self.item(start, prefix & 0xFC, value, nbytes)
        return ReportDescriptor(
            fields=tuple(self.fields),
            report_bits=tuple((rid, kind, bits) for (rid, kind), bits in self.bits.items()),
        )

    def item(self, start: int, tag: int, value: int, nbytes: int) -> None:
        kind_type = tag & 0x0C
        if kind_type == 0x00:
            self.main(start, tag, value)
        elif kind_type == 0x04:
            self.global_item(start, tag, value, nbytes)
        elif kind_type == 0x08:
            self.local(tag, value, nbytes)
        # type 3 (reserved, other than the long item): skipped

    def local(self, tag: int, value: int, nbytes: int) -> None:
        if tag not in (_USAGE, _USAGE_MIN, _USAGE_MAX):
            return  # designators, strings, delimiters: nothing NUT uses
        usage = value if nbytes == 4 else (self.globals.page << 16) | (value & 0xFFFF)
        if tag == _USAGE:
            self.usages.add(usage)
        elif tag == _USAGE_MIN:
            self.usages.set_min(usage)
        else:
            self.usages.set_max(usage)

    def global_item(self, start: int, tag: int, value: int, nbytes: int) -> None:
        g = self.globals
        if tag == _USAGE_PAGE:
            g.page = value & 0xFFFF
        elif tag == _LOGICAL_MIN:
            g.logical_min = _signed(value, nbytes)
        elif tag == _LOGICAL_MAX:
            g.logical_max = _signed(value, nbytes)
            if g.logical_max < g.logical_min:
                g.logical_max = value
        elif tag == _PHYSICAL_MIN:
            g.physical_min = _signed(value, nbytes)
            g.have_physical_min = True
        elif tag == _PHYSICAL_MAX:
            g.physical_max = _signed(value, nbytes)
            g.have_physical_max = True
        elif tag == _UNIT_EXPONENT:
            g.unit_exponent = _unit_exponent(value)
        elif tag == _UNIT:
            g.unit = value
        elif tag == _REPORT_SIZE:
            g.report_size = value
        elif tag == _REPORT_ID:
            if value > 0xFF:
                raise HidParseError(start, f"report id {value} is more than 255")
            g.report_id = value
        elif tag == _REPORT_COUNT:
            g.report_count = value
        elif tag == _PUSH:
            self.stack.append(replace(g))
        elif tag == _POP:
            if self.stack:
                self.globals = self.stack.pop()
        # reserved global tags: skipped

    def main(self, start: int, tag: int, value: int) -> None:
        if tag == _COLLECTION:
            self.path.append(self.usages.take())
            added = 1
            if value >= 0x80:
                self.path.append(_INDEX_NODE | (value & 0x7F))
                added = 2
            self.pushed.append(added)
        elif tag == _END_COLLECTION:
            if not self.pushed:
                raise HidParseError(start, "End Collection without a Collection")
            del self.path[len(self.path) - self.pushed.pop() :]
        elif tag in _KINDS:
            self.report_fields(start, _KINDS[tag], value)
        # reserved main tags: only end the local state
        self.usages = _Usages()

    def report_fields(self, start: int, kind: ReportKind, flags: int) -> None:
        g = self.globals
        key = (g.report_id, kind)
        offset = self.bits.get(key, 0)
        size = g.report_size
        count = g.report_count
        total = offset + size * count
        if (total + 7) // 8 + (1 if g.report_id else 0) > MAX_REPORT_BYTES:
            raise HidParseError(start, f"report {g.report_id} grows past {MAX_REPORT_BYTES} bytes")
        self.bits[key] = total
        with_usage = min(count, self.usages.left())
        if len(self.fields) + with_usage > MAX_FIELDS:
            raise HidParseError(start, f"more than {MAX_FIELDS} fields")
        if with_usage == 0:
            return
        if g.have_physical_min and g.have_physical_max and (g.physical_min or g.physical_max):
            pmin, pmax = g.physical_min, g.physical_max
        else:
            pmin, pmax = g.logical_min, g.logical_max
        parent = tuple(self.path)
        for i in range(with_usage):
            usage = self.usages.take()
            if not usage:
                continue  # an explicit usage 0 is NUT's "no usage": padding
            self.fields.append(
                HidField(
                    path=(*parent, usage),
                    kind=kind,
                    report_id=g.report_id,
                    offset=offset + i * size,
                    size=size,
                    logical_min=g.logical_min,
                    logical_max=g.logical_max,
                    physical_min=pmin,
                    physical_max=pmax,
                    unit=g.unit,
                    unit_exponent=g.unit_exponent,
                    flags=flags,
                )
            )


def parse_report_descriptor(data: bytes) -> ReportDescriptor:
    """Parse a report descriptor as the device sent it.

    Returns:
        every field that has a usage, in descriptor order, and every report's length.

    Raises:
        HidParseError: an item runs past the end, a report id above 255, an
        End Collection with nothing open, or a report longer than USB allows.
    """
    return _Parser(bytes(data)).run()


# --- values ------------------------------------------------------------------

# HID power devices' unit codes whose own exponent NUT takes off the value
# (HID PDC 3.2.3: HID counts in cm and g, so a volt is 10^7 of its unit).
_UNIT_OWN_EXPONENT = {
    0x00F0D121: 7,  # volt
    0x0000D121: 7,  # VA and watt
}


def _int8(value: int) -> int:
    return ((value + 128) & 0xFF) - 128


def _power_of_ten(exponent: int) -> float:
    # Built one factor at a time, as NUT does, so 10^-2 is 0.1 * 0.1 and a
    # value prints the same digits as NUT's.
    result = 1.0
    step = 10.0 if exponent > 0 else 1 / 10.0
    for _ in range(abs(exponent)):
        result = step * result
    return result


def _scale(f: HidField) -> float:
    return _power_of_ten(_int8(f.unit_exponent - _UNIT_OWN_EXPONENT.get(f.unit, 0)))


def _id_bits(f: HidField) -> int:
    return 8 if f.report_id else 0


def get_logical(f: HidField, report: bytes | bytearray) -> int:
    """The field's logical value in ``report`` (NUT's GetValue).

    Bits past the end of a short report read as 0.  Only the bits the logical
    extents need are kept (devices put garbage above them), the value is
    sign-extended when the logical minimum is negative, and clamped into the
    logical range.
    """
    first = f.offset + _id_bits(f)
    nbytes = (first + f.size + 7) // 8
    chunk = bytes(report[:nbytes]).ljust(nbytes, b"\0")
    raw = (int.from_bytes(chunk, "little") >> first) & ((1 << f.size) - 1)
    lmin, lmax = f.logical_min, f.logical_max
    mag_max = lmax if lmax >= 0 else -(lmax + 1)
    mag_min = lmin if lmin >= 0 else -(lmin + 1)
    signbit = 1 << max(mag_max, mag_min).bit_length()
    mask = (signbit - 1) | (signbit if lmin < 0 else 0)
    value = raw & mask
    if lmin < 0 and value & signbit:
        value -= mask + 1
    if value < lmin:
        return lmin
    if value > lmax:
        return lmax
    return value


def _physical_is_logical(f: HidField) -> bool:
    return f.physical_min == f.logical_min and f.physical_max == f.logical_max


def to_physical(f: HidField, logical: int) -> float:
    """A logical value in the field's units (NUT's logical_to_physical and exponent)."""
    pmin, pmax, lmin, lmax = f.physical_min, f.physical_max, f.logical_min, f.logical_max
    if _physical_is_logical(f) or pmax <= pmin or lmax <= lmin:
        physical = float(logical)
    else:
        factor = float(pmax - pmin) / (lmax - lmin)
        physical = (logical - lmin) * factor + pmin
        if physical > pmax:
            physical = float(pmax)
        elif physical < pmin:
            physical = float(pmin)
    return physical * _scale(f)


def to_logical(f: HidField, value: float) -> int:
    """The logical value to send for ``value`` in the field's units (NUT's physical_to_logical).

    Raises:
        ValueError: ``value`` is not a finite number.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot send {value!r} to a HID field")
    physical = value / _scale(f)
    if not math.isfinite(physical):
        raise ValueError(f"cannot send {value!r} to a HID field")
    pmin, pmax, lmin, lmax = f.physical_min, f.physical_max, f.logical_min, f.logical_max
    if _physical_is_logical(f) or pmax <= pmin or lmax <= lmin:
        return int(physical)
    factor = float(lmax - lmin) / (pmax - pmin)
    logical = int((physical - pmin) * factor) + lmin
    return max(lmin, min(lmax, logical))


def get_value(f: HidField, report: bytes | bytearray) -> float:
    """The field's value in ``report`` (id byte first when ids are used), in physical units."""
    return to_physical(f, get_logical(f, report))


def set_logical(f: HidField, report: bytearray, logical: int) -> None:
    """Write the low ``size`` bits of ``logical`` into the field (NUT's SetValue).

    Raises:
        ValueError: ``report`` is too short to hold the field.
    """
    first = f.offset + _id_bits(f)
    if len(report) * 8 < first + f.size:
        raise ValueError(
            f"report of {len(report)} bytes is too short for a field at bit {first} of {f.size}"
        )
    if f.report_id:
        report[0] = f.report_id
    lo = first // 8
    hi = (first + f.size + 7) // 8
    mask = ((1 << f.size) - 1) << (first - lo * 8)
    current = int.from_bytes(report[lo:hi], "little")
    new = (current & ~mask) | ((logical << (first - lo * 8)) & mask)
    report[lo:hi] = new.to_bytes(hi - lo, "little")


def set_value(f: HidField, report: bytearray, value: float) -> None:
    """Write ``value`` (physical units) into the field of ``report``, for SET_REPORT.

    Raises:
        ValueError: ``value`` is not finite, or ``report`` is too short.
    """
    set_logical(f, report, to_logical(f, value))


def writable(f: HidField) -> bool:
    """Whether NUT would write this field: its flags are not exactly "constant"."""
    return (f.flags & 0xFF) != 0x01
