"""What one Q* reply holds: NUT's ``item_t`` in our words.

Strategy
--------
NUT's ``docs/nutdrv_qx-subdrivers.txt``: a protocol is a table of items.
Each item names a NUT variable (or an instant command, or a settable
variable), the command that asks for it, what a good reply looks like (its
least length and its first character) and where the value sits in it
(``start``..``end``, both counted from the reply's first character and
both included; ``end`` 0 means "up to the CR").  ``fmt`` is the printf
format the value is stored with (``"%.1f"``), or ``"%s"`` for text.

A value either comes out of the reply as it is (trimmed, checked to be a
number, formatted), or an item's ``process`` turns it into NUT's words:
status items answer ``"OB"``/``"!LB"`` (set/clear a status bit), alarm
items the alarm text.  Commands and settable variables have a ``build``
that makes the bytes to send from the user's value.

Pure: no I/O.  ``Lookup`` is how a ``process`` reads the tree it fills.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntFlag
from typing import Protocol

from powerdown.state.tree import Flag

__all__ = [
    "QxFlag",
    "Item",
    "Lookup",
    "Process",
    "Build",
    "Session",
    "Handle",
    "Make",
    "RwList",
    "Preprocess",
    "extract",
    "standard_value",
    "strtod",
    "strtol",
    "NUMERIC",
]

#: What NUT calls ``get``: a NUT variable's value, or None.
Lookup = Callable[[str], "str | None"]


class QxFlag(IntFlag):
    """NUT's ``QX_FLAG_*`` (``nutdrv_qx.h``)."""

    NONE = 0
    STATIC = 2  # read once, at start
    SEMI_STATIC = 4  # read again after a command or a setvar
    ABSENT = 8  # the device has no such value: ``fmt`` is the default
    QUICK_POLL = 16  # mandatory: polled every time; failing it fails the poll
    CMD = 32  # an instant command
    SETVAR = 64  # a settable variable
    TRIM = 128  # strip spaces and hashes around the value
    ENUM = 256  # ``rw`` lists the accepted values
    RANGE = 512  # ``rw`` lists ranges as (low, high) pairs
    NONUT = 1024  # no NUT variable: only logged
    SKIP = 2048  # never processed


#: ``process(item, raw_value, lookup)`` -> NUT's value, or None when the value is bad.
Process = Callable[["Item", str, Lookup], "str | None"]
#: ``build(item, user_value, lookup)`` -> the command to send, or None to refuse.
Build = Callable[["Item", str, Lookup], "str | None"]


class Session(Protocol):
    """What a subdriver's hooks may touch besides the value (the Voltronic ones
    turn other items on, keep state between items and read ``ups.conf``)."""

    memo: dict[str, str]
    #: the status words set so far (NUT's ``qx_status()``)
    status: set[str]

    def getinfo(self, name: str) -> str | None: ...

    def setinfo(self, name: str, value: str) -> None: ...

    def getval(self, name: str) -> str | None: ...

    def testvar(self, name: str) -> bool: ...

    def unskip(self, name: str, flag: QxFlag = QxFlag.NONE) -> bool: ...

    def skip_item(self, item: Item) -> None: ...

    def unskip_where(self, wanted: Callable[[Item], bool]) -> None: ...

    def update_status(self, word: str) -> None: ...

    def log(self, text: str) -> None: ...


#: ``process`` with the session: NUT's preprocess functions that have side effects.
Handle = Callable[["Item", str, Session], "str | None"]
#: ``build`` with the session.
Make = Callable[["Item", str, Session], "str | None"]
#: The accepted values (enum) or (low, high) pairs (range), worked out when needed.
RwList = Callable[[Session], "tuple[str, ...]"]

#: ``preprocess_answer(item, reply)`` -> the reply as the table reads it, or None
#: when it is unusable (NUT's answer preprocess, e.g. BestUPS's ``ID`` reply
#: whose fields move with the numbers' widths).
Preprocess = Callable[["Item", str], "str | None"]

#: The characters NUT accepts in a numeric value (``strspn(value, "0123456789 .")``).
NUMERIC = frozenset("0123456789 .")


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One row of a protocol's table."""

    name: str
    command: str | None = None
    answer_len: int = 0
    leading: str = ""
    start: int = 0
    end: int = 0
    fmt: str | None = None
    flags: QxFlag = QxFlag.NONE
    info_flags: Flag = Flag(0)
    rw: tuple[str, ...] = ()
    process: Process | None = None
    build: Build | None = None
    #: like ``process``/``build``/``rw``, for hooks that need the session
    handle: Handle | None = None
    make: Make | None = None
    rw_fn: RwList | None = None
    preprocess_answer: Preprocess | None = None

    def has(self, flag: QxFlag) -> bool:
        return bool(self.flags & flag)


def extract(item: Item, answer: str, *, rejected: str | None = None) -> str | None:
    """The piece of ``answer`` the item reads (NUT's ``qx_process_answer``).

    None when the UPS refused the query, the reply is short, it starts with
    the wrong character, or the table is wrong.
    """
    if rejected is not None and answer.lower() == rejected.lower():
        return None
    if item.answer_len and len(answer) < item.answer_len:
        return None
    # The rest is read as a C string: a NUL ends it.
    text = answer.split("\0", 1)[0]
    if item.leading and text[:1] != item.leading:
        return None
    if item.end and item.end < item.start:
        return None
    if not text:
        return ""
    if item.end:
        return text[item.start : item.end + 1]
    line = text.split("\r", 1)[0]
    if len(line) < item.start:
        return text[item.start :]  # a negative precision prints it all
    return line[item.start :]


_NUMBER = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_INTEGER = re.compile(r"\s*([+-]?\d+)")


def strtod(text: str | None) -> float:
    """C's ``strtod``: the number the text starts with, 0 if none."""
    if not text:
        return 0.0
    m = _NUMBER.match(text)
    return float(m.group(1)) if m else 0.0


def strtol(text: str | None) -> int:
    """C's ``strtol`` in base 10: the integer the text starts with, 0 if none."""
    if not text:
        return 0
    m = _INTEGER.match(text)
    return int(m.group(1)) if m else 0


def standard_value(item: Item, raw: str) -> str | None:
    """A value with no ``process``: trimmed, checked numeric, formatted by ``fmt``."""
    value = raw
    if item.has(QxFlag.TRIM):
        value = value.strip("# ")
    fmt = item.fmt or "%s"
    if fmt.lower() != "%s":
        if any(ch not in NUMERIC for ch in value):
            return None
        value = fmt % strtod(value)
    return value
