"""A simulated Q* UPS for ``ptysim``: megatec, mustek, megatec/old, zinto, q1, voltronic-qs.

The replies follow the layouts in NUT's subdriver tables (``nutdrv_qx_*.c``)
and the Megatec protocol: a 47-character status line, ``#``-led ratings and
vendor lines, no reply to control commands, and an unknown command echoed
back.  The values come from a DDL dump of a real device made with NUT's
nutdrv_qx when there is one (``DUMPS``); a field the dump lacks (the device
sent something NUT could not read) is sent as dashes, as those devices do.

``control`` keys (from the test, through ``PtySimulator.control``):
``on_battery``/``low_battery``/``shutdown_active``/``test``/``beeper``/``failed``
(bools for the status bits), ``set`` (``{"input.voltage": "230.0", ...}``),
``bits`` (the whole 8-bit field).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.ptysim import LineDevice

DDL = Path(__file__).resolve().parents[3] / "shared" / "ddl"

#: Real devices read with NUT's nutdrv_qx, per protocol.
DUMPS = {
    "megatec": "Fideltronik_INIGO/Fideltronik_INIGO__Viper_1200__nutdrv_qx__2.7.3.1__01.dev",
    "mustek": "UltraMax/UltraMax__1000SC__nutdrv_qx__2.8.0.1__01.dev",
    "q1": "Greencell/Greencell__PowerProof_2000__nutdrv_qx__2.8.0__01.dev",
    "voltronic-qs": "Powermatic/Powermatic__Cleanline_L-1000C__nutdrv_qx__2.8.1__01.dev",
    # megatec/old and zinto: no dump; the megatec device's values
    "megatec/old": "Fideltronik_INIGO/Fideltronik_INIGO__Viper_1200__nutdrv_qx__2.7.3.1__01.dev",
    "zinto": "Fideltronik_INIGO/Fideltronik_INIGO__Viper_1200__nutdrv_qx__2.7.3.1__01.dev",
}

#: protocol -> (status command, ratings command or None, vendor command or None)
COMMANDS = {
    "megatec": ("Q1", "F", "I"),
    "mustek": ("QS", None, None),
    "megatec/old": ("D", "F", "I"),
    "zinto": ("Q1", "F", "FW?"),
    "q1": ("Q1", None, None),
    "voltronic-qs": ("QS", "F", None),
}

BIT = {
    "on_battery": 0,
    "low_battery": 1,
    "bypass": 2,
    "failed": 3,
    "line_interactive": 4,
    "test": 5,
    "shutdown_active": 6,
    "beeper": 7,
}


def read_dump(path: Path) -> dict[str, str]:
    """``name: value`` lines of a .dev file, comments dropped."""
    values: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        value = value.split("#", 1)[0].strip()
        values[name.strip()] = value
    return values


def _field(value: str | None, width: int, decimals: int | None) -> str:
    if value is None:
        return ("-" * width)[: width - 2] + ".-" if decimals else "-" * width
    if decimals is None:
        return f"{int(float(value)):0{width}d}"
    text = f"{float(value):0{width}.{decimals}f}"
    if len(text) > width:  # 27.70 in four characters is 27.7
        text = f"{float(value):0{width}.{max(decimals - 1, 0)}f}"
    return text[:width]


class Device(LineDevice):
    def __init__(self, protocol: str = "megatec", dump: str | None = None) -> None:
        self.protocol = protocol
        self.status_cmd, self.rating_cmd, self.vendor_cmd = COMMANDS[protocol]
        self.values = read_dump(DDL / (dump or DUMPS[protocol]))
        status = self.values.get("ups.status", "OL").split()
        bits = ["0"] * 8
        bits[BIT["on_battery"]] = "1" if "OB" in status else "0"
        bits[BIT["low_battery"]] = "1" if "LB" in status else "0"
        bits[BIT["line_interactive"]] = (
            "1" if self.values.get("ups.type", "").startswith("offline") else "0"
        )
        bits[BIT["beeper"]] = "1" if self.values.get("ups.beeper.status") == "enabled" else "0"
        self.bits = bits

    # -- replies ------------------------------------------------------------------

    def status_line(self) -> str:
        v = self.values.get
        freq = v("input.frequency") or v("output.frequency")
        fields = [
            _field(v("input.voltage"), 5, 1),
            _field(v("input.voltage.fault"), 5, 1),
            _field(v("output.voltage"), 5, 1),
            _field(v("ups.load"), 3, None),
            _field(freq, 4, 1),
            _field(v("battery.voltage"), 4, 2),
            _field(v("ups.temperature"), 4, 1),
            "".join(self.bits),
        ]
        return "(" + " ".join(fields) + "\r"

    def rating_line(self) -> str:
        v = self.values.get
        if self.protocol == "voltronic-qs":
            names = (
                "output.voltage.nominal",
                "output.current.nominal",
                "battery.voltage.nominal",
                "output.frequency.nominal",
            )
        else:
            names = (
                "input.voltage.nominal",
                "input.current.nominal",
                "battery.voltage.nominal",
                "input.frequency.nominal",
            )
        return (
            "#"
            + " ".join(
                (
                    _field(v(names[0]), 5, 1),
                    _field(v(names[1]), 3, 1),
                    _field(v(names[2]), 5, 2),
                    _field(v(names[3]), 4, 1),
                )
            )
            + "\r"
        )

    def vendor_line(self) -> str:
        v = self.values.get
        mfr = (v("device.mfr") or "")[:15].ljust(15)
        model = (v("device.model") or "")[:10].ljust(10)
        firmware = (v("ups.firmware") or "")[:10].ljust(10)
        return f"#{mfr} {model} {firmware}\r"

    def answer(self, command: str) -> str | None:
        """The reply to one command (without its CR), or None for no reply."""
        upper = command.upper()
        if upper == self.status_cmd:
            return self.status_line()
        if self.rating_cmd and upper == self.rating_cmd:
            return self.rating_line()
        if self.vendor_cmd and upper == self.vendor_cmd:
            return self.vendor_line()
        if self.protocol == "voltronic-qs" and upper == "M":
            return "V\r"
        if upper == "Q":
            self._flip("beeper")
            return None
        if upper.startswith("S") and len(upper) > 1:
            self._set("shutdown_active", True)
            return None
        if upper == "C":
            self._set("shutdown_active", False)
            return None
        if upper == "CT":
            self._set("test", False)
            return None
        if upper == "T" or upper == "TL" or (upper.startswith("T") and upper[1:].isdigit()):
            self._set("test", True)
            return None
        return command + "\r"  # Megatec: an unknown command comes back as it was

    def _set(self, name: str, on: bool) -> None:
        self.bits[BIT[name]] = "1" if on else "0"

    def _flip(self, name: str) -> None:
        self._set(name, self.bits[BIT[name]] == "0")

    # -- ptysim's Device ------------------------------------------------------------

    def control(self, key: str, value: Any) -> None:
        if key in BIT:
            self._set(key, bool(value))
        elif key == "bits":
            self.bits = list(str(value))
        elif key == "set":
            for name, val in dict(value).items():
                if val is None:
                    self.values.pop(name, None)
                else:
                    self.values[name] = str(val)
        else:
            raise KeyError(key)
