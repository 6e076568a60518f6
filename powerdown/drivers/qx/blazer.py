"""The Megatec family: megatec, mustek, megatec/old, zinto and q1.

Strategy
--------
NUT's ``nutdrv_qx_megatec.c``, ``_mustek.c``, ``_megatec-old.c``,
``_zinto.c``, ``_q1.c`` and their shared ``_blazer-common.c``: one reply
layout, asked for with a different command per protocol.

Status (``Q1``; ``QS`` for mustek, ``D`` for megatec/old), 47 characters::

    (226.0 195.0 226.0 014 49.0 27.5 30.0 00001000<CR>
     input.voltage, input.voltage.fault, output.voltage, ups.load,
     input.frequency, battery.voltage, ups.temperature, then 8 bits b7..b0:
     38 utility fail -> OB, 39 battery low -> LB, 40 bypass/boost/buck
     active (TRIM, BYPASS or BOOST from output/input voltage), 41 UPS
     failed -> ups.alarm, 42 line-interactive (1) or online (0) -> ups.type,
     43 test in progress -> CAL, 44 shutdown active -> FSD, 45 beeper.

Ratings (``F``, not for q1), 22 characters: ``#220.0 000 024.0 50.0``.
Vendor (``I``; ``FW?`` for zinto; not for q1), 39 characters:
``#<mfr 15> <model 10> <firmware 10>``.

Commands: ``Q`` beeper.toggle, ``S00R0000`` load.off, ``C`` load.on and
shutdown.stop, ``S<n>R<m>`` shutdown.return, ``S<n>R0000`` shutdown.stayoff,
``T<nn>`` test.battery.start (minutes), ``TL`` deep, ``T`` quick, ``CT``
stop.  ``<n>`` is the off delay: ``.2``..``.9`` tenths of a minute under
60 s, else ``01``..``10`` minutes; ``<m>`` the on delay in minutes, four
digits.  ``ups.delay.start``/``ups.delay.shutdown`` live in the driver only.

Pure: tables and small functions.
"""

from __future__ import annotations

from powerdown.drivers.qx.items import Build, Item, Lookup, QxFlag, strtod, strtol
from powerdown.state.tree import Flag

__all__ = [
    "DEFAULT_ONDELAY",
    "DEFAULT_OFFDELAY",
    "status_bit",
    "delay_setvar",
    "shutdown_command",
    "status_items",
    "table",
    "skips",
]

DEFAULT_ONDELAY = "180"
DEFAULT_OFFDELAY = "30"

ONDELAY_RANGE = ("0", "599940")
OFFDELAY_RANGE = ("12", "600")

#: Position of the 'Shutdown Active' bit, which ``ignoresab`` skips.
SHUTDOWN_ACTIVE = 44


def status_bit(item: Item, raw: str, get: Lookup) -> str | None:
    """One bit of the status field in NUT's words (``blazer_process_status_bits``)."""
    if len(raw) != 1 or raw not in "01":
        return None
    on = raw == "1"
    match item.start:
        case 38:
            return "!OL" if on else "OL"
        case 39:
            return "LB" if on else "!LB"
        case 40:
            if not on:
                return ""
            vi, vo = strtod(get("input.voltage")), strtod(get("output.voltage"))
            if vo < 0.5 * vi:
                return None
            if vo < 0.95 * vi:
                return "TRIM"
            if vo < 1.05 * vi:
                return "BYPASS"
            if vo < 1.5 * vi:
                return "BOOST"
            return None
        case 41:
            return "UPS selftest failed!" if on else ""
        case 42:
            return "offline / line interactive" if on else "online"
        case 43:
            return "CAL" if on else "!CAL"
        case 44:
            return "FSD" if on else "!FSD"
        case 45:
            return "enabled" if on else "disabled"
    return None


def delay_setvar(item: Item, value: str, get: Lookup) -> str | None:
    """``ups.delay.start`` to whole minutes; ``ups.delay.shutdown`` to 6 s / 1 min steps."""
    if not value:
        return None
    n = strtol(value)
    if n < 0:
        return None
    if item.name == "ups.delay.start":
        return str(n - n % 60)
    if item.name == "ups.delay.shutdown":
        return str(n - n % 6 if n < 60 else n - n % 60)
    return None


def _off(offdelay: int) -> str:
    return f".{offdelay // 6}" if offdelay < 60 else f"{offdelay // 60:02d}"


def shutdown_command(item: Item, value: str, get: Lookup) -> str | None:
    """``S<n>R<m>``, ``S<n>R0000`` and ``T<nn>`` from the delays (``blazer_process_command``)."""
    if item.name == "shutdown.return":
        offdelay = strtol(get("ups.delay.shutdown"))
        ondelay = strtol(get("ups.delay.start")) // 60
        if offdelay < 0:
            return None
        if ondelay <= 0:
            return f"S{_off(offdelay)}\r"
        return f"S{_off(offdelay)}R{ondelay:04d}\r"
    if item.name == "shutdown.stayoff":
        offdelay = strtol(get("ups.delay.shutdown"))
        if offdelay < 0:
            return None
        return f"S{_off(offdelay)}R0000\r"
    if item.name == "test.battery.start":
        seconds = strtol(value) if value else 600
        if seconds < 60 or seconds > 5940:
            return None
        return f"T{seconds // 60:02d}\r"
    return None


