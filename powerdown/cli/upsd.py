"""``upsd``: the network data server, with NUT's command line.

Thin by design: parse the flags, read the configuration, then either signal
a running instance (``-c reload|stop``) or run :class:`powerdown.server.upsd.Upsd`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence

from powerdown import __version__, paths
from powerdown.config.errors import ConfigError
from powerdown.protocol.net import NUT_VERSION
from powerdown.server.upsd import Upsd, UpsdConfig, load_config
from powerdown.util import daemon
from powerdown.util.loop import run_loop

__all__ = ["main", "parse_args"]

PROG = "upsd"
BANNER = f"Network UPS Tools upsd {NUT_VERSION} (powerdown {__version__})"

HELP = f"""{BANNER}
Network server for UPS data.

usage: upsd [OPTIONS]

  -c <command>\tsend <command> via signal to background process
\t\tcommands:
\t\t - reload: reread configuration files
\t\t - stop: stop process and exit
  -P <pid>\tsend the signal above to specified PID (bypassing PID file)
  -D\t\traise debugging level (and stay foreground by default)
  -F\t\tstay foregrounded even if no debugging is enabled
  -FF\t\tstay foregrounded and still save the PID file
  -B\t\tstay backgrounded even if debugging is bumped
  -h\t\tdisplay this help
  -r <dir>\tchroots to <dir>
  -q\t\traise log level threshold
  -u <user>\tswitch to <user> (if started as root)
  -V\t\tdisplay the version of this software
  -4\t\tIPv4 only
  -6\t\tIPv6 only
"""

_SIGNALS = {"reload": signal.SIGHUP, "stop": signal.SIGTERM}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{HELP}\n{PROG}: {message}\n")
        raise SystemExit(1)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = _Parser(prog=PROG, add_help=False)
    p.add_argument("-c", dest="command", choices=sorted(_SIGNALS))
    p.add_argument("-P", dest="pid", type=int)
    p.add_argument("-D", dest="debug", action="count", default=0)
    p.add_argument("-F", dest="foreground", action="count", default=0)
    p.add_argument("-B", dest="background", action="store_true")
    p.add_argument("-h", dest="help", action="store_true")
    p.add_argument("-r", dest="chroot")
    p.add_argument("-q", dest="quiet", action="count", default=0)
    p.add_argument("-u", dest="user")
    p.add_argument("-V", dest="version", action="store_true")
    p.add_argument("-4", dest="ipv4", action="store_true")
    p.add_argument("-6", dest="ipv6", action="store_true")
    return p.parse_args(argv)


def _pidfile() -> str:
    return os.path.join(paths.altpidpath(), f"{PROG}.pid")


def _send_signal(args: argparse.Namespace) -> int:
    return daemon.signal_running(_pidfile(), args.pid or None, _SIGNALS[args.command])


def _setup_logging(args: argparse.Namespace, foreground: bool) -> None:
    level = logging.INFO
    if args.debug:
        level = logging.DEBUG
    elif args.quiet:
        level = logging.WARNING if args.quiet == 1 else logging.ERROR
    handler: logging.Handler
    if foreground:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = daemon.syslog_handler(PROG)
    logging.basicConfig(level=level, handlers=[handler], force=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.help:
        print(HELP, end="")
        return 0
    if args.version:
        print(BANNER)
        return 0
    if args.command:
        return _send_signal(args)

    foreground = bool(args.foreground or (args.debug and not args.background))
    write_pid = not foreground or args.foreground >= 2
    _setup_logging(args, foreground)
    print(BANNER, file=sys.stderr)

    if args.chroot:
        os.chroot(args.chroot)
        os.chdir("/")
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"Fatal error: {exc}", file=sys.stderr)
        return 1

    pidfile = _pidfile()
    running = daemon.read_pidfile(pidfile)
    if running is not None and daemon.alive(running):
        print(
            f"Fatal error: A previous upsd instance is already running (PID {running})!",
            file=sys.stderr,
        )
        return 1

    families: tuple[int, ...] = (socket.AF_INET, socket.AF_INET6)
    if args.ipv4 and not args.ipv6:
        families = (socket.AF_INET,)
    elif args.ipv6 and not args.ipv4:
        families = (socket.AF_INET6,)

    if not foreground:
        daemon.detach()
    return run_loop(_run(config, families, args.user, pidfile if write_pid else None))


async def _run(
    config: UpsdConfig, families: tuple[int, ...], user: str | None, pidfile: str | None
) -> int:
    upsd = Upsd(config, families=families)
    try:
        await upsd.start()
    except (OSError, ConfigError) as exc:
        logging.getLogger(PROG).error("Fatal error: %s", exc)
        await upsd.close()
        return 1
    if user:
        try:
            daemon.drop_privileges(user)
        except (KeyError, PermissionError) as exc:
            logging.getLogger(PROG).error("Fatal error: can't switch to user %s: %s", user, exc)
            await upsd.close()
            return 1
    if pidfile:
        daemon.write_pidfile(pidfile)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, upsd.reload)
    loop.add_signal_handler(signal.SIGTERM, upsd.stop)
    loop.add_signal_handler(signal.SIGINT, upsd.stop)
    try:
        await upsd.serve()
    finally:
        if pidfile:
            with contextlib.suppress(OSError):
                os.unlink(pidfile)
    logging.getLogger(PROG).info("Signal %d: exiting", signal.SIGTERM)
    return 0


if __name__ == "__main__":
    sys.exit(main())
