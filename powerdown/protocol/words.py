"""NUT's tokenizer and encoder: one set of rules for every NUT text format.

Strategy
--------
NUT parses its config files, the driver socket and the network protocol with
one character-driven state machine (``common/parseconf.c``).  We keep that
machine, state for state, because its corner cases are part of the wire
format that real NUT peers produce and expect:

* words split on white space; ``"quoted words"`` keep their spaces; ``\\``
  takes the next character literally, and a ``\\`` before a newline joins
  physical lines into one logical line;
* ``#`` starts a comment outside quotes and is a parse error inside them
  ("Unbalanced word due to unescaped # in quotes");
* an ``=`` is a word of its own (so ``port=auto`` is three words);
* only printable ASCII (0x20-0x7f) is kept inside words: anything else
  (tabs inside quotes, bytes above 0x7f) is dropped, a guard NUT added for
  CVE-2012-2944;
* a word keeps at most ``WORDLEN_LIMIT`` characters and a line at most
  ``ARG_LIMIT`` words; the rest is dropped, which bounds memory whatever a
  peer sends (NUT's own limits, ``PCONF_DEFAULT_*``).

The result is the same however the input is fed: whole files, line by line,
or one byte at a time (the property tests check this).  The hot path, a line
with no quote, backslash, comment or ``=`` in it, is a plain ``split``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "ARG_LIMIT",
    "WORDLEN_LIMIT",
    "Words",
    "Tokenizer",
    "split_line",
    "iter_logical_lines",
    "encode",
    "quote",
    "join_words",
]

ARG_LIMIT = 32
WORDLEN_LIMIT = 512

UNBALANCED_HASH = "Unbalanced word due to unescaped # in quotes"

# parseconf's states, in its own names.
_FINDWORDSTART = 1
_FINDEOL = 2
_QUOTECOLLECT = 3
_QC_LITERAL = 4
_COLLECT = 5
_COLLECTLITERAL = 6
_ENDOFLINE = 7
_PARSEERR = 8

_NL = 0x0A
_HASH = 0x23
_QUOTE = 0x22
_BACKSLASH = 0x5C
_EQUALS = 0x3D
# C's isspace() in the "C" locale.
_SPACE = frozenset(b" \t\n\v\f\r")

# A physical line matching this holds only plain words separated by blanks,
# so bytes.split() gives exactly what the state machine would.
_PLAIN = re.compile(rb"[\x20\x21\x24-\x3c\x3e-\x5b\x5d-\x7f\t\v\f\r]*")


@dataclass(frozen=True, slots=True)
class Words:
    """One logical line, split into words.

    ``error`` is parseconf's message when the line ended in a parse error; the
    words collected up to that point are kept, as NUT keeps them.  ``lineno``
    is the physical line (1-based) on which the logical line started.
    """

    args: tuple[str, ...]
    error: str | None = None
    lineno: int = 0


class Tokenizer:
    """Incremental parseconf: feed bytes, get complete logical lines.

    Feeding ``b""`` is harmless; call :meth:`close` at end of input to get a
    last line that had no newline (NUT parses it too).
    """

    __slots__ = (
        "_state",
        "_args",
        "_word",
        "_in_word",
        "_pending",
        "_lineno",
        "_line_start",
        "arg_limit",
        "wordlen_limit",
        "emit_empty",
        "_skipping",
    )

    def __init__(
        self,
        *,
        arg_limit: int = ARG_LIMIT,
        wordlen_limit: int = WORDLEN_LIMIT,
        emit_empty: bool = False,
    ) -> None:
        self.arg_limit = arg_limit
        self.wordlen_limit = wordlen_limit
        # upsd answers a blank or comment-only line (ERR UNKNOWN-COMMAND), so
        # the network protocol wants empty lines; config readers do not.
        self.emit_empty = emit_empty
        self._skipping = False
        self._state = _FINDWORDSTART
        self._args: list[str] = []
        self._word = bytearray()
        self._in_word = False
        # Bytes of an unfinished physical line, kept only on the fast path.
        self._pending = bytearray()
        self._lineno = 1
        self._line_start = 1

    # -- public -------------------------------------------------------------

    def feed(self, data: bytes) -> list[Words]:
        """Consume ``data`` and return the logical lines it completed."""
        out: list[Words] = []
        if not data:
            return out
        if self._pending:
            data = bytes(self._pending) + data
            self._pending.clear()
        start = 0
        n = len(data)
        while start < n:
            nl = data.find(b"\n", start)
            if nl < 0:
                rest = data[start:]
                if self._idle() and _PLAIN.fullmatch(rest):
                    # Wait for the newline: the fast path needs the whole line.
                    self._pending += rest
                else:
                    self._run(rest, out)
                break
            segment = data[start : nl + 1]
            start = nl + 1
            if self._idle() and _PLAIN.fullmatch(segment, 0, len(segment) - 1):
                self._fast_line(segment, out)
            else:
                self._run(segment, out)
        return out

    def close(self) -> list[Words]:
        """End of input: tie off a line that had no final newline."""
        out: list[Words] = []
        if self._pending:
            pending = bytes(self._pending)
            self._pending.clear()
            self._run(pending, out)
        if self._state in (_ENDOFLINE, _PARSEERR):
            self._state = _FINDWORDSTART
        if self._in_word:
            self._end_word()
        if self._args:
            out.append(Words(tuple(self._args), None, self._line_start))
        self._args = []
        self._state = _FINDWORDSTART
        return out

    # -- internals ------------------------------------------------------------

    def _idle(self) -> bool:
        return (
            self._state in (_FINDWORDSTART, _ENDOFLINE, _PARSEERR)
            and not self._args
            and not (self._in_word)
        )

    def _fast_line(self, segment: bytes, out: list[Words]) -> None:
        lineno = self._lineno
        self._lineno += 1
        words = segment.split()
        if not words:
            if self.emit_empty:
                out.append(Words((), None, lineno))
            return
        limit = self.wordlen_limit
        args = tuple(
            (w if len(w) <= limit else w[:limit]).decode("ascii", "ignore")
            for w in words[: self.arg_limit]
        )
        out.append(Words(args, None, lineno))

    def _add_char(self, ch: int) -> None:
        if ch < 0x20 or ch > 0x7F:
            return
        if self.wordlen_limit and len(self._word) >= self.wordlen_limit:
            return
        self._word.append(ch)

    def _end_word(self) -> None:
        if not (self.arg_limit and len(self._args) >= self.arg_limit):
            self._args.append(self._word.decode("ascii"))
        self._word.clear()
        self._in_word = False

    def _emit(self, out: list[Words], error: str | None = None) -> None:
        out.append(Words(tuple(self._args), error, self._line_start))
        self._args = []

    def _find_word_start(self, ch: int) -> int:
        if ch == _NL:
            return _ENDOFLINE
        if ch == _HASH:
            return _FINDEOL
        if ch in _SPACE:
            return _FINDWORDSTART
        self._in_word = True
        if ch == _BACKSLASH:
            return _COLLECTLITERAL
        if ch == _QUOTE:
            return _QUOTECOLLECT
        self._add_char(ch)
        if ch == _EQUALS:
            self._end_word()
            return _FINDWORDSTART
        return _COLLECT

    def _run(self, data: bytes, out: list[Words]) -> None:
        state = self._state
        for ch in data:
            if state == _ENDOFLINE:
                state = _FINDWORDSTART
                self._args = []
            if state == _FINDWORDSTART and not self._args and not self._in_word:
                self._line_start = self._lineno
            if ch == _NL:
                self._lineno += 1

            if state == _FINDWORDSTART:
                state = self._find_word_start(ch)
            elif state == _FINDEOL:
                if ch == _NL:
                    state = _ENDOFLINE
            elif state == _QUOTECOLLECT:
                if ch == _HASH:
                    self._end_word()
                    state = _PARSEERR
                elif ch == _QUOTE:
                    self._end_word()
                    state = _FINDWORDSTART
                elif ch == _BACKSLASH:
                    state = _QC_LITERAL
                else:
                    self._add_char(ch)
            elif state == _QC_LITERAL:
                if ch != _NL:
                    self._add_char(ch)
                state = _QUOTECOLLECT
            elif state == _COLLECT:
                if ch == _HASH:
                    self._end_word()
                    state = _FINDEOL
                elif ch == _NL:
                    self._end_word()
                    state = _ENDOFLINE
                elif ch in _SPACE:
                    self._end_word()
                    state = _FINDWORDSTART
                elif ch == _EQUALS:
                    self._end_word()
                    self._find_word_start(ch)  # the "=" becomes a word of its own
                    state = _FINDWORDSTART
                elif ch == _BACKSLASH:
                    state = _COLLECTLITERAL
                else:
                    self._add_char(ch)
            elif state == _COLLECTLITERAL:
                if ch != _NL:
                    self._add_char(ch)
                state = _COLLECT

            if state == _ENDOFLINE:
                if self._args or (self.emit_empty and not self._skipping):
                    self._emit(out)
                self._skipping = False
            elif state == _PARSEERR:
                self._emit(out, UNBALANCED_HASH)
                # NUT throws away the rest of what it had read; we drop the
                # rest of the physical line, so the next line parses cleanly.
                state = _FINDEOL
                self._skipping = True
        self._state = state


def split_line(line: str | bytes) -> list[str]:
    """Split one line as ``pconf_line`` does; an unclosed quote ends the word.

    Raises:
        ValueError: the line has a ``#`` inside quotes.
    """
    data = line.encode("latin-1", "replace") if isinstance(line, str) else line
    tok = Tokenizer()
    found = tok.feed(data.replace(b"\n", b" ")) + tok.close()
    args: list[str] = []
    for words in found:
        if words.error:
            raise ValueError(words.error)
        args.extend(words.args)
    return args


def iter_logical_lines(text: str | bytes) -> Iterator[Words]:
    """Every logical line of a file, with the physical line it starts on.

    Non-ASCII characters in ``text`` are dropped inside words, as NUT drops
    them; lines with a parse error are yielded with ``error`` set.
    """
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    tok = Tokenizer()
    yield from tok.feed(data)
    yield from tok.close()


_ESCAPE = re.compile(r'([#\\"])')
_UNSENDABLE = re.compile(r"[^\x20-\x7f]")


def encode(value: str) -> str:
    """Escape a value for a NUT line, as ``pconf_encode`` does.

    Characters NUT's tokenizer would drop anyway (control characters and
    anything beyond ASCII) are dropped here, so that
    ``split_line(quote(v)) == [encode-able part of v]`` always holds.
    """
    if _UNSENDABLE.search(value):
        value = _UNSENDABLE.sub("", value)
    if '"' in value or "\\" in value or "#" in value:
        return _ESCAPE.sub(r"\\\1", value)
    return value


def quote(value: str) -> str:
    """``"value"`` with NUT's escaping: the form upsd and drivers send values in."""
    return '"' + encode(value) + '"'


_NEEDS_QUOTES = re.compile(r'[\s"\\#=]|^$')


def join_words(*args: str) -> str:
    """Render words as one line that tokenizes back to the same words.

    Plain words go bare; a word that is empty or holds a blank, quote,
    backslash, ``#`` or ``=`` is quoted and escaped.
    """
    return " ".join(quote(a) if _NEEDS_QUOTES.search(a) else a for a in args)
