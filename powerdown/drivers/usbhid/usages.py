"""Usage names: NUT's dotted HID paths ("UPS.PowerSummary.RemainingCapacity").

Strategy
--------
NUT names a field by its path of usages, each written with the first table
that knows it: the subdriver's own tables first, then the generic table of
``libhid.c`` (``hid_usage_lkp``: the Power Device page 0x84 and the Battery
System page 0x85 of the HID Power Device class, spelled exactly as NUT spells
them, "SwitchOn/Off" and "iDevicename" included).  A node no table knows is
an index node of a vendor collection, written "[n]", or else 8 lower-case hex
digits ("ff860060").  Reading a name back is case-insensitive, takes the first
table entry with that name (the generic "VoltageOutOfRange" is page 0x84's),
and accepts hex and "[n]" nodes the same way; NUT skips empty components.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["UsageTable", "GENERIC", "path_to_name", "name_to_path", "usage_name", "lookup_usage"]

#: 32-bit usage ``(page << 16) | id`` -> NUT's name
UsageTable = Mapping[int, str]

_INDEX_NODE = 0x00FF0000
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")

# In libhid.c's order, which decides which of two equal names is found first.
_GENERIC_BY_PAGE: dict[int, tuple[tuple[int, str], ...]] = {
    0x0084: (
        (0x00, "Undefined"),
        (0x01, "iName"),
        (0x02, "PresentStatus"),
        (0x03, "ChangedStatus"),
        (0x04, "UPS"),
        (0x05, "PowerSupply"),
        (0x10, "BatterySystem"),
        (0x11, "BatterySystemID"),
        (0x12, "Battery"),
        (0x13, "BatteryID"),
        (0x14, "Charger"),
        (0x15, "ChargerID"),
        (0x16, "PowerConverter"),
        (0x17, "PowerConverterID"),
        (0x18, "OutletSystem"),
        (0x19, "OutletSystemID"),
        (0x1A, "Input"),
        (0x1B, "InputID"),
        (0x1C, "Output"),
        (0x1D, "OutputID"),
        (0x1E, "Flow"),
        (0x1F, "FlowID"),
        (0x20, "Outlet"),
        (0x21, "OutletID"),
        (0x22, "Gang"),
        (0x23, "GangID"),
        (0x24, "PowerSummary"),
        (0x25, "PowerSummaryID"),
        (0x30, "Voltage"),
        (0x31, "Current"),
        (0x32, "Frequency"),
        (0x33, "ApparentPower"),
        (0x34, "ActivePower"),
        (0x35, "PercentLoad"),
        (0x36, "Temperature"),
        (0x37, "Humidity"),
        (0x38, "BadCount"),
        (0x40, "ConfigVoltage"),
        (0x41, "ConfigCurrent"),
        (0x42, "ConfigFrequency"),
        (0x43, "ConfigApparentPower"),
        (0x44, "ConfigActivePower"),
        (0x45, "ConfigPercentLoad"),
        (0x46, "ConfigTemperature"),
        (0x47, "ConfigHumidity"),
        (0x50, "SwitchOnControl"),
        (0x51, "SwitchOffControl"),
        (0x52, "ToggleControl"),
        (0x53, "LowVoltageTransfer"),
        (0x54, "HighVoltageTransfer"),
        (0x55, "DelayBeforeReboot"),
        (0x56, "DelayBeforeStartup"),
        (0x57, "DelayBeforeShutdown"),
        (0x58, "Test"),
        (0x59, "ModuleReset"),
        (0x5A, "AudibleAlarmControl"),
        (0x60, "Present"),
        (0x61, "Good"),
        (0x62, "InternalFailure"),
        (0x63, "VoltageOutOfRange"),
        (0x64, "FrequencyOutOfRange"),
        (0x65, "Overload"),
        (0x66, "OverCharged"),
        (0x67, "OverTemperature"),
        (0x68, "ShutdownRequested"),
        (0x69, "ShutdownImminent"),
        (0x6B, "SwitchOn/Off"),
        (0x6C, "Switchable"),
        (0x6D, "Used"),
        (0x6E, "Boost"),
        (0x6F, "Buck"),
        (0x70, "Initialized"),
        (0x71, "Tested"),
        (0x72, "AwaitingPower"),
        (0x73, "CommunicationLost"),
        (0xFD, "iManufacturer"),
        (0xFE, "iProduct"),
        (0xFF, "iSerialNumber"),
    ),
    0x0085: (
        (0x00, "Undefined"),
        (0x01, "SMBBatteryMode"),
        (0x02, "SMBBatteryStatus"),
        (0x03, "SMBAlarmWarning"),
        (0x04, "SMBChargerMode"),
        (0x05, "SMBChargerStatus"),
        (0x06, "SMBChargerSpecInfo"),
        (0x07, "SMBSelectorState"),
        (0x08, "SMBSelectorPresets"),
        (0x09, "SMBSelectorInfo"),
        (0x10, "OptionalMfgFunction1"),
        (0x11, "OptionalMfgFunction2"),
        (0x12, "OptionalMfgFunction3"),
        (0x13, "OptionalMfgFunction4"),
        (0x14, "OptionalMfgFunction5"),
        (0x15, "ConnectionToSMBus"),
        (0x16, "OutputConnection"),
        (0x17, "ChargerConnection"),
        (0x18, "BatteryInsertion"),
        (0x19, "Usenext"),
        (0x1A, "OKToUse"),
        (0x1B, "BatterySupported"),
        (0x1C, "SelectorRevision"),
        (0x1D, "ChargingIndicator"),
        (0x28, "ManufacturerAccess"),
        (0x29, "RemainingCapacityLimit"),
        (0x2A, "RemainingTimeLimit"),
        (0x2B, "AtRate"),
        (0x2C, "CapacityMode"),
        (0x2D, "BroadcastToCharger"),
        (0x2E, "PrimaryBattery"),
        (0x2F, "ChargeController"),
        (0x40, "TerminateCharge"),
        (0x41, "TerminateDischarge"),
        (0x42, "BelowRemainingCapacityLimit"),
        (0x43, "RemainingTimeLimitExpired"),
        (0x44, "Charging"),
        (0x45, "Discharging"),
        (0x46, "FullyCharged"),
        (0x47, "FullyDischarged"),
        (0x48, "ConditioningFlag"),
        (0x49, "AtRateOK"),
        (0x4A, "SMBErrorCode"),
        (0x4B, "NeedReplacement"),
        (0x60, "AtRateTimeToFull"),
        (0x61, "AtRateTimeToEmpty"),
        (0x62, "AverageCurrent"),
        (0x63, "Maxerror"),
        (0x64, "RelativeStateOfCharge"),
        (0x65, "AbsoluteStateOfCharge"),
        (0x66, "RemainingCapacity"),
        (0x67, "FullChargeCapacity"),
        (0x68, "RunTimeToEmpty"),
        (0x69, "AverageTimeToEmpty"),
        (0x6A, "AverageTimeToFull"),
        (0x6B, "CycleCount"),
        (0x80, "BattPackModelLevel"),
        (0x81, "InternalChargeController"),
        (0x82, "PrimaryBatterySupport"),
        (0x83, "DesignCapacity"),
        (0x84, "SpecificationInfo"),
        (0x85, "ManufacturerDate"),
        (0x86, "SerialNumber"),
        (0x87, "iManufacturerName"),
        (0x88, "iDevicename"),
        (0x89, "iDeviceChemistry"),
        (0x8A, "ManufacturerData"),
        (0x8B, "Rechargeable"),
        (0x8C, "WarningCapacityLimit"),
        (0x8D, "CapacityGranularity1"),
        (0x8E, "CapacityGranularity2"),
        (0x8F, "iOEMInformation"),
        (0xC0, "InhibitCharge"),
        (0xC1, "EnablePolling"),
        (0xC2, "ResetToZero"),
        (0xD0, "ACPresent"),
        (0xD1, "BatteryPresent"),
        (0xD2, "PowerFail"),
        (0xD3, "AlarmInhibited"),
        (0xD4, "ThermistorUnderRange"),
        (0xD5, "ThermistorHot"),
        (0xD6, "ThermistorCold"),
        (0xD7, "ThermistorOverRange"),
        (0xD8, "VoltageOutOfRange"),
        (0xD9, "CurrentOutOfRange"),
        (0xDA, "CurrentNotRegulated"),
        (0xDB, "VoltageNotRegulated"),
        (0xDC, "MasterMode"),
        (0xF0, "ChargerSelectorSupport"),
        (0xF1, "ChargerSpec"),
        (0xF2, "Level2"),
        (0xF3, "Level3"),
    ),
}

#: NUT's generic usage table (libhid.c ``hid_usage_lkp``)
GENERIC: UsageTable = {
    (page << 16) | usage: name
    for page, entries in _GENERIC_BY_PAGE.items()
    for usage, name in entries
}


def usage_name(usage: int, *tables: UsageTable) -> str:
    """One path node as NUT prints it: a table's name, "[n]" or 8 hex digits."""
    for table in (*tables, GENERIC):
        name = table.get(usage)
        if name is not None:
            return name
    if usage & 0xFFFF0000 == _INDEX_NODE:
        return f"[{usage & 0xFFFF}]"
    return f"{usage:08x}"


