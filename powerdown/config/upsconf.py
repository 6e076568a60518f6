"""``ups.conf``: global driver settings, then one ``[section]`` per device.

Strategy
--------
NUT reads this file in three programs (upsd, upsdrvctl, each driver) with
one shared walker (``common/upsconf.c``): a word ``[name]`` opens a
section, one word alone is a flag (``nolock``), ``key = value`` is a
setting, and anything else is silently skipped.  Settings before the first
section are global.  We parse the file once into values all three can use.

Where NUT's programs disagree we take the strictest, so a file we accept
works with all of them (``docs/man/ups.conf.txt``: "You must define the
'driver' and 'port' elements for each entry"):

* a section without ``driver`` or ``port`` is an error (upsd only warns and
  skips it, but no driver can start without both);
* a section name used twice (compared without case, as upsd does) is an
  error, where upsd merges or rejects depending on the case;
* ``[default]`` is refused: the manual reserves that name for upsd;
* numbers NUT reads with ``atoi`` must be whole numbers, and
  ``pollinterval`` must be above 0 (a driver dies on anything else).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from powerdown.config._common import is_uint, logical_lines, read_config
from powerdown.config.errors import ConfigError, ConfigWarning

__all__ = ["UpsConf", "UpsSection", "parse", "load"]


def _no_values() -> Mapping[str, str]:
    return MappingProxyType({})


# Numbers NUT reads with atoi(): which may be negative ("sdorder = -1" leaves
# a UPS out of the shutdown sequence; a negative maxstartdelay means "no
# timer"), and which must be above zero.
_SIGNED = frozenset({"sdorder", "maxstartdelay", "reconnect_max_tries", "reconnect_report_freq"})
_UNSIGNED = frozenset({"maxretry", "retrydelay", "debug_min"})
_POSITIVE = frozenset({"pollinterval"})


def _check_number(key: str, value: str, path: str, lineno: int) -> None:
    if key in _POSITIVE:
        ok = is_uint(value) and int(value) > 0
    elif key in _UNSIGNED:
        ok = is_uint(value)
    elif key in _SIGNED:
        ok = is_uint(value.removeprefix("-"))
    else:
        return
    if not ok:
        raise ConfigError(path, lineno, f"invalid {key}: {value}")


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsSection:
    """One ``[name]`` section: a device, its driver and the driver's settings.

    ``values`` holds every ``key = value`` of the section in file order,
    ``driver``, ``port`` and ``desc`` included, as do driver-specific keys
    and ``default.*`` / ``override.*``; ``flags`` holds the bare words.
    ``lineno`` is the line of the ``[name]`` header.
    """

    name: str
    driver: str
    port: str
    desc: str | None = None
    values: Mapping[str, str] = field(default_factory=_no_values)
    flags: frozenset[str] = frozenset()
    lineno: int = 0

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of ``key`` in this section, or ``default``."""
        return self.values.get(key, default)

    def has_flag(self, flag: str) -> bool:
        return flag in self.flags

    @property
    def sdorder(self) -> int:
        """upsdrvctl's shutdown order; -1 leaves the UPS out, default 0."""
        return int(self.values.get("sdorder", "0"))

    @property
    def maxstartdelay(self) -> int | None:
        """This UPS's own start timer, or ``None`` to use the global one."""
        value = self.values.get("maxstartdelay")
        return None if value is None else int(value)

    @property
    def pollinterval(self) -> int | None:
        """This UPS's own poll interval, or ``None`` to use the global one."""
        value = self.values.get("pollinterval")
        return None if value is None else int(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsConf:
    """A whole ``ups.conf``: global settings and the sections in file order."""

    globals: Mapping[str, str] = field(default_factory=_no_values)
    global_flags: frozenset[str] = frozenset()
    upses: Mapping[str, UpsSection] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[ConfigWarning, ...] = ()

    def _int(self, key: str, default: int) -> int:
        value = self.globals.get(key)
        return default if value is None else int(value)

    @property
    def maxretry(self) -> int:
        """upsdrvctl: attempts to start each driver (default 1)."""
        return self._int("maxretry", 1)

    @property
    def retrydelay(self) -> int:
        """upsdrvctl: seconds between start attempts (default 5)."""
        return self._int("retrydelay", 5)

    @property
    def maxstartdelay(self) -> int:
        """upsdrvctl: seconds to wait for a driver to start (default 45)."""
        return self._int("maxstartdelay", 45)

    @property
    def pollinterval(self) -> int:
        """Drivers: seconds between updates (default 2)."""
        return self._int("pollinterval", 2)

    @property
    def nowait(self) -> bool:
        """upsdrvctl: do not wait for drivers to start (a flag; any value counts)."""
        return "nowait" in self.global_flags or "nowait" in self.globals

    @property
    def statepath(self) -> str | None:
        return self.globals.get("statepath")

    @property
    def driverpath(self) -> str | None:
        return self.globals.get("driverpath")

    @property
    def user(self) -> str | None:
        return self.globals.get("user")

    @property
    def group(self) -> str | None:
        return self.globals.get("group")

    @property
    def chroot(self) -> str | None:
        return self.globals.get("chroot")


class _Section:
    """A section being read; becomes an ``UpsSection`` when it is complete."""

    __slots__ = ("name", "lineno", "values", "flags")

    def __init__(self, name: str, lineno: int) -> None:
        self.name = name
        self.lineno = lineno
        self.values: dict[str, str] = {}
        self.flags: set[str] = set()

    def finish(self, path: str) -> UpsSection:
        missing = [key for key in ("driver", "port") if key not in self.values]
        if missing:
            what = " and no ".join(missing)
            raise ConfigError(
                path, self.lineno, f"incomplete configuration for UPS [{self.name}]: no {what}"
            )
        return UpsSection(
            name=self.name,
            driver=self.values["driver"],
            port=self.values["port"],
            desc=self.values.get("desc"),
            values=MappingProxyType(self.values),
            flags=frozenset(self.flags),
            lineno=self.lineno,
        )


def parse(text: str, path: str) -> UpsConf:
    """Parse the text of a ``ups.conf``.

    Args:
        text: the whole file.
        path: the file name, used only in messages.

    Returns:
        The settings; problems NUT would only log are in ``warnings``.

    Raises:
        ConfigError: the file cannot be used (see the module notes).
    """
    warnings: list[ConfigWarning] = []
    globals_: dict[str, str] = {}
    global_flags: set[str] = set()
    upses: dict[str, UpsSection] = {}
    seen: dict[str, int] = {}  # lower-cased name -> header line
    current: _Section | None = None

    def warn(line: int, message: str) -> None:
        warnings.append(ConfigWarning(path=path, line=line, message=message))

    for words in logical_lines(text, path, warnings):
        args, lineno = words.args, words.lineno
        first = args[0]
        if len(first) >= 2 and first.startswith("[") and first.endswith("]"):
            if current is not None:
                upses[current.name] = current.finish(path)
            name = first[1:-1]
            if not name:
                raise ConfigError(path, lineno, "empty UPS name")
            if name.lower() == "default":
                raise ConfigError(path, lineno, 'UPS name "default" is reserved for upsd')
            if name.lower() in seen:
                raise ConfigError(
                    path,
                    lineno,
                    f"UPS name [{name}] is already in use (line {seen[name.lower()]})",
                )
            seen[name.lower()] = lineno
            if len(args) > 1:
                warn(lineno, f"words after [{name}] ignored")
            current = _Section(name, lineno)
            continue

        values = globals_ if current is None else current.values
        flags = global_flags if current is None else current.flags
        if len(args) == 1:
            flags.add(first)
        elif len(args) >= 3 and args[1] == "=":
            key, value = first, args[2]
            _check_number(key, value, path, lineno)
            if key in values:
                warn(lineno, f"{key} set again; the last value is used")
            values[key] = value
            if len(args) > 3:
                warn(lineno, f"words after the value of {key} ignored")
        else:
            # Not echoed: ups.conf holds SNMP communities and passwords.
            warn(lineno, "line ignored: expected 'name = value' or a single flag word")

    if current is not None:
        upses[current.name] = current.finish(path)

    return UpsConf(
        globals=MappingProxyType(globals_),
        global_flags=frozenset(global_flags),
        upses=MappingProxyType(upses),
        warnings=tuple(warnings),
    )


def load(path: str | Path) -> UpsConf:
    """Read and parse ``path``; ``ConfigError`` if it cannot be read."""
    return parse(read_config(path), str(path))
