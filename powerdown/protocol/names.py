"""NUT's variable and command names: descriptions and what a name may be.

Strategy
--------
upsd answers ``GET DESC`` and ``GET CMDDESC`` from a table of descriptions
(``docs/net-protocol.txt`` "DESC", upsd's ``desc.c``).  NUT reads that table
from ``cmdvartab``; we ship our own, ``powerdown/data/names.tsv``, built by
``scripts/gen_names.py`` from the standard names of ``docs/nut-names.txt``,
and can also read a ``cmdvartab`` so a site's own file keeps working.

The doc names some families by pattern: ``outlet.n.status``,
``ambient.n.contacts.x.status``, ``driver.parameter.xxx``.  Our table writes
the index as ``{n}`` and a free part as ``{name}``; a lookup of a concrete
name (``outlet.1.status``) tries the exact names first, then the patterns.
The doc also says "outlet.0" (and "ambient.0") is the same as "outlet"
without an index, so a pattern's first ``{n}`` may be left out
(``outlet.status``).  Names compare without regard to ASCII case, as upsd
compares them (``strcasecmp``).

This module does no I/O: the shell reads the ``cmdvartab`` file and hands
over its text; the builtin table is package data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

from powerdown.protocol.words import WORDLEN_LIMIT, iter_logical_lines

__all__ = [
    "DESC_UNAVAILABLE",
    "UPSDESC_UNAVAILABLE",
    "Kind",
    "NameRow",
    "DescTable",
    "fold_name",
    "is_valid_name",
    "parse_names_tsv",
    "builtin_rows",
]

# upsd's replies when it has no description: ``GET DESC``/``GET CMDDESC``
# (netget.c get_desc, get_cmddesc) and ``GET UPSDESC`` (get_upsdesc).
DESC_UNAVAILABLE = "Description unavailable"
UPSDESC_UNAVAILABLE = "Unavailable"

Kind = Literal["VAR", "CMD"]

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Characters the tokenizer treats specially outside quotes: a name holding
# one could not travel as the single bare word upsd and drivers send it as.
_SPECIAL = frozenset('"#=\\')
_PLACEHOLDER = re.compile(r"\{(n|name)\}")


def fold_name(name: str) -> str:
    """The form names are compared in: ASCII letters lowered, like ``strcasecmp``."""
    return name.translate(_ASCII_LOWER)


def is_valid_name(name: str) -> bool:
    """Whether ``name`` can be a variable or command name on NUT's wire.

    NUT itself checks nothing beyond its tokenizer: a name is whatever one
    word of a request or driver message holds.  So a usable name is 1 to
    ``WORDLEN_LIMIT`` printable ASCII characters with no blank and none of
    ``" # = \\``, which the tokenizer would split on or interpret; case does
    not matter (see ``fold_name``).
    """
    if not 0 < len(name) <= WORDLEN_LIMIT:
        return False
    return all("\x21" <= ch <= "\x7e" and ch not in _SPECIAL for ch in name)


@dataclass(frozen=True, slots=True, kw_only=True)
class NameRow:
    """One row of our table: a standard name (maybe a pattern) and its description."""

    kind: Kind
    name: str
    description: str

    def __post_init__(self) -> None:
        if self.kind not in ("VAR", "CMD"):
            raise ValueError(f"kind must be VAR or CMD, not {self.kind!r}")
        if not is_valid_name(_PLACEHOLDER.sub("0", self.name)):
            raise ValueError(f"not a valid name: {self.name!r}")


def parse_names_tsv(text: str) -> tuple[NameRow, ...]:
    """Rows of a ``names.tsv``: ``kind<TAB>name<TAB>description``, ``#`` comments.

    Raises:
        ValueError: a line is not three tab-separated fields of a valid row.
    """
    rows: list[NameRow] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise ValueError(f"line {lineno}: expected 3 tab-separated fields")
        kind, name, desc = fields
        if kind not in ("VAR", "CMD"):
            raise ValueError(f"line {lineno}: unknown kind {kind!r}")
        rows.append(NameRow(kind="VAR" if kind == "VAR" else "CMD", name=name, description=desc))
    return tuple(rows)


@cache
def builtin_rows() -> tuple[NameRow, ...]:
    """Our table, ``powerdown/data/names.tsv``, as shipped in the package."""
    data = resources.files("powerdown").joinpath("data", "names.tsv")
    return parse_names_tsv(data.read_text(encoding="utf-8"))


def _compile(pattern: str) -> re.Pattern[str]:
    # The first index may be absent: "outlet.0" is "outlet" (nut-names.txt).
    out: list[str] = []
    first_index = True
    pos = 0
    for m in _PLACEHOLDER.finditer(pattern):
        literal = re.escape(pattern[pos : m.start()])
        if m.group(1) == "name":
            out.append(literal + ".+")
        elif first_index and literal.endswith(r"\.") and m.end() < len(pattern):
            out.append(literal[:-2] + r"(?:\.[0-9]+)?\.")
            pos = m.end() + 1  # the "." after {n} is inside the optional group
            first_index = False
            continue
        else:
            out.append(literal + "[0-9]+")
            first_index = False
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out), re.IGNORECASE | re.ASCII)


_Patterns = Mapping[str, tuple[tuple[re.Pattern[str], str], ...]]


def _first_segment(name: str) -> str:
    return fold_name(name.split(".", 1)[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class DescTable:
    """Descriptions of variables and instant commands, as upsd looks them up.

    ``vars``/``cmds`` map folded exact names to descriptions; the patterns
    (from ``{n}``/``{name}`` rows) are grouped by their first, literal,
    segment so a lookup only tries the few that can match.
    """

    vars: Mapping[str, str]
    cmds: Mapping[str, str]
    var_patterns: _Patterns = field(default_factory=dict)
    cmd_patterns: _Patterns = field(default_factory=dict)

    def var_desc(self, name: str) -> str | None:
        """The description of variable ``name``, or None when there is none."""
        return _lookup(self.vars, self.var_patterns, name)

    def cmd_desc(self, name: str) -> str | None:
        """The description of instant command ``name``, or None when there is none."""
        return _lookup(self.cmds, self.cmd_patterns, name)

    @classmethod
    def from_rows(cls, rows: Iterable[NameRow]) -> DescTable:
        """A table from rows; on a repeated name (any case) the first row wins."""
        exact: dict[Kind, dict[str, str]] = {"VAR": {}, "CMD": {}}
        pats: dict[Kind, dict[str, list[tuple[re.Pattern[str], str]]]] = {"VAR": {}, "CMD": {}}
        seen: set[tuple[Kind, str]] = set()
        for row in rows:
            key = fold_name(row.name)
            if (row.kind, key) in seen:
                continue
            seen.add((row.kind, key))
            if _PLACEHOLDER.search(row.name):
                group = pats[row.kind].setdefault(_first_segment(row.name), [])
                group.append((_compile(row.name), row.description))
            else:
                exact[row.kind][key] = row.description
        return cls(
            vars=exact["VAR"],
            cmds=exact["CMD"],
            var_patterns={k: tuple(v) for k, v in pats["VAR"].items()},
            cmd_patterns={k: tuple(v) for k, v in pats["CMD"].items()},
        )

    @classmethod
    def builtin(cls) -> DescTable:
        """Our table of NUT's standard names (built once, then shared)."""
        return _builtin_table()

    @classmethod
    def from_cmdvartab(
        cls, text: str, *, on_error: Callable[[int, str], None] | None = None
    ) -> DescTable:
        """A table from the text of NUT's ``cmdvartab`` file.

        Each logical line ``VARDESC <name> "<desc>"`` or ``CMDDESC <name>
        "<desc>"`` adds a description; as in upsd's ``desc_load``, the
        keyword must be upper case, lines with fewer than three words or
        another keyword are ignored, words past the third are ignored, a
        later line for the same name (in any case) replaces the earlier
        description, and names are literal (no patterns).  A line with a
        parse error is skipped after ``on_error(lineno, message)``.
        """
        vars_: dict[str, str] = {}
        cmds: dict[str, str] = {}
        for words in iter_logical_lines(text):
            if words.error is not None:
                if on_error is not None:
                    on_error(words.lineno, words.error)
                continue
            args = words.args
            if len(args) < 3:
                continue
            if args[0] == "VARDESC":
                vars_[fold_name(args[1])] = args[2]
            elif args[0] == "CMDDESC":
                cmds[fold_name(args[1])] = args[2]
        return cls(vars=vars_, cmds=cmds)


def _lookup(exact: Mapping[str, str], patterns: _Patterns, name: str) -> str | None:
    key = fold_name(name)
    found = exact.get(key)
    if found is not None:
        return found
    for pattern, desc in patterns.get(_first_segment(key), ()):
        if pattern.fullmatch(name):
            return desc
    return None


@cache
def _builtin_table() -> DescTable:
    return DescTable.from_rows(builtin_rows())
