"""A simulated APC Smart-UPS for ``ptysim``: its values come from a DDL dump.

The dump (``name: value`` lines NUT's ``upsc`` printed for a real unit
driven by NUT's apcsmart) is turned back into the raw replies the unit
gave: each variable's command byte from the driver's table, hours and
minutes back from seconds, the transfer reason back to its letter,
``ups.status`` back to the status byte.

What the device does (from the public protocol descriptions, see
``powerdown.drivers.apcsmart.protocol``): nothing until ``Y`` (smart
mode, answers ``SM``); then one byte, one reply line (``NA`` when it has
no such value); ``a`` lists the protocol, alerts and command bytes; ``^Z``
the allowed values (a real capture by default, for locale ``D``); ``-``
after a settable variable steps it to its next allowed value and says
``OK`` (followed by ``|``, "EEPROM changed"); ``-`` after ``c``/``x``
takes 8 characters; ``@nnn``, ``S`` (on battery only), ``K`` and ``Z``
(each sent twice) shut down; ``W`` runs a self test; ``D`` toggles
calibration; ``R`` leaves smart mode (``BYE``).

``control(status="OB LB")`` changes the status and queues the alerts a
real unit sends unasked (``!``, ``$``, ``%``, ``+``, ``#``, ``?``, ``=``),
which go out in front of the next reply.  ``control(value={"f": "020.0"})``
changes raw values; ``control(fail="W")`` makes a command answer ``NA``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from powerdown.drivers.apcsmart import protocol as p
from tests.support.ptysim import Reply

#: A ^Z reply captured from a Smart-UPS (locale D values match the
#: Smart-UPS 3000 RM dump): cmd, locale, count, width, values.
REAL_CAPS = (
    "#uD43132135138129uM43229234239224uA43110112114108uI43253264271280"
    "lD43103100097106lM43177172168182lA43090092081085lI43196188208204"
    "e44200155090oI43230240220225oD13115oJ13100oM13208s441HMLLq44202050710"
    "p443020180300600k4410TLNr443000060180300E443336168ON OFF"
)

#: Command bytes of the instant commands a 3rd generation Smart-UPS lists.
SMART_COMMANDS = "\x0e\x1a@ADKSUWZ"
#: Bytes such a unit lists that NUT leaves alone.
OTHER_BYTES = "\x7f~'8QRYayz-+"

_REASON_LETTER = {
    "unacceptable utility voltage rate of change": "R",
    "high utility voltage": "H",
    "low utility voltage": "L",
    "line voltage notch or spike": "T",
    "no transfers yet since turnon": "O",
    "simulated power failure or UPS test": "S",
}

_WORD_BITS = {word: bit for bit, word in p.STATUS_BITS}

CRLF = b"\r\n"


def read_dump(path: str | Path) -> dict[str, str]:
    """The ``name: value`` lines of a DDL ``.dev`` file (comments dropped)."""
    values: dict[str, str] = {}
    for line in Path(path).read_text().splitlines():
        if not line.strip() or line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        values[name.strip()] = value[1:] if value.startswith(" ") else value
    return values


def raw_of(vt: p.VarDef, value: str) -> str:
    """The reply that NUT's driver turns into ``value``."""
    if vt.fmt is p.Fmt.HOURS:
        return f"{int(value) // 3600:03d}"
    if vt.fmt is p.Fmt.MINUTES:
        minutes = int(value) // 60
        return f"{minutes:04d}:" if vt.cmd == "j" else f"{minutes:02d}"
    if vt.fmt is p.Fmt.REASON:
        return _REASON_LETTER.get(value, value)
    return value


def status_byte(words: str) -> int:
    bits = 0
    for word in words.split():
        bits |= _WORD_BITS.get(word, 0)
    return bits


def raw_values(dump: dict[str, str]) -> dict[str, str]:
    """Command byte -> raw reply, for every table variable in the dump."""
    raws: dict[str, str] = {}
    for vt in p.VARTAB:
        if vt.name not in dump or vt.flags & p.VarFlag.PACK or vt.cmd in raws:
            continue
        if vt.name == "device.uptime" or (vt.name == "ups.firmware" and vt.cmd == "V"):
            continue
        raws[vt.cmd] = raw_of(vt, dump[vt.name])
    return raws


