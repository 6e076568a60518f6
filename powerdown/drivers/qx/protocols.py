"""The protocols nutdrv_qx speaks, in the order ``protocol = auto`` tries them.

Strategy
--------
NUT's ``nutdrv_qx.c`` keeps a list of subdrivers and, unless ``protocol``
names one, asks each in turn to claim the device (three tries each) until
one does.  A claim is a short exchange: the status query, and for some
protocols the vendor or protocol query too.  We keep NUT's order; the
protocols we do not implement yet are listed (``Protocol.items`` empty)
so that ``protocol = voltronic-qs-hex`` fails with a clear message and the
auto-detection order stays NUT's.

Pure: tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from powerdown.drivers.qx import bestups, blazer, mecer, voltronic
from powerdown.drivers.qx.items import Item, Lookup, QxFlag
from powerdown.state.tree import Flag

__all__ = ["Protocol", "PROTOCOLS", "by_name", "Flags"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Flags:
    """The driver flags a protocol's ``initups`` looks at."""

    norating: bool = False
    novendor: bool = False
    ignoresab: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Protocol:
    """A subdriver: NUT's ``subdriver_t``."""

    #: what ``protocol =`` names it
    name: str
    #: ``driver.version.data``
    version: str
    items: tuple[Item, ...] = ()
    #: the variables the claim reads, in order; ``vendor`` ones only without ``novendor``
    claim: tuple[str, ...] = ()
    claim_vendor: tuple[str, ...] = ()
    #: claim variables whose query the UPS may refuse (``rejected``) and still be
    #: claimed; the query is then skipped (mecer's ``QPI``)
    claim_refused: frozenset[str] = frozenset()
    #: the reply that means "command accepted", and the one that means "refused"
    accepted: str | None = None
    rejected: str | None = None
    #: the items ``norating``/``novendor``/``ignoresab`` turn off
    initups: Callable[[tuple[Item, ...], Flags], set[int]] = field(
        default=lambda items, flags: set()
    )

    @property
    def implemented(self) -> bool:
        return bool(self.items)


def _blazer_skips(items: tuple[Item, ...], flags: Flags) -> set[int]:
    return blazer.skips(
        items, norating=flags.norating, novendor=flags.novendor, ignoresab=flags.ignoresab
    )


def _light_skips(items: tuple[Item, ...], flags: Flags) -> set[int]:
    return blazer.skips(items, norating=False, novendor=False, ignoresab=flags.ignoresab)


def _qs_protocol(item: Item, raw: str, get: Lookup) -> str | None:
    if raw.lower() != "v":
        return None
    return f"PM-{raw}"


def _voltronic_qs_items() -> tuple[Item, ...]:
    status = tuple(
        Item(
            name="output.frequency",
            command=i.command,
            answer_len=i.answer_len,
            leading=i.leading,
            start=i.start,
            end=i.end,
            fmt=i.fmt,
            flags=i.flags,
        )
        if i.name == "input.frequency"
        else i
        for i in blazer.status_items("QS\r")
    )

    def rating(name: str, start: int, end: int, fmt: str) -> Item:
        return Item(
            name=name,
            command="F\r",
            answer_len=22,
            leading="#",
            start=start,
            end=end,
            fmt=fmt,
            flags=QxFlag.STATIC,
        )

    def cmd(name: str, command: str, build: bool = False) -> Item:
        built = blazer.command_item(name, command, blazer.shutdown_command if build else None)
        return replace(built, start=1, end=3)

    delays = QxFlag.ABSENT | QxFlag.SETVAR | QxFlag.RANGE
    return (
        (
            Item(
                name="ups.firmware.aux",
                command="M\r",
                answer_len=2,
                fmt="PM-%s",
                flags=QxFlag.STATIC,
                process=_qs_protocol,
            ),
        )
        + status
        + (
            rating("output.voltage.nominal", 1, 5, "%.0f"),
            rating("output.current.nominal", 7, 9, "%.1f"),
            rating("battery.voltage.nominal", 11, 15, "%.1f"),
            rating("output.frequency.nominal", 17, 20, "%.0f"),
            cmd("beeper.toggle", "Q\r"),
            cmd("load.off", "S00R0000\r"),
            cmd("load.on", "C\r"),
            cmd("shutdown.return", "S%s\r", build=True),
            cmd("shutdown.stayoff", "S%sR0000\r", build=True),
            cmd("shutdown.stop", "C\r"),
            cmd("test.battery.start.quick", "T\r"),
            Item(
                name="ups.delay.start",
                fmt=blazer.DEFAULT_ONDELAY,
                flags=delays,
                info_flags=Flag.RW,
                rw=("60", "599940"),
                build=blazer.delay_setvar,
            ),
            Item(
                name="ups.delay.shutdown",
                fmt=blazer.DEFAULT_OFFDELAY,
                flags=delays,
                info_flags=Flag.RW,
                rw=("12", "540"),
                build=blazer.delay_setvar,
            ),
        )
    )


