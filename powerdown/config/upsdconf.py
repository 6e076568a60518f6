"""``upsd.conf``: where upsd listens and how it treats drivers and clients.

Strategy
--------
One directive per line, in capitals as NUT spells them (NUT compares them
case-sensitively, except ``DEBUG_MIN``), read as ``server/conf.c``
``parse_upsd_conf_args`` reads them.  An unknown or short directive is a
warning, as in NUT ("upsd.conf: invalid directive ...").  A number or
boolean NUT cannot read is an error here: NUT logs it and keeps its
default, which silently changes behaviour (say, a ``MAXAGE`` typo).
Numbers must be plain digits (NUT's ``atoi`` would take ``15s`` as 15).

Defaults are NUT's: ``MAXAGE`` 15, ``TRACKINGDELAY`` 3600, ``MAXCONN``
the system limit (``None`` here), no ``LISTEN`` meaning ``::1`` and
``127.0.0.1`` on the default port (:meth:`UpsdConf.effective_listen`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powerdown.config._common import is_uint, logical_lines, parse_bool, read_config
from powerdown.config.errors import ConfigError, ConfigWarning

__all__ = ["Listen", "CertIdent", "UpsdConf", "DEFAULT_PORT", "parse", "load"]

DEFAULT_PORT = 3493

# CERTREQUEST levels, by number or by the names the manual gives them.
_CERTREQUEST = {"0": 0, "NO": 0, "1": 1, "REQUEST": 1, "2": 2, "REQUIRE": 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class Listen:
    """A ``LISTEN addr [port]`` line; ``addr`` may be a host name or ``*``."""

    addr: str
    port: int = DEFAULT_PORT


@dataclass(frozen=True, slots=True, kw_only=True)
class CertIdent:
    """``CERTIDENT name password``: the server certificate and its key password."""

    name: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsdConf:
    """A whole ``upsd.conf``; every field has NUT's default."""

    listen: tuple[Listen, ...] = ()
    maxage: int = 15
    statepath: str | None = None
    datapath: str | None = None
    maxconn: int | None = None
    certfile: str | None = None
    certpath: str | None = None
    certident: CertIdent | None = None
    certrequest: int = 0
    disable_weak_ssl: bool = False
    trackingdelay: int = 3600
    allow_no_device: bool = False
    allow_not_all_listeners: bool = False
    debug_min: int | None = None
    warnings: tuple[ConfigWarning, ...] = ()

    def effective_listen(self, default_port: int = DEFAULT_PORT) -> tuple[Listen, ...]:
        """The configured ``LISTEN`` lines, or NUT's default of loopback only."""
        if self.listen:
            return self.listen
        return (Listen(addr="::1", port=default_port), Listen(addr="127.0.0.1", port=default_port))


def _number(name: str, message: str | None = None) -> Callable[[str, str, int], int]:
    def convert(value: str, path: str, lineno: int) -> int:
        if not is_uint(value):
            raise ConfigError(path, lineno, message or f"{name} has non numeric value ({value})!")
        return int(value)

    return convert


def _numeric_or_bool(name: str) -> Callable[[str, str, int], bool]:
    # ALLOW_NO_DEVICE in NUT: any number (non-zero is true) or a boolean word.
    def convert(value: str, path: str, lineno: int) -> bool:
        if is_uint(value):
            return int(value) != 0
        flag = parse_bool(value)
        if flag is None:
            raise ConfigError(
                path, lineno, f"{name} has non numeric and non boolean value ({value})!"
            )
        return flag

    return convert


def _boolean(name: str) -> Callable[[str, str, int], bool]:
    def convert(value: str, path: str, lineno: int) -> bool:
        flag = parse_bool(value)
        if flag is None:
            raise ConfigError(path, lineno, f"{name} has non boolean value ({value})!")
        return flag

    return convert


def _text(value: str, path: str, lineno: int) -> str:
    return value


def _certrequest(value: str, path: str, lineno: int) -> int:
    level = _CERTREQUEST.get(value.upper())
    if level is None:
        raise ConfigError(
            path, lineno, f"CERTREQUEST must be 0 (NO), 1 (REQUEST) or 2 (REQUIRE), not {value}"
        )
    return level


