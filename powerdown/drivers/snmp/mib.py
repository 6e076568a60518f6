"""The shape of a MIB-to-NUT mapping table (NUT's ``snmp_info_t`` and ``mib2nut_info_t``).

Strategy
--------
NUT's ``docs/snmp-subdrivers.txt``: a subdriver is a table of rows, each
naming a NUT variable (or instant command), the OID it comes from, how to
read it (string or number, a multiplier, a lookup table) and ``SU_*``
flags that say when to read it (once, every poll, never: a server-side
default) and what to make of it (``ups.status`` parts, phases, outlet
templates).  The tables in ``mibs/`` are data only; ``poll`` interprets
them.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntFlag

from powerdown.state.tree import Flag

__all__ = ["Su", "Lookup", "SnmpInfo", "Alarm", "Mib2Nut", "INFOSIZE", "info"]

#: NUT's ``SU_INFOSIZE``: strings are read into a buffer of this size (127 characters kept).
INFOSIZE = 128


class Su(IntFlag):
    """``SU_*`` bits of ``snmp-ups.h`` (same values, so tables read like NUT's)."""

    NONE = 0
    FLAG_OK = 1 << 0
    FLAG_STATIC = 1 << 1
    FLAG_ABSENT = 1 << 2
    FLAG_STALE = 1 << 3
    FLAG_NEGINVALID = 1 << 4
    FLAG_UNIQUE = 1 << 5
    FLAG_ZEROINVALID = 1 << 6
    FLAG_NAINVALID = 1 << 7
    CMD_OFFSET = 1 << 8
    FLAG_SEMI_STATIC = 1 << 9
    OUTLET_GROUP = 1 << 10
    OUTLET = 1 << 11
    INPUT_1 = 1 << 12
    INPUT_3 = 1 << 13
    OUTPUT_1 = 1 << 14
    OUTPUT_3 = 1 << 15
    BYPASS_1 = 1 << 16
    BYPASS_3 = 1 << 17
    TYPE_INT = 1 << 18
    TYPE_TIME = 1 << 19
    TYPE_CMD = 1 << 20
    TYPE_DAISY_1 = 1 << 21
    TYPE_DAISY_2 = 1 << 22
    #: set at run time on daisy-chained devices (``device.count`` > 1)
    DAISY = 1 << 23
    #: only read on the daisy-chain's master (device 1)
    TYPE_DAISY_MASTER_ONLY = 1 << 24
    AMBIENT_TEMPLATE = 1 << 26
    STATUS_PWR = 1 << 28
    STATUS_BATT = 1 << 29
    STATUS_CAL = 1 << 30
    STATUS_RB = 1 << 31

    # masks
    INPHASES = INPUT_1 | INPUT_3
    OUTPHASES = OUTPUT_1 | OUTPUT_3
    BYPPHASES = BYPASS_1 | BYPASS_3
    TYPE_MASK = TYPE_INT | TYPE_TIME | TYPE_CMD


@dataclass(frozen=True, slots=True, kw_only=True)
class Lookup:
    """``info_lkp_t``: device numbers to NUT words, or a function for formatted values."""

    pairs: tuple[tuple[int, str], ...] = ()
    #: NUT's ``fun_vp2s``: a value (number or string) to the NUT text, or None
    function: Callable[[int | str], str | None] | None = None
    #: NUT's ``nuf_s2l``: a string to a number (``device.count`` from a list of units)
    to_number: Callable[[str], int] | None = None

    def to_nut(self, value: int | str) -> str | None:
        """``su_find_infoval``: the first pair with this number (None if none)."""
        if self.function is not None:
            return self.function(value)
        for number, word in self.pairs:
            if number == value:
                return word
        return None

    def to_device(self, word: str) -> int:
        """``su_find_valinfo``: the number for a NUT word; -1 when unknown (as NUT)."""
        for number, text in self.pairs:
            if text == word:
                return number
        return -1

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(word for _, word in self.pairs)


def pairs(*items: tuple[int, str]) -> Lookup:
    return Lookup(pairs=tuple(items))


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpInfo:
    """One row of a mapping table (``snmp_info_t``)."""

    #: NUT variable or command name; outlet templates carry ``%i``
    name: str
    #: ``ST_FLAG_*`` published with the variable (RW, STRING)
    flags: Flag = Flag.NONE
    #: ``info_len``: a string's maximum length, or a number's multiplier
    length: float = 1.0
    #: the OID (``%i`` templates for outlets and daisy-chain units), None: server side
    oid: str | None = None
    #: ``dfl``: the default, or the value a command writes
    default: str | None = None
    su: Su = Su.NONE
    lookup: Lookup | None = None

    @property
    def is_command(self) -> bool:
        return bool(self.su & Su.TYPE_CMD)

    @property
    def is_string(self) -> bool:
        return bool(self.flags & Flag.STRING)

    @property
    def is_template(self) -> bool:
        return bool(self.su & (Su.OUTLET | Su.OUTLET_GROUP | Su.AMBIENT_TEMPLATE))


def info(
    name: str,
    flags: Flag,
    length: float,
    oid: str | None,
    default: str | None,
    su: Su,
    lookup: Lookup | None = None,
) -> SnmpInfo:
    """A row written positionally, in the order of NUT's tables."""
    return SnmpInfo(
        name=name, flags=flags, length=length, oid=oid, default=default, su=su, lookup=lookup
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Alarm:
    """``alarms_info_t``: an OID whose presence means a status word and/or an alarm."""

    oid: str
    status: str | None = None
    alarm: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Mib2Nut:
    """``mib2nut_info_t``: a subdriver."""

    name: str
    version: str
    #: ``oid_pwr_status`` (informative)
    power_status_oid: str | None
    #: ``oid_auto_check`` (informative: detection reads the model OID, as NUT)
    auto_check_oid: str | None
    table: tuple[SnmpInfo, ...]
    #: what ``sysObjectID.0`` says on devices this table fits
    sysoid: str | None = None
    alarms: tuple[Alarm, ...] = field(default=())

    def find(self, name: str) -> SnmpInfo | None:
        """``su_find_info``: the first row of that name (case-insensitive, as NUT)."""
        low = name.lower()
        for row in self.table:
            if row.name.lower() == low:
                return row
        return None
