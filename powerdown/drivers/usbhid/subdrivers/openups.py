"""Minibox openUPS's usbhid-ups subdriver (NUT's ``openups-hid``, "openUPS HID 0.50").

Strategy
--------
Facts from NUT's ``drivers/openups-hid.c`` (HEAD): Microchip's vendor id
0x04d8 with products 0xd004 and 0xd005, the cell usages 1-6 (on page 0),
the mapping rows in NUT's order, and the fix-ups that turn the board's raw
readings into volts, amperes and degrees:

* 0xd004 reports input and output voltage and the charge and discharge
  currents in ADC steps: NUT multiplies them by 3.545, 2.571, 0.08274 and
  1.6113; 0xd005 reports tenths (x 0.1 for all four, the currents
  "unverified" in NUT); any other product is left at x 1;
* the battery temperature is a thermistor reading (value x 100) that NUT
  interpolates in a 34-point table, -40 degC to 125 degC in 5 degC steps.

NUT picks the scale when the id table matches (``get_voltage_multiplier``)
and keeps it in globals; here it is one ``OpenUpsScale``, set by ``claims``.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Lookup, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import status, var, vendor_or

if TYPE_CHECKING:
    from powerdown.drivers.usbhid.matcher import UsbInfo

__all__ = ["SUBDRIVER", "OPENUPS_VENDORID", "OpenUpsScale", "SCALE", "thermistor_celsius"]

OPENUPS_VENDORID = 0x04D8
OPENUPS_PRODUCTS = frozenset({0xD004, 0xD005})


@dataclass(slots=True)
class OpenUpsScale:
    """The multipliers for the raw readings of the device being served."""

    vin: float = 1.0
    vout: float = 1.0
    ccharge: float = 1.0
    cdischarge: float = 1.0

    def set_for(self, productid: int) -> None:
        """NUT's ``get_voltage_multiplier``; other products keep what was there (1 at start)."""
        if productid == 0xD004:
            self.vin, self.vout = 0.03545 * 100, 0.02571 * 100
            self.ccharge, self.cdischarge = 0.8274 / 10, 16.113 / 10
        elif productid == 0xD005:
            self.vin = self.vout = self.ccharge = self.cdischarge = 0.1


#: The scale of the device this process serves (NUT keeps it in globals too).
SCALE = OpenUpsScale()

#: The thermistor's reading at -40, -35, ... 125 degC (from openUPS's Windows tool, via NUT).
THERMISTOR = (
    0x31, 0x40, 0x53, 0x68, 0x82, 0xA0, 0xC3, 0xE9, 0x113, 0x13F, 0x16E, 0x19F,
    0x1CF, 0x200, 0x22F, 0x25C, 0x286, 0x2AE, 0x2D3, 0x2F4, 0x312, 0x32D, 0x345,
    0x35A, 0x36D, 0x37E, 0x38C, 0x399, 0x3A5, 0x3AF, 0x3B7, 0x3BF, 0x3C6, 0x3CC,
)  # fmt: skip


def thermistor_celsius(value: float) -> str:
    """``openups_temperature_fun``: degrees for a reading, clamped to -40..125."""
    # NUT converts value * 100 to an unsigned int; a negative reading clamps low here.
    reading = max(int(value * 100), 0)
    if reading <= THERMISTOR[0]:
        return "-40"
    if reading >= THERMISTOR[-1]:
        return "125"
    pos = max(i for i, step in enumerate(THERMISTOR) if reading >= step)
    low = pos * 5 - 40
    if reading == THERMISTOR[pos]:
        return str(low)
    d1, d2 = THERMISTOR[pos], THERMISTOR[pos + 1]
    return f"{(reading - d1) * 5 / (d2 - d1) + low:.2f}"


def _scaled(attr: str, fmt: str) -> Lookup:
    return Lookup(to_nut=lambda value: fmt % (value * getattr(SCALE, attr)))


openups_vin_info = _scaled("vin", "%.2f")
openups_vout_info = _scaled("vout", "%.2f")
openups_ccharge_info = _scaled("ccharge", "%.3f")
openups_cdischarge_info = _scaled("cdischarge", "%.3f")
openups_temperature_info = Lookup(to_nut=thermistor_celsius)


def _flag(on: str, off: str) -> Lookup:
    # Any non-zero value sets the word, unlike a two-entry table.
    return Lookup(to_nut=lambda value: on if value else off)


openups_charging_info = _flag("chrg", "!chrg")
openups_discharging_info = _flag("dischrg", "!dischrg")
openups_online_info = _flag("online", "!online")
openups_off_info = _flag("!off", "off")

#: NUT's ``openups_usage_lkp``: the battery cells (J6 pins 1-5, J4 pin 1).
OPENUPS_USAGES: Mapping[int, str] = {
    0x00000001: "Cell1",
    0x00000002: "Cell2",
    0x00000003: "Cell3",
    0x00000004: "Cell4",
    0x00000005: "Cell5",
    0x00000006: "Cell6",
}

_Q = HU.QUICK_POLL

#: NUT's ``openups_hid2nut``, in its order.
OPENUPS_HID2NUT = (
    var("ups.serial", "UPS.PowerSummary.iSerialNumber", "%s", lookup=m.stringid_conversion),
    var(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var(
        "battery.mfr.date",
        "UPS.PowerSummary.iOEMInformation",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f", hu=_Q),
    var("battery.current", "UPS.PowerSummary.Current", "%.3f", hu=_Q),
    var("battery.capacity", "UPS.PowerSummary.DesignCapacity", "%.0f", hu=HU.STATIC),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f", hu=_Q),
    var("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", hu=_Q),
    var("battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f"),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f", hu=_Q),
    # NUT's format is NULL where a conversion gives the text; "%s" says the same here
    var(
        "battery.temperature",
        "UPS.PowerSummary.Temperature",
        "%s",
        hu=_Q,
        lookup=openups_temperature_info,
    ),
    var("output.voltage", "UPS.PowerSummary.Output.Voltage", "%s", hu=_Q, lookup=openups_vout_info),
    var(
        "output.current",
        "UPS.PowerSummary.Output.Current",
        "%s",
        hu=_Q,
        lookup=openups_cdischarge_info,
    ),
    var("input.voltage", "UPS.PowerSummary.Input.Voltage", "%s", hu=_Q, lookup=openups_vin_info),
    var(
        "input.current", "UPS.PowerSummary.Input.Current", "%s", hu=_Q, lookup=openups_ccharge_info
    ),
    status("UPS.PowerSummary.PresentStatus.Good", openups_off_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.InternalFailure", m.commfault_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.OverTemperature", m.overheat_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit", m.lowbatt_info, hu=_Q),
    status(
        "UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired",
        m.timelimitexpired_info,
        hu=_Q,
    ),
    status("UPS.PowerSummary.PresentStatus.Charging", openups_charging_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.Discharging", openups_discharging_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.PowerSummary.PresentStatus.ACPresent", openups_online_info, hu=_Q),
    status("UPS.PowerSummary.PresentStatus.BatteryPresent", m.nobattery_info, hu=_Q),
)


def _claims(info: UsbInfo) -> bool:
    if info.vendorid != OPENUPS_VENDORID or info.productid not in OPENUPS_PRODUCTS:
        return False
    SCALE.set_for(info.productid)
    return True


SUBDRIVER = Subdriver(
    name="openUPS HID",
    version="0.50",
    usage_tables=(OPENUPS_USAGES,),
    mapping=OPENUPS_HID2NUT,
    claims=_claims,
    format_mfr=vendor_or("openUPS"),
)