def _maxconn(value: str, path: str, lineno: int) -> int:
    count = _number("MAXCONN")(value, path, lineno)
    if count < 1:
        # upsd refuses to start with this; say so while we know the line.
        raise ConfigError(path, lineno, f"MAXCONN must be at least 1 ({value})")
    return count


# Directives taking one value: NUT name -> (UpsdConf field, converter).
_ONE_VALUE: dict[str, tuple[str, Callable[[str, str, int], Any]]] = {
    "MAXAGE": ("maxage", _number("MAXAGE")),
    "TRACKINGDELAY": ("trackingdelay", _number("TRACKINGDELAY")),
    "ALLOW_NO_DEVICE": ("allow_no_device", _numeric_or_bool("ALLOW_NO_DEVICE")),
    "ALLOW_NOT_ALL_LISTENERS": (
        "allow_not_all_listeners",
        _numeric_or_bool("ALLOW_NOT_ALL_LISTENERS"),
    ),
    "MAXCONN": ("maxconn", _maxconn),
    "STATEPATH": ("statepath", _text),
    "DATAPATH": ("datapath", _text),
    "CERTFILE": ("certfile", _text),
    "CERTPATH": ("certpath", _text),
    "CERTREQUEST": ("certrequest", _certrequest),
    "DISABLE_WEAK_SSL": ("disable_weak_ssl", _boolean("DISABLE_WEAK_SSL")),
    "DEBUG_MIN": (
        "debug_min",
        _number("DEBUG_MIN", "DEBUG_MIN has non numeric or negative value in upsd.conf"),
    ),
}

# Access control went away in NUT 2.4; NUT still names the replacement.
_RETIRED = frozenset({"ACCEPT", "REJECT", "ACL"})


def _listen_port(value: str, path: str, lineno: int) -> int:
    if not is_uint(value) or int(value) > 65535:
        raise ConfigError(path, lineno, f"LISTEN port must be a number from 0 to 65535 ({value})")
    return int(value)


def parse(text: str, path: str, *, default_port: int = DEFAULT_PORT) -> UpsdConf:
    """Parse the text of an ``upsd.conf``.

    Args:
        text: the whole file.
        path: the file name, used only in messages.
        default_port: the port of a ``LISTEN`` line that names none.

    Returns:
        The settings; unknown directives are in ``warnings``.

    Raises:
        ConfigError: a value NUT cannot read, or a tokenizer error.
    """
    warnings: list[ConfigWarning] = []
    settings: dict[str, Any] = {}
    listen: list[Listen] = []

    for words in logical_lines(text, path, warnings):
        args, lineno = words.args, words.lineno
        directive = args[0]
        key = "DEBUG_MIN" if directive.upper() == "DEBUG_MIN" else directive
        if key in _ONE_VALUE and len(args) >= 2:
            name, convert = _ONE_VALUE[key]
            settings[name] = convert(args[1], path, lineno)
        elif key == "LISTEN" and len(args) >= 2:
            port = default_port if len(args) < 3 else _listen_port(args[2], path, lineno)
            listen.append(Listen(addr=args[1], port=port))
        elif key == "CERTIDENT" and len(args) >= 3:
            settings["certident"] = CertIdent(name=args[1], password=args[2])
        elif key in _RETIRED and len(args) >= (3 if key == "ACL" else 2):
            warnings.append(
                ConfigWarning(
                    path=path,
                    line=lineno,
                    message=f"{key} in upsd.conf is no longer supported - switch to LISTEN",
                )
            )
        else:
            # Never echo CERTIDENT's words: the second one is a password.
            shown = directive if key == "CERTIDENT" else " ".join(args)
            warnings.append(
                ConfigWarning(path=path, line=lineno, message=f"invalid directive {shown}")
            )

    return UpsdConf(**settings, listen=tuple(listen), warnings=tuple(warnings))


def load(path: str | Path, *, default_port: int = DEFAULT_PORT) -> UpsdConf:
    """Read and parse ``path``; ``ConfigError`` if it cannot be read."""
    return parse(read_config(path), str(path), default_port=default_port)
