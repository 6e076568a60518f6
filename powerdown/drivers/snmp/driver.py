"""snmp-ups: UPSes and PDUs with an SNMP agent, as NUT's ``snmp-ups`` driver.

Strategy
--------
NUT's ``docs/man/snmp-ups.txt``.  ``initups`` opens the session
(``client``) and picks the mapping table: with ``mibs=auto`` (the default)
the one whose ``sysOID`` equals the agent's ``sysObjectID.0`` and whose
model OID answers, else the first table, in NUT's order, whose model OID
answers (``ietf`` last); a named table must answer too.  ``initinfo``
lists the commands whose OID exists and walks the whole table once;
``updateinfo`` walks it again every ``pollfreq`` seconds (30), rebuilding
``ups.status`` and ``ups.alarm``.  The walks are ``poll.Walker``'s, fed
with batched GETs.  SET and instant commands are SNMP SETs planned by
``poll.plan_set``.  ``-k`` writes ``ondelay``/``offdelay`` to
``ups.delay.start``/``ups.delay.shutdown`` and then tries
``shutdown.return``, ``shutdown.reboot`` and ``load.off.delay``, as NUT.

An agent that stops answering makes the poll fail (``DeviceError``): the
data goes stale, and the next walk that gets answers makes it good again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from powerdown.drivers.framework import DeviceError, Driver, DriverContext, Status
from powerdown.drivers.main import run_driver
from powerdown.drivers.options import DriverVar
from powerdown.drivers.snmp.client import SettingsError, SnmpClient, SnmpSettings, parse_port
from powerdown.drivers.snmp.mib import INFOSIZE, Mib2Nut
from powerdown.drivers.snmp.mibs import MIBS
from powerdown.drivers.snmp.poll import SetPlan, Walk, Walker, decode_string, norm, plan_set

__all__ = ["SnmpUps", "main", "MIBS", "DEFAULT_POLLFREQ"]

DEFAULT_POLLFREQ = 30
SYSOID_OID = "1.3.6.1.2.1.1.2.0"
SYS_OIDS = (
    ("device.description", "1.3.6.1.2.1.1.1.0"),
    ("device.contact", "1.3.6.1.2.1.1.4.0"),
    ("device.location", "1.3.6.1.2.1.1.6.0"),
)


def _int(ctx: DriverContext, name: str, default: int) -> int:
    value = ctx.getval(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


def mibs_listing() -> str:
    """``mibs=--list``: the tables and their order."""
    lines = [
        "The 'mibs' argument is '--list', so just listing the mappings this driver knows,",
        "and for 'mibs=auto' these mappings will be tried in the following order until",
        "the first one matches your device",
        "",
        f"{'NUMBER':>7}\t{'MAPPING NAME':<23}\t{'VERSION':<7}\t{'ENTRY POINT OID':<31}\t"
        "AUTO CHECK OID",
    ]
    for i, mib in enumerate(MIBS, 1):
        lines.append(
            f" {i:4d} \t{mib.name:<23}\t{mib.version:>7}\t{mib.sysoid or '<NULL>':<31}\t"
            f"{mib.auto_check_oid or '<NULL>'}"
        )
    lines.append("")
    lines.append(f"Overall this driver has loaded {len(MIBS)} MIB-to-NUT mapping tables")
    return "\n".join(lines)


class SnmpUps(Driver):
    name = "snmp-ups"
    description = "Generic SNMP UPS driver"
    version = "1.21"
    variables = (
        DriverVar(
            name="mibs",
            desc="NOTE: You can run the driver binary with '-x mibs=--list' for an up to date "
            "listing)\nSet MIB compliance (default=ietf, allowed: mge,apcc,netvision,pw,"
            "cpqpower,...)",
        ),
        DriverVar(name="community", desc="Set community name (default=public)", sensitive=True),
        DriverVar(name="snmp_version", desc="Set SNMP version (default=v1, allowed: v2c,v3)"),
        DriverVar(
            name="pollfreq",
            desc="Set polling frequency in seconds, to reduce network flow (default=30)",
        ),
        DriverVar(
            name="semistaticfreq",
            desc="Set semistatic value update frequency in update cycles, to reduce network "
            "flow (default=10)",
        ),
        DriverVar(
            name="snmp_retries",
            desc="Specifies the number of Net-SNMP retries to be used in the requests (default=5)",
        ),
        DriverVar(
            name="snmp_timeout",
            desc="Specifies the Net-SNMP timeout in seconds between retries (default=1)",
        ),
        DriverVar(
            name="notransferoids", desc="Disable transfer OIDs (use on APCC Symmetras)", value=False
        ),
        DriverVar(
            name="symmetrathreephase",
            desc="Enable APCC three phase Symmetra quirks (use on APCC three phase Symmetras)",
            value=False,
        ),
        DriverVar(
            name="secLevel",
            desc="Set the securityLevel used for SNMPv3 messages (default=noAuthNoPriv, "
            "allowed: authNoPriv,authPriv)",
        ),
        DriverVar(
            name="secName",
            desc="Set the securityName used for authenticated SNMPv3 messages (no default)",
            sensitive=True,
        ),
        DriverVar(
            name="authPassword",
            desc="Set the authentication pass phrase used for authenticated SNMPv3 messages "
            "(no default)",
            sensitive=True,
        ),
        DriverVar(
            name="privPassword",
            desc="Set the privacy pass phrase used for encrypted SNMPv3 messages (no default)",
            sensitive=True,
        ),
        DriverVar(
            name="authProtocol",
            desc="Set the authentication protocol (MD5, SHA, SHA256, SHA384, SHA512) used for "
            "authenticated SNMPv3 messages (default=MD5 if available)",
        ),
        DriverVar(
            name="privProtocol",
            desc="Set the privacy protocol (DES, AES, AES192, AES256) used for encrypted "
            "SNMPv3 messages (default=DES if available)",
        ),
        DriverVar(name="ondelay", desc="Set start delay time after shutdown"),
        DriverVar(name="offdelay", desc="Set delay time before shutdown "),
    )

    def __init__(self) -> None:
        self.client: SnmpClient | None = None
        self.mib: Mib2Nut | None = None
        self.walker: Walker | None = None
        self.pollfreq = DEFAULT_POLLFREQ
        self.lastpoll: float | None = None
        self.comm_ok = False

    # -- helpers -------------------------------------------------------------

    async def drive(self, walk: Walk) -> bool:
        """Run a walk, answering its requests with GETs."""
        assert self.client is not None
        try:
            oids = next(walk)
            while True:
                answers = await self.client.get(oids)
                oids = walk.send(answers)
        except StopIteration as stop:
            result: bool = stop.value
            return result

    async def _answers(self, oid: str) -> bool:
        assert self.client is not None
        return (await self.client.get([norm(oid)]))[norm(oid)] is not None

    async def _model_answers(self, mib: Mib2Nut) -> bool:
        """``match_model_OID``: the table's model OID exists on this agent."""
        row = mib.find("device.model") or mib.find("ups.model")
        if row is None or row.oid is None:
            return False
        return await self._answers(row.oid.replace("%i", "0", 1))

    async def _detect(self, ctx: DriverContext, wanted: str) -> Mib2Nut:
        """``load_mib2nut``."""
        assert self.client is not None
        where = f"[{ctx.upsname}] (host {ctx.device_path})"
        if wanted == "auto":
            answer = (await self.client.get([SYSOID_OID]))[SYSOID_OID]
            sysoid = norm(answer.oid) if answer is not None and answer.oid else None
            if sysoid is not None:
                for mib in MIBS:
                    if mib.sysoid and norm(mib.sysoid) == sysoid:
                        if await self._model_answers(mib):
                            return mib
                ctx.log.error(
                    "No matching MIB found for sysOID '%s'!\n"
                    "Please report it to NUT developers, with an 'upsc' output for your "
                    "device.\nGoing back to the classic MIB detection method.",
                    "." + sysoid,
                )
        seen = False
        for mib in MIBS:
            if wanted != "auto" and wanted != mib.name:
                continue
            seen = True
            if await self._model_answers(mib):
                return mib
        if wanted == "auto":
            raise DeviceError(f"No supported device detected at {where}")
        if seen:
            raise DeviceError(
                f"Requested 'mibs' value '{wanted}' did not match this device {where}"
            )
        raise DeviceError(f"Unknown 'mibs' value: {wanted}")

    def _settings(self, ctx: DriverContext) -> SnmpSettings:
        host, port = parse_port(ctx.device_path)
        get = ctx.getval
        return SnmpSettings(
            host=host,
            port=port,
            version=get("snmp_version") or "v1",
            community=get("community") or "public",
            retries=_int(ctx, "snmp_retries", 5),
            timeout=float(_int(ctx, "snmp_timeout", 1)),
            sec_level=get("secLevel") or "noAuthNoPriv",
            sec_name=get("secName"),
            auth_password=get("authPassword"),
            priv_password=get("privPassword"),
            auth_protocol=get("authProtocol") or "MD5",
            priv_protocol=get("privProtocol") or "DES",
        )

    # -- hooks ------------------------------------------------------------------

    async def initups(self, ctx: DriverContext) -> None:
        wanted = ctx.getval("mibs") or "auto"
        if wanted == "--list":
            print(mibs_listing(), flush=True)
            raise SystemExit(0)
        try:
            self.client = SnmpClient(self._settings(ctx))
        except SettingsError as exc:
            raise DeviceError(str(exc)) from exc
        mib = await self._detect(ctx, wanted)
        self.mib = mib
        self.walker = Walker(
            mib,
            notransferoids=ctx.testvar("notransferoids"),
            semistaticfreq=_int(ctx, "semistaticfreq", 10),
        )
        self.pollfreq = _int(ctx, "pollfreq", DEFAULT_POLLFREQ)
        row = mib.find("ups.model") or mib.find("device.model")
        model = ""
        if row is not None and row.oid is not None:
            got = (await self.client.get([norm(row.oid.replace("%i", "0", 1))])).popitem()[1]
            if got is not None and got.data:
                model = decode_string(got.data)
        ctx.log.info(
            "Detected %s on host %s (mib: %s %s)", model, ctx.device_path, mib.name, mib.version
        )
        dstate = ctx.dstate
        try:
            await self.drive(self.walker.daisy_init(dstate))
        except NotImplementedError as exc:
            raise DeviceError(f"not supported: {exc}") from exc
        if mib.find("load.off.delay"):
            dstate.addcmd("load.off")
        if mib.find("load.on.delay"):
            dstate.addcmd("load.on")
        if mib.find("load.off.delay") and mib.find("load.on.delay"):
            dstate.addcmd("shutdown.return")
            dstate.addcmd("shutdown.stayoff")
        # sysDescr, sysContact, sysLocation for tables that lack them (read once).
        sys_values = await self.client.get([oid for _, oid in SYS_OIDS])
        for name, oid in SYS_OIDS:
            value = sys_values[oid]
            if dstate.getinfo(name) is None and value is not None:
                text = decode_string(value.data) if value.data else ""
                dstate.setinfo(name, text[: INFOSIZE - 1])
        await self._set_delays(ctx)

    async def initinfo(self, ctx: DriverContext) -> None:
        assert self.mib is not None and self.walker is not None
        ctx.dstate.setinfo("driver.version.data", f"{self.mib.name} MIB {self.mib.version}")
        await self.drive(self.walker.probe_commands(ctx.dstate))
        ctx.dstate.status_init()
        await self.drive(self.walker.walk(ctx.dstate, init=True))
        self.comm_ok = True

    async def updateinfo(self, ctx: DriverContext) -> None:
        assert self.walker is not None
        now = time.monotonic()
        if self.lastpoll is not None and now <= self.lastpoll + self.pollfreq:
            if not self.comm_ok:
                raise DeviceError("the agent did not answer the last walk")
            return
        dstate = ctx.dstate
        dstate.alarm_init()
        dstate.status_init()
        try:
            await self.drive(self.walker.walk(dstate, init=False))
        except DeviceError:
            self.comm_ok = False
            self.lastpoll = time.monotonic()
            raise
        self.comm_ok = True
        if self.walker.daisy:
            # NUT commits the status first on daisy-chain tables, so that
            # ups.status never shows ALARM on them (alarm_init cleared it).
            dstate.status_commit()
            dstate.alarm_commit()
        else:
            dstate.alarm_commit()
            dstate.status_commit()
        self.lastpoll = time.monotonic()

    async def _set(self, ctx: DriverContext, name: str, value: str | None, command: bool) -> Status:
        assert self.walker is not None and self.client is not None
        plan = plan_set(self.walker, ctx.dstate, name, value, command=command)
        if not isinstance(plan, SetPlan):
            ctx.log.info("%s: [%s] refused: %s", "instcmd" if command else "setvar", name, plan)
            return plan
        try:
            done = await self.client.set(plan)
        except DeviceError as exc:
            ctx.log.warning("can't set %s: %s", plan.oid, exc)
            return Status.FAILED
        if not done:
            return Status.FAILED
        if plan.publish is not None:
            ctx.dstate.setinfo(name, plan.publish)
        return Status.HANDLED

    async def instcmd(self, ctx: DriverContext, name: str, param: str | None) -> Status:
        return await self._set(ctx, name, param, command=True)

    async def setvar(self, ctx: DriverContext, name: str, value: str) -> Status:
        return await self._set(ctx, name, value, command=False)

    async def _set_delays(self, ctx: DriverContext) -> None:
        """``set_delays``: ``ondelay``/``offdelay`` go to the UPS at start."""
        for var, name in (("ondelay", "ups.delay.start"), ("offdelay", "ups.delay.shutdown")):
            value = _int(ctx, var, -1)
            if value >= 0:
                await self.setvar(ctx, name, str(value))

    async def shutdown(self, ctx: DriverContext) -> None:
        for command in ("shutdown.return", "shutdown.reboot", "load.off.delay"):
            if await self.instcmd(ctx, command, None) is Status.HANDLED:
                return
        raise DeviceError("Shutdown failed!")

    async def cleanup(self, ctx: DriverContext) -> None:
        if self.client is not None:
            self.client.close()


def main(argv: Sequence[str] | None = None) -> int:
    return run_driver(SnmpUps, argv)


if __name__ == "__main__":
    raise SystemExit(main())
