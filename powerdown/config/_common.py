"""Pieces every NUT config parser shares: reading a file, logical lines, numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from powerdown.config.errors import ConfigError, ConfigWarning
from powerdown.protocol.words import Words, iter_logical_lines

__all__ = ["read_config", "logical_lines", "is_uint", "parse_bool"]

# What parseconf silently drops from words (it keeps 0x20-0x7f only); white
# space between words is harmless, so it is not reported.
_DROPPED = re.compile(r"[^\x20-\x7f\t\n\v\f\r]")
_UINT = re.compile(r"[0-9]+")
_COMMENT = re.compile(r"(?<!\\)#")


def read_config(path: str | Path) -> str:
    """The file's text, or ``ConfigError`` naming the file.

    Bytes are decoded as Latin-1 so that every byte above 0x7f stays a
    non-ASCII character, which the tokenizer then drops as NUT does.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), None, exc.strerror or str(exc)) from None
    return data.decode("latin-1")


def logical_lines(text: str, path: str, warnings: list[ConfigWarning]) -> Iterator[Words]:
    """Non-empty logical lines of ``text``; a tokenizer error is fatal.

    NUT logs "Parse error" and skips such a line (for instance a ``#``
    inside quotes); we refuse the file instead, because a half-read line
    (a truncated password or ``desc``) is worse than a clear error.
    """
    for lineno, physical in enumerate(text.split("\n"), start=1):
        odd = _DROPPED.search(physical)
        # Anything after an unescaped '#' is a comment (a '#' in quotes is
        # a parse error anyway), and NUT does not mind what comments hold.
        comment = _COMMENT.search(physical)
        if odd and not (comment and comment.start() < odd.start()):
            warnings.append(
                ConfigWarning(path=path, line=lineno, message="non-ASCII characters ignored")
            )
    for words in iter_logical_lines(text):
        if words.error:
            raise ConfigError(path, words.lineno, words.error)
        if words.args:
            yield words


def is_uint(value: str) -> bool:
    """A plain decimal number: digits only, no sign, no unit."""
    return _UINT.fullmatch(value) is not None


_TRUE = frozenset({"true", "on", "yes", "1"})
_FALSE = frozenset({"false", "off", "no", "0"})


def parse_bool(value: str) -> bool | None:
    """NUT's ``parse_boolean``: true/on/yes/1 or false/off/no/0, any case."""
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None
