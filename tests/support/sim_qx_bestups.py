"""A simulated Best Power UPS for ``ptysim`` (``protocol = bestups``).

There is no DDL dump of a Best Power UPS read with nutdrv_qx; the values are
those of the Best Power Patriot Pro 750 that NUT's older ``bestups`` driver
read (DDL ``Best_Power__Patriot_Pro_750__bestups__2.7.2__01.dev``), which
speaks this same protocol.  The layouts are the examples in NUT's
``nutdrv_qx_bestups.c``: ``Q1`` (47 characters, no beeper bit), ``ID``
(``PRO,750,230,230,20.0,27.6``: model code, VA, input and output volts,
battery low and full), ``RT`` (minutes, three digits), ``BP?`` (two
digits), ``SS?`` and ``M`` (one digit).  Orders get no reply, and neither
does anything the UPS does not know.

``model`` picks the model code (``PRO`` as the dump's; ``AX1`` for an
Axxium, which has ``RT`` and ``BP?``).  ``control`` keys: the status bits
as in ``sim_qx`` (``on_battery``, ``low_battery``, ``bypass``, ``test``,
``shutdown_active``), ``set`` (NUT names -> values), ``m`` (the voltage
setting index), ``runtime`` (minutes).
"""

from __future__ import annotations

from typing import Any

from tests.support.ptysim import LineDevice
from tests.support.sim_qx import BIT, DDL, _field, read_dump

DUMP = "Best_Power/Best_Power__Patriot_Pro_750__bestups__2.7.2__01.dev"


class Device(LineDevice):
    def __init__(self, model: str = "PRO") -> None:
        self.model = model
        self.values = read_dump(DDL / DUMP)
        # the old driver did not read these: a Patriot Pro 750's low and full
        # battery voltages and its (unused) fault voltage and temperature
        self.values.setdefault("input.voltage.fault", "230.0")
        self.values.setdefault("ups.temperature", "30.0")
        self.bits = ["0"] * 8
        self.m = 4  # the E models' default setting
        self.runtime = 15
        self.packs = 2
        self.pins = 0

    # -- replies ------------------------------------------------------------------

    def q1(self) -> str:
        v = self.values.get
        fields = [
            _field(v("input.voltage"), 5, 1),
            _field(v("input.voltage.fault"), 5, 1),
            _field(v("output.voltage"), 5, 1),
            _field(v("ups.load"), 3, None),
            _field(v("input.frequency"), 4, 1),
            _field(v("battery.voltage"), 4, 2),
            _field(v("ups.temperature"), 4, 1),
            "".join(self.bits),
        ]
        return "(" + " ".join(fields) + "\r"

    def ident(self) -> str:
        v = self.values.get
        va = (v("device.model") or "750").split()[-1]
        vin = int(float(v("input.voltage.nominal") or "230"))
        vout = int(float(v("output.voltage.nominal") or "230"))
        return f"{self.model},{va},{vin},{vout},20.0,27.6\r"

    def answer(self, command: str) -> str | None:
        upper = command.upper()
        if upper == "Q1":
            return self.q1()
        if upper == "ID":
            return self.ident()
        if upper == "RT" and self.model not in ("PRO", "320"):
            return f"{self.runtime:03d}\r"
        if upper == "BP?" and self.model in ("AX1", "620"):
            return f"{self.packs:02d}\r"
        if upper.startswith("BP") and upper[2:].isdigit():
            self.packs = int(upper[2:])
            return None
        if upper == "SS?":
            return f"{self.pins}\r"
        if upper.startswith("SS") and upper[2:].isdigit():
            self.pins = int(upper[2:])
            return None
        if upper == "M":
            return f"{self.m}\r"
        if upper.startswith("S") and len(upper) > 1:
            self._set("shutdown_active", True)
        elif upper == "C":
            self._set("shutdown_active", False)
        elif upper == "CT":
            self._set("test", False)
        elif upper in ("T", "TL") or (upper.startswith("T") and upper[1:].isdigit()):
            self._set("test", True)
        return None

    def _set(self, name: str, on: bool) -> None:
        self.bits[BIT[name]] = "1" if on else "0"

    # -- ptysim's Device ------------------------------------------------------------

    def control(self, key: str, value: Any) -> None:
        if key in BIT:
            self._set(key, bool(value))
        elif key == "m":
            self.m = int(value)
        elif key == "runtime":
            self.runtime = int(value)
        elif key == "set":
            for name, val in dict(value).items():
                if val is None:
                    self.values.pop(name, None)
                else:
                    self.values[name] = str(val)
        else:
            raise KeyError(key)
