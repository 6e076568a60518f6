"""Every request of the network protocol as a value: what to send, how to read the reply.

Strategy
--------
The blocking and the asyncio client offer the same methods.  So that their
bodies stay one line each, every method here returns a :class:`Call`: the
request (kind and words) plus a pure function that turns the reply event
into the value the caller gets.  :meth:`Call.send` hands the request to a
:class:`~powerdown.client.session.ClientSession`.  The shells then only move
bytes.  Names and reply shapes follow ``docs/net-protocol.txt``.

No I/O here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from powerdown.client.errors import ReplyMismatch
from powerdown.client.session import Answer, ClientSession, Event, Line, ListAnswer
from powerdown.protocol.words import quote

__all__ = [
    "Call",
    "CallKind",
    "get",
    "list_",
    "command",
    "get_var",
    "get_type",
    "get_desc",
    "get_cmddesc",
    "get_upsdesc",
    "get_numlogins",
    "list_ups",
    "list_var",
    "list_rw",
    "list_cmd",
    "list_enum",
    "list_range",
    "list_client",
    "set_var",
    "instcmd",
    "username",
    "password",
    "login",
    "primary",
    "master",
    "fsd",
    "logout",
    "set_tracking",
    "get_tracking",
    "ver",
    "netver",
    "help_",
    "starttls",
    "tracking_id",
]

T = TypeVar("T")


class CallKind(Enum):
    GET = "GET"
    LIST = "LIST"
    COMMAND = "COMMAND"  # verb + encoded words, one-line reply
    LINE = "LINE"  # a request line written out in full, one-line reply


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request and the reading of its reply."""

    kind: CallKind
    words: tuple[str, ...]
    convert: Callable[[Event], T]
    raw: bool = False  # an ERR reply is a Line, not a NutError

    def send(self, session: ClientSession) -> bytes:
        """Queue this call on ``session``; the bytes to write."""
        if self.kind is CallKind.GET:
            return session.send_get(*self.words)
        if self.kind is CallKind.LIST:
            return session.send_list(*self.words)
        if self.kind is CallKind.COMMAND:
            return session.send_command(*self.words, raw=self.raw)
        return session.send_line(self.words[0], raw=self.raw)


# -- reply readers -------------------------------------------------------------


def _answer(event: Event) -> Answer:
    if not isinstance(event, Answer):
        raise ReplyMismatch(f"expected a GET answer, got {event!r}")
    return event


def _rows(event: Event) -> tuple[tuple[str, ...], ...]:
    if not isinstance(event, ListAnswer):
        raise ReplyMismatch(f"expected a list, got {event!r}")
    return event.rows


def _line(event: Event) -> str:
    if not isinstance(event, Line):
        raise ReplyMismatch(f"expected one line, got {event!r}")
    return event.line


def _value(event: Event) -> str:
    return _answer(event).value


def _values(event: Event) -> tuple[str, ...]:
    return _answer(event).values


def _field(rows: tuple[tuple[str, ...], ...], index: int) -> list[str]:
    out = []
    for row in rows:
        if len(row) <= index:
            raise ReplyMismatch(f"short list row {' '.join(row)!r}")
        out.append(row[index])
    return out


def _pairs(rows: tuple[tuple[str, ...], ...], key: int, value: int) -> dict[str, str]:
    return dict(zip(_field(rows, key), _field(rows, value), strict=True))


def _ok(event: Event) -> str:
    """An ``OK [...]`` line; anything else breaks the protocol."""
    line = _line(event)
    if not line.startswith("OK"):
        raise ReplyMismatch(f"expected OK, got {line!r}")
    return line


def tracking_id(line: str) -> str | None:
    """The id in ``OK TRACKING <id>``, else ``None``."""
    if line.startswith("OK TRACKING "):
        return line[len("OK TRACKING ") :].strip() or None
    return None


def _ok_tracking(event: Event) -> str | None:
    return tracking_id(_ok(event))


def _ok_none(event: Event) -> None:
    _ok(event)


# -- generic -------------------------------------------------------------------


def get(*query: str) -> Call[Answer]:
    """``GET <query>`` as an :class:`Answer`."""
    return Call(CallKind.GET, query, _answer)


def list_(*query: str) -> Call[tuple[tuple[str, ...], ...]]:
    """``LIST <query>`` as its rows."""
    return Call(CallKind.LIST, query, _rows)


def command(verb: str, *args: str, raw: bool = False) -> Call[str]:
    """Any one-line command; the reply line."""
    return Call(CallKind.COMMAND, (verb, *args), _line, raw)


# -- GET -----------------------------------------------------------------------


def get_var(ups: str, var: str) -> Call[str]:
    return Call(CallKind.GET, ("VAR", ups, var), _value)


def get_type(ups: str, var: str) -> Call[tuple[str, ...]]:
    """The words of ``TYPE``: ``("RW", "STRING:32")``, ``("ENUM",)`` …"""
    return Call(CallKind.GET, ("TYPE", ups, var), _values)


def get_desc(ups: str, var: str) -> Call[str]:
    return Call(CallKind.GET, ("DESC", ups, var), _value)


