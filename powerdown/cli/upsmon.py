"""``upsmon``: the UPS monitor and shutdown controller, with NUT's command line.

Thin: parse the flags, then either signal a running upsmon (``-c``), test
the power-down flag (``-K``), or check the configuration, split off the
privileged parent (unless ``-p``) and run the monitor.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from powerdown import __version__, paths
from powerdown.config.errors import ConfigError
from powerdown.config.upsmonconf import UpsmonConfig, load_upsmon_conf
from powerdown.monitor import effects, privsep
from powerdown.monitor.upsmon import UpsmonDaemon
from powerdown.protocol.net import NUT_VERSION
from powerdown.util import daemon
from powerdown.util.getopt import Getopt
from powerdown.util.loop import run_loop

__all__ = ["main", "parse_args", "Options"]

PROG = "upsmon"
BANNER = f"Network UPS Tools {PROG} {NUT_VERSION} (powerdown {__version__})"
OPTSTRING = "+DFBhic:P:f:pu:VK46W:"
DEFAULT_USER = "nut"

HELP = """Monitors UPS servers and may initiate shutdown if necessary.

usage: {prog} [OPTIONS]

  -c <cmd>\tsend command to running process
\t\tcommands:
\t\t - fsd: shutdown all primary-mode UPSes (use with caution)
\t\t - reload: reread configuration
\t\t - stop: stop monitoring and exit
  -P <pid>\tsend the signal above to specified PID (bypassing PID file)
  -D\t\traise debugging level (and stay foreground by default)
  -F\t\tstay foregrounded even if no debugging is enabled
  -B\t\tstay backgrounded even if debugging is bumped
  -h\t\tdisplay this help
  -K\t\tchecks POWERDOWNFLAG, sets exit code to 0 if set
  -p\t\talways run privileged (disable privileged parent)
  -u <user>\trun child as user <user> (ignored when using -p)
  -4\t\tIPv4 only
  -6\t\tIPv6 only
  -W <secs>\ttimeout for initial network connections
"""

_COMMANDS = {"fsd": signal.SIGUSR1, "stop": signal.SIGTERM, "reload": signal.SIGHUP}


@dataclass(slots=True)
class Options:
    command: str | None = None
    pid: int | None = None
    debug: int = 0
    foreground: bool | None = None
    config: str | None = None
    help: bool = False
    check_flag: bool = False
    use_pipe: bool = True
    user: str | None = None
    version: bool = False
    family: int = socket.AF_UNSPEC


class UsageError(Exception):
    pass


def parse_args(argv: Sequence[str]) -> Options:
    """NUT's flags, in getopt order; ``UsageError`` where NUT prints help."""
    opts = Options()
    for flag, arg in Getopt([PROG, *argv], OPTSTRING):
        value = arg or ""
        if flag == "?":
            raise UsageError(value)
        if flag == "c":
            # NUT accepts any prefix ("-c re" reloads); an empty one matches all.
            matches = [name for name in _COMMANDS if name.startswith(value)]
            if not value or not matches:
                raise UsageError(f"invalid command {value!r}")
            opts.command = matches[-1]
        elif flag == "P":
            if not value.isdigit() or int(value) < 1:
                raise UsageError(f"invalid PID {value!r}")
            opts.pid = int(value)
        elif flag == "D":
            opts.debug += 1
        elif flag == "F":
            opts.foreground = True
        elif flag == "B":
            opts.foreground = False
        elif flag == "f":
            opts.config = value
        elif flag in ("h", "i"):
            opts.help = True
        elif flag == "K":
            opts.check_flag = True
        elif flag == "p":
            opts.use_pipe = False
        elif flag == "u":
            opts.user = value
        elif flag == "V":
            opts.version = True
        elif flag == "4":
            opts.family = socket.AF_INET
        elif flag == "6":
            opts.family = socket.AF_INET6
    return opts


def _pidfile() -> str:
    return os.path.join(paths.pidpath(), f"{PROG}.pid")


