"""Best Power and Sola Australia UPSes (``protocol = bestups``).

Strategy
--------
NUT's ``nutdrv_qx_bestups.c`` ("BestUPS 0.06"): the Megatec ``Q1`` status
line without the beeper bit, plus Best Power's own queries.  The UPS never
answers an order, so every order "succeeds" when nothing comes back.

``ID`` gives the model and ratings, comma-separated with fields as wide as
their numbers (``FOR,750,120,120,20.0,27.6``): the reply is first reshaped
to fixed columns (``FOR, 750,120,120,20.0, 27.6``, 28 characters with the
CR), and only a 25..27-character reply of six fields is used.  The model
code decides the rest: Patriot Pro (``PRO``) and Sola 320 have no runtime
query (``RT``, minutes), only Axxium (``AX1``) and Sola 620 have battery
packs (``BP?``, settable ``BPn``); Patriot Pro/Pro II report the
bypass/boost/buck bit inverted.  That bit is read last, and only while on
line and neither testing nor shutting down.

``M`` is the voltage-setting index 0..9 (LEDs on the front panel); NUT
turns it into transfer limits with a table for 120 V ("U") and one for
230 V ("E") models.  Being polled every full update, its nominal voltage
replaces the one ``ID`` gave, as in NUT.

``SS?``/``SSn`` is the pins' shutdown mode, a ``ups.conf`` setting only
(``pins_shutdown_mode``), never a NUT variable.

Kept as NUT 2.8.0 has it: an unknown model code is published as the
literal ``Unknown (%s)`` (NUT formats it with a one-argument format).

Pure: tables and small functions.
"""

from __future__ import annotations

from dataclasses import replace

from powerdown.drivers.qx import blazer
from powerdown.drivers.qx.items import (
    Handle,
    Item,
    Lookup,
    Process,
    QxFlag,
    Session,
    strtod,
    strtol,
)
from powerdown.state.tree import Flag

__all__ = ["VERSION", "items", "reshape_id", "VOLTAGE_SETTINGS"]

VERSION = "BestUPS 0.06"

_BEST_POWER = {
    "AX1": "Axxium Rackmount",
    "FOR": "Fortress",
    "FTC": "Fortress Telecom",
    "PR2": "Patriot Pro II",
    "PRO": "Patriot Pro",
}
_SOLA_MFR = frozenset({"325", "520", "620"})
_SOLA_MODELS = frozenset({"320", "325", "520", "525", "620"})
_INVERTED = frozenset({"PR2", "PRO"})

#: ``M`` index -> (low, boost, nominal, buck, high), U models then E models.
VOLTAGE_SETTINGS: tuple[tuple[int, int, int, int, int], ...] = (
    (96, 109, 120, 130, 146),
    (96, 109, 120, 138, 156),
    (90, 104, 120, 130, 146),
    (90, 104, 120, 138, 156),
    (90, 104, 110, 120, 130),
    (90, 104, 110, 130, 146),
    (90, 96, 110, 120, 130),
    (90, 96, 110, 130, 146),
    (96, 109, 128, 146, 156),
    (90, 104, 128, 146, 156),
    (200, 222, 240, 250, 284),
    (200, 222, 240, 264, 290),
    (188, 210, 240, 250, 284),
    (188, 210, 240, 264, 290),
    (188, 210, 230, 244, 270),
    (188, 210, 230, 250, 284),
    (180, 200, 230, 244, 270),
    (180, 200, 230, 250, 284),
    (165, 188, 208, 222, 244),
    (165, 188, 208, 244, 270),
)

#: which column of ``VOLTAGE_SETTINGS`` each ``M`` item reads
_COLUMN = {
    "input.transfer.low": 0,
    "input.transfer.boost.low": 0,
    "input.transfer.boost.high": 1,
    "input.voltage.nominal": 2,
    "output.voltage.nominal": 2,
    "input.transfer.trim.low": 3,
    "input.transfer.trim.high": 4,
    "input.transfer.high": 4,
}

_PINS = "pins_shutdown_mode"
_INVERTED_MEMO = "bestups.inverted_bbb"