def path_to_name(path: tuple[int, ...], *tables: UsageTable) -> str:
    """A numeric path as NUT prints it: "UPS.PowerSummary.RemainingCapacity".

    ``tables`` (a subdriver's) are searched before :data:`GENERIC`.
    """
    return ".".join(usage_name(node, *tables) for node in path)


def lookup_usage(token: str, *tables: UsageTable) -> int:
    """One component of a dotted path as a usage (NUT's string_to_path, one token).

    Raises:
        KeyError: no table has the name and it is neither hex nor "[n]".
    """
    # strcasecmp: ASCII letters only
    folded = token.lower() if token.isascii() else None
    for table in (*tables, GENERIC):
        for usage, name in table.items():
            if name.lower() == folded:
                return usage
    if token and set(token) <= _HEX_DIGITS:
        usage = int(token, 16)
        if usage <= 0xFFFFFFFF:
            return usage
    elif len(token) > 2 and token[0] == "[" and token[-1] == "]" and set(token[1:-1]) <= _DIGITS:
        index = int(token[1:-1])
        if index <= 0xFFFF:
            return _INDEX_NODE + index
    raise KeyError(token)


def name_to_path(name: str, *tables: UsageTable) -> tuple[int, ...]:
    """A dotted path as numbers, the inverse of :func:`path_to_name`.

    Raises:
        KeyError: a component is unknown, or the name has none.
    """
    path = tuple(lookup_usage(token, *tables) for token in name.split(".") if token)
    if not path:
        raise KeyError(name)
    return path
