"""Arduino's usbhid-ups subdriver (NUT's ``arduino-hid``, "Arduino HID 0.22").

Strategy
--------
Facts from NUT's ``drivers/arduino-hid.c`` (HEAD; the ids are 2.8.0's too):
Leonardo/Micro-class boards running the Arduino
HIDPowerDevice library, the generic pages only.  Those boards put the HID
interface on other endpoints than NUT's defaults: NUT's claim sets
``usb_hid_ep_in`` 4, ``usb_hid_ep_out`` 5 and ``usb_hid_rep_index`` 2 unless
the user gave them; ``USB_DEFAULTS`` carries those for the transport.  Pure.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from powerdown.drivers.usbhid import mapping as m
from powerdown.drivers.usbhid.mapping import HU, Subdriver
from powerdown.drivers.usbhid.subdrivers._rows import (
    DEFAULT_OFFDELAY,
    DEFAULT_ONDELAY,
    cmd,
    id_claim,
    rw,
    status,
    var,
    vendor_or,
)

if TYPE_CHECKING:
    pass

__all__ = ["SUBDRIVER", "ARDUINO_VENDORID", "ARDUINO_VENDORID2", "USB_DEFAULTS"]

ARDUINO_VENDORID = 0x2341
ARDUINO_VENDORID2 = 0x2A03

#: Driver options NUT's claim fills in when the user left them unset.
USB_DEFAULTS: MappingProxyType[str, int] = MappingProxyType(
    {"usb_hid_ep_in": 4, "usb_hid_ep_out": 5, "usb_hid_rep_index": 2}
)

ARDUINO_USAGES: MappingProxyType[int, str] = MappingProxyType({})

#: NUT's ``arduino_hid2nut``, in its order.
ARDUINO_HID2NUT = (
    rw("ups.delay.start", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY, 10, hu=HU.ABSENT),
    rw(
        "ups.delay.shutdown",
        "UPS.PowerSummary.DelayBeforeShutdown",
        DEFAULT_OFFDELAY,
        10,
        hu=HU.ABSENT,
    ),
    var("ups.timer.start", "UPS.PowerSummary.DelayBeforeStartup", "%.0f", hu=HU.QUICK_POLL),
    var("ups.timer.shutdown", "UPS.PowerSummary.DelayBeforeShutdown", "%.0f", hu=HU.QUICK_POLL),
    var("ups.timer.reboot", "UPS.PowerSummary.DelayBeforeReboot", "%.0f", hu=HU.QUICK_POLL),
    cmd("load.off.delay", "UPS.PowerSummary.DelayBeforeShutdown", DEFAULT_OFFDELAY),
    cmd("load.on.delay", "UPS.PowerSummary.DelayBeforeStartup", DEFAULT_ONDELAY),
    cmd("shutdown.stop", "UPS.PowerSummary.DelayBeforeShutdown", "-1"),
    cmd("shutdown.reboot", "UPS.PowerSummary.DelayBeforeReboot", "10"),
    var(
        "battery.type",
        "UPS.PowerSummary.iDeviceChemistry",
        "%s",
        hu=HU.STATIC,
        lookup=m.stringid_conversion,
    ),
    var("battery.voltage.nominal", "UPS.PowerSummary.ConfigVoltage", "%.2f", hu=HU.QUICK_POLL),
    var("battery.voltage", "UPS.PowerSummary.Voltage", "%.2f", hu=HU.QUICK_POLL),
    var("battery.runtime", "UPS.PowerSummary.RunTimeToEmpty", "%.0f", hu=HU.QUICK_POLL),
    var("battery.runtime.low", "UPS.PowerSummary.RemainingTimeLimit", "%.0f", hu=HU.SEMI_STATIC),
    var("battery.charge", "UPS.PowerSummary.RemainingCapacity", "%.0f"),
    var("battery.charge.low", "UPS.PowerSummary.RemainingCapacityLimit", "%.0f", hu=HU.SEMI_STATIC),
    var(
        "battery.charge.warning", "UPS.PowerSummary.WarningCapacityLimit", "%.0f", hu=HU.SEMI_STATIC
    ),
    var("ups.load", "UPS.PowerSummary.PercentLoad", "%.0f"),
    var("input.voltage", "UPS.PowerConverter.Input.[1].Voltage", "%.1f"),
    var("output.voltage", "UPS.PowerConverter.Output.Voltage", "%.1f"),
    status("UPS.PowerSummary.PresentStatus.ACPresent", m.online_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Discharging", m.discharging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.Charging", m.charging_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.NeedReplacement", m.replacebatt_info),
    status("UPS.PowerSummary.PresentStatus.ShutdownImminent", m.shutdownimm_info),
    status(
        "UPS.PowerSummary.PresentStatus.BelowRemainingCapacityLimit",
        m.lowbatt_info,
        hu=HU.QUICK_POLL,
    ),
    status("UPS.PowerSummary.PresentStatus.Overload", m.overload_info),
    status("UPS.PowerSummary.PresentStatus.RemainingTimeLimitExpired", m.timelimitexpired_info),
    status("UPS.PowerSummary.PresentStatus.BatteryPresent", m.nobattery_info),
    status("UPS.PowerSummary.PresentStatus.FullyCharged", m.fullycharged_info, hu=HU.QUICK_POLL),
    status("UPS.PowerSummary.PresentStatus.FullyDischarged", m.depleted_info, hu=HU.QUICK_POLL),
)


SUBDRIVER = Subdriver(
    name="Arduino HID",
    version="0.22",
    usage_tables=(ARDUINO_USAGES,),
    mapping=ARDUINO_HID2NUT,
    claims=id_claim(
        {
            ARDUINO_VENDORID: frozenset({0x0036, 0x8036}),
            ARDUINO_VENDORID2: frozenset({0x0036, 0x8036, 0x0040, 0x8040}),
        }
    ),
    format_mfr=vendor_or("Arduino"),
)