def reshape_id(item: Item, answer: str) -> str | None:
    """``ID``'s reply in fixed columns, or None if it is not six fields of the right size."""
    if not answer:
        return answer
    if not 25 <= len(answer) <= 27:
        return None
    # C's strtok: empty fields vanish
    fields = [f for f in answer.split("\0", 1)[0].split(",") if f]
    if len(fields) != 6:
        return None
    widths = {1: "%4s", 5: "%6s"}
    refined = fields[0] + "".join("," + widths.get(i, "%s") % f for i, f in enumerate(fields) if i)
    return refined if len(refined) == 28 else None


def manufacturer(item: Item, raw: str, get: Lookup) -> str | None:
    if raw in _BEST_POWER:
        return "Best Power"
    if raw in _SOLA_MFR:
        return "Sola Australia"
    return "Unknown"


def model(item: Item, raw: str, s: Session) -> str | None:
    """The model's name, and the queries that model has turned on."""
    if raw in _BEST_POWER:
        name = _BEST_POWER[raw]
        if raw in _INVERTED:
            s.memo[_INVERTED_MEMO] = "1"
    elif raw in _SOLA_MODELS:
        name = f"Sola {raw}"
    else:
        name = "Unknown (%s)"
        s.log(f"Unknown model detected - please report this ID: '{raw}'")
    if raw not in ("PRO", "320") and not s.unskip("battery.runtime"):
        return None
    if raw in ("AX1", "620"):
        s.unskip_where(lambda i: i.name == "battery.packs" and not i.has(QxFlag.SETVAR))
    return name


def battery_runtime(item: Item, raw: str, get: Lookup) -> str | None:
    """Minutes from the UPS, seconds for NUT."""
    if any(ch not in "0123456789 ." for ch in raw):
        return None
    return "%.0f" % (strtod(raw) * 60)


def battery_packs(item: Item, raw: str, s: Session) -> str | None:
    if any(ch not in "0123456789 " for ch in raw):
        return None
    if not s.unskip("battery.packs", QxFlag.SETVAR):
        return None
    return str(strtol(raw))


def pins_shutdown_mode(item: Item, raw: str, s: Session) -> str | None:
    """What the UPS has; the setting is turned on only if ``ups.conf`` asks for one."""
    if any(ch not in "0123456789" for ch in raw):
        return None
    mode = strtol(raw)
    s.memo[_PINS] = str(mode)
    if s.getval(item.name) is not None and not s.unskip(item.name, QxFlag.SETVAR):
        return None
    return str(mode)


def setvar_command(item: Item, value: str, s: Session) -> str | None:
    """``BPn``/``SSn``; the pins' mode the UPS already has is not sent again."""
    if not value:
        return None
    number = strtod(value)
    if item.name == _PINS and _PINS in s.memo and number == strtol(s.memo[_PINS]):
        s.log(f"{item.name} is already set to {number:.0f}")
        return None
    assert item.command is not None
    return item.command % number


def voltage_setting(item: Item, raw: str, get: Lookup) -> str | None:
    if any(ch not in "0123456789" for ch in raw):
        return None
    index = strtol(raw)
    if not 0 <= index <= 9:
        return None
    nominal = get("input.voltage.nominal") or get("output.voltage.nominal")
    if nominal is None:
        return None
    if strtol(nominal) > 160:
        index += 10
    column = _COLUMN.get(item.name.lower())
    if column is None:
        return None
    return str(VOLTAGE_SETTINGS[index][column])


def bypass_boost_buck(item: Item, raw: str, s: Session) -> str | None:
    """Bit 40: ignored unless on line and idle; inverted on the Patriot Pros."""
    idle_on_line = "OL" in s.status and not s.status & {"CAL", "FSD"}
    if not idle_on_line:
        raw = "0" + raw[1:] if raw[:1] == "1" else raw
    elif s.memo.get(_INVERTED_MEMO) == "1" and raw[:1] in ("0", "1"):
        raw = ("1" if raw[0] == "0" else "0") + raw[1:]
    return blazer.status_bit(item, raw, s.getinfo)


def shutdown_command(item: Item, value: str, get: Lookup) -> str | None:
    """``S<n>R<m>`` to return; ``S<n>`` alone (not ``R0000``) to stay off."""
    if item.name != "shutdown.stayoff":
        return blazer.shutdown_command(item, value, get)
    offdelay = strtol(get("ups.delay.shutdown"))
    if offdelay < 0:
        return None
    return f"S.{offdelay // 6}\r" if offdelay < 60 else f"S{offdelay // 60:02d}\r"


