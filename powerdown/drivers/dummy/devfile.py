"""dummy-ups definition files (``.dev`` / ``.seq``): text in, instructions out.

Strategy
--------
The format is ``docs/man/dummy-ups.txt`` ("IMPLEMENTATION", "Dummy Mode"):
an ``upsc`` dump, ``<varname>: <value>`` per line, plus the ``TIMER
<seconds>`` and ``ALARM [text]`` instructions.  NUT reads it with parseconf
(``drivers/dummy-ups.c`` ``parse_data_file``), so we read it with our
parseconf, ``powerdown.protocol.words``: quotes, backslash escapes, ``#``
comments and backslash-newline continuations behave as in NUT, and a line
with a parse error is skipped.  Then, for each line, as NUT does:

* a first word starting with ``TIMER`` pauses ``atoi(second word)``
  seconds;
* a first word starting with ``ALARM`` (NUT 2.8.4 and later) adds the
  other words, joined by single spaces, as an alarm message; with no other
  words, or only empty ones, it clears the alarms;
* otherwise the first word, cut at its first ``:``, is a variable name:
  ``driver.*`` is skipped (the driver owns that collection), a name
  starting with ``ups.status`` sets the status from the other words as
  separate tokens, and any other name gets the other words joined by
  single spaces.

Where NUT does something surprising we still do what it does, but say so
in a ``ConfigWarning`` with file and line: a prefix-matched ``TIMERS``, a
name with no ``:``, text glued after the ``:``, characters the tokenizer
drops, a quote or backslash that swallows the next lines.  We part from
NUT in three places, each named where it happens: an empty value removes
the variable (the man page's rule; 2.8.0's code repeats the previous
line's value instead), a name that cannot be a NUT name is skipped, and
long values are kept whole (2.8.0 cuts them to 127 characters, which we
only warn about).

This module does no I/O: the caller reads the file and hands over its
bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from powerdown.config.errors import ConfigWarning
from powerdown.protocol.names import is_valid_name
from powerdown.protocol.words import ARG_LIMIT, WORDLEN_LIMIT, Tokenizer, Words

__all__ = [
    "SetVar",
    "SetStatus",
    "Timer",
    "Alarm",
    "Instruction",
    "DevFile",
    "parse",
    "NUT_VALUE_LIMIT",
    "TIMER_MAX",
]

# dummy-ups builds values in a char[MAX_STRING_SIZE] (128) buffer, so NUT
# keeps at most 127 characters of a value or an alarm message.
NUT_VALUE_LIMIT = 127
# NUT's TIMER delay is a C int; we never pause longer than INT_MAX seconds.
TIMER_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class SetVar:
    """``name: value``; an empty ``value`` means "remove the variable"."""

    name: str
    value: str
    lineno: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SetStatus:
    """``ups.status: OL CHRG``: the status words, in order (maybe none)."""

    tokens: tuple[str, ...]
    lineno: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Timer:
    """``TIMER n``: pause ``seconds`` (0 still ends this reading pass)."""

    seconds: int
    lineno: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Alarm:
    """``ALARM text`` raises an alarm; ``text is None`` clears all alarms."""

    text: str | None
    lineno: int


Instruction = SetVar | SetStatus | Timer | Alarm


@dataclass(frozen=True, slots=True, kw_only=True)
class DevFile:
    """A definition file read once: what to do, in file order, and what looked wrong.

    ``driver_vars_skipped`` counts the ``driver.*`` lines left out, as NUT
    leaves them out; that is normal in DDL dumps, so it is not a warning.
    """

    instructions: tuple[Instruction, ...]
    warnings: tuple[ConfigWarning, ...]
    driver_vars_skipped: int = 0


# C's atoi(): leading white space, a sign, then as many digits as there are.
_ATOI = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)")
_WHOLE = re.compile(r"[0-9]+")
# Bytes parseconf drops from words (it keeps 0x20-0x7f) that are not white
# space between words either.
_DROPPED = re.compile(rb"[\x00-\x08\x0e-\x1f\x80-\xff]")
_PHYSICAL = re.compile(rb"[^\n]*\n|[^\n]+")


def parse(data: bytes | str, path: str) -> DevFile:
    """Read a dummy-ups definition file.

    Args:
        data: the file's contents; text is encoded as UTF-8 first, so
            non-ASCII characters are dropped from words as NUT drops them.
        path: the file name the warnings carry.

    Returns:
        The instructions in file order, and warnings (``path:line:
        message``) for every line NUT would read differently from how it
        looks, or that we read differently from NUT.  Never raises on bad
        input: a line we cannot use is skipped with a warning.
    """
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    reader = _Reader(path, _PHYSICAL.findall(raw))
    for words, last in reader.logical_lines():
        reader.line(words, last)
    reader.warnings.sort(key=lambda w: w.line or 0)
    return DevFile(
        instructions=tuple(reader.instructions),
        warnings=tuple(reader.warnings),
        driver_vars_skipped=reader.driver_vars_skipped,
    )


class _Reader:
    """One pass over a file: collects instructions, warnings and the skip count."""

    __slots__ = ("path", "physical", "instructions", "warnings", "driver_vars_skipped")

    def __init__(self, path: str, physical: list[bytes]) -> None:
        self.path = path
        self.physical = physical
        self.instructions: list[Instruction] = []
        self.warnings: list[ConfigWarning] = []
        self.driver_vars_skipped = 0

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ConfigWarning(path=self.path, line=line, message=message))

    def logical_lines(self) -> Iterator[tuple[Words, int]]:
        """Each logical line with the physical line it ends on.

        Fed one physical line at a time, the tokenizer hands back a line as
        soon as it is complete, so the physical line being fed is where it
        ends (``emit_empty`` makes blank lines come back too, which we drop).
        """
        tok = Tokenizer(emit_empty=True)
        for lineno, physical in enumerate(self.physical, start=1):
            for words in tok.feed(physical):
                if words.args or words.error:
                    yield words, lineno
        for words in tok.close():
            if words.args or words.error:
                yield words, len(self.physical)

    # -- one logical line ------------------------------------------------------

    def line(self, words: Words, last: int) -> None:
        first = words.lineno
        if words.error:
            # NUT logs "Parse error" (at debug level) and goes on reading
            # right after the '#', as if a new line started there; our
            # tokenizer drops the rest of the physical line instead.
            self.warn(
                first,
                f"parse error: {words.error}; line skipped"
                " (NUT would read what follows the '#' as a line of its own)",
            )
            return
        if last > first:
            self.warn(first, self._joined(first, last))
        text = b"".join(self.physical[first - 1 : last])
        self._check_dropped(words, text, first, last)
        if b"=" in text and _tokenize_keeping_equals(text) != words.args:
            self.warn(
                first,
                "'=' is a word of its own to NUT's parser, so NUT reads this line as"
                f" {' '.join(words.args)!r}",
            )
        instruction = self.interpret(words.args, first)
        if instruction is not None:
            self.instructions.append(instruction)

    def _joined(self, first: int, last: int) -> str:
        body = self.physical[first - 1].rstrip(b"\n")
        trailing = len(body) - len(body.rstrip(b"\\"))
        why = "ends with a backslash" if trailing % 2 else "leaves a quote open"
        return f"line {why}: NUT reads lines {first}-{last} as one line"

    def _check_dropped(self, words: Words, text: bytes, first: int, last: int) -> None:
        """Warn about what parseconf silently leaves out of this line's words."""
        if _DROPPED.search(text):
            # Only what lands in a word matters (comments may hold anything):
            # with a harmless stand-in for each dropped byte, do the words change?
            marked = _tokenize(_DROPPED.sub(b"\x7f", text))
            if marked != words.args:
                at = next(
                    n for n in range(first, last + 1) if _DROPPED.search(self.physical[n - 1])
                )
                self.warn(at, "characters outside printable ASCII dropped, as NUT drops them")
        long_word = any(len(arg) >= WORDLEN_LIMIT for arg in words.args)
        if long_word or len(words.args) >= ARG_LIMIT:
            # No limit worth the name (0 would mean "none" to the slow path
            # of the tokenizer, but "nothing" to its fast path).
            whole = _tokenize(text, arg_limit=len(text) + 1, wordlen_limit=len(text) + 1)
            if len(whole) > len(words.args):
                self.warn(
                    first, f"more than {ARG_LIMIT} words: NUT keeps only the first {ARG_LIMIT}"
                )
            if any(len(arg) > WORDLEN_LIMIT for arg in whole):
                self.warn(
                    first,
                    f"a word longer than {WORDLEN_LIMIT} characters: NUT keeps only"
                    f" its first {WORDLEN_LIMIT}",
                )

    def interpret(self, args: tuple[str, ...], lineno: int) -> Instruction | None:
        """What NUT's parse_data_file does with one line's words."""
        head, rest = args[0], args[1:]
        # Both keywords are matched on their first five letters, before the
        # ':' is cut off, exactly as NUT's strncmp() does.
        if head.startswith("TIMER"):
            self._prefix_note(head, "TIMER", lineno)
            return self.timer(rest, lineno)
        if head.startswith("ALARM"):
            self._prefix_note(head, "ALARM", lineno)
            return self.alarm(rest, lineno)

        name, colon, glued = head.partition(":")
        if name.startswith("driver."):
            self.driver_vars_skipped += 1
            return None
        if not colon:
            hint = ""
            if head.upper().startswith(("TIMER", "ALARM")):
                hint = f" ({head.upper()[:5]} is an instruction only in capitals)"
            self.warn(
                lineno, f"no ':' after the name {head!r}; NUT reads it as a name anyway{hint}"
            )
        elif glued:
            self.warn(
                lineno,
                f"{glued!r} right after the ':' is ignored, as NUT ignores it"
                " (a value needs a blank after the ':')",
            )
        if not is_valid_name(name):
            self.warn(lineno, f"not a valid variable name: {name!r}; line skipped")
            return None
        if name.startswith("ups.status"):
            if name != "ups.status":
                self.warn(
                    lineno,
                    f"{name!r} is read as ups.status (NUT compares only its first 10 letters)",
                )
            return SetStatus(tokens=rest, lineno=lineno)
        value = " ".join(rest)
        if len(value) > NUT_VALUE_LIMIT:
            self.warn(
                lineno,
                f"value of {name} is {len(value)} characters long: kept whole, but NUT's"
                f" dummy-ups would cut it to {NUT_VALUE_LIMIT}",
            )
        # An empty value removes the variable, as the man page says
        # ("INTERACTION"); NUT 2.8.0's code would repeat the previous line's
        # value here instead.
        return SetVar(name=name, value=value, lineno=lineno)

    def _prefix_note(self, head: str, keyword: str, lineno: int) -> None:
        if head != keyword:
            self.warn(
                lineno,
                f"{head!r} is read as {keyword} (NUT compares only its first 5 letters)",
            )

    def timer(self, rest: tuple[str, ...], lineno: int) -> Timer:
        """``TIMER n``, read with atoi() as NUT reads it.

        NUT pauses ``atoi(word)`` seconds.  A word that is not a whole
        number still gives atoi()'s reading, so ``5s`` pauses 5 seconds and
        ``abc`` pauses 0; a negative number pauses 0, which is what NUT's
        "resume at now + delay" comes to.  A bare ``TIMER`` makes NUT read a
        word left over from an earlier line (or crash); we pause 0 seconds,
        which still ends the reading pass there, as any TIMER does.
        """
        need = "TIMER needs a whole number of seconds"
        if not rest:
            self.warn(
                lineno,
                f"{need}, none given (NUT would read a word left over from an earlier"
                " line); no pause",
            )
            return Timer(seconds=0, lineno=lineno)
        word = rest[0]
        found = _ATOI.match(word)
        atoi = int(found.group(1)) if found else 0
        seconds = min(max(atoi, 0), TIMER_MAX)
        if _WHOLE.fullmatch(word) is None:
            pause = f"{seconds} seconds" if seconds > 0 else "no pause"
            self.warn(lineno, f"{need}, not {word!r}: read as NUT's atoi() reads it, {pause}")
        elif atoi > TIMER_MAX:
            self.warn(lineno, f"TIMER {word} does not fit NUT's int: pausing {TIMER_MAX} seconds")
        if len(rest) > 1:
            self.warn(lineno, "words after the TIMER seconds are ignored, as NUT ignores them")
        return Timer(seconds=seconds, lineno=lineno)

    def alarm(self, rest: tuple[str, ...], lineno: int) -> Alarm:
        text = " ".join(rest)
        if not text:
            return Alarm(text=None, lineno=lineno)
        if len(text) > NUT_VALUE_LIMIT:
            self.warn(
                lineno,
                f"alarm text is {len(text)} characters long: kept whole, but NUT's"
                f" dummy-ups would cut it to {NUT_VALUE_LIMIT}",
            )
        return Alarm(text=text, lineno=lineno)


def _tokenize(
    text: bytes, *, arg_limit: int = ARG_LIMIT, wordlen_limit: int = WORDLEN_LIMIT
) -> tuple[str, ...]:
    """The words of one logical line's bytes (a parse error keeps what came before)."""
    tok = Tokenizer(arg_limit=arg_limit, wordlen_limit=wordlen_limit)
    found = tok.feed(text) + tok.close()
    return found[0].args if found else ()


def _tokenize_keeping_equals(text: bytes) -> tuple[str, ...]:
    """The words of a line if ``=`` were an ordinary character (DEL stands in for it)."""
    return tuple(word.replace("\x7f", "=") for word in _tokenize(text.replace(b"=", b"\x7f")))