def _hunnox_items() -> tuple[Item, ...]:
    """Zinto's table with every ``Q1`` reading polled each time, and other default delays."""
    status = tuple(
        replace(i, flags=i.flags | QxFlag.QUICK_POLL) if i.process is None else i
        for i in blazer.status_items("Q1\r")
    )
    start, shutdown = blazer.delay_items()
    return (
        status
        + blazer.rating_items()
        + blazer.vendor_items("FW?\r")
        + blazer.command_items()
        + (replace(start, fmt="0"), replace(shutdown, fmt="60"))
    )


PROTOCOLS: tuple[Protocol, ...] = (
    Protocol(
        name="voltronic",
        version=voltronic.VERSION,
        items=voltronic.items(),
        claim=("input.voltage", "ups.firmware.aux"),
        accepted="ACK",
        rejected="(NAK\r",
    ),
    Protocol(
        name="voltronic-qs",
        version="Voltronic-QS 0.07",
        items=_voltronic_qs_items(),
        claim=("ups.firmware.aux", "input.voltage"),
        initups=_light_skips,
    ),
    Protocol(name="voltronic-qs-hex", version="Voltronic-QS-Hex 0.10"),
    Protocol(
        name="mustek",
        version="Mustek 0.07",
        items=blazer.table("QS\r", "I\r"),
        claim=("input.voltage",),
        accepted="ACK",
        initups=_blazer_skips,
    ),
    Protocol(
        name="megatec/old",
        version="Megatec/old 0.07",
        items=blazer.table("D\r", "I\r"),
        claim=("input.voltage",),
        accepted="ACK",
        initups=_blazer_skips,
    ),
    Protocol(
        name="bestups",
        version=bestups.VERSION,
        items=bestups.items(),
        claim=("input.voltage", "device.model"),
        initups=_light_skips,
    ),
    Protocol(
        name="mecer",
        version=mecer.VERSION,
        items=mecer.items(),
        claim=("input.voltage", "ups.firmware.aux"),
        claim_refused=frozenset({"ups.firmware.aux"}),
        accepted="ACK",
        rejected="(NAK\r",
        initups=_blazer_skips,
    ),
    Protocol(
        name="megatec",
        version="Megatec 0.06",
        items=blazer.table("Q1\r", "I\r"),
        claim=("input.voltage",),
        claim_vendor=("ups.firmware",),
        accepted="ACK",
        initups=_blazer_skips,
    ),
    Protocol(
        name="zinto",
        version="Zinto 0.06",
        items=blazer.table("Q1\r", "FW?\r"),
        claim=("input.voltage",),
        claim_vendor=("ups.firmware",),
        accepted="ACK",
        initups=_blazer_skips,
    ),
    Protocol(name="masterguard", version="Masterguard 0.02"),
    Protocol(
        name="hunnox",
        version="Hunnox 0.01",
        items=_hunnox_items(),
        claim=("input.voltage",),
        claim_vendor=("ups.firmware",),
        accepted="UPS No Ack",
        initups=_blazer_skips,
    ),
    Protocol(name="ablerex", version="Ablerex 0.01"),
    Protocol(
        name="q1",
        version="Q1 0.07",
        items=blazer.table("Q1\r", None),
        claim=("input.voltage",),
        accepted="ACK",
        initups=_light_skips,
    ),
)


def by_name(name: str) -> Protocol | None:
    """The protocol ``protocol =`` names (NUT compares the name case-blind)."""
    for proto in PROTOCOLS:
        if proto.name.lower() == name.lower():
            return proto
    return None