def get_cmddesc(ups: str, cmd: str) -> Call[str]:
    return Call(CallKind.GET, ("CMDDESC", ups, cmd), _value)


def get_upsdesc(ups: str) -> Call[str]:
    return Call(CallKind.GET, ("UPSDESC", ups), _value)


def _int(event: Event) -> int:
    text = _value(event)
    try:
        return int(text)
    except ValueError:
        raise ReplyMismatch(f"not a number: {text!r}") from None


def get_numlogins(ups: str) -> Call[int]:
    return Call(CallKind.GET, ("NUMLOGINS", ups), _int)


# -- LIST ----------------------------------------------------------------------


def list_ups() -> Call[dict[str, str]]:
    """UPS name -> description."""
    return Call(CallKind.LIST, ("UPS",), lambda e: _pairs(_rows(e), 1, 2))


def list_var(ups: str) -> Call[dict[str, str]]:
    """Variable -> value, in the server's order."""
    return Call(CallKind.LIST, ("VAR", ups), lambda e: _pairs(_rows(e), 2, 3))


def list_rw(ups: str) -> Call[dict[str, str]]:
    """Writable variable -> value."""
    return Call(CallKind.LIST, ("RW", ups), lambda e: _pairs(_rows(e), 2, 3))


def list_cmd(ups: str) -> Call[list[str]]:
    return Call(CallKind.LIST, ("CMD", ups), lambda e: _field(_rows(e), 2))


def list_enum(ups: str, var: str) -> Call[list[str]]:
    return Call(CallKind.LIST, ("ENUM", ups, var), lambda e: _field(_rows(e), 3))


def _ranges(event: Event) -> list[tuple[str, str]]:
    rows = _rows(event)
    return list(zip(_field(rows, 3), _field(rows, 4), strict=True))


def list_range(ups: str, var: str) -> Call[list[tuple[str, str]]]:
    """``(min, max)`` pairs, as the server spells them."""
    return Call(CallKind.LIST, ("RANGE", ups, var), _ranges)


def list_client(ups: str) -> Call[list[str]]:
    """Addresses of the clients logged into ``ups``."""
    return Call(CallKind.LIST, ("CLIENT", ups), lambda e: _field(_rows(e), 2))


# -- commands ------------------------------------------------------------------


def set_var(ups: str, var: str, value: str) -> Call[str | None]:
    """``SET VAR``; the tracking id when tracking is on, else ``None``.

    The value is always quoted, as upsrw sends it, so empty values and
    values with blanks arrive intact.
    """
    line = f"SET VAR {ups} {var} {quote(value)}"
    return Call(CallKind.LINE, (line,), _ok_tracking)


def instcmd(ups: str, cmd: str, value: str | None = None) -> Call[str | None]:
    """``INSTCMD``; the tracking id when tracking is on, else ``None``."""
    args = (ups, cmd) if value is None else (ups, cmd, value)
    return Call(CallKind.COMMAND, ("INSTCMD", *args), _ok_tracking)


def username(name: str) -> Call[None]:
    return Call(CallKind.COMMAND, ("USERNAME", name), _ok_none)


def password(secret: str) -> Call[None]:
    return Call(CallKind.COMMAND, ("PASSWORD", secret), _ok_none)


def login(ups: str) -> Call[None]:
    return Call(CallKind.COMMAND, ("LOGIN", ups), _ok_none)


def primary(ups: str) -> Call[None]:
    return Call(CallKind.COMMAND, ("PRIMARY", ups), _ok_none)


def master(ups: str) -> Call[None]:
    """The pre-2.8.0 spelling of :func:`primary`."""
    return Call(CallKind.COMMAND, ("MASTER", ups), _ok_none)


def fsd(ups: str) -> Call[None]:
    return Call(CallKind.COMMAND, ("FSD", ups), _ok_none)


def logout() -> Call[None]:
    return Call(CallKind.COMMAND, ("LOGOUT",), _ok_none)


def set_tracking(on: bool) -> Call[None]:
    return Call(CallKind.COMMAND, ("SET", "TRACKING", "ON" if on else "OFF"), _ok_none)


def get_tracking(ident: str | None = None) -> Call[str]:
    """``ON``/``OFF`` without an id; for an id its status line as upsd sends it.

    A status is ``PENDING``, ``SUCCESS`` or an ``ERR <token>`` line (``ERR
    UNKNOWN``, ``ERR FAILED``, ``ERR INVALID-ARGUMENT`` …, or ``ERR
    FEATURE-NOT-CONFIGURED`` when tracking is off): results, so returned, not raised.
    """
    words = ("GET", "TRACKING") if ident is None else ("GET", "TRACKING", ident)
    return Call(CallKind.COMMAND, words, _line, raw=True)


def ver() -> Call[str]:
    return Call(CallKind.COMMAND, ("VER",), _line)


def netver() -> Call[str]:
    return Call(CallKind.COMMAND, ("NETVER",), _line)


def help_() -> Call[str]:
    return Call(CallKind.COMMAND, ("HELP",), _line)


def starttls() -> Call[str]:
    """``STARTTLS``; the raw reply (``OK STARTTLS`` or an ``ERR`` line)."""
    return Call(CallKind.COMMAND, ("STARTTLS",), _line, raw=True)
