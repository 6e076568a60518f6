"""Where NUT keeps things, and the environment variables that move them.

The defaults are those of Debian's NUT 2.8.0 build (``/etc/nut``,
``/run/nut``, ``/usr/share/nut``; its upsmon writes ``/run/nut/upsmon.pid``,
so its PIDPATH is ``/run/nut`` too).  The variables follow NUT's
``common/common.c``: an empty variable counts as unset, and the alternate
PID path falls back to ``NUT_STATEPATH`` before the built-in default.

Every function takes the environment as an argument (default:
``os.environ``) so that tests and daemons can pass their own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from powerdown.config.errors import ConfigError

__all__ = [
    "CONFPATH",
    "STATEPATH",
    "ALTPIDPATH",
    "PIDPATH",
    "DATAPATH",
    "PORT",
    "confpath",
    "conffile",
    "statepath",
    "altpidpath",
    "pidpath",
    "datapath",
    "default_port",
    "driver_socket",
    "driver_pidfile",
]

CONFPATH = "/etc/nut"
STATEPATH = "/run/nut"
ALTPIDPATH = "/run/nut"
PIDPATH = "/run/nut"
DATAPATH = "/usr/share/nut"
PORT = 3493


def _env(env: Mapping[str, str] | None, name: str) -> str | None:
    value = (os.environ if env is None else env).get(name)
    return value or None


def confpath(env: Mapping[str, str] | None = None) -> str:
    """The directory of ``ups.conf``, ``upsd.conf`` ...: ``NUT_CONFPATH`` or ``/etc/nut``."""
    return _env(env, "NUT_CONFPATH") or CONFPATH


def conffile(name: str, env: Mapping[str, str] | None = None) -> str:
    """The full name of config file ``name`` (``"ups.conf"``) in :func:`confpath`."""
    return os.path.join(confpath(env), name)


def statepath(env: Mapping[str, str] | None = None, configured: str | None = None) -> str:
    """The directory of driver sockets.

    ``NUT_STATEPATH`` wins, then ``configured`` (the caller passes
    ``ups.conf``'s global ``statepath`` or else ``upsd.conf``'s
    ``STATEPATH``), then the built-in default, as the manuals order them
    ("Environment variable NUT_STATEPATH set by caller can override this
    setting").
    """
    return _env(env, "NUT_STATEPATH") or configured or STATEPATH


def altpidpath(env: Mapping[str, str] | None = None) -> str:
    """PID files of unprivileged daemons (upsd, drivers).

    ``NUT_ALTPIDPATH``, else ``NUT_STATEPATH``, else the built-in default.
    """
    return _env(env, "NUT_ALTPIDPATH") or _env(env, "NUT_STATEPATH") or ALTPIDPATH


def pidpath(env: Mapping[str, str] | None = None) -> str:
    """PID files of privileged daemons (upsmon): ``NUT_PIDPATH`` or the default."""
    return _env(env, "NUT_PIDPATH") or PIDPATH


def datapath(env: Mapping[str, str] | None = None, configured: str | None = None) -> str:
    """Read-only data (``cmdvartab``): ``NUT_DATAPATH``, upsd.conf ``DATAPATH``, default."""
    return _env(env, "NUT_DATAPATH") or configured or DATAPATH


def default_port(env: Mapping[str, str] | None = None) -> int:
    """The TCP port of upsd when none is given: ``NUT_PORT`` or 3493.

    Raises:
        ConfigError: ``NUT_PORT`` is not a number from 1 to 65535.
    """
    value = _env(env, "NUT_PORT")
    if value is None:
        return PORT
    if not value.isdigit() or not value.isascii() or not 0 < int(value) <= 65535:
        raise ConfigError("NUT_PORT", None, f"not a TCP port number: {value!r}")
    return int(value)


def driver_socket(state_dir: str, driver: str, upsname: str) -> str:
    """The Unix socket a driver serves and upsd connects to: ``<driver>-<upsname>``."""
    return os.path.join(state_dir, f"{driver}-{upsname}")


def driver_pidfile(pid_dir: str, driver: str, upsname: str) -> str:
    """A driver's PID file, as upsdrvctl looks for it: ``<driver>-<upsname>.pid``."""
    return os.path.join(pid_dir, f"{driver}-{upsname}.pid")
