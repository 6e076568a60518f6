"""The upsmon daemon: poll every monitored UPS, feed the policy, carry out its actions.

Strategy: one persistent, logged-in session per MONITOR line
(``USERNAME``/``PASSWORD``/``LOGIN``, plus ``PRIMARY`` — or ``MASTER`` for
an older upsd — when we are its primary), so upsd's NUMLOGINS counts us
until we log out. Each round polls all UPSes at once (one slow or cut-off
upsd does not delay the others, as it does in NUT's serial loop), hands
every answer to :class:`~powerdown.monitor.policy.Upsmon`, then calls its
``tick`` and carries out what it returns. A session that times out or
errors is closed and reconnected on the next round: after a timeout we no
longer know which reply belongs to which request.

Signals: SIGUSR1 is ``-c fsd``, SIGHUP ``-c reload``, SIGTERM/SIGINT
``-c stop``; each wakes the loop at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from powerdown.client.aio import AsyncNutClient
from powerdown.client.blocking import TlsMode
from powerdown.client.errors import ClientError, strerror
from powerdown.config.errors import ConfigError
from powerdown.config.upsmonconf import Monitor, UpsmonConfig, load_upsmon_conf
from powerdown.monitor.effects import Notifier
from powerdown.monitor.notify import DEFAULT_FLAGS, NotifyFlag, NotifyType
from powerdown.monitor.policy import (
    LOG_CRIT,
    LOG_INFO,
    LOG_WARNING,
    Action,
    CallShutdown,
    CountLogins,
    Exit,
    KeepAlive,
    Log,
    Notify,
    Phase,
    SetFsd,
    Settings,
    Supply,
    Upsmon,
    Wall,
)
from powerdown.protocol.errors import NutError, RemoteProtocolError

__all__ = ["ShutdownCaller", "UpsmonDaemon", "settings_of", "supplies_of", "NET_TIMEOUT"]

log = logging.getLogger("upsmon")

# How long one request may take before the session counts as lost
# (NUT 2.8.0: libupsclient gives up on a read after 5 s).
NET_TIMEOUT = 5.0
# NOPARENT is repeated at most this often (NUT: every 2 minutes).
NOPARENT_EVERY = 120.0
# A jump of CLOCK_BOOTTIME over CLOCK_MONOTONIC larger than this means the
# host was suspended (the monotonic clock stops while asleep).
SUSPEND_JUMP = 5.0

_LEVELS = {LOG_CRIT: logging.CRITICAL, LOG_WARNING: logging.WARNING, LOG_INFO: logging.INFO}


class ShutdownCaller(Protocol):
    def call(self) -> None: ...

    def parent_gone(self) -> bool: ...


def settings_of(cfg: UpsmonConfig) -> Settings:
    """The policy's settings, taken by name from the parsed upsmon.conf."""
    return Settings(**{f.name: getattr(cfg, f.name) for f in dataclasses.fields(Settings)})


def supplies_of(cfg: UpsmonConfig) -> list[Supply]:
    return [Supply(name=m.system, powervalue=m.powervalue, primary=m.primary) for m in cfg.monitors]


def notifier_of(cfg: UpsmonConfig) -> Notifier:
    return Notifier(
        messages=cfg.notifymsg,
        flags=cfg.notifyflag,
        default_flags=DEFAULT_FLAGS,
        notifycmd=cfg.notifycmd,
    )


@dataclass(frozen=True, slots=True)
class _Poll:
    status: str | None
    alarm: str | None = None
    dropped: bool = False


def _tls_key(cfg: UpsmonConfig, m: Monitor) -> tuple[object, ...]:
    """What decides how we talk TLS to one upsd (CERTHOST overrides the globals)."""
    verify, force, certname = cfg.certverify, cfg.forcessl, None
    for ch in cfg.certhosts:
        if ch.host in (m.host, f"{m.host}:{m.port}"):
            verify, force, certname = ch.verify, ch.forcessl, ch.certname or None
            break
    return verify, force, certname, cfg.certpath, cfg.certfile, cfg.certident


