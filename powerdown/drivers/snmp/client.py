"""The SNMP session of snmp-ups, on pysnmp's asyncio API.

Strategy
--------
NUT's ``nut_snmp_init`` with the settings of ``docs/man/snmp-ups.txt``:
``snmp_version`` v1 (NUT's default), v2c or v3; ``community``; for v3
``secLevel``, ``secName``, ``authPassword``, ``privPassword``,
``authProtocol`` (MD5 default, SHA, SHA256, SHA384, SHA512) and
``privProtocol`` (DES default, AES, AES192, AES256 — net-snmp's AES192/256
extend the key as Blumenthal's draft does); ``snmp_retries`` (5) and
``snmp_timeout`` (1 s); ``port`` is ``host[:port]``.

Where NUT GETs one OID per request, we GET up to ``BATCH`` at a time.  An
object the agent lacks comes back as None (v2c/v3: noSuchObject /
noSuchInstance; v1: the request fails with noSuchName at an index, and is
sent again without it).  No answer at all (timeout, a wrong community, a
v3 authentication failure) raises ``DeviceError``: the framework marks the
data stale and the next poll tries again.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

with warnings.catch_warnings():
    # pysnmp 7.1 imports names pysmi has deprecated; not ours to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    from pysnmp.hlapi.v3arch import asyncio as hlapi
    from pysnmp.smi.compiler import add_mib_compiler
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.proto.rfc1902 import univ  # pyasn1, as pysnmp uses it

from powerdown.drivers.framework import DeviceError
from powerdown.drivers.snmp.poll import Kind, SetPlan, SetType, Value

__all__ = ["SnmpSettings", "SnmpClient", "SettingsError", "BATCH", "parse_port"]

#: OIDs per GET request.
BATCH = 16

AUTH_PROTOCOLS = {
    "MD5": hlapi.usmHMACMD5AuthProtocol,
    "SHA": hlapi.usmHMACSHAAuthProtocol,
    "SHA256": hlapi.usmHMAC192SHA256AuthProtocol,
    "SHA384": hlapi.usmHMAC256SHA384AuthProtocol,
    "SHA512": hlapi.usmHMAC384SHA512AuthProtocol,
}
PRIV_PROTOCOLS = {
    "DES": hlapi.usmDESPrivProtocol,
    "AES": hlapi.usmAesCfb128Protocol,
    "AES192": hlapi.usmAesBlumenthalCfb192Protocol,
    "AES256": hlapi.usmAesBlumenthalCfb256Protocol,
}
SEC_LEVELS = ("noAuthNoPriv", "authNoPriv", "authPriv")


class SettingsError(Exception):
    """A setting NUT refuses at start (``fatalx``); ``str`` is NUT's message."""


