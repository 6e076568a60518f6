"""``upsmon.conf``: which UPSes upsmon watches and how it shuts the system down.

Strategy
--------
One directive per line, matched with case as NUT's ``parse_conf_arg``
matches them (only ``DEBUG_MIN`` is matched without case).  We follow
upsmon.conf(5) at NUT's HEAD where it differs from 2.8.0: multi-word
``SHUTDOWNCMD`` and ``NOTIFYCMD``, ``SHUTDOWNEXIT``, ``OFFDURATION``,
``OVERDURATION``, ``OBLBDURATION``, ``ALARMCRITICAL``,
``POLLFAIL_LOG_THROTTLE_MAX``, ``CERTFILE``.

NUT logs and skips an unknown directive, and so do we (a warning): newer
files carry directives an older upsmon does not know.  Everything else NUT
would misread quietly is an error here, naming the line: ``atoi`` reads
``5s`` or ``five`` as a number, an unknown role word makes a secondary, a
repeated ``MONITOR`` is dropped with a log line.  A shutdown configuration
that half-applies is worse than one that does not load.

Times are seconds; unlike NUT we accept decimals (``POLLFREQ 0.5``).  No
message here ever quotes a password (``MONITOR``'s fourth word, or
``CERTIDENT``'s second).

A file without ``MONITOR`` lines parses: the daemon, not the parser,
refuses to run on it, with NUT's words.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from powerdown.client.address import DEFAULT_HOST, DEFAULT_PORT
from powerdown.config._common import logical_lines, read_config
from powerdown.config.errors import ConfigError, ConfigWarning
from powerdown.monitor.notify import (
    DEFAULT_FLAGS,
    STOCK_MESSAGES,
    NotifyFlag,
    NotifyType,
    parse_flags,
)
from powerdown.monitor.policy import Settings

__all__ = [
    "Monitor",
    "CertHost",
    "UpsmonConfig",
    "parse_upsmon_conf",
    "load_upsmon_conf",
    "parse",
    "load",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Monitor:
    """One ``MONITOR system powervalue username password type`` line.

    ``host`` is as upsc reads it: an IPv6 literal written in brackets
    (``ups@[::1]:3493``) is kept without them, ready for a socket call.
    """

    system: str
    upsname: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    powervalue: int
    username: str
    password: str = field(repr=False)
    primary: bool
    lineno: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CertHost:
    """``CERTHOST host certname certverify forcessl``: TLS rules for one server."""

    host: str
    certname: str
    verify: bool
    forcessl: bool


# The policy's settings keep NUT's defaults; the file's defaults are the same ones.
_POLICY = Settings()


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsmonConfig:
    """A whole ``upsmon.conf``; every field not set in the file has NUT's default.

    ``notifymsg`` and ``notifyflag`` hold only the file's overrides; ask
    :meth:`message` and :meth:`flags` for what applies.
    """

    path: str
    monitors: tuple[Monitor, ...] = ()
    minsupplies: int = _POLICY.minsupplies
    # A command line for /bin/sh -c, as NUT runs it.
    shutdowncmd: str | None = None
    # An argv; the caller appends the message as the last argument.
    notifycmd: tuple[str, ...] | None = None
    powerdownflag: str | None = None
    pollfreq: float = _POLICY.pollfreq
    pollfreqalert: float = _POLICY.pollfreqalert
    hostsync: float = _POLICY.hostsync
    deadtime: float = _POLICY.deadtime
    finaldelay: float = _POLICY.finaldelay
    rbwarntime: float = _POLICY.rbwarntime
    nocommwarntime: float = _POLICY.nocommwarntime
    offduration: float = _POLICY.offduration
    overduration: float = _POLICY.overduration
    oblbduration: float = _POLICY.oblbduration
    alarmcritical: bool = _POLICY.alarmcritical
    # 0: exit right after SHUTDOWNCMD; negative: never; else that many seconds.
    shutdownexit: float = _POLICY.shutdownexit
    pollfail_log_throttle_max: int = -1
    run_as_user: str | None = None
    certpath: str | None = None
    certfile: str | None = None
    certident: tuple[str, str] | None = field(default=None, repr=False)
    certhosts: tuple[CertHost, ...] = ()
    certverify: bool = False
    forcessl: bool = False
    debug_min: int | None = None
    notifymsg: Mapping[NotifyType, str] = field(default_factory=lambda: MappingProxyType({}))
    notifyflag: Mapping[NotifyType, NotifyFlag] = field(
        default_factory=lambda: MappingProxyType({})
    )
    warnings: tuple[ConfigWarning, ...] = ()

    def message(self, ntype: NotifyType) -> str:
        """The NOTIFYMSG text for ``ntype``: the file's, else NUT's stock one."""
        return self.notifymsg.get(ntype, STOCK_MESSAGES[ntype])

    def flags(self, ntype: NotifyType) -> NotifyFlag:
        """The NOTIFYFLAG for ``ntype``: the file's, else SYSLOG+WALL."""
        return self.notifyflag.get(ntype, DEFAULT_FLAGS)

    @property
    def total_powervalue(self) -> int:
        """The power supplies all monitored UPSes feed (compare with MINSUPPLIES)."""
        return sum(m.powervalue for m in self.monitors)


