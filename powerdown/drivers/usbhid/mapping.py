"""The shape of a subdriver's mapping table, and the lookups every subdriver shares.

Strategy
--------
NUT's ``drivers/usbhid-ups.h`` (``hid_info_t``, ``info_lkp_t``,
``subdriver_t``, the ``HU_*`` flags) and the shared tables of
``usbhid-ups.c``.  A subdriver is data: rows that tie a HID path to a NUT
variable (or to a status bit, or to an instant command), with a lookup
that turns the HID number into NUT's text and back.

Status bits are collected, not interpreted, here: a ``BOOL`` row's lookup
yields an internal lower-case word ("online", "!dischrg", "offline" ...)
that ``status`` folds into ``ups.status`` / ``ups.alarm``.  A word with a
leading ``!`` clears the bit.  NUT 2.8.0 wrote ``!online`` where later NUT
writes ``offline``; both are understood.

Pure: no I/O.  ``stringid_conversion`` needs the device (a string
descriptor), so its ``to_nut`` is a marker the driver replaces.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from powerdown.state.tree import Flag

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.hidparser import ReportDescriptor
    from powerdown.drivers.usbhid.matcher import UsbInfo
    from powerdown.drivers.usbhid.usages import UsageTable

__all__ = [
    "HU",
    "Lookup",
    "HidInfo",
    "Subdriver",
    "format_value",
    "lookup_to_nut",
    "lookup_to_hid",
    "STATUS_WORDS",
    # status bits
    "online_info",
    "discharging_info",
    "charging_info",
    "lowbatt_info",
    "overload_info",
    "replacebatt_info",
    "trim_info",
    "boost_info",
    "bypass_auto_info",
    "bypass_manual_info",
    "eco_mode_info",
    "off_info",
    "calibration_info",
    "nobattery_info",
    "fanfail_info",
    "shutdownimm_info",
    "overheat_info",
    "awaitingpower_info",
    "commfault_info",
    "timelimitexpired_info",
    "battvoltlo_info",
    "battvolthi_info",
    "chargerfail_info",
    "fullycharged_info",
    "depleted_info",
    "vrange_info",
    "frange_info",
    # values
    "test_write_info",
    "test_read_info",
    "beeper_info",
    "yes_no_info",
    "on_off_info",
    "date_conversion",
    "hex_conversion",
    "stringid_conversion",
    "divide_by_10_conversion",
    "divide_by_100_conversion",
    "kelvin_celsius_conversion",
    "absolute_conversion",
    "null_conversion",
]


class HU(enum.IntFlag):
    """NUT's ``HU_FLAG_*`` / ``HU_TYPE_CMD`` bits, same values."""

    NONE = 0
    STATIC = 2  # read once, at start
    SEMI_STATIC = 4  # read at full polls only
    ABSENT = 8  # not in the device: ``fmt`` is the value
    QUICK_POLL = 16  # read at every poll, interrupts in between
    STALE = 32  # the driver's own: reading failed, try less often
    CMD = 64  # an instant command (HU_TYPE_CMD)
    ENUM = 128  # the lookup's values are the enum of an RW variable
    PARAM_REQUIRED = 256  # setvar/instcmd needs a value


#: NUT's ``HU_TYPE_CMD_PARAM_REQUIRED``.
CMD_PARAM_REQUIRED = HU.CMD | HU.PARAM_REQUIRED


@dataclass(frozen=True, slots=True)
class Lookup:
    """NUT's ``info_lkp_t``: a table of values, or a conversion each way.

    ``table`` maps the HID value to NUT's text; ``to_nut`` (NUT's ``fun``)
    converts when there is no table; ``to_hid`` (NUT's ``nuf``) is its
    inverse for SET.  NUT looks a table up both ways, first match wins, so
    the table keeps the order of NUT's C array.
    """

    table: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))
    to_nut: Callable[[float], str | None] | None = None
    to_hid: Callable[[str], float | None] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HidInfo:
    """One row of a subdriver's table (NUT's ``hid_info_t``).

    ``var`` is the NUT variable, ``"BOOL"`` for a status bit, or a command
    name for ``HU.CMD`` rows.  ``fmt`` is the printf format, or the value
    itself for ``HU.ABSENT`` rows (and the value a command writes, when
    it has no lookup: NUT's ``dfl`` of a command row).  ``length`` is the
    string length for ``Flag.STRING`` variables.
    """

    var: str
    hidpath: str | None
    fmt: str | None = "%.0f"
    hu: HU = HU.NONE
    st_flags: Flag = Flag.NONE
    length: int = 0
    lookup: Lookup | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Quirks:
    """How NUT reads a particular product differently (its id tables' hooks)."""

    #: leave the interrupt pipe alone (it carries something else: APC 5G, Legrand)
    no_interrupt_pipe: bool = False
    #: >0: the device has no feature reports; read it by interrupt only, this many bytes
    interrupt_only_size: int = 0
    #: read reports with the largest buffer (``maxreport``: firmware that overflows)
    max_report: bool = False


