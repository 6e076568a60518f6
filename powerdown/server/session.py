"""One network client of upsd, as a pure state machine.

Strategy
--------
The asyncio shell tokenizes what the client sends and hands each line to
:meth:`ClientSession.handle` with the current time.  The session answers with
the reply text (one string, written in one go) and queues *effects* for the
shell to carry out: a line for a driver, a TLS upgrade, closing the
connection.  Nothing here touches a socket or a clock, so every rule of the
protocol can be tested by feeding words in and reading replies out.

The login state follows NUT's ``nut_ctype_t``: USERNAME and PASSWORD may be
given once each, in any order; commands flagged "needs a user" (LOGIN,
PRIMARY/MASTER, FSD, SET, INSTCMD) ask for whichever is missing first, and
the password itself is only checked by the command that needs a permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from powerdown.protocol.errors import ErrToken
from powerdown.server.effects import Effect
from powerdown.server.verbs import dispatch

if TYPE_CHECKING:
    from powerdown.server.state import ServerState, Ups

__all__ = ["ClientSession", "IDLE_TIMEOUT"]

#: upsd sheds a client it has not heard from for a minute.
IDLE_TIMEOUT = 60.0


class ClientSession:
    __slots__ = (
        "server",
        "addr",
        "username",
        "password",
        "login_ups",
        "tracking",
        "tls",
        "last_heard",
        "effects",
        "closed",
    )

    def __init__(self, server: ServerState, addr: str, now: float) -> None:
        self.server = server
        self.addr = addr
        self.username: str | None = None
        self.password: str | None = None
        self.login_ups: Ups | None = None
        self.tracking = False
        self.tls = False
        self.last_heard = now
        self.effects: list[Effect] = []
        self.closed = False
        server.sessions.insert(0, self)

    def handle(self, args: tuple[str, ...], now: float) -> str:
        """Answer one request line; effects are left in :attr:`effects`."""
        self.last_heard = now
        return dispatch(self, args, now)

    def idle_expired(self, now: float) -> bool:
        return now - self.last_heard > IDLE_TIMEOUT

    def logout(self) -> None:
        """The connection is gone: give back its LOGIN and forget it."""
        if self.closed:
            return
        self.closed = True
        if self.login_ups is not None:
            self.login_ups.numlogins = max(0, self.login_ups.numlogins - 1)
            self.login_ups = None
        try:
            self.server.sessions.remove(self)
        except ValueError:
            pass

    # -- permission helpers used by the verbs ---------------------------------

    def may(self, action: str) -> bool:
        if self.username is None or self.password is None:
            return False
        return self.server.users.check_action(self.username, self.password, action)

    def may_instcmd(self, cmd: str) -> bool:
        if self.username is None or self.password is None:
            return False
        return self.server.users.check_instcmd(self.username, self.password, cmd)

    def missing_credentials(self) -> ErrToken | None:
        if self.username is None:
            return ErrToken.USERNAME_REQUIRED
        if self.password is None:
            return ErrToken.PASSWORD_REQUIRED
        return None
