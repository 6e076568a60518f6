"""upsmon's notify events: their names, stock messages and delivery flags.

Strategy: one table, in NUT's order and words (upsmon(8) "NOTIFY EVENTS",
upsmon.conf(5) NOTIFYMSG/NOTIFYFLAG). The config parser checks names
against it, the policy emits ``NotifyType`` values, and ``render`` fills a
message the way upsmon does: the first ``%s`` is the UPS, a second one (for
ALARM and OTHER) the extra text. Pure: no I/O here.
"""

from __future__ import annotations

import re
from enum import Flag, StrEnum

__all__ = [
    "NotifyType",
    "NotifyFlag",
    "STOCK_MESSAGES",
    "DEFAULT_FLAGS",
    "parse_flags",
    "render",
]


class NotifyType(StrEnum):
    ONLINE = "ONLINE"
    ONBATT = "ONBATT"
    LOWBATT = "LOWBATT"
    FSD = "FSD"
    COMMOK = "COMMOK"
    COMMBAD = "COMMBAD"
    SHUTDOWN = "SHUTDOWN"
    SHUTDOWN_HOSTSYNC = "SHUTDOWN_HOSTSYNC"
    REPLBATT = "REPLBATT"
    NOCOMM = "NOCOMM"
    NOPARENT = "NOPARENT"
    CAL = "CAL"
    NOTCAL = "NOTCAL"
    OFF = "OFF"
    NOTOFF = "NOTOFF"
    BYPASS = "BYPASS"
    NOTBYPASS = "NOTBYPASS"
    ECO = "ECO"
    NOTECO = "NOTECO"
    ALARM = "ALARM"
    NOTALARM = "NOTALARM"
    OVER = "OVER"
    NOTOVER = "NOTOVER"
    TRIM = "TRIM"
    NOTTRIM = "NOTTRIM"
    BOOST = "BOOST"
    NOTBOOST = "NOTBOOST"
    OTHER = "OTHER"
    NOTOTHER = "NOTOTHER"
    SUSPEND_STARTING = "SUSPEND_STARTING"
    SUSPEND_FINISHED = "SUSPEND_FINISHED"


class NotifyFlag(Flag):
    NONE = 0
    IGNORE = 1
    SYSLOG = 2
    WALL = 4
    EXEC = 8


# NUT's stock texts (clients/upsmon.h notifylist), byte for byte: users match
# on them in scripts and log filters.
STOCK_MESSAGES: dict[NotifyType, str] = {
    NotifyType.ONLINE: "UPS %s on line power",
    NotifyType.ONBATT: "UPS %s on battery",
    NotifyType.LOWBATT: "UPS %s battery is low",
    NotifyType.FSD: "UPS %s: forced shutdown in progress",
    NotifyType.COMMOK: "Communications with UPS %s established",
    NotifyType.COMMBAD: "Communications with UPS %s lost",
    NotifyType.SHUTDOWN: "Auto logout and shutdown proceeding",
    NotifyType.SHUTDOWN_HOSTSYNC: (
        "Shutdown initiated; primary system is waiting for secondaries to log out or time out"
    ),
    NotifyType.REPLBATT: "UPS %s battery needs to be replaced",
    NotifyType.NOCOMM: "UPS %s is unavailable",
    NotifyType.NOPARENT: "upsmon parent process died - shutdown impossible",
    NotifyType.CAL: "UPS %s: calibration in progress",
    NotifyType.NOTCAL: "UPS %s: calibration finished",
    NotifyType.OFF: "UPS %s: administratively OFF or asleep",
    NotifyType.NOTOFF: "UPS %s: no longer administratively OFF or asleep",
    NotifyType.BYPASS: "UPS %s: on bypass (powered, not protecting)",
    NotifyType.NOTBYPASS: "UPS %s: no longer on bypass",
    NotifyType.ECO: "UPS %s: in ECO mode (as defined by vendor)",
    NotifyType.NOTECO: "UPS %s: no longer in ECO mode",
    NotifyType.ALARM: "UPS %s: one or more active alarms: [%s]",
    NotifyType.NOTALARM: "UPS %s is no longer in an alarm state (no active alarms)",
    NotifyType.OVER: "UPS %s: overloaded",
    NotifyType.NOTOVER: "UPS %s: no longer overloaded",
    NotifyType.TRIM: "UPS %s: trimming incoming voltage",
    NotifyType.NOTTRIM: "UPS %s: no longer trimming incoming voltage",
    NotifyType.BOOST: "UPS %s: boosting incoming voltage",
    NotifyType.NOTBOOST: "UPS %s: no longer boosting incoming voltage",
    NotifyType.OTHER: "UPS %s: has at least one unclassified status token: [%s]",
    NotifyType.NOTOTHER: "UPS %s has no unclassified status tokens anymore",
    NotifyType.SUSPEND_STARTING: "OS is entering sleep/suspend/hibernate mode",
    NotifyType.SUSPEND_FINISHED: (
        "OS just finished sleep/suspend/hibernate mode, "
        "de-activating obsolete UPS readings to avoid an unfortunate shutdown"
    ),
}

# Without NOTIFYFLAG every event goes to syslog and wall (not EXEC).
DEFAULT_FLAGS = NotifyFlag.SYSLOG | NotifyFlag.WALL

_FLAG_WORDS = {
    "IGNORE": NotifyFlag.IGNORE,
    "SYSLOG": NotifyFlag.SYSLOG,
    "WALL": NotifyFlag.WALL,
    "EXEC": NotifyFlag.EXEC,
}


def parse_flags(text: str) -> NotifyFlag:
    """``SYSLOG+WALL+EXEC`` -> flags; ``ValueError`` names a word we do not know."""
    flags = NotifyFlag.NONE
    for word in text.split("+"):
        try:
            flags |= _FLAG_WORDS[word.upper()]
        except KeyError:
            raise ValueError(f"invalid notify flag {word!r}") from None
    return flags


_PLACEHOLDER = re.compile(r"%s")


def render(template: str, upsname: str | None, extra: str | None = None) -> str:
    """Fill ``%s`` placeholders: first the UPS, then ``extra``; the rest stay empty.

    Only ``%s`` is special (NUT passes the message to printf, so other ``%``
    sequences are undefined there; we leave them as written).
    """
    values = iter((upsname or "", extra or ""))
    return _PLACEHOLDER.sub(lambda _m: next(values, ""), template)
