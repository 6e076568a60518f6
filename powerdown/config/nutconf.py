"""``nut.conf``: which NUT parts a host runs (``MODE``) and their environment.

Strategy
--------
Unlike the other files, NUT's programs never tokenize ``nut.conf``: init
scripts source it with ``sh`` and systemd units load it as an
``EnvironmentFile`` (Debian's ``nut-server.service``).  So it is read here
with the shell rules both agree on, not with parseconf: one ``NAME=value``
per line, no spaces around ``=`` (``docs/man/nut.conf.txt``: "You MUST NOT
use spaces around the equal sign!"), values bare or in ``'single'`` or
``"double"`` quotes, a backslash escaping the next character (and joining
lines), ``#`` starting a comment at the start of a word.  Values are kept
verbatim: the manual promises no ``$VAR`` expansion, so none is done.

``MODE`` must be ``none``, ``standalone``, ``netserver`` or ``netclient``;
when it is missing NUT's scripts treat it as ``none``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal, cast

from powerdown.config._common import parse_bool, read_config
from powerdown.config.errors import ConfigError, ConfigWarning

__all__ = ["NutMode", "MODES", "NutConf", "parse", "load"]

NutMode = Literal["none", "standalone", "netserver", "netclient"]
MODES: tuple[NutMode, ...] = ("none", "standalone", "netserver", "netclient")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BLANK = " \t"
# Inside double quotes the shell lets a backslash escape only these.
_DQ_ESCAPABLE = '$`"\\\n'


@dataclass(frozen=True, slots=True, kw_only=True)
class NutConf:
    """A whole ``nut.conf``: the mode and every assignment, ``MODE`` included."""

    mode: NutMode = "none"
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[ConfigWarning, ...] = ()

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def flag(self, key: str) -> bool | None:
        """A true/false setting such as ``ALLOW_NO_DEVICE``; ``None`` if unset or unclear."""
        value = self.values.get(key)
        return None if value is None else parse_bool(value)

    @property
    def runs_upsd(self) -> bool:
        """Whether this mode starts drivers and upsd (standalone, netserver)."""
        return self.mode in ("standalone", "netserver")

    @property
    def runs_upsmon(self) -> bool:
        """Whether this mode starts upsmon (every mode but none)."""
        return self.mode != "none"


class _Scanner:
    """A cursor over the text that counts physical lines."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.lineno = 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        ch = self.peek()
        self.pos += 1
        if ch == "\n":
            self.lineno += 1
        return ch

    def skip_blanks(self) -> None:
        while self.peek() and self.peek() in _BLANK:
            self.take()

    def skip_line(self) -> None:
        while self.peek() not in ("", "\n"):
            self.take()
        self.take()

    def word(self) -> str:
        """One shell word, quotes removed; stops at a blank, newline or end."""
        out: list[str] = []
        start = self.lineno
        while True:
            ch = self.peek()
            if ch == "" or ch in _BLANK or ch == "\n":
                return "".join(out)
            self.take()
            if ch == "\\":
                nxt = self.take()
                if nxt not in ("", "\n"):  # backslash-newline joins lines
                    out.append(nxt)
            elif ch == "'":
                while (c := self.take()) != "'":
                    if c == "":
                        raise ConfigError(self.path, start, "unterminated ' quote")
                    out.append(c)
            elif ch == '"':
                while (c := self.take()) != '"':
                    if c == "":
                        raise ConfigError(self.path, start, 'unterminated " quote')
                    if c == "\\" and self.peek() and self.peek() in _DQ_ESCAPABLE:
                        c = self.take()
                        if c == "\n":
                            continue
                    out.append(c)
            else:
                out.append(ch)


def parse(text: str, path: str) -> NutConf:
    """Parse the text of a ``nut.conf``.

    Args:
        text: the whole file.
        path: the file name, used only in messages.

    Returns:
        The mode and all assignments (the last one of a name wins, as in sh).

    Raises:
        ConfigError: a line that is not ``NAME=value``, or a bad ``MODE``.
    """
    warnings: list[ConfigWarning] = []
    values: dict[str, str] = {}
    mode_line: int | None = None
    scan = _Scanner(text, path)

    while scan.peek():
        scan.skip_blanks()
        ch = scan.peek()
        if ch in ("", "\n") or ch == "#":
            scan.skip_line()
            continue
        lineno = scan.lineno
        m = _NAME.match(scan.text, scan.pos)
        if m and m.group() == "export" and scan.text[m.end() : m.end() + 1] in _BLANK:
            # sh accepts it, systemd's EnvironmentFile does not: keep, but say so.
            warnings.append(
                ConfigWarning(
                    path=path, line=lineno, message="'export' is not portable; assignment kept"
                )
            )
            scan.pos = m.end()
            scan.skip_blanks()
            m = _NAME.match(scan.text, scan.pos)
        if m is None:
            raise ConfigError(path, lineno, "expected NAME=value")
        name = m.group()
        scan.pos = m.end()
        if scan.peek() != "=":
            scan.skip_blanks()
            if scan.peek() == "=":
                raise ConfigError(path, lineno, "no spaces are allowed around '='")
            raise ConfigError(path, lineno, f"expected '=' after {name}")
        scan.take()
        if scan.peek() and scan.peek() in _BLANK:
            raise ConfigError(path, lineno, "no spaces are allowed around '='")
        values[name] = scan.word()
        if name == "MODE":
            mode_line = lineno
        scan.skip_blanks()
        if scan.peek() not in ("", "\n", "#"):
            # sh would run the rest as a command with NAME in its environment.
            raise ConfigError(path, lineno, f"unexpected text after {name}=value")
        scan.skip_line()

    mode = values.get("MODE")
    if mode is None:
        mode = "none"
    elif mode not in MODES:
        raise ConfigError(
            path,
            mode_line,
            f"MODE must be one of {', '.join(MODES)} (not {mode!r})",
        )
    return NutConf(
        mode=cast(NutMode, mode), values=MappingProxyType(values), warnings=tuple(warnings)
    )


def load(path: str | Path) -> NutConf:
    """Read and parse ``path``; ``ConfigError`` if it cannot be read."""
    return parse(read_config(path), str(path))
