"""APC's Smart protocol: the tables and the pure rules of NUT's apcsmart.

Strategy
--------
The facts come from NUT's ``apcsmart(8)`` and the public descriptions of
the protocol (the apcupsd manual's "APC smart protocol" chapter, itself
taken from networkupstools.org): a one-byte command, a reply line ending
in CR LF (or ``NA`` for "not available"), single-byte alerts that arrive
unasked in the middle of the stream (``!`` on battery, ``$`` back on line,
``%``/``+`` low battery and its end, ``#`` replace battery, ``?``/``=``
overload and its end, ``|`` an EEPROM change, ``&`` a Measure-UPS alarm,
``*`` "about to turn off"), and a status byte (``Q``) whose bits NUT maps
to ``ups.status``.

Here live the tables NUT's driver works from (variables with their poll,
format and packing rules; instant commands; the firmware table of old
units without ``a``), the conversions to NUT's units, the status word
rules, the parsers of the ``a`` (protocol/command set) and ``^Z``
(capabilities: allowed values per variable and locale) replies, and the
``LineScanner`` that splits the byte stream into reply lines and alerts
the way NUT's canonical-mode tty does.  No I/O and no clock here: the
driver (``driver``) does the talking and the waiting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, IntFlag

__all__ = [
    "VarFlag",
    "Fmt",
    "VarDef",
    "CmdDef",
    "VARTAB",
    "CMDTAB",
    "COMPAT",
    "UNUSED_CMDS",
    "IGN_AA",
    "ALERT_CHARS",
    "IGN_PLAIN",
    "IGN_CC",
    "IGN_CS",
    "STATUS_BITS",
    "STAT_CAL",
    "STAT_TRIM",
    "STAT_BOOST",
    "STAT_OL",
    "STAT_OB",
    "STAT_OVER",
    "STAT_LB",
    "STAT_RB",
    "STRLEN",
    "convert",
    "strtol",
    "status_words",
    "apply_alert",
    "command_set",
    "Capability",
    "CapsError",
    "parse_caps",
    "split_packed",
    "packed_name",
    "find_command",
    "matches",
    "LineScanner",
    "Scan",
]


class VarFlag(IntFlag):
    """``apc_vartab_t`` flags (NUT's ``APC_*``)."""

    NONE = 0
    POLL = 0x100  # poll regularly
    STRING = 0x800  # a writable 8-character string (``c``, ``x``)
    MULTI = 0x1000  # one of several candidates for a name or a command char
    PACK = 0x2000  # comma-separated sub-values -> name.1, name.2, ...


class Fmt(Enum):
    """How a raw reply becomes a NUT value."""

    LEAVE = "leave"
    PERCENT = "percent"
    VOLT = "volt"
    AMP = "amp"
    CELSIUS = "celsius"
    HEX = "hex"
    DEC = "dec"
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    REASON = "reason"


@dataclass(frozen=True, slots=True, kw_only=True)
class VarDef:
    """One variable a UPS may answer: NUT name, command byte, flags, format."""

    name: str
    cmd: str
    flags: VarFlag = VarFlag.NONE
    fmt: Fmt = Fmt.LEAVE
    #: the raw reply must match this (MULTI candidates), else it is not this one
    regex: str | None = None


def _v(
    name: str, cmd: str, flags: VarFlag, fmt: Fmt = Fmt.LEAVE, regex: str | None = None
) -> VarDef:
    return VarDef(name=name, cmd=cmd, flags=flags, fmt=fmt, regex=regex)


_N, _P, _K, _M, _S = VarFlag.NONE, VarFlag.POLL, VarFlag.PACK, VarFlag.MULTI, VarFlag.STRING

#: NUT 2.8.0's variable table, in its order: the order of polling and, for
#: MULTI entries, of preference.
VARTAB: tuple[VarDef, ...] = (
    _v("ups.temperature", "C", _P, Fmt.CELSIUS),
    _v("ups.load", "P", _P, Fmt.PERCENT),
    _v("ups.test.interval", "E", _N, Fmt.HOURS),
    _v("ups.test.result", "X", _P),
    _v("ups.delay.start", "r", _N, Fmt.SECONDS),
    _v("ups.delay.shutdown", "p", _N, Fmt.SECONDS),
    _v("ups.id", "c", _S),
    _v("ups.contacts", "i", _P, Fmt.HEX),
    _v("ups.display.language", "\x0c", _N),
    _v("input.voltage", "L", _P, Fmt.VOLT),
    _v("input.frequency", "F", _P, Fmt.DEC),
    _v("input.sensitivity", "s", _N),
    _v("input.quality", "9", _P, Fmt.HEX),
    _v("input.transfer.low", "l", _N, Fmt.VOLT),
    _v("input.transfer.high", "u", _N, Fmt.VOLT),
    _v("input.transfer.reason", "G", _P, Fmt.REASON),
    _v("input.voltage.maximum", "M", _P, Fmt.VOLT),
    _v("input.voltage.minimum", "N", _P, Fmt.VOLT),
    _v("output.current", "/", _P, Fmt.AMP),
    _v("output.voltage", "O", _P, Fmt.VOLT),
    _v("output.voltage.nominal", "o", _N, Fmt.VOLT),
    _v("ambient.humidity", "h", _P, Fmt.PERCENT),
    _v("ambient.0.humidity", "H", _P | _K, Fmt.PERCENT),
    _v("ambient.0.humidity.high", "{", _P | _K, Fmt.PERCENT),
    _v("ambient.0.humidity.low", "}", _P | _K, Fmt.PERCENT),
    _v("ambient.temperature", "t", _P, Fmt.CELSIUS),
    _v("ambient.0.temperature", "T", _M | _P | _K, Fmt.CELSIUS, r"^[0-9]{2}\.[0-9]{2}$"),
    _v("ambient.0.temperature.high", "[", _P | _K, Fmt.CELSIUS),
    _v("ambient.0.temperature.low", "]", _P | _K, Fmt.CELSIUS),
    _v("battery.date", "x", _S),
    _v("battery.charge", "f", _P, Fmt.PERCENT),
    _v("battery.charge.restart", "e", _N, Fmt.PERCENT),
    _v("battery.voltage", "B", _P, Fmt.VOLT),
    _v("battery.voltage.nominal", "g", _N),
    _v("battery.runtime", "j", _P, Fmt.MINUTES),
    _v("battery.runtime.low", "q", _N, Fmt.MINUTES),
    _v("battery.packs", ">", _N, Fmt.DEC),
    _v("battery.packs.bad", "<", _N, Fmt.DEC),
    _v("battery.alarm.threshold", "k", _N),
    _v("device.uptime", "T", _M | _P, Fmt.HOURS, r"^[0-9]{3}\.[0-9]{1}$"),
    _v("ups.serial", "n", _N),
    _v("ups.mfr.date", "m", _N),
    _v("ups.model", "\x01", _N),
    _v("ups.firmware.aux", "v", _N),
    _v("ups.firmware", "b", _M, Fmt.LEAVE, r"^[A-Za-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z0-9]+$"),
    _v("ups.firmware", "V", _M),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CmdDef:
    """An instant command: NUT name, the accepted extra argument, the byte."""

    name: str
    cmd: str
    #: the extra argument must match this; None: no argument allowed
    ext: str | None = None
    #: dangerous: must be asked twice, 3 to 15 s apart
    nasty: bool = False
    #: the byte goes out twice, 1.3 s apart
    repeat: bool = False


#: NUT 2.8.0's instant command table (``apc_cmdtab``), in its order.
CMDTAB: tuple[CmdDef, ...] = (
    CmdDef(name="shutdown.return", cmd="@", ext=r"^[Aa][Tt]:[0-9]{1,3}$", nasty=True),
    CmdDef(name="shutdown.return", cmd="S", ext=r"^([Cc][Ss]|)$", nasty=True),
    CmdDef(name="shutdown.stayoff", cmd="K", nasty=True, repeat=True),
    CmdDef(name="load.off", cmd="Z", nasty=True, repeat=True),
    CmdDef(name="load.on", cmd="\x0e", repeat=True),
    CmdDef(name="calibrate.start", cmd="D"),
    CmdDef(name="calibrate.stop", cmd="D"),
    CmdDef(name="test.panel.start", cmd="A"),
    CmdDef(name="test.failure.start", cmd="U"),
    CmdDef(name="test.battery.start", cmd="W"),
    CmdDef(name="test.battery.stop", cmd="W"),
    CmdDef(name="bypass.start", cmd="^"),
    CmdDef(name="bypass.stop", cmd="^"),
)

_MATRIX = "@789ABCDEFGKLMNOPQRSTUVWXYZcefgjklmnopqrsuwxz/<>\\^\x0c\x16"
_MATRIX5 = "@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>"
_SMART = "@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz"
_SMART_I = "@79ABCEFGKLMNOPQRSUVWXYZcfg"

#: Old units that do not answer ``a``: firmware (``V``, else ``b``) -> the
#: command bytes they take (NUT's ``apc_compattab``).  ``set\x01`` stands
#: for units whose ``b`` answers two hex digits.
COMPAT: dict[str, str] = {
    "0XI": _MATRIX,
    "0XM": _MATRIX,
    "0ZI": _MATRIX5,
    "5UI": _MATRIX5,
    "5ZM": _MATRIX5,
    "6QD": _SMART,
    "6QI": _SMART,
    "6TD": _SMART,
    "6TI": _SMART,
    "7QD": _SMART,
    "7QI": _SMART,
    "7TD": _SMART,
    "7TI": _SMART,
    "6JI": "@789ABCFGKLMNOPQSTUVWXYZfg",
    "7II": _SMART_I,
    "9II": _SMART_I,
    "9GI": _SMART_I,
    "8II": _SMART_I,
    "8GI": "@79ABCEFGKLMNOPQRSUVWXYZfg",
    "8QD": _SMART,
    "8QI": _SMART,
    "8TD": _SMART,
    "8TI": _SMART,
    "5.4.D": "@\x01ABPQRSUYbdfgjmnx9",
    "set\x01": "@789ABCFGKLMNOPQRSUVWXYZ",
}

#: Command bytes a UPS may list that NUT does not expose (some it uses itself).
UNUSED_CMDS = "\x1a\x7f~')-+8QRYayz"

#: What a reply read ignores, by kind of read (CR is always dropped: NUT's
#: tty has IGNCR, and its ignore sets add it again for raw mode).
IGN_AA = "\r|&"
ALERT_CHARS = "$!%+#?="
IGN_PLAIN = IGN_AA + ALERT_CHARS
IGN_CC = "\r|&$!%+?="
IGN_CS = ""

#: the two writable strings (``c``, ``x``) are this long
STRLEN = 8

STAT_CAL = 1 << 0
STAT_TRIM = 1 << 1
STAT_BOOST = 1 << 2
STAT_OL = 1 << 3
STAT_OB = 1 << 4
STAT_OVER = 1 << 5
STAT_LB = 1 << 6
STAT_RB = 1 << 7

#: status bits -> words, in the order NUT sets them
STATUS_BITS: tuple[tuple[int, str], ...] = (
    (STAT_CAL, "CAL"),
    (STAT_TRIM, "TRIM"),
    (STAT_BOOST, "BOOST"),
    (STAT_OL, "OL"),
    (STAT_OB, "OB"),
    (STAT_OVER, "OVER"),
    (STAT_LB, "LB"),
    (STAT_RB, "RB"),
)

_REASONS = {
    "R": "unacceptable utility voltage rate of change",
    "H": "high utility voltage",
    "L": "low utility voltage",
    "T": "line voltage notch or spike",
    "O": "no transfers yet since turnon",
    "S": "simulated power failure or UPS test",
}


def strtol(text: str, base: int = 10) -> int:
    """C's ``strtol``: the leading number of ``text`` (0 when there is none)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    s = text.lstrip(" \t\n\r\f\v")
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if base == 16 and s[:2].lower() == "0x" and s[2:3].lower() in digits and s[2:3]:
        s = s[2:]
    value = 0
    for ch in s:
        d = digits.find(ch.lower())
        if d < 0:
            break
        value = value * base + d
    return sign * value


def convert(fmt: Fmt, raw: str) -> str:
    """A raw reply in NUT's units: hours and minutes become seconds, reasons text."""
    if fmt is Fmt.HOURS:
        return str(3600 * strtol(raw))
    if fmt is Fmt.MINUTES:
        return str(60 * strtol(raw))
    if fmt is Fmt.REASON:
        return _REASONS.get(raw[:1], raw)
    return raw


def status_words(status: int) -> list[str]:
    """``ups.status`` of a status byte; nothing set at all means ``OFF``."""
    words = [word for bit, word in STATUS_BITS if status & bit]
    return words if status else ["OFF"]


def apply_alert(status: int, ch: str) -> int:
    """The status after an unasked alert byte (unknown ones change nothing)."""
    if ch == "!":
        return (status & ~STAT_OL) | STAT_OB
    if ch == "$":
        return (status & ~STAT_OB) | STAT_OL
    if ch == "%":
        return status | STAT_LB
    if ch == "+":
        return status & ~STAT_LB
    if ch == "#":
        return status | STAT_RB
    if ch == "?":
        return status | STAT_OVER
    if ch == "=":
        return status & ~STAT_OVER
    return status


_CMDSET = re.compile(r"[0-9]\.[^.]*\.[^.]+(\.[^.]+)?", re.DOTALL)


def command_set(reply: str) -> str | None:
    """The command bytes of an ``a`` reply (``version.alerts.commands[.more]``).

    None when the reply is not of that form: an old unit, handled by the
    firmware table or the minimal probe instead.
    """
    if not _CMDSET.fullmatch(reply):
        return None
    return reply.split(".")[2]


def matches(regex: str | None, raw: str) -> bool:
    """Does ``raw`` pass a table entry's check (no check: always)."""
    return regex is None or re.fullmatch(regex.strip("^$"), raw) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Capability:
    """One group of a ``^Z`` reply: the values ``cmd`` may take in ``locale``."""

    cmd: str
    locale: str
    values: tuple[str, ...]


class CapsError(ValueError):
    """A ``^Z`` reply that cannot be what it claims (NUT gives up on it)."""


def parse_caps(reply: str) -> list[Capability]:
    """The groups of a ``^Z`` reply.

    ``#`` starts it; each group is the command byte, the locale (``4``:
    every locale), the count of values and their width (digits, ``0``
    being 48), then the values.  Matrix-UPS repeat ``##`` before each group.

    Raises:
        CapsError: it does not start with ``#``, or a group runs past the end
            or gives a count or width below ``0``.
    """
    if not reply.startswith("#"):
        raise CapsError(f"unknown capability start char [{reply[:1]}]")
    matrix = reply[1:2] == "#"
    pos = 0 if matrix else 1
    groups: list[Capability] = []
    while pos < len(reply):
        if matrix:
            pos += 2
        if pos >= len(reply):
            raise CapsError("capability string has overflowed")
        head = reply[pos : pos + 4]
        if len(head) < 4:
            raise CapsError("capability string has overflowed")
        cmd, loc = head[0], head[1]
        if ord(head[2]) < 48 or ord(head[3]) < 48:
            raise CapsError("nument or entlen out of range")
        count, width = ord(head[2]) - 48, ord(head[3]) - 48
        start = pos + 4
        values = tuple(reply[start + i * width : start + (i + 1) * width] for i in range(count))
        groups.append(Capability(cmd=cmd, locale=loc, values=values))
        pos = start + count * width
    return groups


def split_packed(raw: str, limit: int = 4) -> list[str]:
    """The sub-values of a packed reply (``"NO,NO"``), at most ``limit``."""
    return raw.split(",")[:limit]


def packed_name(name: str, index: int) -> str:
    """``ambient.0.temperature`` -> ``ambient.<index+1>.temperature``."""
    return name.replace(".0.", f".{index + 1}.", 1)


def find_command(name: str, ext: str | None) -> CmdDef | None:
    """The table entry of an instant command and its argument, as NUT matches them."""
    for entry in CMDTAB:
        if entry.name.lower() != name.lower():
            continue
        if entry.ext is not None:
            if re.search(entry.ext, ext or "") is None:
                continue
        elif ext is not None:
            continue
        return entry
    return None


# -- the byte stream ---------------------------------------------------------

ENDCHAR = "\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """What one reply read found: the line (None: not complete yet) and alerts."""

    line: str | None
    alerts: str = ""
    #: the line ended on ``*`` (a shutdown acknowledged the old way)
    asterisk: bool = False
    #: the line grew past the limit (NUT's read overflow)
    overflow: bool = False


class LineScanner:
    """Splits the UPS's bytes into reply lines and alerts, as NUT reads them.

    Bytes come in with ``feed``; ``take(ignore, alerts, asterisk)`` returns
    the next complete line with the characters of ``ignore`` dropped and
    those of ``alerts`` reported separately, or ``Scan(line=None)`` with
    the alerts seen so far when the line is not complete.  ``*`` is
    dropped, or with ``asterisk=True`` ends the read as NUT's "OK".
    """

    def __init__(self, limit: int = 511) -> None:
        self._buf = bytearray()
        self._line: list[str] = []
        self.limit = limit

    def feed(self, data: bytes) -> None:
        self._buf += data

    def clear(self) -> None:
        self._buf.clear()
        self._line = []

    @property
    def pending(self) -> bool:
        """Unread bytes or a partial line are held."""
        return bool(self._buf or self._line)

    def take(self, ignore: str, alerts: str = "", *, asterisk: bool = False) -> Scan:
        seen: list[str] = []
        used = 0
        try:
            for used, byte in enumerate(self._buf, start=1):  # noqa: B007
                ch = chr(byte)
                if ch == ENDCHAR:
                    line = "".join(self._line)
                    self._line = []
                    return Scan(line=line, alerts="".join(seen))
                if asterisk and ch == "*":
                    self._line = []
                    return Scan(line="OK", alerts="".join(seen), asterisk=True)
                if ch == "\r" or ch in ignore or ch == "*":
                    continue
                if ch in alerts:
                    seen.append(ch)
                    continue
                if len(self._line) >= self.limit:
                    self._line = []
                    return Scan(line=None, alerts="".join(seen), overflow=True)
                self._line.append(ch)
            return Scan(line=None, alerts="".join(seen))
        finally:
            del self._buf[:used]