def parse_port(port: str) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` -> (host, port); 161 by default."""
    if port.startswith("["):
        host, _, rest = port[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else 161
    if port.count(":") == 1:
        host, _, number = port.partition(":")
        return host, int(number)
    return port, 161


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpSettings:
    """What ``nut_snmp_init`` reads from the driver's variables."""

    host: str
    port: int = 161
    version: str = "v1"
    community: str = "public"
    retries: int = 5
    timeout: float = 1.0
    sec_level: str = "noAuthNoPriv"
    sec_name: str | None = None
    auth_password: str | None = None
    priv_password: str | None = None
    auth_protocol: str = "MD5"
    priv_protocol: str = "DES"

    def check(self) -> None:
        """NUT's start-up checks, with its messages."""
        if self.version not in ("v1", "v2c", "v3"):
            raise SettingsError(f"Bad SNMP version: {self.version}")
        if self.version != "v3":
            return
        if self.sec_level not in SEC_LEVELS:
            raise SettingsError(f"Bad SNMPv3 securityLevel: {self.sec_level}")
        if self.sec_name is None:
            raise SettingsError("securityName is required for SNMPv3")
        if self.sec_level == "authNoPriv" and self.auth_password is None:
            raise SettingsError(f"authPassword is required for SNMPv3 in {self.sec_level} mode")
        if self.sec_level == "authPriv" and (
            self.auth_password is None or self.priv_password is None
        ):
            raise SettingsError(
                f"authPassword and privPassword are required for SNMPv3 in {self.sec_level} mode"
            )
        if self.auth_protocol not in AUTH_PROTOCOLS:
            raise SettingsError(f"Bad SNMPv3 authProtocol: {self.auth_protocol}")
        if self.priv_protocol not in PRIV_PROTOCOLS:
            raise SettingsError(f"Bad SNMPv3 privProtocol: {self.priv_protocol}")


def _auth_data(s: SnmpSettings) -> Any:
    if s.version in ("v1", "v2c"):
        return hlapi.CommunityData(s.community, mpModel=0 if s.version == "v1" else 1)
    assert s.sec_name is not None
    if s.sec_level == "noAuthNoPriv":
        return hlapi.UsmUserData(s.sec_name)
    auth = AUTH_PROTOCOLS[s.auth_protocol]
    if s.sec_level == "authNoPriv":
        return hlapi.UsmUserData(s.sec_name, authKey=s.auth_password, authProtocol=auth)
    return hlapi.UsmUserData(
        s.sec_name,
        authKey=s.auth_password,
        privKey=s.priv_password,
        authProtocol=auth,
        privProtocol=PRIV_PROTOCOLS[s.priv_protocol],
    )


_ABSENT = (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView)


def to_value(obj: Any) -> Value | None:
    """A pysnmp value as NUT's decoders see it (by ASN.1 base type: agents vary)."""
    if isinstance(obj, _ABSENT):
        return None
    if isinstance(obj, rfc1902.TimeTicks):
        return Value.ticks(int(obj))
    if isinstance(obj, rfc1902.IpAddress):
        return Value(kind=Kind.OTHER, data=bytes(obj))
    if isinstance(obj, univ.Integer):  # also Counter32/64, Gauge32, Unsigned32
        return Value.integer(int(obj))
    if isinstance(obj, univ.OctetString):  # also Opaque
        return Value.string(bytes(obj))
    if isinstance(obj, univ.ObjectIdentifier):
        return Value.object_id(str(obj))
    return Value(kind=Kind.OTHER)


class SnmpClient:
    """One agent, GET and SET; every failure to talk is a ``DeviceError``."""

    def __init__(self, settings: SnmpSettings) -> None:
        settings.check()
        self.settings = settings
        self.engine = hlapi.SnmpEngine()
        with warnings.catch_warnings():
            # pysnmp adds its MIB compiler at the first request, through names
            # pysmi has deprecated; done here once, quietly (we never compile).
            warnings.simplefilter("ignore", DeprecationWarning)
            add_mib_compiler(self.engine.get_mib_builder(), ifAvailable=True, ifNotAdded=True)
        self.auth = _auth_data(settings)
        self.context = hlapi.ContextData()
        self._target: Any = None

    async def _transport(self) -> Any:
        if self._target is None:
            s = self.settings
            try:
                self._target = await hlapi.UdpTransportTarget.create(
                    (s.host, s.port), timeout=s.timeout, retries=s.retries
                )
            except Exception as exc:  # name resolution: pysnmp wraps socket errors
                raise DeviceError(f"can't reach {s.host}:{s.port}: {exc}") from exc
        return self._target

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    async def get(self, oids: Sequence[str]) -> dict[str, Value | None]:
        """The values of these OIDs (None for those the agent does not have)."""
        result: dict[str, Value | None] = {}
        for start in range(0, len(oids), BATCH):
            result.update(await self._get_batch(list(oids[start : start + BATCH])))
        return result

    async def _get_batch(self, oids: list[str]) -> dict[str, Value | None]:
        result: dict[str, Value | None] = {}
        pending = list(oids)
        while pending:
            target = await self._transport()
            err_indication, err_status, err_index, var_binds = await hlapi.get_cmd(
                self.engine,
                self.auth,
                target,
                self.context,
                *(hlapi.ObjectType(hlapi.ObjectIdentity(oid)) for oid in pending),
                lookupMib=False,
            )
            if err_indication:
                raise DeviceError(f"no answer from {self._where()}: {err_indication}")
            if err_status:
                status = err_status.prettyPrint()
                index = int(err_index) - 1
                if status == "noSuchName" and 0 <= index < len(pending):
                    # SNMPv1: the whole request fails for one missing object.
                    result[pending.pop(index)] = None
                    continue
                if status == "tooBig" and len(pending) > 1:
                    half = len(pending) // 2
                    result.update(await self._get_batch(pending[:half]))
                    result.update(await self._get_batch(pending[half:]))
                    return result
                for oid in pending:
                    result[oid] = None
                return result
            for oid, (_, value) in zip(pending, var_binds, strict=True):
                result[oid] = to_value(value)
            return result
        return result

    async def set(self, plan: SetPlan) -> bool:
        """One SET; False when the agent refuses it (``nut_snmp_set``)."""
        value: Any
        if plan.type is SetType.STRING:
            value = rfc1902.OctetString(str(plan.value))
        elif plan.type is SetType.TIMETICKS:
            value = rfc1902.TimeTicks(int(plan.value))
        else:
            value = rfc1902.Integer32(int(plan.value))
        target = await self._transport()
        err_indication, err_status, _, _ = await hlapi.set_cmd(
            self.engine,
            self.auth,
            target,
            self.context,
            hlapi.ObjectType(hlapi.ObjectIdentity(plan.oid), value),
            lookupMib=False,
        )
        if err_indication:
            raise DeviceError(f"no answer from {self._where()}: {err_indication}")
        return not err_status

    def close(self) -> None:
        self.engine.close_dispatcher()
