"""The mapping tables snmp-ups knows, in the order ``mibs=auto`` tries them (NUT's).

Vendor tables come before ``ietf``, so a device that speaks both gets its
vendor's (richer) mapping.  Pure: data only.
"""

from __future__ import annotations

from powerdown.drivers.snmp.mib import Mib2Nut
from powerdown.drivers.snmp.mibs.apcc import APCC
from powerdown.drivers.snmp.mibs.eaton_epdu import EATON_EPDU
from powerdown.drivers.snmp.mibs.ietf import IETF, TRIPPLITE
from powerdown.drivers.snmp.mibs.mge import MGE

__all__ = ["MIBS", "by_name"]

#: NUT 2.8.0's ``mib2nut[]`` order, for the tables we have.
MIBS: tuple[Mib2Nut, ...] = (APCC, EATON_EPDU, MGE, TRIPPLITE, IETF)


def by_name(name: str) -> Mib2Nut | None:
    for mib in MIBS:
        if mib.name == name:
            return mib
    return None