def _tls_for(cfg: UpsmonConfig, m: Monitor) -> tuple[TlsMode, ssl.SSLContext | None, str | None]:
    """STARTTLS mode, context and expected certificate name for one upsd."""
    verify, force, certname, *_ = _tls_key(cfg, m)
    if not verify:
        return ("require" if force else "try"), None, None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    path = cfg.certpath
    if path and os.path.isdir(path):
        ctx.load_verify_locations(capath=path)
    elif path:
        ctx.load_verify_locations(cafile=path)
    if cfg.certfile:
        ctx.load_cert_chain(cfg.certfile, password=cfg.certident[1] if cfg.certident else None)
    # CERTVERIFY means TLS is mandatory: a plain-text fallback would defeat it.
    return "require", ctx, certname  # type: ignore[return-value]


class _Session:
    """One logged-in connection to the upsd that serves one MONITOR line."""

    def __init__(self, monitor: Monitor, cfg: UpsmonConfig, family: int) -> None:
        self.monitor = monitor
        self.cfg = cfg
        self.family = family
        self.client: AsyncNutClient | None = None

    @property
    def name(self) -> str:
        return self.monitor.system

    async def _connect(self) -> AsyncNutClient:
        m = self.monitor
        tls, ctx, certname = _tls_for(self.cfg, m)
        if self.cfg.certverify and not self.cfg.certpath and ctx is not None:
            raise ClientError("CERTVERIFY is set, but CERTPATH isn't")
        client = await AsyncNutClient.connect(
            m.host,
            m.port,
            timeout=NET_TIMEOUT,
            connect_timeout=NET_TIMEOUT,
            tls=tls,
            ssl_context=ctx,
            family=self.family,
            server_hostname=certname,
        )
        try:
            await client.username(m.username)
            await client.password(m.password)
            await client.login(m.upsname)
            if m.primary:
                try:
                    await client.primary(m.upsname)
                except NutError:
                    # upsd older than 2.8.0 knows only the old word.
                    await client.master(m.upsname)
        except BaseException:
            await client.close(logout=False)
            raise
        log.debug("Logged into UPS %s", m.system)
        return client

    async def ensure(self) -> AsyncNutClient:
        if self.client is None:
            self.client = await self._connect()
        return self.client

    async def drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await client.close(logout=False)

    async def logout(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(ClientError, NutError, RemoteProtocolError, OSError):
                async with asyncio.timeout(2.0):
                    await client.logout()
            await client.close(logout=False)

    async def poll(self) -> _Poll:
        """``ups.status`` (and ``ups.alarm`` under ALARM), or why not."""
        try:
            client = await self.ensure()
        except (ClientError, NutError, RemoteProtocolError, OSError) as exc:
            log.error("UPS [%s]: connect failed: %s", self.name, _text(exc))
            await self.drop()
            return _Poll(status=None, dropped=True)
        try:
            status = await client.get_var(self.monitor.upsname, "ups.status")
            alarm = None
            if "ALARM" in status.upper().split():
                with contextlib.suppress(NutError):
                    alarm = await client.get_var(self.monitor.upsname, "ups.alarm")
        except NutError as exc:
            # upsd is there; the UPS is not (stale data, no driver): keep the session.
            log.error("Poll UPS [%s] failed - %s", self.name, _text(exc))
            return _Poll(status=None)
        except (ClientError, RemoteProtocolError, OSError) as exc:
            log.error("Poll UPS [%s] failed - %s", self.name, _text(exc))
            await self.drop()
            return _Poll(status=None, dropped=True)
        return _Poll(status=status, alarm=alarm)

    async def set_fsd(self) -> bool:
        try:
            client = await self.ensure()
            await client.fsd(self.monitor.upsname)
        except (ClientError, NutError, RemoteProtocolError, OSError) as exc:
            log.error("FSD set on UPS %s failed: %s", self.name, _text(exc))
            if not isinstance(exc, NutError):
                await self.drop()
            return False
        log.info("Set FSD on UPS %s", self.name)
        return True

    async def numlogins(self) -> int | None:
        client = self.client
        if client is None:
            return None
        try:
            return await client.get_numlogins(self.monitor.upsname)
        except NutError:
            return None
        except (ClientError, RemoteProtocolError, OSError):
            await self.drop()
            return None


def _text(exc: BaseException) -> str:
    if isinstance(exc, ClientError | NutError | RemoteProtocolError):
        return strerror(exc)
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _boot_offset() -> float:
    try:
        return time.clock_gettime(time.CLOCK_BOOTTIME) - time.monotonic()
    except (AttributeError, OSError):
        return 0.0


class UpsmonDaemon:
    """The asyncio shell around the policy (see the module docstring)."""

    def __init__(
        self,
        cfg: UpsmonConfig,
        shutdown: ShutdownCaller,
        *,
        family: int = socket.AF_UNSPEC,
        config_loader: Callable[[str], UpsmonConfig] = load_upsmon_conf,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cfg = cfg
        self.shutdown = shutdown
        self.family = family
        self.config_loader = config_loader
        self.clock = clock
        self.machine = Upsmon(settings=settings_of(cfg), supplies=supplies_of(cfg))
        self.notifier = notifier_of(cfg)
        self.sessions = {m.system: _Session(m, cfg, family) for m in cfg.monitors}
        self._wake = asyncio.Event()
        self._stop_signal: int | None = None
        self._reload = False
        self._exit = False
        self._last_noparent: float | None = None
        self._boot_offset = _boot_offset()

    # -- signals ----------------------------------------------------------------

    def request_fsd(self) -> None:
        self.machine.request_fsd()
        self._wake.set()

    def request_reload(self) -> None:
        self._reload = True
        self._wake.set()

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        self._stop_signal = signum
        self._wake.set()

    def install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, self.request_fsd)
        loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        loop.add_signal_handler(signal.SIGTERM, self.request_stop, signal.SIGTERM)
        loop.add_signal_handler(signal.SIGINT, self.request_stop, signal.SIGINT)

    # -- the loop ---------------------------------------------------------------

    async def run(self) -> int:
        try:
            while True:
                if self._stop_signal is not None and self.machine.phase in (
                    Phase.MONITORING,
                    Phase.SHUTDOWN_CALLED,
                ):
                    log.info("Signal %d: exiting", self._stop_signal)
                    break
                if self._reload:
                    self._reload = False
                    await self._do_reload()
                self._check_suspend()
                if self.machine.phase is Phase.MONITORING:
                    await self._poll_round()
                now = self.clock()
                await self._execute(self.machine.tick(now))
                if self._exit:
                    break
                self._check_parent()
                await self._sleep_until(self.machine.next_wakeup(self.clock()))
        finally:
            await self._close_all()
        return 0

    async def _sleep_until(self, when: float) -> None:
        delay = when - self.clock()
        if delay <= 0:
            return
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._wake.wait()

    async def _poll_round(self) -> None:
        sessions = list(self.sessions.values())
        results = await asyncio.gather(*(s.poll() for s in sessions))
        now = self.clock()
        for session, result in zip(sessions, results, strict=True):
            if result.status is None:
                actions = self.machine.gone(session.name, now)
            else:
                actions = self.machine.status(session.name, now, result.status, alarm=result.alarm)
            await self._execute(actions)
            if result.dropped:
                self.machine.dropped(session.name)

    async def _execute(self, actions: Sequence[Action]) -> None:
        for action in actions:
            match action:
                case Notify(ntype=ntype, ups=ups, extra=extra):
                    self.notifier.notify(ntype, ups, extra)
                case Wall(text=text):
                    # Our one change to NUT here: this broadcast follows the
                    # SHUTDOWN event's WALL flag, so NOTIFYFLAG can silence it.
                    if self.notifier.flags_for(NotifyType.SHUTDOWN) & NotifyFlag.WALL:
                        self.notifier.wall(text)
                case Log(level=level, message=message):
                    log.log(_LEVELS.get(level, logging.INFO), "%s", message)
                case SetFsd(ups=ups):
                    ok = await self.sessions[ups].set_fsd()
                    await self._execute(self.machine.fsd_result(ups, self.clock(), ok))
                case CountLogins():
                    counts = await asyncio.gather(
                        *(s.numlogins() for s in self.sessions.values() if s.monitor.primary)
                    )
                    highest = max((c for c in counts if c is not None), default=0)
                    log.debug("Max data server logins per UPS still active: %d", highest)
                    await self._execute(self.machine.logins(self.clock(), highest))
                case KeepAlive():
                    await asyncio.gather(*(s.numlogins() for s in self.sessions.values()))
                case CallShutdown():
                    # Let the SHUTDOWN notifier start before the machine goes.
                    await asyncio.sleep(0)
                    self.shutdown.call()
                case Exit():
                    log.warning("Exiting upsmon program after initiating shutdown")
                    self._exit = True

    async def _close_all(self) -> None:
        await asyncio.gather(*(s.logout() for s in self.sessions.values()))
        await self.notifier.drain(timeout=5.0)

    # -- housekeeping -----------------------------------------------------------

    def _check_parent(self) -> None:
        if not self.shutdown.parent_gone():
            return
        now = self.clock()
        if self._last_noparent is not None and now - self._last_noparent < NOPARENT_EVERY:
            return
        self._last_noparent = now
        self.notifier.notify(NotifyType.NOPARENT, None)
        log.critical("Parent died - shutdown impossible")

    def _check_suspend(self) -> None:
        offset = _boot_offset()
        jumped = offset - self._boot_offset
        self._boot_offset = offset
        if jumped > SUSPEND_JUMP and self.machine.phase is Phase.MONITORING:
            log.warning("The host slept for %.0f s; UPS readings from before are obsolete", jumped)
            for action in self.machine.resumed(self.clock()):
                if isinstance(action, Notify):
                    self.notifier.notify(action.ntype, action.ups, action.extra)

    async def _do_reload(self) -> None:
        log.info("Reloading configuration")
        try:
            new = self.config_loader(self.cfg.path)
        except ConfigError as exc:
            log.error("Reload failed: %s", exc)
            return
        if new.total_powervalue < new.minsupplies:
            # NUT exits here; a monitor that exits protects nothing, so we
            # keep running on the configuration we had.
            log.critical(
                "Reload refused: total power value (%d) less than MINSUPPLIES (%d); "
                "keeping the previous configuration",
                new.total_powervalue,
                new.minsupplies,
            )
            return
        for name, old_v, new_v in (
            ("SHUTDOWNCMD", self.cfg.shutdowncmd, new.shutdowncmd),
            ("POWERDOWNFLAG", self.cfg.powerdownflag, new.powerdownflag),
        ):
            if old_v != new_v:
                log.warning("Warning: %s redefined in split-process mode!", name)
                log.warning("You must restart upsmon for this change to work")
        old_sessions = self.sessions
        sessions: dict[str, _Session] = {}
        for m in new.monitors:
            session = old_sessions.pop(m.system, None)
            if session is None or session.monitor != m or _tls_key(new, m) != _tls_key(self.cfg, m):
                if session is not None:
                    await session.logout()
                session = _Session(m, new, self.family)
            session.cfg = new
            sessions[m.system] = session
        for gone in old_sessions.values():
            await gone.logout()
        self.cfg = new
        self.sessions = sessions
        self.notifier = notifier_of(new)
        await self._execute(self.machine.reconfigure(settings_of(new), supplies_of(new)))