NO_QUIRKS = Quirks()

IdentityStrings = Mapping[str, str | None]
IdentityValues = Mapping[str, float | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Subdriver:
    """NUT's ``subdriver_t``: one manufacturer's (or family's) tables."""

    name: str
    version: str
    usage_tables: tuple[UsageTable, ...]
    mapping: tuple[HidInfo, ...]
    claims: Callable[[UsbInfo], bool]
    format_model: Callable[[UsbInfo, str | None], str | None] = lambda info, model: model
    format_mfr: Callable[[UsbInfo, str | None], str | None] = lambda info, mfr: mfr
    format_serial: Callable[[UsbInfo, str | None], str | None] = lambda info, serial: serial
    fix_report_desc: Callable[[UsbInfo, ReportDescriptor], ReportDescriptor] | None = None
    #: Paths some subdrivers read to name the model (NUT's ``*_format_model``
    #: reads them itself; ours are pure, so the driver reads them first):
    #: string-index paths come as their USB string, the others as numbers.
    identity_strings: tuple[str, ...] = ()
    identity_values: tuple[str, ...] = ()
    note_identity: Callable[[IdentityStrings, IdentityValues], None] | None = None
    quirks: Callable[[UsbInfo], Quirks] = lambda info: NO_QUIRKS
    #: Sees every report the device returns (id byte first): Ever's lookups
    #: read bytes of reports no row maps, as NUT's read its report buffer.
    note_report: Callable[[bytes], None] | None = None
    #: More variables NUT sets while formatting the model (APC's firmware).
    extra_identity: Callable[[UsbInfo], Mapping[str, str]] | None = None

    @property
    def label(self) -> str:
        """``driver.version.data``: what NUT prints as the subdriver's name and version."""
        return f"{self.name} {self.version}"


# -- applying a lookup ---------------------------------------------------------------

_PRINTF = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?(l{0,2}|h{0,2})([diouxXeEfgGs])")


def format_value(fmt: str, value: float) -> str:
    """``snprintf(buf, fmt, value)`` for the formats mapping tables use.

    NUT passes a double: ``%.0f``/``%.1f``/``%.2f`` format it, ``%s``
    cannot be reached with a number, and integer conversions (``%d``,
    ``%x``, ``%02x``) take its integer part.
    """

    def one(m: re.Match[str]) -> str:
        flags, width, prec, _, conv = m.groups()
        spec = "%" + flags + width + (f".{prec}" if prec is not None else "")
        if conv in "diouxX":
            conv = "d" if conv in "iu" else conv
            return (spec + conv) % int(value)
        if conv == "s":
            return (spec + "s") % _g(value)
        return (spec + conv) % value

    return _PRINTF.sub(one, fmt.replace("%%", "\0")).replace("\0", "%")


def _g(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def lookup_to_nut(lookup: Lookup, value: float) -> str | None:
    """NUT's ``hu_find_infoval``: the text for a HID value, or None.

    A conversion, when there is one, wins; a table compares the value
    truncated to a whole number.
    """
    if lookup.to_nut is not None:
        return lookup.to_nut(value)
    if math.isnan(value):
        return None
    return lookup.table.get(int(value))


def lookup_to_hid(lookup: Lookup, text: str) -> float | None:
    """NUT's ``hu_find_valinfo``: the HID value for a text (exact match), or None."""
    if lookup.to_hid is not None:
        return lookup.to_hid(text)
    for hid, nut in lookup.table.items():
        if nut == text:
            return float(hid)
    return None


def _bits(set_word: str, clear_word: str, *, set_on: int = 1) -> Lookup:
    # Dict order follows NUT's arrays: the value that sets the bit first
    # (except where NUT lists the other one first, see below).
    clear_on = 0 if set_on else 1
    return Lookup(table=MappingProxyType({set_on: set_word, clear_on: clear_word}))


# -- status bits (usbhid-ups.c) ---------------------------------------------------------

#: Every internal status word NUT's ``status_info`` knows.
STATUS_WORDS = (
    "online",
    "offline",
    "dischrg",
    "chrg",
    "lowbatt",
    "overload",
    "replacebatt",
    "shutdownimm",
    "trim",
    "boost",
    "bypassauto",
    "bypassman",
    "ecomode",
    "essmode",
    "off",
    "cal",
    "overheat",
    "commfault",
    "depleted",
    "timelimitexp",
    "fullycharged",
    "notfullycharged",
    "awaitingpower",
    "fanfail",
    "nobattery",
    "battvoltlo",
    "battvolthi",
    "chargerfail",
    "vrange",
    "frange",
)

online_info = _bits("online", "offline")
discharging_info = _bits("dischrg", "!dischrg")
charging_info = _bits("chrg", "!chrg")
lowbatt_info = _bits("lowbatt", "!lowbatt")
overload_info = _bits("overload", "!overload")
replacebatt_info = _bits("replacebatt", "!replacebatt")
trim_info = _bits("trim", "!trim")
boost_info = _bits("boost", "!boost")
bypass_auto_info = _bits("bypassauto", "!bypassauto")
bypass_manual_info = _bits("bypassman", "!bypassman")
#: not a status bit as such: 0 normal, 1 ECO, 2 ESS (mge-hid)
eco_mode_info = Lookup(table=MappingProxyType({0: "normal", 1: "ecomode", 2: "essmode"}))
#: inverted: 0 means off, so that a device without the usage is on
off_info = _bits("off", "!off", set_on=0)
calibration_info = _bits("cal", "!cal")
#: inverted too ("BatteryPresent"): 0 means no battery
nobattery_info = Lookup(table=MappingProxyType({1: "!nobattery", 0: "nobattery"}))
fanfail_info = _bits("fanfail", "!fanfail")
shutdownimm_info = _bits("shutdownimm", "!shutdownimm")
overheat_info = _bits("overheat", "!overheat")
awaitingpower_info = _bits("awaitingpower", "!awaitingpower")
commfault_info = _bits("commfault", "!commfault")
timelimitexpired_info = _bits("timelimitexp", "!timelimitexp")
battvoltlo_info = _bits("battvoltlo", "!battvoltlo")
battvolthi_info = _bits("battvolthi", "!battvolthi")
chargerfail_info = _bits("chargerfail", "!chargerfail")
fullycharged_info = _bits("fullycharged", "notfullycharged")
depleted_info = _bits("depleted", "!depleted")
vrange_info = Lookup(table=MappingProxyType({0: "!vrange", 1: "vrange"}))
frange_info = Lookup(table=MappingProxyType({0: "!frange", 1: "frange"}))

# -- values ------------------------------------------------------------------------------

test_write_info = Lookup(
    table=MappingProxyType({0: "No test", 1: "Quick test", 2: "Deep test", 3: "Abort test"})
)
test_read_info = Lookup(
    table=MappingProxyType(
        {
            1: "Done and passed",
            2: "Done and warning",
            3: "Done and error",
            4: "Aborted",
            5: "In progress",
            6: "No test initiated",
            7: "Test scheduled",
        }
    )
)
beeper_info = Lookup(table=MappingProxyType({1: "disabled", 2: "enabled", 3: "muted"}))
yes_no_info = Lookup(table=MappingProxyType({0: "no", 1: "yes"}))
on_off_info = Lookup(table=MappingProxyType({0: "off", 1: "on"}))


def _date_to_nut(value: float) -> str:
    # USB PDC 1.1, 4.2.6 ManufacturerDate: (year-1980)*512 + month*32 + day.
    packed = int(value)
    if packed == 0:
        return "not set"
    return f"{1980 + (packed >> 9):04d}/{(packed >> 5) & 0x0F:02d}/{packed & 0x1F:02d}"


_DATE = re.compile(r"\s*(-?\d+)/(-?\d+)/(-?\d+)")


def _date_to_hid(text: str) -> float | None:
    m = _DATE.match(text)
    if m is None:
        return 0.0
    year, month, day = (int(g) for g in m.groups())
    if year - 1980 > 127 or month > 12 or day > 31:
        return 0.0
    return float(((year - 1980) << 9) + (month << 5) + day)


def _hex(value: float) -> str:
    return f"{int(value) & 0xFFFFFFFFFFFFFFFF:08x}"


def _stringid_unbound(value: float) -> str | None:
    # Replaced by the driver with one that reads string descriptor ``value``.
    return None


def _tenth(value: float) -> str:
    return f"{value * 0.1:0.1f}"


def _hundredth(value: float) -> str:
    return f"{value * 0.01:0.1f}"


def _kelvin(value: float) -> str:
    # Some devices (HP) already report Celsius: only 273..373 is taken as Kelvin.
    if 273 <= value <= 373:
        return f"{value - 273.15:.1f}"
    return f"{value:.1f}"


def _absolute(value: float) -> str:
    return f"{abs(value):.1f}" if value != int(value) else f"{abs(int(value))}"


def _null(value: float) -> str | None:
    return None


date_conversion = Lookup(to_nut=_date_to_nut, to_hid=_date_to_hid)
hex_conversion = Lookup(to_nut=_hex)
stringid_conversion = Lookup(to_nut=_stringid_unbound)
divide_by_10_conversion = Lookup(to_nut=_tenth)
divide_by_100_conversion = Lookup(to_nut=_hundredth)
kelvin_celsius_conversion = Lookup(to_nut=_kelvin)
#: not in usbhid-ups.c itself; some subdrivers keep their own (e.g. a negative current)
absolute_conversion = Lookup(to_nut=_absolute)
#: a row that reads the value but publishes nothing
null_conversion = Lookup(to_nut=_null)
