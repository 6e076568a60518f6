"""A simulated Voltronic Power UPS for ``ptysim`` (``protocol = voltronic``).

Built from a DDL dump made with NUT's nutdrv_qx on a real Voltronic-protocol
UPS: the FSP Fortron Champ 1000 VA tower (NUT 2.7.4, "Voltronic 0.06", NUT
issue #1872), whose dump also lists its writable variables and commands.
The replies follow the layouts in the comments of NUT's
``nutdrv_qx_voltronic.c``: every answer starts with ``(`` (``#`` for ``F``),
orders are answered ``(ACK``, and whatever the device does not know
``(NAK`` -- which is how this device lacks a manufacturer (``QMF``, ``I``),
programmable outlets (``QSKn``), a settable battery-low point (``RE0``) and
three-phase readings.  Its serial number is all zeros (non-significant), as
the Digitus DN-170041's in NUT issue #1251.

``control`` keys: ``on_battery``, ``low_battery``, ``test``,
``shutdown_active``, ``beeper_muted`` (bools), ``mode`` is taken by ptysim
so the QMOD letter is ``qmod``; ``warnings`` (64 bits), ``set`` (NUT names
-> values, as in ``sim_qx``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.ptysim import LineDevice
from tests.support.sim_qx import DDL, read_dump

DUMP = "FSP/FSP__Fortron_UPS_Champ_1000VA_Tower__nutdrv_qx__2.7.4__02.dev"

#: QGS's 12 status characters, by column.
COLUMN = {
    "on_battery": 65,
    "low_battery": 66,
    "test": 70,
    "shutdown_active": 71,
    "beeper_muted": 72,
}

_NAK = "(NAK\r"
_ACK = "(ACK\r"


def _num(value: str | None, width: int, decimals: int) -> str:
    if value is None:
        return "-" * (width - decimals - 1) + "." + "-" * decimals if decimals else "-" * width
    if decimals:
        return f"{float(value):0{width}.{decimals}f}"
    return f"{int(float(value)):0{width}d}"


class Device(LineDevice):
    def __init__(self, dump: str | None = None) -> None:
        self.values = read_dump(DDL / (dump or DUMP))
        # 63-64 "10" online; 72 '1' would be "beeper muted"
        self.bits = list("100000000000")
        self.qmod = "L"
        self.warnings = "0" * 64
        # capability letters: enabled and disabled ones (QFLAG)
        self.enabled = set("prsc")
        self.disabled = set("agbeofl")
        self.eco = (232, 208)
        self.eco_freq: tuple[float, float] = (53.0, 47.0)
        self.bypass = (264, 170)
        self.bypass_freq = (53.0, 47.0)
        self.battery_number = 2

    # -- replies ------------------------------------------------------------------

    def qgs(self) -> str:
        v = self.values.get
        fields = [
            _num(v("input.voltage"), 5, 1),
            _num(v("input.frequency"), 4, 1),
            _num(v("output.voltage"), 5, 1),
            _num(v("output.frequency"), 4, 1),
            _num(v("output.current"), 5, 1),
            _num(v("ups.load"), 3, 0),
            "369.1",
            "---.-",
            _num(v("battery.voltage"), 5, 1),
            "---.-",
            _num(v("ups.temperature"), 5, 1),
            "".join(self.bits),
        ]
        return "(" + " ".join(fields) + "\r"

    def qmd(self) -> str:
        v = self.values.get
        model = (v("device.model") or "").rjust(15, "#")
        power = (v("ups.power.nominal") or "").rjust(7, "#")
        pf = f"{round(float(v('output.powerfactor') or '0.8') * 100):02d}"
        phases = f"{v('input.phases') or '1'}/{v('output.phases') or '1'}"
        ivn = f"{int(float(v('input.voltage.nominal') or '230')):03d}"
        ovn = f"{int(float(v('output.voltage.nominal') or '230')):03d}"
        return f"({model} {power} {pf} {phases} {ivn} {ovn} 02 12.0\r"

    def qri(self) -> str:
        v = self.values.get
        return (
            "("
            + " ".join(
                (
                    _num(v("output.voltage.nominal"), 5, 1),
                    _num(v("output.current.nominal"), 3, 0),
                    _num(v("battery.voltage.nominal"), 5, 1),
                    _num(v("output.frequency.nominal"), 4, 1),
                )
            )
            + "\r"
        )

    def f(self) -> str:
        v = self.values.get
        return (
            "#"
            + " ".join(
                (
                    _num(v("input.voltage.nominal"), 5, 1),
                    _num(v("input.current.nominal"), 3, 0),
                    _num(v("battery.voltage.nominal"), 5, 1),
                    _num(v("input.frequency.nominal"), 4, 1),
                )
            )
            + "\r"
        )

    def qbv(self) -> str:
        v = self.values.get
        runtime = round(float(v("battery.runtime") or "0") / 60)
        return (
            f"({_num(v('battery.voltage'), 5, 1)} {self.battery_number:02d} "
            f"{int(v('battery.packs') or '1'):02d} {_num(v('battery.charge'), 3, 0)} "
            f"{runtime:03d}\r"
        )

    def qflag(self) -> str:
        return "(E" + "".join(sorted(self.enabled)) + "D" + "".join(sorted(self.disabled)) + "\r"

    def answer(self, command: str) -> str | None:
        upper = command.upper()
        v = self.values.get
        queries: dict[str, Callable[[], str]] = {
            "QPI": lambda: "(PI01\r",
            "QGS": self.qgs,
            "QRI": self.qri,
            "QMD": self.qmd,
            "F": self.f,
            "QVFW": lambda: f"(VERFW:{v('ups.firmware') or ''}\r",
            "QID": lambda: "(00000000000000\r",
            "QMOD": lambda: f"({self.qmod}\r",
            "QWS": lambda: f"({self.warnings}\r",
            "QBV": self.qbv,
            "QLDL": lambda: (
                f"({_num(v('output.power.minimum.percent'), 3, 0)} "
                f"{_num(v('output.power.maximum.percent'), 3, 0)}\r"
            ),
            "QFLAG": self.qflag,
            "QHE": lambda: f"({self.eco[0]:03d} {self.eco[1]:03d}\r",
            "QFRE": lambda: f"({self.eco_freq[0]:04.1f} {self.eco_freq[1]:04.1f}\r",
            "QBYV": lambda: f"({self.bypass[0]:03d} {self.bypass[1]:03d}\r",
            "QBYF": lambda: f"({self.bypass_freq[0]:04.1f} {self.bypass_freq[1]:04.1f}\r",
            "QPD": lambda: "(000 000\r",
        }
        if upper in queries:
            return queries[upper]()
        return self.order(upper)

    def order(self, upper: str) -> str:
        """Orders: ``(ACK`` and the device's state follows; ``(NAK`` for anything else."""
        if upper in ("SOFF", "SON", "TL", "T", "PEE", "PDE"):
            if upper.startswith("T"):
                self._bit("test", True)
            return _ACK
        if upper == "CT":
            self._bit("test", False)
            return _ACK
        if upper == "CS":
            self._bit("shutdown_active", False)
            return _ACK
        if upper.startswith("S") and len(upper) > 1 and upper[1] in ".0123456789":
            self._bit("shutdown_active", True)
            return _ACK
        if upper.startswith("T") and (upper[1:2] == "." or upper[1:].isdigit()):
            self._bit("test", True)
            return _ACK
        if upper in ("BZOFF", "BZON"):
            self._bit("beeper_muted", upper == "BZOFF")
            return _ACK
        if len(upper) == 3 and upper[0] == "P" and upper[1] in "ED" and upper[2].isalpha():
            letter = upper[2].lower()
            (self.enabled if upper[1] == "E" else self.disabled).add(letter)
            (self.disabled if upper[1] == "E" else self.enabled).discard(letter)
            return _ACK
        if upper.startswith(("HEH", "HEL")) and upper[3:].isdigit():
            high, low = self.eco
            self.eco = (int(upper[3:]), low) if upper[2] == "H" else (high, int(upper[3:]))
            return _ACK
        if upper.startswith(("FREH", "FREL")):
            fhigh, flow = self.eco_freq
            new = float(upper[4:])
            self.eco_freq = (new, flow) if upper[3] == "H" else (fhigh, new)
            return _ACK
        if upper.startswith("BATGN") and upper[5:].isdigit():
            self.values["battery.packs"] = str(int(upper[5:]))
            return _ACK
        if upper.startswith("BATN") and upper[4:].isdigit():
            self.battery_number = int(upper[4:])
            return _ACK
        return _NAK

    def _bit(self, name: str, on: bool) -> None:
        self.bits[COLUMN[name] - 63] = "1" if on else "0"

    # -- ptysim's Device ------------------------------------------------------------

    def control(self, key: str, value: Any) -> None:
        if key in COLUMN:
            self._bit(key, bool(value))
            if key == "on_battery":
                self.qmod = "B" if value else "L"
        elif key == "qmod":
            self.qmod = str(value)
        elif key == "warnings":
            self.warnings = str(value)
        elif key == "set":
            for name, val in dict(value).items():
                if val is None:
                    self.values.pop(name, None)
                else:
                    self.values[name] = str(val)
        else:
            raise KeyError(key)
