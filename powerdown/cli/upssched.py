"""``upssched``: upsmon's timer helper, with NUT HEAD's command line.

Thin: parse ``-D -V -h -l``, read ``UPSNAME``/``NOTIFYTYPE`` and the
message (the first operand), load ``$NUT_CONFPATH/upssched.conf`` and hand
over to :mod:`powerdown.monitor.upssched`.  NUT 2.8.0's upssched had no
options at all; HEAD's messages are used where the two differ (the
missing-environment text names ``upsmon(8)``).  Exit status is NUT's: 0, or
1 for any fatal error.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from powerdown import __version__, paths
from powerdown.config.errors import ConfigError
from powerdown.config.upsschedconf import UpsschedConfig, load_upssched_conf
from powerdown.monitor.upssched import Event, UpsschedError, handle_event, list_timers
from powerdown.protocol.net import NUT_VERSION
from powerdown.util.getopt import Getopt

__all__ = ["main", "parse_args", "Options", "UsageError"]

PROG = "upssched"
OPTSTRING = "+DVhl"
BANNER = f"Network UPS Tools {PROG} {NUT_VERSION} (powerdown {__version__})"

HELP = """upssched: upsmon's scheduling helper for offset timers
Practical behavior is managed by UPSNAME and NOTIFYTYPE envvars

Usage: {prog} [OPTIONS] [NOTIFYMSG]

  -D\t\traise debugging level (NOTE: keeps reporting when daemonized)
  -V\t\tdisplay the version of this software
  -h\t\tdisplay this help
  -l\t\tdisplay currently pending timers (if any)

See also the upssched.conf(5) manual page.
"""

NO_ENV = (
    "Error: environment variables UPSNAME and NOTIFYTYPE must be set.\n"
    "This program should only be run from upsmon(8).\n"
)


@dataclass(slots=True)
class Options:
    debug: int = 0
    help: bool = False
    version: bool = False
    list_timers: bool = False
    notifymsg: str = ""


class UsageError(Exception):
    """A bad option; ``str()`` is getopt's complaint."""


def parse_args(argv: Sequence[str]) -> Options:
    """NUT's flags in getopt order; the first operand is the notify message."""
    opts = Options()
    parser = Getopt([PROG, *argv], OPTSTRING)
    for flag, arg in parser:
        if flag == "?":
            raise UsageError(arg or "")
        if flag == "D":
            opts.debug += 1
        elif flag == "h":
            opts.help = True
            return opts  # NUT prints help and exits at once
        elif flag == "l":
            opts.list_timers = True
        elif flag == "V":
            opts.version = True
            return opts
    operands = parser.operands
    if operands and operands[0]:
        opts.notifymsg = operands[0]
    return opts


def _debug_level(opts: Options, config: UpsschedConfig | None) -> int:
    level = opts.debug
    if level < 1:
        env = os.environ.get("NUT_DEBUG_LEVEL", "")
        if env.isdigit():
            level = int(env)
    if config is not None and config.debug_min is not None:
        level = max(level, config.debug_min)
    return level


def _setup_logging(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(
        level=logging.DEBUG if level > 0 else logging.INFO, handlers=[handler], force=True
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run upssched as upsmon does; returns the exit status."""
    try:
        opts = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        print("Error: unknown option -?. Try -h for help.", file=sys.stderr)
        return 1
    if opts.help:
        print(HELP.format(prog=PROG), end="")
        return 0
    if opts.version:
        print(BANNER)
        return 0
    _setup_logging(_debug_level(opts, None))

    upsname = os.environ.get("UPSNAME")
    notifytype = os.environ.get("NOTIFYTYPE")
    if not opts.list_timers and (upsname is None or notifytype is None):
        print(NO_ENV, end="")
        return 1

    path = paths.conffile("upssched.conf")
    try:
        config = load_upssched_conf(path)
    except ConfigError as exc:
        if exc.line is None:
            print(f"Can't open {exc.path}: {exc.message}", file=sys.stderr)
        else:
            print(f"Fatal error: {exc}", file=sys.stderr)
        return 1
    _setup_logging(_debug_level(opts, config))
    log = logging.getLogger(PROG)
    for warning in config.warnings:
        log.warning("%s", warning)

    try:
        if opts.list_timers:
            print(list_timers(config), end="")
            return 0
        assert upsname is not None and notifytype is not None
        log.debug("Handling NOTIFYTYPE='%s' for UPSNAME='%s'", notifytype, upsname)
        handle_event(
            config, Event(notifytype=notifytype, upsname=upsname, notifymsg=opts.notifymsg)
        )
    except ConfigError as exc:
        # "CMDSCRIPT must be set before any ATs": NUT says it on both
        # streams, in case upsmon's child has no terminal.
        print(exc.message)
        print(exc.message, file=sys.stderr)
        return 1
    except UpsschedError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
