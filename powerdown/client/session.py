"""The client side of NUT's network protocol, without I/O.

Strategy
--------
Follows ``docs/net-protocol.txt`` as libupsclient (``clients/upsclient.c``)
speaks it.  A :class:`ClientSession` turns calls into request bytes and reply
bytes into values; the blocking and asyncio shells only move bytes.

* Each request queues what its reply must look like (h11's idea of an
  expected event, here a FIFO, so requests may be pipelined).
* Replies are read as raw lines first.  A line that starts with ``ERR``
  raises :class:`~powerdown.protocol.errors.NutError` (libupsclient's
  ``upscli_errcheck`` looks only at those three letters), other lines are
  split with NUT's own tokenizer.
* ``GET`` replies must echo the query (``GET VAR ups x`` -> ``VAR ups x
  value``); lists must open with ``BEGIN LIST <query>``, every row must
  start with the query, and ``END LIST`` closes them: ``verify_resp``'s
  rules, words compared case-insensitively.  A mismatch raises
  :class:`~powerdown.client.errors.ReplyMismatch`.
* Simple commands (``USERNAME``, ``INSTCMD``, ``GET TRACKING`` …) answer one
  free-form line, returned as :class:`Line`; callers decide what ``OK`` means.
* Request words are encoded as ``build_cmd`` does: escaped with
  ``pconf_encode`` rules and wrapped in quotes when they hold a blank.

Feeding ``b""`` means EOF: pending replies then raise
:class:`~powerdown.client.errors.ServerDisconnected`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from powerdown.client.errors import ReplyMismatch, ReplyParseError, ServerDisconnected
from powerdown.protocol.errors import LocalProtocolError, NutError, RemoteProtocolError
from powerdown.protocol.words import Tokenizer, encode

__all__ = [
    "MAX_LINE",
    "NEED_DATA",
    "NeedData",
    "Line",
    "Answer",
    "ListAnswer",
    "Event",
    "ClientSession",
    "build_cmd",
    "parse_err",
]

#: Longest reply line we accept; NUT's own lines stay far below this.
MAX_LINE: Final = 64 * 1024


class NeedData(Enum):
    """Sentinel type: no complete reply yet, feed more bytes."""

    NEED_DATA = "NEED_DATA"


NEED_DATA: Final = NeedData.NEED_DATA


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """A one-line reply, as sent (without its newline)."""

    line: str

    @property
    def ok(self) -> bool:
        return self.line.startswith("OK")


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """The reply to ``GET <query>``: the words, echo included."""

    query: tuple[str, ...]
    args: tuple[str, ...]

    @property
    def values(self) -> tuple[str, ...]:
        """The words after the echoed query."""
        return self.args[len(self.query) :]

    @property
    def value(self) -> str:
        """The first word after the echo (a variable's value, a description …)."""
        values = self.values
        if not values:
            raise ReplyMismatch(f"no value in {' '.join(self.args)!r}")
        return values[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class ListAnswer:
    """The reply to ``LIST <query>``: one word tuple per row, echo included."""

    query: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Event = Line | Answer | ListAnswer


class _Kind(Enum):
    LINE = "line"  # one line; ERR raises unless raw
    RAW = "raw"  # one line, ERR included, never raises
    GET = "get"
    LIST = "list"


@dataclass(slots=True)
class _Expect:
    kind: _Kind
    query: tuple[str, ...] = ()
    begun: bool = False
    rows: list[tuple[str, ...]] | None = None


def build_cmd(verb: str, *args: str) -> bytes:
    """One request line, encoded as libupsclient's ``build_cmd`` encodes it.

    Raises:
        LocalProtocolError: the verb or an argument holds a line break.
    """
    parts = [verb]
    for arg in args:
        if "\n" in arg or "\r" in arg:
            raise LocalProtocolError(f"line break in request word {arg!r}")
        enc = encode(arg)
        parts.append(f'"{enc}"' if " " in arg else enc)
    if "\n" in verb or "\r" in verb:
        raise LocalProtocolError(f"line break in verb {verb!r}")
    return (" ".join(parts) + "\n").encode("ascii", "replace")


def parse_err(line: str) -> NutError:
    """``ERR <TOKEN> [extra]`` as a :class:`NutError` (the line starts with ``ERR``)."""
    rest = line[3:].lstrip(" ")
    token, _, extra = rest.partition(" ")
    return NutError(token, extra)


def _split(line: str) -> tuple[str, ...]:
    tok = Tokenizer()
    found = tok.feed(line.encode("utf-8", "surrogateescape") + b"\n")
    args: list[str] = []
    for words in found:
        if words.error:
            raise ReplyParseError(words.error)
        args.extend(words.args)
    return tuple(args)


def _echoes(query: Sequence[str], words: Sequence[str]) -> bool:
    if len(words) < len(query):
        return False
    return all(q.lower() == w.lower() for q, w in zip(query, words, strict=False))


class ClientSession:
    """One connection's protocol state: requests out, replies in.

    Call a ``send_*`` method and write the bytes it returns; feed what the
    server sends to :meth:`receive_data`; call :meth:`next_event` until it
    returns :data:`NEED_DATA`.  Replies come back in request order.
    """

    __slots__ = ("_buf", "_expect", "_eof", "_lines", "max_line")

    def __init__(self, *, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buf = bytearray()
        self._lines: deque[str] = deque()
        self._expect: deque[_Expect] = deque()
        self._eof = False

    # -- requests ------------------------------------------------------------

    def send_get(self, *query: str) -> bytes:
        """``GET <query>``; the reply is an :class:`Answer`."""
        if not query:
            raise LocalProtocolError("GET needs a query")
        self._expect.append(_Expect(_Kind.GET, tuple(query)))
        return build_cmd("GET", *query)

    def send_list(self, *query: str) -> bytes:
        """``LIST <query>``; the reply is a :class:`ListAnswer`."""
        if not query:
            raise LocalProtocolError("LIST needs a query")
        self._expect.append(_Expect(_Kind.LIST, tuple(query), rows=[]))
        return build_cmd("LIST", *query)

    def send_command(self, verb: str, *args: str, raw: bool = False) -> bytes:
        """Any one-line command; the reply is a :class:`Line`.

        With ``raw`` an ``ERR`` reply is returned as a :class:`Line` too, as
        NUT's ``upscli_readline`` returns it to upscmd and upsrw.
        """
        self._expect.append(_Expect(_Kind.RAW if raw else _Kind.LINE))
        return build_cmd(verb, *args)

    def send_line(self, line: str, *, raw: bool = False) -> bytes:
        """A request written out in full (no encoding); the reply is a :class:`Line`."""
        if "\n" in line or "\r" in line:
            raise LocalProtocolError("line break inside a request line")
        self._expect.append(_Expect(_Kind.RAW if raw else _Kind.LINE))
        return (line + "\n").encode("utf-8", "surrogateescape")

    @property
    def pending(self) -> int:
        """How many requests still wait for their reply."""
        return len(self._expect)

    # -- replies -------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Bytes from the server; ``b""`` means the server closed the connection."""
        if not data:
            self._eof = True
            return
        self._buf += data
        while True:
            nl = self._buf.find(b"\n")
            if nl < 0:
                break
            raw = bytes(self._buf[:nl])
            del self._buf[: nl + 1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            self._lines.append(raw.decode("utf-8", "surrogateescape"))
        if len(self._buf) > self.max_line:
            self._buf.clear()
            raise RemoteProtocolError(f"reply line longer than {self.max_line} bytes")

    def next_event(self) -> Event | NeedData:
        """The next complete reply, or :data:`NEED_DATA`.

        Raises:
            NutError: the server answered ``ERR``.
            ReplyMismatch: the reply does not answer the request.
            ReplyParseError: the reply line does not tokenize.
            ServerDisconnected: EOF while a reply is pending.
            RemoteProtocolError: a reply arrived that nobody asked for.
        """
        while self._lines:
            line = self._lines.popleft()
            if not self._expect:
                raise RemoteProtocolError(f"unsolicited reply {line!r}")
            event = self._take(self._expect[0], line)
            if event is not None:
                return event
        if self._eof and self._expect:
            self._expect.clear()
            raise ServerDisconnected()
        return NEED_DATA

    def _take(self, want: _Expect, line: str) -> Event | None:
        """Apply one line to the oldest request; an event once it is complete."""
        if want.kind is _Kind.RAW:
            self._expect.popleft()
            return Line(line=line)
        if line.startswith("ERR"):
            self._expect.popleft()
            raise parse_err(line)
        if want.kind is _Kind.LINE:
            self._expect.popleft()
            return Line(line=line)
        try:
            words = _split(line)
        except ReplyParseError:
            self._expect.popleft()
            raise
        if want.kind is _Kind.GET:
            self._expect.popleft()
            if not _echoes(want.query, words):
                raise ReplyMismatch(f"{line!r} does not answer GET {' '.join(want.query)}")
            return Answer(query=want.query, args=words)
        # A list: BEGIN LIST <query>, rows that echo the query, END LIST.
        assert want.rows is not None
        if not want.begun:
            if (
                len(words) < 2
                or words[0].upper() != "BEGIN"
                or words[1].upper() != "LIST"
                or not _echoes(want.query, words[2:])
            ):
                self._expect.popleft()
                raise ReplyMismatch(f"{line!r} does not begin LIST {' '.join(want.query)}")
            want.begun = True
            return None
        if len(words) >= 2 and words[0] == "END" and words[1] == "LIST":
            self._expect.popleft()
            return ListAnswer(query=want.query, rows=tuple(want.rows))
        if not words or not _echoes(want.query, words):
            # The rest of this list would be taken for the next replies: give up.
            self._expect.clear()
            raise ReplyMismatch(f"{line!r} is not a row of LIST {' '.join(want.query)}")
        want.rows.append(words)
        return None
