"""The variable tree a driver publishes and upsd mirrors (NUT's ``common/state.c``).

Both ends of the driver socket keep the same structure: variables with a
value, flags, an aux number (max length of RW strings), enumerated values and
ranges; plus the set of instant commands.  Setters return whether anything
changed, which is what lets a driver publish only changes (``dstate``).

NUT's quirks that show on the wire are kept on purpose:

* names are case-insensitive and listed in ``strcasecmp`` order;
* a new value that differs from the old one only in letter case is not a
  change (``state_setinfo`` compares with ``strcasecmp``);
* enum values and ranges are listed in the order they were added;
* an immutable variable (``driver.*`` set at start-up, overrides) ignores
  later SETINFO.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntFlag

__all__ = ["Flag", "Var", "DeviceState", "parse_flags"]


class Flag(IntFlag):
    """Variable flags, as SETFLAGS names them (plus NUT's internal IMMUTABLE)."""

    NONE = 0
    RW = 1
    STRING = 2
    NUMBER = 4
    IMMUTABLE = 8


_FLAG_WORDS = {"RW": Flag.RW, "STRING": Flag.STRING, "NUMBER": Flag.NUMBER}


def parse_flags(words: Iterable[str]) -> Flag:
    """SETFLAGS words to flags; unknown words are ignored, as NUT ignores them."""
    flags = Flag.NONE
    for w in words:
        flags |= _FLAG_WORDS.get(w.upper(), Flag.NONE)
    return flags


@dataclass(slots=True)
class Var:
    name: str
    value: str
    flags: Flag = Flag.NONE
    aux: int = 0
    enums: list[str] = field(default_factory=list)
    ranges: list[tuple[int, int]] = field(default_factory=list)


class DeviceState:
    """All that is known of one device: its variables and instant commands."""

    __slots__ = ("_vars", "_cmds", "_sorted_vars", "_sorted_cmds")

    def __init__(self) -> None:
        self._vars: dict[str, Var] = {}
        self._cmds: dict[str, str] = {}
        self._sorted_vars: list[Var] | None = None
        self._sorted_cmds: list[str] | None = None

    # -- reading ------------------------------------------------------------

    def get(self, name: str) -> Var | None:
        return self._vars.get(name.lower())

    def value(self, name: str) -> str | None:
        var = self._vars.get(name.lower())
        return None if var is None else var.value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._vars

    def __len__(self) -> int:
        return len(self._vars)

    def vars(self) -> list[Var]:
        """Variables in NUT's listing order (``strcasecmp`` of the name)."""
        if self._sorted_vars is None:
            self._sorted_vars = [self._vars[k] for k in sorted(self._vars)]
        return self._sorted_vars

    def __iter__(self) -> Iterator[Var]:
        return iter(self.vars())

    def cmds(self) -> list[str]:
        """Instant commands in NUT's listing order."""
        if self._sorted_cmds is None:
            self._sorted_cmds = [self._cmds[k] for k in sorted(self._cmds)]
        return self._sorted_cmds

    def has_cmd(self, name: str) -> bool:
        return name.lower() in self._cmds

    # -- writing: each returns True when something changed ------------------

    def set_info(self, name: str, value: str, *, immutable: bool = False) -> bool:
        key = name.lower()
        var = self._vars.get(key)
        if var is None:
            self._vars[key] = Var(name, value, Flag.IMMUTABLE if immutable else Flag.NONE)
            self._sorted_vars = None
            return True
        if immutable:
            # An override of a variable that already exists fixes it too.
            var.flags |= Flag.IMMUTABLE
        if var.value.lower() == value.lower():
            return False
        if var.flags & Flag.IMMUTABLE and not immutable:
            return False
        var.value = value
        return True

    def del_info(self, name: str) -> bool:
        if self._vars.pop(name.lower(), None) is None:
            return False
        self._sorted_vars = None
        return True

    def set_flags(self, name: str, flags: Flag) -> bool:
        var = self._vars.get(name.lower())
        if var is None:
            return False
        keep = var.flags & Flag.IMMUTABLE
        new = (flags & ~Flag.IMMUTABLE) | keep
        if new == var.flags:
            return False
        var.flags = new
        return True

    def set_aux(self, name: str, aux: int) -> bool:
        var = self._vars.get(name.lower())
        if var is None or var.aux == aux:
            return False
        var.aux = aux
        return True

    def add_enum(self, name: str, value: str) -> bool:
        var = self._vars.get(name.lower())
        if var is None or value in var.enums:
            return False
        var.enums.append(value)
        return True

    def del_enum(self, name: str, value: str) -> bool:
        var = self._vars.get(name.lower())
        if var is None:
            return False
        for i, v in enumerate(var.enums):
            if v.lower() == value.lower():
                del var.enums[i]
                return True
        return False

    def add_range(self, name: str, low: int, high: int) -> bool:
        var = self._vars.get(name.lower())
        if var is None or low > high or (low, high) in var.ranges:
            return False
        var.ranges.append((low, high))
        return True

    def del_range(self, name: str, low: int, high: int) -> bool:
        var = self._vars.get(name.lower())
        if var is None or (low, high) not in var.ranges:
            return False
        var.ranges.remove((low, high))
        return True

    def add_cmd(self, name: str) -> bool:
        key = name.lower()
        if key in self._cmds:
            return False
        self._cmds[key] = name
        self._sorted_cmds = None
        return True

    def del_cmd(self, name: str) -> bool:
        if self._cmds.pop(name.lower(), None) is None:
            return False
        self._sorted_cmds = None
        return True

    def clear(self) -> None:
        """Forget everything: a reconnecting server starts again from DUMPALL."""
        self._vars.clear()
        self._cmds.clear()
        self._sorted_vars = None
        self._sorted_cmds = None
