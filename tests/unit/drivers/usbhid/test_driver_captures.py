"""Our driver on a real device's bytes shows what NUT's ``upsc`` showed for that device.

The APC Back-UPS ES 850G2 of NUT issue #1304 is the one capture whose thread
also holds the reporter's ``upsc`` output (kept as comments in the capture:
it was taken at another moment than the report bytes).  Values that follow
the clock or the load (runtime, load, input voltage) changed between the two
moments; settings, dates and ratings did not, and for those our driver,
replaying the bytes, must print exactly what NUT printed.
"""

from __future__ import annotations

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.usbhid.driver import DEFAULT_POLLFREQ, HidUps, Settings
from powerdown.drivers.usbhid.transport import HidDevice
from tests.support.hidcaptures import DATA_DIR
from tests.support.hiddouble import from_capture

CAPTURE = "apc-back-ups-es-850g2"

#: What does not move between two readings of a UPS on mains an hour apart.
UNCHANGING = (
    "battery.charge.low",
    "battery.charge.warning",
    "battery.date",
    "battery.mfr.date",
    "battery.runtime.low",
    "battery.voltage.nominal",
    "input.sensitivity",
    "input.transfer.high",
    "input.transfer.low",
    "input.voltage.nominal",
    "ups.beeper.status",
    "ups.delay.shutdown",
)


def _nuts_upsc() -> dict[str, str]:
    """The ``# upsc:`` block of the capture's comments."""
    lines = (DATA_DIR / f"{CAPTURE}.txt").read_text().splitlines()
    start = lines.index("# upsc:") + 1
    out: dict[str, str] = {}
    for line in lines[start:]:
        if not line.startswith("#   "):
            break
        name, _, value = line[4:].partition(": ")
        out[name] = value
    return out


def test_es_850g2_settings_dates_and_ratings_are_NUTs() -> None:
    nut = _nuts_upsc()
    assert nut["driver.version.data"].startswith("APC HID")
    devices: list[HidDevice] = [from_capture(CAPTURE)]
    d = Dstate()
    core = HidUps(Settings(), d, opener=lambda: devices)
    core.initups()
    core.initinfo(0.0)
    core.update(DEFAULT_POLLFREQ + 1.0, None)
    ours = dict(line.split(": ", 1) for line in d.upsc_lines())
    assert {name: ours.get(name) for name in UNCHANGING} == {name: nut[name] for name in UNCHANGING}
    # and the status NUT would show on mains with a full battery
    assert ours["ups.status"] == "OL"
    assert nut["battery.charge"] == ours["battery.charge"] == "100"