class Device:
    def __init__(
        self,
        dump: str,
        caps: str | None = REAL_CAPS,
        commands: str = SMART_COMMANDS,
        protocol: str = "3",
        old_firmware: str | None = None,
        cmdset: bool = True,
    ) -> None:
        values = read_dump(dump)
        self.raw = raw_values(values)
        self.status = status_byte(values.get("ups.status", "OL"))
        self.caps = caps
        self.commands = commands
        self.protocol = protocol
        self.old_firmware = old_firmware
        self.cmdset = cmdset
        self.smart = False
        self.alerts = ""
        self.last_query = ""
        self.collect: tuple[str, str] | None = None  # (what, bytes so far)
        self.first_press: dict[str, float] = {}
        self.failing: set[str] = set()
        #: what the UPS was told to do, for tests: "S", "@000", "K", "Z", "ON", "W" ...
        self.actions: list[str] = []

    # -- the test's handle ----------------------------------------------------

    def control(self, key: str, value: Any) -> None:
        if key == "status":
            self.set_status(status_byte(str(value)))
        elif key == "value":
            self.raw.update({str(k): str(v) for k, v in dict(value).items()})
        elif key == "fail":
            self.failing = set(str(value))
        elif key == "smart":
            self.smart = bool(value)
        else:
            raise KeyError(key)

    def set_status(self, new: int) -> None:
        old, self.status = self.status, new
        changes = (
            (p.STAT_OB, "!", "$"),
            (p.STAT_LB, "%", "+"),
            (p.STAT_OVER, "?", "="),
        )
        for bit, on, off in changes:
            if new & bit and not old & bit:
                self.alerts += on
            elif old & bit and not new & bit:
                self.alerts += off
        if new & p.STAT_RB and not old & p.STAT_RB:
            self.alerts += "#"

    # -- the wire ---------------------------------------------------------------

    def receive(self, data: bytes, now: float) -> list[Reply]:
        replies: list[Reply] = []
        for byte in data:
            out = self._byte(chr(byte), now)
            if out is not None:
                replies.append(Reply(self.alerts.encode("latin-1") + out))
                self.alerts = ""
                if out == b"OK\r\n" and self.last_query == "-":
                    replies.append(Reply(b"|", delay=0.3))
        return replies

    def _allowed(self, cmd: str) -> list[str]:
        if not self.caps:
            return []
        locale = self.raw.get("b", "")[-1:]
        for cap in p.parse_caps(self.caps):
            if cap.cmd == cmd and cap.locale in (locale, "4"):
                return list(cap.values)
        return []

    def _byte(self, ch: str, now: float) -> bytes | None:
        if not self.smart:
            if ch == "Y":
                self.smart = True
                return b"SM" + CRLF
            return None
        if self.collect is not None:
            what, got = self.collect
            got += ch
            if what == "@":
                if not ch.isdigit():
                    self.collect = None
                    return b"NO" + CRLF
                if len(got) < 3:
                    self.collect = (what, got)
                    return None
                self.collect = None
                self.actions.append("@" + got)
                return b"OK" + CRLF
            if len(got) < p.STRLEN:
                self.collect = (what, got)
                return None
            self.collect = None
            self.raw[what] = got.rstrip("\r")
            self.actions.append(f"{what}={self.raw[what]}")
            return b"OK" + CRLF
        return self._command(ch, now)

    def _command(self, ch: str, now: float) -> bytes | None:
        query, self.last_query = self.last_query, ch
        if ch in self.failing:
            return b"NA" + CRLF
        if ch == "Y":
            return b"SM" + CRLF
        if ch == "\x1b":
            return b"NA" + CRLF
        if ch == "R":
            self.smart = False
            return b"BYE" + CRLF
        if ch == "Q":
            return f"{self.status:02X}".encode() + CRLF
        if ch == "a" and self.cmdset:
            cmds = "".join(sorted(set(self.raw) | set(self.commands) | set(OTHER_BYTES)))
            return f"{self.protocol}.!$%+?=#|.{cmds}".encode("latin-1") + CRLF
        if ch == "\x1a" and self.caps:
            return self.caps.encode("latin-1") + CRLF
        if ch == "V" and self.old_firmware:
            return self.old_firmware.encode() + CRLF
        if ch == "-":
            return self._cycle(query)
        if ch == "@" and "@" in self.commands:
            self.collect = ("@", "")
            return None
        if ch in "KZ\x0e" and ch in self.commands:
            first = self.first_press.pop(ch, None)
            if first is None or not 1.0 <= now - first <= 5.0:
                self.first_press[ch] = now
                return None
            if ch == "K":
                self.actions.append("K")
                return b"OK" + CRLF
            self.actions.append("Z" if ch == "Z" else "ON")
            self.status = 0 if ch == "Z" else p.STAT_OL
            return None
        if ch == "S" and "S" in self.commands:
            if not self.status & p.STAT_OB:
                return b"NA" + CRLF
            self.actions.append("S")
            return b"OK" + CRLF
        if ch in "AUW" and ch in self.commands:
            self.actions.append(ch)
            if ch == "W":
                self.raw["X"] = "OK"
            return b"OK" + CRLF
        if ch == "D" and "D" in self.commands:
            self.actions.append("D")
            self.status ^= p.STAT_CAL
            return b"OK" + CRLF
        if ch in self.raw:
            return self.raw[ch].encode("latin-1") + CRLF
        return b"NA" + CRLF

    def _cycle(self, query: str) -> bytes | None:
        if query in ("c", "x") and query in self.raw:
            self.collect = (query, "")
            self.last_query = ""
            return None  # nothing until the 8 characters are in
        allowed = self._allowed(query)
        if not allowed or query not in self.raw:
            return b"NO" + CRLF
        current = self.raw[query]
        index = allowed.index(current) if current in allowed else -1
        self.raw[query] = allowed[(index + 1) % len(allowed)]
        self.actions.append(f"{query}={self.raw[query]}")
        return b"OK" + CRLF