def status_items(command: str) -> tuple[Item, ...]:
    """The 47-character status reply as items (the same for every protocol here)."""

    def num(name: str, start: int, end: int, fmt: str) -> Item:
        return Item(
            name=name, command=command, answer_len=47, leading="(", start=start, end=end, fmt=fmt
        )

    def bit(name: str, pos: int, flags: QxFlag, fmt: str | None = None) -> Item:
        return Item(
            name=name,
            command=command,
            answer_len=47,
            leading="(",
            start=pos,
            end=pos,
            fmt=fmt,
            flags=flags,
            process=status_bit,
        )

    quick = QxFlag.QUICK_POLL
    return (
        num("input.voltage", 1, 5, "%.1f"),
        num("input.voltage.fault", 7, 11, "%.1f"),
        num("output.voltage", 13, 17, "%.1f"),
        num("ups.load", 19, 21, "%.0f"),
        num("input.frequency", 23, 26, "%.1f"),
        num("battery.voltage", 28, 31, "%.2f"),
        num("ups.temperature", 33, 36, "%.1f"),
        bit("ups.status", 38, quick),
        bit("ups.status", 39, quick),
        bit("ups.status", 40, quick),
        bit("ups.alarm", 41, QxFlag.NONE),
        bit("ups.type", 42, QxFlag.STATIC, "%s"),
        bit("ups.status", 43, quick),
        bit("ups.status", SHUTDOWN_ACTIVE, quick),
        bit("ups.beeper.status", 45, QxFlag.NONE, "%s"),
    )


def rating_items() -> tuple[Item, ...]:
    def num(name: str, start: int, end: int, fmt: str) -> Item:
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

    return (
        num("input.voltage.nominal", 1, 5, "%.0f"),
        num("input.current.nominal", 7, 9, "%.1f"),
        num("battery.voltage.nominal", 11, 15, "%.1f"),
        num("input.frequency.nominal", 17, 20, "%.0f"),
    )


def vendor_items(command: str) -> tuple[Item, ...]:
    def text(name: str, start: int, end: int) -> Item:
        return Item(
            name=name,
            command=command,
            answer_len=39,
            leading="#",
            start=start,
            end=end,
            fmt="%s",
            flags=QxFlag.STATIC | QxFlag.TRIM,
        )

    return (
        text("device.mfr", 1, 15),
        text("device.model", 17, 26),
        text("ups.firmware", 28, 37),
    )


def command_item(name: str, command: str, build: Build | None = None) -> Item:
    """An instant command; ``build`` puts the command's value into ``command``."""
    return Item(name=name, command=command, flags=QxFlag.CMD, build=build)


def command_items() -> tuple[Item, ...]:
    cmd = command_item
    return (
        cmd("beeper.toggle", "Q\r"),
        cmd("load.off", "S00R0000\r"),
        cmd("load.on", "C\r"),
        cmd("shutdown.return", "S%s\r", shutdown_command),
        cmd("shutdown.stayoff", "S%sR0000\r", shutdown_command),
        cmd("shutdown.stop", "C\r"),
        cmd("test.battery.start", "T%02d\r", shutdown_command),
        cmd("test.battery.start.deep", "TL\r"),
        cmd("test.battery.start.quick", "T\r"),
        cmd("test.battery.stop", "CT\r"),
    )


def delay_items() -> tuple[Item, ...]:
    flags = QxFlag.ABSENT | QxFlag.SETVAR | QxFlag.RANGE
    return (
        Item(
            name="ups.delay.start",
            fmt=DEFAULT_ONDELAY,
            flags=flags,
            info_flags=Flag.RW,
            rw=ONDELAY_RANGE,
            build=delay_setvar,
        ),
        Item(
            name="ups.delay.shutdown",
            fmt=DEFAULT_OFFDELAY,
            flags=flags,
            info_flags=Flag.RW,
            rw=OFFDELAY_RANGE,
            build=delay_setvar,
        ),
    )


def table(status: str, vendor: str | None) -> tuple[Item, ...]:
    """A whole protocol: ``vendor`` None for q1, which has no ratings or vendor query."""
    if vendor is None:
        return status_items(status) + command_items() + delay_items()
    return (
        status_items(status)
        + rating_items()
        + vendor_items(vendor)
        + command_items()
        + delay_items()
    )


def skips(items: tuple[Item, ...], *, norating: bool, novendor: bool, ignoresab: bool) -> set[int]:
    """The items ``norating``/``novendor``/``ignoresab`` turn off (``blazer_initups``)."""
    out: set[int] = set()
    for i, item in enumerate(items):
        if item.command is None:
            continue
        if norating and item.command.lower() == "f\r":
            out.add(i)
        if novendor and item.command.lower() in ("i\r", "fw?\r"):
            out.add(i)
        if ignoresab and item.name == "ups.status" and item.start == item.end == SHUTDOWN_ACTIVE:
            out.add(i)
    return out