def _setup_logging(debug: int, foreground: bool) -> None:
    level = logging.DEBUG if debug else logging.INFO
    handler: logging.Handler
    if foreground:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = daemon.syslog_handler(PROG)
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _check_pdflag(cfg: UpsmonConfig) -> int:
    log = logging.getLogger(PROG)
    status = effects.pdflag_status(cfg.powerdownflag)
    if status == -1:
        log.error("POWERDOWNFLAG (%s) does not contain the upsmon magic string", cfg.powerdownflag)
        return 1
    if status == 0:
        log.error("Power down flag is not set")
        return 1
    log.info("Power down flag is set")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    print(BANNER, flush=True)
    try:
        opts = parse_args(args)
    except UsageError as exc:
        # NUT prints its help and exits 0 after getopt's complaint.
        print(str(exc), file=sys.stderr)
        print(HELP.format(prog=PROG), end="")
        return 0
    if opts.help:
        print(HELP.format(prog=PROG), end="")
        return 0
    if opts.version:
        return 0
    if opts.command:
        return daemon.signal_running(_pidfile(), opts.pid, _COMMANDS[opts.command])

    running = opts.pid if opts.pid is not None else daemon.read_pidfile(_pidfile())
    if running is not None and running != os.getpid() and daemon.alive(running):
        print("Fatal error: A previous upsmon instance is already running!")
        print("Either stop the previous instance first, or use the 'reload' command.")
        return 1

    # -D means foreground by default; NUT_DEBUG_LEVEL only raises the verbosity.
    foreground = opts.foreground if opts.foreground is not None else opts.debug > 0
    if opts.debug == 0:
        with contextlib.suppress(ValueError):
            opts.debug = max(0, int(os.environ.get("NUT_DEBUG_LEVEL", "0")))
    _setup_logging(opts.debug, foreground or opts.check_flag)

    path = opts.config or paths.conffile("upsmon.conf")
    try:
        cfg = load_upsmon_conf(path)
    except ConfigError as exc:
        print(f"Fatal error: {exc}", file=sys.stderr)
        return 1
    for warning in cfg.warnings:
        logging.getLogger(PROG).warning("%s", warning)
    if cfg.debug_min and cfg.debug_min > opts.debug:
        opts.debug = cfg.debug_min
        logging.getLogger().setLevel(logging.DEBUG)

    if opts.check_flag:
        return _check_pdflag(cfg)

    if cfg.shutdowncmd is None:
        print("Warning: no shutdown command defined!")
    powerdownflag = effects.clear_pdflag(cfg.powerdownflag)

    if cfg.total_powervalue < cfg.minsupplies:
        print("\nFatal error: insufficient power configured!\n")
        print(f"Sum of power values........: {cfg.total_powervalue}")
        print(f"Minimum value (MINSUPPLIES): {cfg.minsupplies}")
        print("\nEdit your upsmon.conf and change the values.")
        return 1

    if not foreground:
        daemon.detach()

    shutdown: privsep.PipeShutdown | privsep.DirectShutdown
    if opts.use_pipe:
        link = privsep.split(
            shutdowncmd=cfg.shutdowncmd,
            powerdownflag=powerdownflag,
            shutdownexit=cfg.shutdownexit,
        )
        shutdown = privsep.PipeShutdown(link)
        daemon.write_pidfile(_pidfile())
        user = opts.user or cfg.run_as_user or DEFAULT_USER
        try:
            daemon.drop_privileges(user)
        except KeyError:
            logging.getLogger(PROG).critical("Fatal error: user %s not found", user)
            return 1
    else:
        logging.getLogger(PROG).info(
            "Warning: running as one big root process by request (upsmon -p)"
        )
        daemon.write_pidfile(_pidfile())
        shutdown = privsep.DirectShutdown(cfg.shutdowncmd, powerdownflag)

    try:
        return run_loop(_run(cfg, shutdown, opts.family))
    finally:
        with contextlib.suppress(OSError):
            if daemon.read_pidfile(_pidfile()) == os.getpid():
                os.unlink(_pidfile())


async def _run(
    cfg: UpsmonConfig,
    shutdown: privsep.PipeShutdown | privsep.DirectShutdown,
    family: int,
) -> int:
    monitor = UpsmonDaemon(cfg, shutdown, family=family)
    monitor.install_signals()
    for m in cfg.monitors:
        if m.powervalue:
            logging.getLogger(PROG).info(
                "UPS: %s (%s) (power value %d)",
                m.system,
                "primary" if m.primary else "secondary",
                m.powervalue,
            )
        else:
            logging.getLogger(PROG).info("UPS: %s (monitoring only)", m.system)
    return await monitor.run()


if __name__ == "__main__":
    sys.exit(main())
