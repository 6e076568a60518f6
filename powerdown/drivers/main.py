"""The driver framework's main loop: what every powerdown driver runs.

Strategy
--------
``run_driver(MyDriver)`` is a driver's whole entry point.  It follows NUT's
``drivers/main.c`` step for step, so a driver behaves like a NUT driver to
``upsdrvctl``, service managers and upsd:

1. banner; command line and ``ups.conf`` (``options``); ``-h``/``-V``/``-L``;
   ``-c <command>`` talks to the running instance and exits;
2. a running instance with our pid file is asked to stop (NUT terminates
   the older driver, the newest one wins);
3. ``driver.parameter.*``, ``override.*``/``default.*`` and ``device.type``
   go into the tree; ``initups``; with ``-k`` the UPS is told to shut down
   and the driver exits; ``driver.name``/``driver.version*``;
   ``initinfo`` and a first ``updateinfo``;
4. the socket is opened, and only then does the driver go to the
   background: the parent process exits 0 once the socket answers (or 1 if
   start-up failed), which is what ``upsdrvctl`` waits for;
5. the loop: ``updateinfo`` every ``pollinterval``, changes broadcast after
   each poll and each request; a poll that raises, or runs past
   ``UPDATE_TIMEOUT`` poll intervals, marks the data stale until a poll
   succeeds again.  ``driver.state`` says where the driver is (later NUT).

Signals: SIGTERM, SIGINT and SIGQUIT end the driver cleanly (socket and
pid file removed); SIGHUP re-reads ``ups.conf``.  The same requests come
over the socket as ``INSTCMD driver.reload`` / ``driver.exit`` ..., which
is how ``-c`` sends them (with the pid file's signal as the fallback).
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence

from powerdown import __version__, paths
from powerdown.config import upsconf
from powerdown.config.errors import ConfigError
from powerdown.drivers.dstate import Dstate
from powerdown.drivers.framework import DeviceError, Driver, DriverContext, Status
from powerdown.drivers.options import (
    DriverOptions,
    OptionsError,
    help_text,
    list_vars,
    parse_options,
)
from powerdown.drivers.sockclient import DriverSocketClient, messages
from powerdown.drivers.sockserver import DriverSocketServer
from powerdown.protocol import sock
from powerdown.protocol.net import NUT_VERSION
from powerdown.state.tree import DeviceState
from powerdown.util import daemon
from powerdown.util.loop import run_loop

__all__ = ["run_driver", "DriverRunner", "UPDATE_TIMEOUT"]

#: A poll that takes longer than this many poll intervals (at least 10 s) counts as failed.
UPDATE_TIMEOUT = 5
#: How long ``-c`` waits for the running driver to answer.
COMMAND_TIMEOUT = 10.0
#: The user a driver started as root becomes when none is configured (Debian's).
DEFAULT_USER = "nut"

_RELOAD_COMMANDS = ("driver.reload", "driver.reload-or-error", "driver.reload-or-exit")


def banner(driver: type[Driver]) -> str:
    return (
        f"Network UPS Tools - {driver.description} {driver.version} "
        f"({NUT_VERSION}, powerdown {__version__})"
    )


def run_driver(driver_cls: type[Driver], argv: Sequence[str] | None = None) -> int:
    """Run ``driver_cls`` as a NUT driver with this command line; returns the exit code."""
    argv = list(sys.argv if argv is None else argv)
    prog = driver_cls.name
    if not os.environ.get("NUT_QUIET_INIT_BANNER"):
        print(banner(driver_cls), flush=True)
    try:
        opts = parse_options(
            argv, prog, driver_cls.variables, lambda: upsconf.load(paths.conffile("ups.conf"))
        )
    except (OptionsError, ConfigError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if opts.help:
        print(help_text(prog, driver_cls.variables, driver_cls().help()), end="")
        return 0
    if opts.version:
        return 0
    if opts.list_vars:
        print(list_vars(driver_cls.variables), end="")
        return 0
    for warning in opts.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    if opts.command is not None:
        return send_command(prog, opts)
    return DriverRunner(driver_cls, opts).main()


# -- -c: talk to the running instance ------------------------------------------


def _socket_path(prog: str, opts: DriverOptions) -> str:
    return paths.driver_socket(paths.statepath(), prog, opts.upsname or "")


def _pidfile(prog: str, upsname: str) -> str:
    return paths.driver_pidfile(paths.altpidpath(), prog, upsname)


def _exchange(path: str, request: str, last: Callable[[str], bool]) -> list[sock.DriverMessage]:
    """Send one line to a driver socket; the messages up to the line ``last`` accepts."""
    with DriverSocketClient(path, COMMAND_TIMEOUT) as client:
        client.send(request)
        lines, done = client.read_until(last)
    if not done:
        raise TimeoutError(f"no answer to {request.split()[0]} from {path}")
    return messages(lines)


def send_command(prog: str, opts: DriverOptions) -> int:
    """``-c <command>``: over the socket if we can, by signal otherwise."""
    assert opts.command is not None and opts.upsname is not None
    path = _socket_path(prog, opts)
    if opts.command == "dump":
        try:
            msgs = _exchange(path, "DUMPALL", lambda line: line == "DUMPDONE")
        except (OSError, TimeoutError) as exc:
            print(f"Error: can't dump the data of {path}: {exc}", file=sys.stderr)
            return 1
        tree = DeviceState()
        for msg in msgs:
            sock.apply(tree, msg)
        for var in tree.vars():
            print(f"{var.name}: {var.value}")
        return 0
    cmd = f"driver.{opts.command}"
    if opts.pid is None:
        try:
            msgs = _exchange(
                path, f"INSTCMD {cmd} TRACKING c1", lambda line: line.startswith("TRACKING ")
            )
        except (OSError, TimeoutError):
            pass  # an older driver without the socket command: signal it
        else:
            results = [m.status for m in msgs if isinstance(m, sock.Tracking)]
            return 0 if results == [Status.HANDLED] else 1
    sig = signal.SIGTERM if opts.command == "exit" else signal.SIGHUP
    pid = opts.pid or daemon.read_pidfile(_pidfile(prog, opts.upsname))
    if pid is None:
        print(
            f"Failed to signal the currently running daemon: PID file "
            f"{_pidfile(prog, opts.upsname)} is missing or unreadable",
            file=sys.stderr,
        )
        return 1
    try:
        os.kill(pid, sig)
    except OSError as exc:
        print(f"Failed to signal the running driver (PID {pid}): {exc.strerror}", file=sys.stderr)
        return 1
    return 0


# -- running -------------------------------------------------------------------


class DriverRunner:
    """One run of one driver, from ``initups`` to exit."""

    def __init__(self, driver_cls: type[Driver], opts: DriverOptions) -> None:
        assert opts.upsname is not None
        self.driver_cls = driver_cls
        self.driver = driver_cls()
        self.prog = driver_cls.name
        self.opts = opts
        self.log = logging.getLogger(self.prog)
        self.dstate = Dstate()
        self.ctx = DriverContext(
            upsname=opts.upsname,
            options=opts,
            dstate=self.dstate,
            confpath=paths.confpath(),
            statepath=paths.statepath(),
            log=self.log,
            pollinterval=float(opts.pollinterval),
        )
        self.server: DriverSocketServer | None = None
        self.lock = asyncio.Lock()
        self.stop_event: asyncio.Event | None = None
        self.exit_code = 0
        self.pidfile: str | None = None

    # -- process set-up (before the event loop) ------------------------------

    def main(self) -> int:
        opts = self.opts
        foreground = opts.foreground_mode
        self._setup_logging(to_stderr=True)
        ready: Callable[[], None] | None = None
        if not opts.dump_count:
            self._replace_running_instance()
            with contextlib.suppress(OSError):
                os.makedirs(self.ctx.statepath, exist_ok=True)
            try:
                os.chdir(self.ctx.statepath)
            except OSError as exc:
                self.log.error("Can't chdir to %s: %s", self.ctx.statepath, exc.strerror)
                return 1
        if opts.chroot:
            os.chroot(opts.chroot)
            os.chdir("/")
        try:
            self._become_user()
        except (KeyError, PermissionError) as exc:
            self.log.error("Fatal error: can't become user %s: %s", opts.user, exc)
            return 1
        if not foreground and not opts.killpower:
            ready = daemon.detach_when_ready()
        return run_loop(self._run(ready))

    def _setup_logging(self, *, to_stderr: bool) -> None:
        opts = self.opts
        level = logging.INFO
        if opts.debug:
            level = logging.DEBUG
        elif opts.quiet:
            level = logging.WARNING
        handler: logging.Handler
        if to_stderr:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
        else:
            handler = daemon.syslog_handler(f"{self.prog}")
        logging.basicConfig(level=level, handlers=[handler], force=True)

    def _become_user(self) -> None:
        user = self.opts.user
        if os.geteuid() != 0:
            return
        daemon.drop_privileges(user or DEFAULT_USER)

    def _replace_running_instance(self) -> None:
        """As NUT: a driver already serving this UPS is told to exit (three tries)."""
        path = _pidfile(self.prog, self.ctx.upsname)
        for _ in range(3):
            pid = daemon.read_pidfile(path)
            if pid is None or pid == os.getpid() or not daemon.alive(pid):
                return
            self.log.warning(
                "Duplicate driver instance detected (PID file %s exists)! "
                "Terminating other driver!",
                path,
            )
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5.0
            while daemon.alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)  # a bounded wait for another process to exit

    # -- the run ---------------------------------------------------------------

    async def _run(self, ready: Callable[[], None] | None) -> int:
        self.stop_event = asyncio.Event()
        try:
            return await self._serve(ready)
        finally:
            with contextlib.suppress(Exception):
                await self.driver.cleanup(self.ctx)
            if self.server is not None:
                await self.server.aclose()
            if self.pidfile is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self.pidfile)

    def _state(self, state: str) -> None:
        self.dstate.setinfo("driver.state", state)

    async def _serve(self, ready: Callable[[], None] | None) -> int:
        opts, ctx, dstate = self.opts, self.ctx, self.dstate
        dstate.ignorelb = opts.ignorelb
        for name, (value, immutable) in opts.initial.items():
            dstate.setinfo(name, value, immutable=immutable)
        self._state("init.starting")
        dstate.setinfo("device.type", "ups")
        try:
            self._state("init.device")
            await self.driver.initups(ctx)
            if opts.killpower:
                self.log.info("Initiating UPS shutdown")
                await self.driver.shutdown(ctx)
                return 0
        except DeviceError as exc:
            self.log.error("%s", exc)
            return 1
        dstate.setinfo("driver.version", NUT_VERSION)
        dstate.setinfo("driver.version.internal", self.driver_cls.version)
        dstate.setinfo("driver.name", self.prog)
        self._state("init.info")
        try:
            await self.driver.initinfo(ctx)
        except DeviceError as exc:
            self.log.error("%s", exc)
            return 1
        await self._poll()
        if opts.ignorelb and not self._can_tell_lb():
            self.log.error(
                "The 'ignorelb' flag is set, but there is no way to determine the\n"
                "battery state of charge.\n\n"
                "Only set this flag if both 'battery.charge' and 'battery.charge.low'\n"
                "and/or 'battery.runtime' and 'battery.runtime.low' are available."
            )
            return 1
        dstate.setinfo("driver.parameter.pollinterval", f"{opts.pollinterval}")
        dstate.setinfo("driver.parameter.synchronous", opts.synchronous)
        for part in ("mfr", "model", "serial"):
            known = dstate.getinfo(f"ups.{part}")
            if known is not None:
                dstate.setinfo(f"device.{part}", known)

        if opts.dump_count:
            for _ in range(opts.dump_count - 1):
                await asyncio.sleep(ctx.pollinterval)
                await self._poll()
            self._state("dumping")
            print("\n".join(dstate.upsc_lines()))
            return 0

        self.server = DriverSocketServer(
            paths.driver_socket(ctx.statepath, self.prog, ctx.upsname), dstate, self._request
        )
        try:
            await self.server.start()
        except OSError as exc:
            self.log.error("Can't create the driver socket %s: %s", self.server.path, exc)
            self.server = None
            return 1
        if opts.group:
            self._give_socket_to(opts.group)
        ctx.publish = self.server.broadcast
        if opts.write_pidfile:
            self.pidfile = _pidfile(self.prog, ctx.upsname)
        # The pid file comes before the readiness signal: whoever started us
        # (upsdrvctl, a script) may read it the moment we say we are up.
        if self.pidfile is not None:
            daemon.write_pidfile(self.pidfile)
        if ready is not None:
            ready()
            self._setup_logging(to_stderr=False)
        self._install_signals()
        self._state("quiet")
        self.server.broadcast()
        await self._loop()
        self.log.info("exiting")
        return self.exit_code

    def _give_socket_to(self, group: str) -> None:
        """``-g`` / ``group``: let that group's upsd use the socket, as NUT does."""
        assert self.server is not None
        try:
            os.chown(self.server.path, -1, grp.getgrnam(group).gr_gid)
        except (KeyError, OSError) as exc:
            self.log.warning(
                "WARNING: Needed to fix group access to filesystem socket of this driver, "
                "but failed (%s): upsd may not be able to use %s",
                exc,
                self.server.path,
            )

    def _can_tell_lb(self) -> bool:
        get = self.dstate.getinfo
        return bool(
            (get("battery.charge") and get("battery.charge.low"))
            or (get("battery.runtime") and get("battery.runtime.low"))
        )

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            loop.add_signal_handler(sig, self.stop, sig)
        loop.add_signal_handler(signal.SIGHUP, self._reload_soon)
        loop.add_signal_handler(signal.SIGPIPE, lambda: None)

    def stop(self, sig: int = 0) -> None:
        if sig:
            self.log.info("Signal %d: exiting", sig)
        self.ctx.stopping = True
        assert self.stop_event is not None
        self.stop_event.set()

    def _reload_soon(self) -> None:
        asyncio.ensure_future(self._locked_reload("driver.reload"))

    async def _locked_reload(self, how: str) -> Status:
        async with self.lock:
            status = self.reload(how)
        if self.server is not None:
            self.server.broadcast()
        return status

    async def _loop(self) -> None:
        assert self.stop_event is not None
        while not self.stop_event.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), self.ctx.pollinterval)
            if self.stop_event.is_set():
                break
            async with self.lock:
                await self._poll()
            if self.server is not None:
                self.server.broadcast()

    async def _poll(self) -> None:
        """One ``updateinfo``: good data, or stale data and a line in the log."""
        limit = max(10.0, UPDATE_TIMEOUT * self.ctx.pollinterval)
        try:
            await asyncio.wait_for(self.driver.updateinfo(self.ctx), limit)
        except DeviceError as exc:
            if not self.dstate.stale:
                self.log.warning("Data for UPS [%s] is stale: %s", self.ctx.upsname, exc)
            self.dstate.datastale()
        except TimeoutError:
            self.log.warning(
                "Poll of UPS [%s] took over %.0f s: data is stale", self.ctx.upsname, limit
            )
            self.dstate.datastale()
        except Exception:
            self.log.exception("updateinfo of UPS [%s] failed", self.ctx.upsname)
            self.dstate.datastale()
        else:
            if self.dstate.stale:
                self.log.info("Communication with UPS [%s] (re)established", self.ctx.upsname)
            self.dstate.dataok()

    async def _request(self, msg: sock.InstCmd | sock.Set) -> int:
        """INSTCMD and SET from the socket, between polls."""
        if isinstance(msg, sock.InstCmd):
            name = msg.name.lower()
            if name == "driver.exit":
                self.stop()
                return Status.HANDLED
            if name in _RELOAD_COMMANDS:
                return await self._locked_reload(name)
            async with self.lock:
                return await self.driver.instcmd(self.ctx, msg.name, msg.param)
        if msg.name.lower().startswith("driver."):
            return Status.INVALID
        async with self.lock:
            return await self.driver.setvar(self.ctx, msg.name, msg.value)

    # -- reload -------------------------------------------------------------------

    def reload(self, how: str = "driver.reload") -> Status:
        """Re-read ups.conf; apply what can change on the fly.

        ``pollinterval``, ``desc``, ``default.*``/``override.*`` values and
        the driver's ``reloadable`` variables change in place.  Any other
        change needs a restart: ``reload`` logs it, ``reload-or-error``
        reports FAILED, ``reload-or-exit`` exits so a supervisor starts the
        new configuration.
        """
        if not self.opts.from_upsconf:
            return Status.HANDLED
        argv = [self.prog, "-a", self.ctx.upsname]
        try:
            new = parse_options(
                argv,
                self.prog,
                self.driver_cls.variables,
                lambda: upsconf.load(paths.conffile("ups.conf")),
            )
        except (OptionsError, ConfigError) as exc:
            self.log.error("reload failed, keeping the old configuration: %s", exc)
            return Status.FAILED
        old = self.opts
        needs_restart = []
        for key in sorted(set(old.values) | set(new.values)):
            if old.values.get(key) != new.values.get(key) and key not in self.driver_cls.reloadable:
                needs_restart.append(key)
        if old.port != new.port:
            needs_restart.append("port")
        if needs_restart:
            self.log.warning(
                "reload: changed settings need a driver restart: %s", ", ".join(needs_restart)
            )
            if how == "driver.reload-or-exit":
                self.exit_code = 0
                self.stop()
                return Status.HANDLED
            if how == "driver.reload-or-error":
                return Status.FAILED
        for key in self.driver_cls.reloadable:
            if key in new.values:
                old.values[key] = new.values[key]
        if new.pollinterval != old.pollinterval:
            old.pollinterval = new.pollinterval
            self.ctx.pollinterval = float(new.pollinterval)
            self.dstate.setinfo("driver.parameter.pollinterval", str(new.pollinterval))
        for name, (value, immutable) in new.initial.items():
            if name.startswith("driver."):
                continue
            self.dstate.setinfo(name, value, immutable=immutable)
        self.log.info("reloaded %s", paths.conffile("ups.conf"))
        return Status.HANDLED
