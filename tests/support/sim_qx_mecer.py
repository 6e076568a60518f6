"""A simulated Mecer UPS for ``ptysim`` (``protocol = mecer``).

No DDL dump comes from a UPS read with ``protocol = mecer``; the replies are
the ones in NUT's ``mecer_testing`` table (``nutdrv_qx_mecer.c``): ``Q1``
``(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000``, ``F``
``#230.0 000 024.0 50.0``, ``I`` ``#NOT_A_LIVE_UPS  TESTING    TESTING``
and ``QPI`` ``(PI98``.  Unlike a plain Megatec UPS it answers every order:
``(ACK`` when done, ``(NAK`` when refused or unknown.

``p98=False`` makes a unit that refuses ``QPI`` (not a Voltronic Power
one).  ``control`` keys: those of ``sim_qx`` plus ``refuse`` (answer every
order ``(NAK``).
"""

from __future__ import annotations

from typing import Any

from tests.support import sim_qx

VALUES = {
    "input.voltage": "215.0",
    "input.voltage.fault": "195.0",
    "output.voltage": "230.0",
    "ups.load": "14",
    "input.frequency": "49.0",
    "battery.voltage": "22.7",
    "ups.temperature": "30.0",
    "input.voltage.nominal": "230.0",
    "input.current.nominal": "0",
    "battery.voltage.nominal": "24.0",
    "input.frequency.nominal": "50.0",
    "device.mfr": "NOT_A_LIVE_UPS",
    "device.model": "TESTING",
    "ups.firmware": "TESTING",
}

_ACK = "(ACK\r"
_NAK = "(NAK\r"


class Device(sim_qx.Device):
    def __init__(self, p98: bool = True) -> None:
        super().__init__("megatec")
        self.values = dict(VALUES)
        self.bits = ["0"] * 8
        self.p98 = p98
        self.refuse = False

    def rating_line(self) -> str:
        v = self.values
        return (
            f"#{float(v['input.voltage.nominal']):05.1f} {int(v['input.current.nominal']):03d}"
            f" {float(v['battery.voltage.nominal']):05.1f}"
            f" {float(v['input.frequency.nominal']):04.1f}\r"
        )

    def answer(self, command: str) -> str | None:
        upper = command.upper()
        if upper in ("Q1", "F", "I"):
            return super().answer(command)
        if upper == "QPI":
            return "(PI98\r" if self.p98 else _NAK
        if self.refuse:
            return _NAK
        known = upper in ("Q", "C", "CT", "T", "TL") or (
            upper[:1] in ("S", "T") and len(upper) > 1 and upper[1] in ".0123456789"
        )
        if not known:
            return _NAK
        super().answer(command)  # the status bits follow the order
        return _ACK

    def control(self, key: str, value: Any) -> None:
        if key == "refuse":
            self.refuse = bool(value)
        else:
            super().control(key, value)
