"""The variables dummy-ups knows by name, with the flags NUT's dummy-ups gives them.

NUT's ``drivers/dummy-ups.h`` table: a known variable gets its own flags
(and, for strings, its maximum length) when set; any other variable is
published as a writable string of up to 32 characters.  ``upsrw`` shows
these, so they are part of what "the same as NUT" means.  The first three
are published before the definition file is read.
"""

from __future__ import annotations

from powerdown.state.tree import Flag

__all__ = ["KNOWN", "INITIAL", "UNKNOWN_FLAGS", "UNKNOWN_AUX"]

_S = Flag.STRING | Flag.RW
_N = Flag.RW

#: name -> (flags, aux); aux is only published for strings.
KNOWN: dict[str, tuple[Flag, int]] = {
    "ups.mfr": (_S, 32),
    "ups.model": (_S, 32),
    "ups.status": (_S, 32),
    "ups.serial": (_S, 32),
    "ups.load": (_N, 32),
    "ups.alarm": (_S, 32),
    "ups.time": (_S, 16),
    "ups.date": (_S, 16),
    "ups.mfr.date": (_S, 16),
    "ups.firmware": (_S, 16),
    "ups.firmware.aux": (_S, 16),
    "ups.temperature": (_N, 1),
    "ups.id": (_S, 16),
    "ups.delay.start": (_N, 1),
    "ups.delay.reboot": (_N, 1),
    "ups.delay.shutdown": (_N, 1),
    "ups.test.interval": (_N, 1),
    "ups.test.result": (_S, 16),
    "input.voltage": (_N, 1),
    "input.voltage.maximum": (_N, 1),
    "input.voltage.minimum": (_N, 1),
    "input.voltage.nominal": (_N, 1),
    "input.transfer.reason": (_S, 1),
    "input.transfer.low": (_N, 1),
    "input.transfer.high": (_N, 1),
    "input.sensitivity": (_S, 1),
    "input.quality": (_S, 6),
    "input.frequency": (_N, 1),
    "input.transfer.boost.low": (_N, 1),
    "input.transfer.boost.high": (_N, 1),
    "input.transfer.trim.low": (_N, 1),
    "input.transfer.trim.high": (_N, 1),
    "output.voltage": (_N, 1),
    "output.frequency": (_N, 1),
    "output.current": (_N, 1),
    "battery.charge": (_N, 1),
    "battery.charge.low": (_N, 1),
    "battery.voltage": (_N, 1),
    "battery.current": (_N, 1),
    "battery.runtime": (_N, 1),
    "battery.runtime.low": (_N, 1),
    "battery.charge.restart": (_N, 1),
    "battery.temperature": (_N, 1),
    "battery.voltage.nominal": (_N, 1),
    "ambient.temperature": (_N, 1),
    "ambient.temperature.alarm": (_N, 1),
    "ambient.temperature.high": (_N, 1),
    "ambient.temperature.low": (_N, 1),
    "ambient.humidity": (_N, 1),
    "ambient.humidity.alarm": (_N, 1),
    "ambient.humidity.high": (_N, 1),
    "ambient.humidity.low": (_N, 1),
}

#: Published before the definition file is read.
INITIAL: dict[str, str] = {
    "ups.mfr": "Dummy Manufacturer",
    "ups.model": "Dummy UPS",
    "ups.status": "OL",
}

UNKNOWN_FLAGS = _S
UNKNOWN_AUX = 32


def flags_of(name: str) -> tuple[Flag, int]:
    """The flags and aux a variable gets when dummy-ups sets it."""
    return KNOWN.get(name.lower(), (UNKNOWN_FLAGS, UNKNOWN_AUX))