# -- values --------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INTEGER = re.compile(r"[+-]?[0-9]+")

# ups[@host[:port]]: the forms upsc accepts, without its quirks (a port
# followed by junk, an empty host).
_SYSTEM = re.compile(
    r"(?P<ups>[^@\s\[\]]+)"
    r"(?:@(?:\[(?P<v6>[^@\s\[\]]+)\]|(?P<host>[^@\s\[\]:]+))(?::(?P<port>[0-9]+))?)?"
)

_ROLES = {"primary": True, "master": True, "secondary": False, "slave": False}
_TYPES = {t.value: t for t in NotifyType}
_FLAG_WORDS = ("SYSLOG", "WALL", "EXEC", "IGNORE")
_SHUTDOWNEXIT_WORDS = {"yes": 0.0, "on": 0.0, "true": 0.0, "no": -1.0, "off": -1.0, "false": -1.0}


class _Line:
    """One directive line being read: its words and where it is, for messages."""

    __slots__ = ("path", "lineno", "args")

    def __init__(self, path: str, lineno: int, args: tuple[str, ...]) -> None:
        self.path = path
        self.lineno = lineno
        self.args = args

    def fail(self, message: str) -> ConfigError:
        return ConfigError(self.path, self.lineno, message)

    def seconds(self, value: str) -> float:
        if not _NUMBER.fullmatch(value):
            raise self.fail(f"{self.args[0]}: expected a number of seconds, not {value!r}")
        return self.finite(value)

    def finite(self, value: str) -> float:
        number = float(value)
        if not math.isfinite(number):  # a few hundred digits overflow to inf
            raise self.fail(f"{self.args[0]}: {value[:20]}... is too large")
        return number

    def integer(self, value: str, what: str = "a whole number") -> int:
        if not _INTEGER.fullmatch(value):
            raise self.fail(f"{self.args[0]}: expected {what}, not {value!r}")
        return int(value)

    def switch(self, value: str) -> bool:
        # NUT reads these with atoi: any non-zero number is on.
        return self.integer(value, "0 or 1") != 0


_Settings = dict[str, object]


def _positive(line: _Line, value: str) -> float:
    seconds = line.seconds(value)
    if seconds <= 0:
        raise line.fail(f"{line.args[0]} must be greater than 0 (got {value})")
    return seconds


def _not_negative(line: _Line, value: str) -> float:
    seconds = line.seconds(value)
    if seconds < 0:
        raise line.fail(f"{line.args[0]} must not be negative (got {value})")
    return seconds


def _any_seconds(line: _Line, value: str) -> float:
    return line.seconds(value)


def _oblbduration(line: _Line, value: str) -> float:
    # Zero and below all mean "at once"; keep one spelling of it.
    return max(line.seconds(value), 0.0)


