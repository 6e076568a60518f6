"""dummy-ups in repeater mode: one UPS of another upsd, served as our own.

Strategy
--------
``port = ups@host[:port]`` (NUT's ``upscli_splitname``).  Each poll lists
the remote UPS's variables (``LIST VAR``) and publishes them, except
``driver.*``, which are ours; a variable that disappears there is removed
here.  Where NUT's repeater gives every variable dummy-ups' default flags
and offers no commands, we mirror the UPS as it is: its writable variables
with their real types, enums and ranges (``LIST RW`` / ``GET TYPE``, asked
once per connection), and its instant commands (``LIST CMD``).  ``SET`` and
``INSTCMD`` are forwarded on a second connection logged in with the
``username`` / ``password`` driver settings, with tracking, so the client
of our upsd learns how the remote UPS answered.

A remote upsd that goes away, or a UPS it calls stale, makes our data
stale (``DeviceError``); the next poll reconnects.  At start, a remote that
cannot be reached is fatal unless ``repeater_disable_strict_start`` is set,
as in NUT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from powerdown.client.address import AddressError, split_name
from powerdown.client.aio import AsyncNutClient
from powerdown.client.errors import ClientError, strerror
from powerdown.drivers.dstate import Dstate
from powerdown.drivers.framework import DeviceError, Status
from powerdown.protocol.errors import ErrToken, NutError, ProtocolError
from powerdown.state.tree import Flag

__all__ = ["Repeater", "TRACKING_TIMEOUT"]

#: How long a forwarded command may stay PENDING at the remote upsd.
TRACKING_TIMEOUT = 10.0
_TRACKING_POLL = 0.1
_TIMEOUT = 5.0

_STATUS_OF_ERR: dict[ErrToken | str, Status] = {
    ErrToken.CMD_NOT_SUPPORTED: Status.UNKNOWN,
    ErrToken.VAR_NOT_SUPPORTED: Status.UNKNOWN,
    ErrToken.UNKNOWN_COMMAND: Status.UNKNOWN,
    ErrToken.INVALID_ARGUMENT: Status.INVALID,
    ErrToken.INVALID_VALUE: Status.INVALID,
    ErrToken.TOO_LONG: Status.INVALID,
    ErrToken.READONLY: Status.INVALID,
}


def _tracking_status(reply: str) -> Status | None:
    """``GET TRACKING`` reply -> result; ``None`` while PENDING."""
    if reply == "PENDING":
        return None
    if reply == "SUCCESS":
        return Status.HANDLED
    token = reply.removeprefix("ERR ").split(" ", 1)[0]
    return {"UNKNOWN": Status.UNKNOWN, "INVALID-ARGUMENT": Status.INVALID}.get(token, Status.FAILED)


def _type_flags(words: tuple[str, ...]) -> tuple[Flag, int | None, str | None]:
    """``GET TYPE`` words -> flags, string length, and ``ENUM``/``RANGE`` if any."""
    flags, aux, kind = Flag.NONE, None, None
    for word in words:
        if word == "RW":
            flags |= Flag.RW
        elif word.startswith("STRING:"):
            flags |= Flag.STRING
            with contextlib.suppress(ValueError):
                aux = int(word.split(":", 1)[1])
        elif word == "NUMBER":
            flags |= Flag.NUMBER
        elif word in ("ENUM", "RANGE"):
            kind = word
    return flags, aux, kind


class Repeater:
    """The connections to the remote upsd and what we learnt of the UPS."""

    def __init__(
        self,
        port: str,
        *,
        username: str | None,
        password: str | None,
        strict: bool,
        log: logging.Logger,
    ) -> None:
        try:
            where = split_name(port)
        except AddressError as exc:
            raise DeviceError(
                "Error: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]"
            ) from exc
        assert where.upsname is not None
        self.upsname = where.upsname
        self.host = where.host
        self.port = where.port
        self.username = username
        self.password = password
        self.strict = strict
        self.log = log
        self.client: AsyncNutClient | None = None
        self.commander: AsyncNutClient | None = None
        self.mirrored: set[str] = set()
        self.typed = False
        self.cmd_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"Repeater({self.upsname}@{self.host}:{self.port})"

    async def start(self, dstate: Dstate) -> None:
        """First contact; fatal when strict, else start stale and keep trying."""
        try:
            await self.update(dstate)
        except DeviceError as exc:
            if self.strict:
                raise DeviceError(
                    f"Error: {exc}. Any errors encountered starting the repeater mode "
                    "result in driver termination, perhaps you want to set the "
                    "'repeater_disable_strict_start' option?"
                ) from exc
            self.log.warning("Warning: %s", exc)
            dstate.datastale()

    async def _connect(self) -> AsyncNutClient:
        if self.client is None:
            try:
                self.client = await AsyncNutClient.connect(
                    self.host, self.port, timeout=_TIMEOUT, connect_timeout=_TIMEOUT
                )
            except ClientError as exc:
                raise DeviceError(strerror(exc)) from exc
            self.typed = False
            self.log.debug("Connected to %s@%s", self.upsname, self.host)
        return self.client

    async def _drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close(logout=False)

    async def update(self, dstate: Dstate) -> None:
        """One poll of the remote UPS."""
        client = await self._connect()
        try:
            values = await client.list_var(self.upsname)
            if not self.typed:
                await self._mirror_types(client, dstate)
        except NutError as exc:
            raise DeviceError(f"{self.upsname}@{self.host}: {exc.line}") from exc
        except (ClientError, ProtocolError, OSError) as exc:
            await self._drop()
            raise DeviceError(f"{self.upsname}@{self.host}: {exc}") from exc
        self._publish(dstate, values)

    def _publish(self, dstate: Dstate, values: dict[str, str]) -> None:
        seen = set()
        for name, value in values.items():
            if name.lower().startswith("driver."):
                continue
            seen.add(name.lower())
            if name.lower() == "ups.status":
                dstate.status_init()
                dstate.status_set(value)
                dstate.status_commit()
            else:
                dstate.setinfo(name, value)
        for gone in self.mirrored - seen:
            dstate.delinfo(gone)
        self.mirrored = seen

    async def _mirror_types(self, client: AsyncNutClient, dstate: Dstate) -> None:
        for cmd in await client.list_cmd(self.upsname):
            dstate.addcmd(cmd)
        for name, value in (await client.list_rw(self.upsname)).items():
            if name.lower().startswith("driver."):
                continue
            dstate.setinfo(name, value)
            flags, aux, kind = _type_flags(await client.get_type(self.upsname, name))
            dstate.setflags(name, flags | Flag.RW)
            if aux is not None:
                dstate.setaux(name, aux)
            if kind == "ENUM":
                for option in await client.list_enum(self.upsname, name):
                    dstate.addenum(name, option)
            elif kind == "RANGE":
                for low, high in await client.list_range(self.upsname, name):
                    with contextlib.suppress(ValueError):
                        dstate.addrange(name, int(low), int(high))
        self.typed = True

    # -- forwarding ---------------------------------------------------------------

    async def _commander(self) -> AsyncNutClient:
        if self.commander is None:
            client = await AsyncNutClient.connect(
                self.host, self.port, timeout=_TIMEOUT, connect_timeout=_TIMEOUT
            )
            try:
                if self.username is not None:
                    await client.username(self.username)
                if self.password is not None:
                    await client.password(self.password)
                with contextlib.suppress(NutError):
                    await client.set_tracking(True)
            except BaseException:
                await client.close(logout=False)
                raise
            self.commander = client
        return self.commander

    async def _forward(self, what: str, send: str, *args: str) -> Status:
        async with self.cmd_lock:
            try:
                client = await self._commander()
                method = client.instcmd if send == "instcmd" else client.set_var
                ident = await method(self.upsname, *args)
                if ident is None:
                    return Status.HANDLED
                return await self._await_tracking(client, ident)
            except NutError as exc:
                self.log.warning("%s: remote upsd said %s", what, exc.line)
                return _STATUS_OF_ERR.get(exc.token, Status.FAILED)
            except (ClientError, ProtocolError, OSError) as exc:
                self.log.warning("%s: can't reach the remote upsd: %s", what, exc)
                commander, self.commander = self.commander, None
                if commander is not None:
                    with contextlib.suppress(Exception):
                        await commander.close(logout=False)
                return Status.FAILED

    async def _await_tracking(self, client: AsyncNutClient, ident: str) -> Status:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TRACKING_TIMEOUT
        while True:
            status = _tracking_status(await client.get_tracking(ident))
            if status is not None:
                return status
            if loop.time() > deadline:
                return Status.FAILED
            await asyncio.sleep(_TRACKING_POLL)

    async def instcmd(self, name: str, param: str | None) -> Status:
        args = (name,) if param is None else (name, param)
        return await self._forward(f"INSTCMD {name}", "instcmd", *args)

    async def setvar(self, name: str, value: str) -> Status:
        return await self._forward(f"SET {name}", "set_var", name, value)

    async def close(self) -> None:
        await self._drop()
        commander, self.commander = self.commander, None
        if commander is not None:
            with contextlib.suppress(Exception):
                await commander.close()
