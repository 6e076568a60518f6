"""upsd's asyncio shell: listeners, client streams, driver links, TLS, reload.

Strategy
--------
Everything that decides lives in pure modules: ``session``/``verbs`` answer
clients, ``driverlink`` follows each driver.  This module only moves bytes
and carries out effects: it reads a client's bytes into a tokenizer, hands
each line to the client's session with the monotonic time, writes the
reply in one write (NUT writes a LIST in many small packets; we do not),
then performs the session's effects in order (a line to a driver, a TLS
upgrade, closing).

A misbehaving client can only ever hurt itself: its parse errors are logged
and dropped, an exception while answering it closes just that connection,
and its reads are bounded by the tokenizer's limits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import resource
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from powerdown import paths
from powerdown.config import upsconf, upsdconf, users
from powerdown.config.errors import ConfigError
from powerdown.protocol.names import DescTable
from powerdown.protocol.sock import InstCmd, Set
from powerdown.protocol.words import Tokenizer, Words
from powerdown.server.driverconn import DriverConnection
from powerdown.server.driverlink import TrackingTable
from powerdown.server.effects import Close, StartTLS, ToDriver
from powerdown.server.session import ClientSession
from powerdown.server.state import ServerState, Ups

__all__ = ["Upsd", "UpsdConfig", "load_config"]

log = logging.getLogger("upsd")

#: Replies are joined into one write, flushed early past this many bytes.
_FLUSH_AT = 256 * 1024
_SEND_FAILED: dict[type, str] = {InstCmd: "ERR INSTCMD-FAILED\n", Set: "ERR SET-FAILED\n"}
_SWEEP_INTERVAL = 1.0


@dataclass(frozen=True, slots=True)
class UpsdConfig:
    """The three files upsd reads, loaded together so a reload is all or nothing."""

    upsd: upsdconf.UpsdConf
    ups: upsconf.UpsConf
    users: users.UsersConf
    confpath: str
    statepath: str
    warnings: tuple[str, ...] = field(default=())


def load_config(env: dict[str, str] | None = None) -> UpsdConfig:
    """Read upsd.conf, ups.conf and upsd.users from the configuration path.

    Raises:
        ConfigError: a file is missing or wrong (the message names file:line).
    """
    confpath = paths.confpath(env)
    upsd_conf = upsdconf.load(
        os.path.join(confpath, "upsd.conf"), default_port=paths.default_port(env)
    )
    ups_conf = upsconf.load(os.path.join(confpath, "ups.conf"))
    users_path = os.path.join(confpath, "upsd.users")
    extra: tuple[str, ...] = ()
    if os.path.exists(users_path):
        users_conf = users.load(users_path)
    else:
        # NUT's upsd carries on without users: nobody may log in or change anything.
        users_conf = users.UsersConf()
        extra = (f"{users_path}: No such file or directory; no users are defined",)
    statepath = upsd_conf.statepath or paths.statepath(env)
    warnings = extra + tuple(
        str(w) for w in (*upsd_conf.warnings, *ups_conf.warnings, *users_conf.warnings)
    )
    return UpsdConfig(upsd_conf, ups_conf, users_conf, confpath, statepath, warnings)


def _descriptions(env: dict[str, str] | None) -> DescTable:
    """NUT's cmdvartab when NUT_DATAPATH points at one, else our own table.

    Called on the first GET DESC/CMDDESC, not at start-up: the table is big
    and most clients never ask.
    """
    source = os.environ if env is None else env
    datapath = source.get("NUT_DATAPATH")
    if datapath:
        table = Path(datapath, "cmdvartab")
        if table.is_file():
            with contextlib.suppress(OSError, ValueError):
                return DescTable.from_cmdvartab(table.read_text(errors="replace"))
    return DescTable.builtin()


def _default_maxconn() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft > 0 else 1024


def _peer_addr(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return "unknown"


class Upsd:
    """One running upsd.  ``await serve()`` until ``stop()``; ``reload()`` on SIGHUP."""

    def __init__(
        self,
        config: UpsdConfig,
        *,
        env: dict[str, str] | None = None,
        families: tuple[int, ...] = (socket.AF_INET, socket.AF_INET6),
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.config = config
        self.env = env
        self.families = families
        # The driver links run on the event loop's clock; so do the sessions,
        # so that "now" means the same to both (start() picks the loop's).
        self._given_clock = clock
        self.clock: Callable[[], float] = clock or time.monotonic
        self.tracking = TrackingTable()
        self.state = ServerState(
            users=config.users,
            tracking=self.tracking,
            new_tracking_id=lambda: str(uuid.uuid4()),
            describe=self._describe,
        )
        self._descs: DescTable | None = None
        self.ssl_context: ssl.SSLContext | None = None
        self.conns: dict[str, DriverConnection] = {}
        self.servers: list[asyncio.Server] = []
        self.clients: dict[ClientSession, ClientConnection] = {}
        self._stopped = asyncio.Event()
        self._sweeper: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Future[None]] = set()

    # -- set-up --------------------------------------------------------------

    def _describe(self, kind: str, name: str) -> str | None:
        if self._descs is None:
            self._descs = _descriptions(self.env)
        return self._descs.var_desc(name) if kind == "VAR" else self._descs.cmd_desc(name)

    @property
    def maxconn(self) -> int:
        return self.config.upsd.maxconn or _default_maxconn()

    def _make_ssl_context(self) -> ssl.SSLContext | None:
        certfile = self.config.upsd.certfile
        if not certfile:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if self.config.upsd.disable_weak_ssl:
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        else:
            log.warning(
                "Warning: DISABLE_WEAK_SSL is not enabled. "
                "Please consider enabling to improve network security."
            )
        # CERTFILE holds the certificate chain and its private key, PEM.
        ctx.load_cert_chain(certfile)
        return ctx

    def _apply_ups_conf(self) -> None:
        """Bring the UPS table in line with ups.conf (start-up and reload)."""
        wanted = self.config.ups.upses
        for name in [u.name for u in self.state]:
            section = wanted.get(name)
            ups = self.state.ups(name)
            assert ups is not None
            if section is None or (section.driver, section.port) != (ups.driver, ups.port):
                log.info("Deleting UPS [%s]", ups.name)
                self._drop_ups(ups)
            else:
                ups.desc = section.desc
        for name, section in wanted.items():
            if self.state.ups(name) is not None:
                continue
            conn = DriverConnection(
                name,
                section.driver,
                self.config.statepath,
                maxage=self.config.upsd.maxage,
                tracking=self.tracking,
            )
            ups = Ups(
                name=name,
                driver=section.driver,
                port=section.port,
                desc=section.desc,
                link=conn.link,
            )
            self.state.add_ups(ups)
            self.conns[name.lower()] = conn
            conn.start()

    def _drop_ups(self, ups: Ups) -> None:
        self.state.remove_ups(ups.name)
        conn = self.conns.pop(ups.name.lower(), None)
        if conn is not None:
            closing = asyncio.ensure_future(conn.aclose())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        # NUT kicks the clients logged in to a UPS that went away.
        for session in list(self.state.sessions):
            if session.login_ups is ups:
                self._kick(session)

    async def start(self) -> None:
        """Open listeners and driver links; raise OSError if no listener works."""
        if self._given_clock is None:
            self.clock = asyncio.get_running_loop().time
        self.ssl_context = self._make_ssl_context()
        self.state.tls_configured = self.ssl_context is not None
        if not self.config.ups.upses and not self.config.upsd.allow_no_device:
            raise ConfigError(
                os.path.join(self.config.confpath, "ups.conf"),
                None,
                "Fatal error: at least one UPS must be defined in ups.conf",
            )
        for warning in self.config.warnings:
            log.warning("%s", warning)
        self._apply_ups_conf()
        await self._listen()
        self._sweeper = asyncio.create_task(self._sweep())

    async def _listen(self) -> None:
        errors: list[str] = []
        for listen in self.config.upsd.effective_listen(paths.default_port(self.env)):
            addr = None if listen.addr in ("*", "0.0.0.0", "::") else listen.addr
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    addr,
                    listen.port,
                    type=socket.SOCK_STREAM,
                    flags=socket.AI_PASSIVE,
                )
            except OSError as exc:
                errors.append(f"{listen.addr} port {listen.port}: {exc}")
                continue
            seen: set[tuple[int, str]] = set()
            for family, _type, _proto, _canon, sockaddr in infos:
                if family not in self.families or (family, str(sockaddr[0])) in seen:
                    continue
                seen.add((family, str(sockaddr[0])))
                try:
                    server = await asyncio.get_running_loop().create_server(
                        self._new_client,
                        host=str(sockaddr[0]),
                        port=listen.port,
                        family=family,
                        reuse_address=True,
                    )
                except OSError as exc:
                    log.error("not listening on %s port %s: %s", sockaddr[0], listen.port, exc)
                    errors.append(f"{sockaddr[0]} port {listen.port}: {exc.strerror}")
                    continue
                self.servers.append(server)
                for sock in server.sockets:
                    bound = sock.getsockname()
                    log.info("listening on %s port %s", bound[0], bound[1])
        if not self.servers:
            raise OSError("no listening interface available: " + "; ".join(errors))
        if errors:
            # NUT 2.8.0 carries on when at least one LISTEN works.
            log.warning("not all LISTEN directives could be honoured")

    async def serve(self) -> None:
        """Run until :meth:`stop`; starts first unless the caller already did."""
        if self._sweeper is None:
            await self.start()
        await self._stopped.wait()
        await self.close()

    def stop(self) -> None:
        self._stopped.set()

    async def close(self) -> None:
        for server in self.servers:
            server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        for client in list(self.clients.values()):
            client.close()
        await asyncio.gather(
            *(c.aclose() for c in self.conns.values()), *self._closing, return_exceptions=True
        )
        for server in self.servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        self.servers.clear()

    def reload(self, env: dict[str, str] | None = None) -> None:
        """SIGHUP: re-read the files; on any error keep running on the old ones."""
        try:
            config = load_config(env if env is not None else self.env)
        except (ConfigError, OSError) as exc:
            log.error("reload failed, keeping the old configuration: %s", exc)
            return
        old = self.config
        self.config = config
        self.state.users = config.users
        if config.upsd.listen != old.upsd.listen:
            log.warning("LISTEN changes take effect only after a restart of upsd")
        if config.upsd.certfile != old.upsd.certfile:
            try:
                self.ssl_context = self._make_ssl_context()
            except (OSError, ssl.SSLError) as exc:
                log.error("CERTFILE reload failed: %s", exc)
            self.state.tls_configured = self.ssl_context is not None
        for conn in self.conns.values():
            conn.link.maxage = config.upsd.maxage
        self._descs = None  # re-read on next use
        self._apply_ups_conf()
        for warning in config.warnings:
            log.warning("%s", warning)
        log.info("configuration reloaded")

    # -- periodic housekeeping -----------------------------------------------

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(_SWEEP_INTERVAL)
            now = self.clock()
            self.tracking.expire(now, self.config.upsd.trackingdelay)
            for session in list(self.state.sessions):
                if session.idle_expired(now):
                    log.debug("Disconnect %s (idle)", session.addr)
                    self._kick(session)

    def _kick(self, session: ClientSession) -> None:
        """End a client's connection from our side (idle, or its UPS went away)."""
        session.logout()
        client = self.clients.get(session)
        if client is not None:
            client.close()

    # -- clients ----------------------------------------------------------------

    def _new_client(self) -> ClientConnection:
        return ClientConnection(self)

    async def _to_driver(self, effect: ToDriver) -> bool:
        conn = self.conns.get(effect.ups.name.lower())
        request = effect.request
        if conn is None:
            sent = False
        elif isinstance(request, InstCmd):
            sent = await conn.send_instcmd(request.name, request.param, request.tracking)
        else:
            sent = await conn.send_set(request.name, request.value, request.tracking)
        if not sent:
            log.info("Set command send failed for UPS [%s]", effect.ups.name)
        return sent