def _minsupplies(line: _Line, value: str) -> int:
    count = line.integer(value, "a number of power supplies")
    if count < 0:
        raise line.fail(f"MINSUPPLIES must not be negative (got {value})")
    return count


def _throttle(line: _Line, value: str) -> int:
    count = line.integer(value, "a number of poll cycles")
    return -1 if count < 0 else count  # any negative: log every failure


def _debug_min(line: _Line, value: str) -> int:
    level = line.integer(value, "a debug level (0 or more)")
    if level < 0:
        raise line.fail(f"{line.args[0]} must not be negative (got {value})")
    return level


def _switch(line: _Line, value: str) -> bool:
    return line.switch(value)


def _text(line: _Line, value: str) -> str:
    if not value:
        raise line.fail(f"{line.args[0]}: the value is empty")
    return value


def _shutdownexit(line: _Line, value: str) -> float:
    word = _SHUTDOWNEXIT_WORDS.get(value.lower())
    if word is not None:
        return word
    if not _NUMBER.fullmatch(value):
        raise line.fail(
            f"SHUTDOWNEXIT: expected yes/on/true, no/off/false or a number of seconds, "
            f"not {value!r}"
        )
    return line.finite(value)


# Directives with one value: NUT name -> (UpsmonConfig field, converter).
_ONE_VALUE: dict[str, tuple[str, Callable[[_Line, str], object]]] = {
    "POLLFREQ": ("pollfreq", _positive),
    "POLLFREQALERT": ("pollfreqalert", _positive),
    "HOSTSYNC": ("hostsync", _not_negative),
    "DEADTIME": ("deadtime", _not_negative),
    "FINALDELAY": ("finaldelay", _not_negative),
    "RBWARNTIME": ("rbwarntime", _any_seconds),
    "NOCOMMWARNTIME": ("nocommwarntime", _any_seconds),
    "OFFDURATION": ("offduration", _any_seconds),
    "OVERDURATION": ("overduration", _any_seconds),
    "OBLBDURATION": ("oblbduration", _oblbduration),
    "MINSUPPLIES": ("minsupplies", _minsupplies),
    "POLLFAIL_LOG_THROTTLE_MAX": ("pollfail_log_throttle_max", _throttle),
    "DEBUG_MIN": ("debug_min", _debug_min),
    "ALARMCRITICAL": ("alarmcritical", _switch),
    "CERTVERIFY": ("certverify", _switch),
    "FORCESSL": ("forcessl", _switch),
    "SHUTDOWNEXIT": ("shutdownexit", _shutdownexit),
    "POWERDOWNFLAG": ("powerdownflag", _text),
    "RUN_AS_USER": ("run_as_user", _text),
    "CERTPATH": ("certpath", _text),
    "CERTFILE": ("certfile", _text),
}

_USAGE = {
    "MONITOR": "MONITOR <system> <powervalue> <username> <password> <primary|secondary>",
    "NOTIFYMSG": "NOTIFYMSG <type> <message>",
    "NOTIFYFLAG": "NOTIFYFLAG <type> <flag>[+<flag>...]",
    "CERTIDENT": "CERTIDENT <certificate name> <database password>",
    "CERTHOST": "CERTHOST <hostname> <certificate name> <certverify> <forcessl>",
    "SHUTDOWNCMD": "SHUTDOWNCMD <command> [<arg>...]",
    "NOTIFYCMD": "NOTIFYCMD <command> [<arg>...]",
}
# How many words after the directive each multi-word directive reads.
_ARITY = {"MONITOR": 5, "NOTIFYMSG": 2, "NOTIFYFLAG": 2, "CERTIDENT": 2, "CERTHOST": 4}
_KNOWN = frozenset(_ONE_VALUE) | frozenset(_USAGE)