def items() -> tuple[Item, ...]:
    """NUT's ``bestups_qx2nut`` table."""
    status = {(i.name, i.start): i for i in blazer.status_items("Q1\r")}
    order = [
        ("input.voltage", 1),
        ("input.voltage.fault", 7),
        ("output.voltage", 13),
        ("ups.load", 19),
        ("input.frequency", 23),
        ("battery.voltage", 28),
        ("ups.temperature", 33),
        ("ups.status", 38),
        ("ups.status", 39),
        ("ups.alarm", 41),
        ("ups.type", 42),
        ("ups.status", 43),
        ("ups.status", 44),
    ]
    q1 = tuple(status[key] for key in order) + (
        replace(status[("ups.status", 40)], process=None, handle=bypass_boost_buck),
    )

    def ident(
        name: str,
        start: int,
        end: int,
        fmt: str,
        flags: QxFlag,
        process: Process | None = None,
        handle: Handle | None = None,
    ) -> Item:
        return Item(
            name=name,
            command="ID\r",
            answer_len=28,
            start=start,
            end=end,
            fmt=fmt,
            flags=flags,
            process=process,
            handle=handle,
            preprocess_answer=reshape_id,
        )

    static, semi = QxFlag.STATIC, QxFlag.SEMI_STATIC
    ratings = (
        ident("device.mfr", 0, 2, "%s", static, process=manufacturer),
        ident("device.model", 0, 2, "%s", static, handle=model),
        ident("ups.power.nominal", 4, 7, "%.0f", static),
        ident("input.voltage.nominal", 9, 11, "%.0f", static),
        ident("output.voltage.nominal", 13, 15, "%.0f", static),
        ident("battery.voltage.low", 17, 20, "%.1f", semi),
        ident("battery.voltage.high", 22, 26, "%.1f", semi),
    )
    packs = ("0", "5")
    pins = ("0", "6")
    settings = (
        Item(
            name="battery.runtime",
            command="RT\r",
            answer_len=4,
            start=0,
            end=2,
            fmt="%.0f",
            flags=QxFlag.SKIP,
            process=battery_runtime,
        ),
        Item(
            name="battery.packs",
            command="BP?\r",
            answer_len=3,
            start=0,
            end=1,
            fmt="%d",
            flags=QxFlag.SEMI_STATIC | QxFlag.RANGE | QxFlag.SKIP,
            info_flags=Flag.RW,
            rw=packs,
            handle=battery_packs,
        ),
        Item(
            name="battery.packs",
            command="BP%.0f\r",
            flags=QxFlag.SETVAR | QxFlag.RANGE | QxFlag.SKIP,
            rw=packs,
            make=setvar_command,
        ),
        Item(
            name=_PINS,
            command="SS?\r",
            answer_len=2,
            fmt="%.0f",
            flags=QxFlag.SEMI_STATIC | QxFlag.RANGE | QxFlag.NONUT,
            info_flags=Flag.RW,
            rw=pins,
            handle=pins_shutdown_mode,
        ),
        Item(
            name=_PINS,
            command="SS%.0f\r",
            flags=QxFlag.SETVAR | QxFlag.RANGE | QxFlag.NONUT | QxFlag.SKIP,
            rw=pins,
            make=setvar_command,
        ),
    )
    voltages = tuple(
        Item(name=name, command="M\r", answer_len=2, fmt="%d", process=voltage_setting)
        for name in (
            "input.transfer.low",
            "input.transfer.boost.low",
            "input.transfer.boost.high",
            "input.voltage.nominal",
            "output.voltage.nominal",
            "input.transfer.trim.low",
            "input.transfer.trim.high",
            "input.transfer.high",
        )
    )

    cmd = blazer.command_item
    commands = (
        cmd("shutdown.return", "S%s\r", shutdown_command),
        cmd("shutdown.stayoff", "S%s\r", shutdown_command),
        cmd("shutdown.stop", "C\r"),
        cmd("load.on", "C\r"),
        cmd("load.off", "S00R0000\r"),
        cmd("test.battery.start", "T%02d\r", shutdown_command),
        cmd("test.battery.start.deep", "TL\r"),
        cmd("test.battery.start.quick", "T\r"),
        cmd("test.battery.stop", "CT\r"),
    )
    delays = tuple(
        replace(item, rw=rw)
        for item, rw in zip(blazer.delay_items(), (("60", "599940"), ("12", "5940")), strict=True)
    )
    return q1 + ratings + settings + voltages + commands + delays