class ClientConnection(asyncio.Protocol):
    """One client's TCP connection: bytes in, the session's replies out.

    A plain asyncio Protocol rather than streams: most requests are answered
    synchronously inside ``data_received``, with all the replies to one read
    joined into a single write.  Only a request with an effect that needs
    awaiting (a line to a driver, a TLS upgrade) hands the rest of the
    connection's input to a task, which keeps requests strictly in order;
    reading is paused meanwhile, and whenever the client stops reading our
    replies, so a client can never make upsd buffer without bound.
    """

    def __init__(self, upsd: Upsd) -> None:
        self.upsd = upsd
        self.transport: asyncio.Transport | None = None
        self.session: ClientSession | None = None
        self.tokenizer = Tokenizer(emit_empty=True)
        self.backlog: collections.deque[Words] = collections.deque()
        self.worker: asyncio.Task[None] | None = None
        self.write_paused = False

    # -- asyncio.Protocol ------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports quack like asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        addr = _peer_addr(transport)
        upsd = self.upsd
        if len(upsd.clients) >= upsd.maxconn:
            log.warning("Rejecting connection from %s: MAXCONN (%d) reached", addr, upsd.maxconn)
            transport.close()
            return
        self.session = ClientSession(upsd.state, addr, upsd.clock())
        upsd.clients[self.session] = self
        log.debug("Connect from %s", addr)

    def data_received(self, data: bytes) -> None:
        if self.session is None or self.session.closed:
            return
        self.backlog.extend(self.tokenizer.feed(data))
        if self.worker is None:
            self._answer_backlog()

    def connection_lost(self, exc: Exception | None) -> None:
        session = self.session
        if session is not None:
            log.debug("Disconnect %s%s", session.addr, f" ({exc})" if exc else "")
            session.logout()
            self.upsd.clients.pop(session, None)
        if self.worker is not None:
            self.worker.cancel()
        self.backlog.clear()

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.transport is not None and self.worker is None:
            self.transport.resume_reading()
            if self.backlog:
                self._answer_backlog()

    # -- answering ---------------------------------------------------------------

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _answer_backlog(self) -> None:
        """Answer what can be answered now; start the worker at the first effect."""
        session, transport = self.session, self.transport
        assert session is not None and transport is not None
        out: list[str] = []
        pending = 0
        clock = self.upsd.clock
        while self.backlog and not self.write_paused:
            words = self.backlog.popleft()
            if words.error is not None:
                log.info("Parse error on sock: %s", words.error)
                continue
            try:
                reply = session.handle(words.args, clock())
            except Exception:  # a bug answering one client must not take upsd down
                log.exception("closing connection from %s after an internal error", session.addr)
                transport.abort()
                return
            if session.effects:
                if out:
                    transport.write("".join(out).encode("ascii", "replace"))
                transport.pause_reading()
                self.worker = asyncio.ensure_future(self._work(reply))
                return
            out.append(reply)
            pending += len(reply)
            if session.closed:
                break
            if pending > _FLUSH_AT:
                transport.write("".join(out).encode("ascii", "replace"))
                out.clear()
                pending = 0
                if self.write_paused:
                    break  # the client is not reading: resume_writing() goes on
        if out:
            transport.write("".join(out).encode("ascii", "replace"))

    async def _work(self, reply: str) -> None:
        """Carry out one request's effects, then go on with the backlog."""
        session, transport = self.session, self.transport
        assert session is not None and transport is not None
        try:
            keep_open = await self._carry_out(session, transport, reply)
        except (ConnectionError, ssl.SSLError, OSError) as exc:
            log.debug("Disconnect %s (%s)", session.addr, exc)
            keep_open = False
        except asyncio.CancelledError:
            return
        except Exception:
            log.exception("closing connection from %s after an internal error", session.addr)
            keep_open = False
        self.worker = None
        if not keep_open:
            self.close()
            return
        if self.transport is not None and not self.write_paused:
            self.transport.resume_reading()
        if self.backlog:
            self._answer_backlog()

    async def _carry_out(
        self, session: ClientSession, transport: asyncio.Transport, reply: str
    ) -> bool:
        """Do what the session asked, writing ``reply`` at the right moment.

        Returns False when the connection must end.
        """
        effects, session.effects = session.effects, []
        first = effects[0]
        if isinstance(first, ToDriver):
            # NUT says OK only once the driver has the request.
            effects.pop(0)
            if not await self.upsd._to_driver(first):
                reply = _SEND_FAILED[type(first.request)]
        transport.write(reply.encode("ascii", "replace"))
        for effect in effects:
            if isinstance(effect, ToDriver):
                await self.upsd._to_driver(effect)  # verbs queue at most one, handled above
            elif isinstance(effect, StartTLS):
                ctx = self.upsd.ssl_context
                assert ctx is not None
                loop = asyncio.get_running_loop()
                new = await loop.start_tls(transport, self, ctx, server_side=True)
                if new is None:
                    return False
                self.transport = new
                session.tls = True
            elif isinstance(effect, Close):
                return False
        return True