class _Reader:
    """The walk over one file: settings as they are found, later lines winning."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[ConfigWarning] = []
        self.settings: _Settings = {}
        self.monitors: list[Monitor] = []
        self.certhosts: dict[str, CertHost] = {}
        self.notifymsg: dict[NotifyType, str] = {}
        self.notifyflag: dict[NotifyType, NotifyFlag] = {}

    def warn(self, lineno: int, message: str) -> None:
        self.warnings.append(ConfigWarning(path=self.path, line=lineno, message=message))

    def line(self, line: _Line) -> None:
        directive = line.args[0]
        key = "DEBUG_MIN" if directive.upper() == "DEBUG_MIN" else directive
        if key not in _KNOWN:
            hint = ""
            if directive.upper() in _KNOWN:
                hint = f" (directives are case-sensitive: {directive.upper()})"
            self.warn(line.lineno, f"unknown directive {directive}{hint}")
            return
        values = line.args[1:]
        wanted = _ARITY.get(key, 1)
        if key == "MONITOR" and len(values) == 4:
            raise line.fail(
                "Unable to use old-style MONITOR line without a username; "
                "convert it and add a username to upsd.users - see the documentation"
            )
        if len(values) < wanted or (key in ("SHUTDOWNCMD", "NOTIFYCMD") and not values[0].strip()):
            usage = _USAGE.get(key) or f"{directive} <value>"
            raise line.fail(f"{directive}: missing argument; expected {usage}")
        if key in _ONE_VALUE:
            name, convert = _ONE_VALUE[key]
            self.settings[name] = convert(line, values[0])
        elif key == "SHUTDOWNCMD":
            self.settings["shutdowncmd"] = _shutdown_command(values)
            wanted = len(values)
        elif key == "NOTIFYCMD":
            self.settings["notifycmd"] = _notify_command(line, values)
            wanted = len(values)
        elif key == "MONITOR":
            self.monitor(line)
        elif key == "NOTIFYMSG":
            self.notifymsg[_notify_type(line, values[0])] = values[1]
        elif key == "NOTIFYFLAG":
            ntype = _notify_type(line, values[0])
            self.notifyflag[ntype] = _notify_flags(line, ntype, values[1])
        elif key == "CERTIDENT":
            self.settings["certident"] = (values[0], values[1])
        elif key == "CERTHOST":
            self.certhost(line)
        if len(values) > wanted:
            # Never the words themselves: they may follow a password.
            self.warn(
                line.lineno,
                f"{directive} takes {wanted} argument{'s' if wanted > 1 else ''}; "
                f"{len(values) - wanted} extra ignored",
            )

    def monitor(self, line: _Line) -> None:
        system, pvs, username, password, role = line.args[1:6]
        match = _SYSTEM.fullmatch(system)
        port = int(match["port"] or DEFAULT_PORT) if match else 0
        if match is None or not 1 <= port <= 65535:
            raise line.fail(
                f"MONITOR: bad UPS {system!r}: expected upsname[@hostname[:port]] "
                "(port 1 to 65535, an IPv6 address in [brackets])"
            )
        upsname = match["ups"]
        host = match["v6"] or match["host"] or DEFAULT_HOST
        if not _INTEGER.fullmatch(pvs):
            raise line.fail(
                f"MONITOR {system}: power value {pvs!r} is not a number "
                "(expected how many of this system's power supplies the UPS feeds)"
            )
        powervalue = int(pvs)
        if powervalue < 0:
            raise line.fail(
                f"MONITOR {system}: power value {pvs} is negative "
                "(expected 0 or more; 0 means monitoring only)"
            )
        primary = _ROLES.get(role.lower())
        if primary is None:
            # The word is not echoed: a line in the wrong order puts the
            # password here.
            raise line.fail(
                f"MONITOR {system}: the last argument must be primary or secondary "
                "(or the old names master or slave)"
            )
        where = (upsname, host.lower(), port)
        for other in self.monitors:
            if other.system == system or (other.upsname, other.host.lower(), other.port) == where:
                raise line.fail(
                    f"duplicate MONITOR for {system} (already monitored on line {other.lineno})"
                )
        self.monitors.append(
            Monitor(
                system=system,
                upsname=upsname,
                host=host,
                port=port,
                powervalue=powervalue,
                username=username,
                password=password,
                primary=primary,
                lineno=line.lineno,
            )
        )

    def certhost(self, line: _Line) -> None:
        host, certname, verify, forcessl = line.args[1:5]
        if not host:
            raise line.fail("CERTHOST: the host name is empty")
        entry = CertHost(
            host=host, certname=certname, verify=line.switch(verify), forcessl=line.switch(forcessl)
        )
        if host in self.certhosts:
            # NUT looks the newest entry up first, so the later line wins.
            self.warn(line.lineno, f"CERTHOST {host} repeated; this line replaces the earlier one")
            del self.certhosts[host]
        self.certhosts[host] = entry

    def build(self) -> UpsmonConfig:
        return UpsmonConfig(
            path=self.path,
            monitors=tuple(self.monitors),
            certhosts=tuple(self.certhosts.values()),
            notifymsg=MappingProxyType(self.notifymsg),
            notifyflag=MappingProxyType(self.notifyflag),
            warnings=tuple(self.warnings),
            **self.settings,  # type: ignore[arg-type]
        )


def _shutdown_command(values: tuple[str, ...]) -> str:
    # The first word may be a whole command line (NUT 2.8.0's only form);
    # any further words are single arguments and are quoted for the shell.
    return " ".join((values[0], *(shlex.quote(v) for v in values[1:])))


def _notify_command(line: _Line, values: tuple[str, ...]) -> tuple[str, ...]:
    if len(values) > 1:
        return values
    # One word: NUT 2.8.0 handed it to a shell, so split it as a shell would.
    try:
        argv = tuple(shlex.split(values[0]))
    except ValueError as exc:
        raise line.fail(f"NOTIFYCMD: cannot split the command line: {exc}") from None
    if not argv or not argv[0]:
        raise line.fail("NOTIFYCMD: the command is empty")
    return argv


def _notify_type(line: _Line, name: str) -> NotifyType:
    # NUT matches event names without case (set_notifymsg, set_notifyflag).
    ntype = _TYPES.get(name.upper())
    if ntype is None:
        raise line.fail(
            f"{line.args[0]}: unknown notify type {name!r} (expected one of "
            + ", ".join(_TYPES)
            + ")"
        )
    return ntype


def _notify_flags(line: _Line, ntype: NotifyType, text: str) -> NotifyFlag:
    words = text.split("+")
    for word in words:
        if word not in _FLAG_WORDS:
            # NUT compares flag words with case, so "syslog" does nothing there.
            hint = " (flags are case-sensitive)" if word.upper() in _FLAG_WORDS else ""
            raise line.fail(
                f"NOTIFYFLAG {ntype}: unknown flag {word!r}{hint}; "
                "expected SYSLOG, WALL, EXEC or IGNORE, joined with +"
            )
    if "IGNORE" in words and any(w != "IGNORE" for w in words):
        raise line.fail(f"NOTIFYFLAG {ntype}: IGNORE cannot be combined with other flags")
    return parse_flags(text)


def parse_upsmon_conf(text: str, path: str = "upsmon.conf") -> UpsmonConfig:
    """Parse the text of an ``upsmon.conf``.

    Args:
        text: the whole file.
        path: the file name, used only in messages.

    Returns:
        The settings; unknown directives and ignored words are in ``warnings``.

    Raises:
        ConfigError: a value upsmon cannot use, naming the file and line.
    """
    reader = _Reader(path)
    for words in logical_lines(text, path, reader.warnings):
        reader.line(_Line(path, words.lineno, words.args))
    return reader.build()


def load_upsmon_conf(path: str | Path) -> UpsmonConfig:
    """Read and parse ``path``; ``ConfigError`` if it cannot be read."""
    return parse_upsmon_conf(read_config(path), str(path))


# The names every module in powerdown.config offers.
parse = parse_upsmon_conf
load = load_upsmon_conf
