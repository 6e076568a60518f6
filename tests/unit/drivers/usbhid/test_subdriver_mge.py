"""Eaton / MGE (mge-hid): ids, model names, and the lookups that keep state give NUT's values."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from powerdown.drivers.usbhid import usages
from powerdown.drivers.usbhid.mapping import HU, lookup_to_hid, lookup_to_nut
from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.subdrivers import choose, liebert, mge

EATON = UsbInfo(vendorid=0x0463, productid=0xFFFF, vendor="EATON", serial="000000000")
DDL = Path("/work/shared/ddl")


@pytest.fixture(autouse=True)
def fresh_state():
    mge.STATE.reset()
    yield
    mge.STATE.reset()


def claim(info: UsbInfo = EATON) -> None:
    assert mge.SUBDRIVER.claims(info)


def named(product: str, imodel: str | None, power: float | None = None) -> str | None:
    claim()
    mge.note_model(imodel, power)
    return mge.SUBDRIVER.format_model(EATON, product)


def test_mge_claims_aeg_and_kstar_only_by_name():
    aeg = UsbInfo(vendorid=0x06DA, productid=0xFFFF, vendor="AEG", product="PROTECT NAS")
    plain = UsbInfo(vendorid=0x06DA, productid=0xFFFF, vendor="Phoenixtec Power")
    assert mge.SUBDRIVER.claims(aeg)
    assert not mge.SUBDRIVER.claims(plain)
    assert mge.SUBDRIVER.claims(UsbInfo(vendorid=0x06DA, productid=0xFFFF, product="AEG NAS"))
    # NUT's order: MGE first, so an AEG unit is MGE's, any other 06da:ffff Liebert's
    assert choose(aeg) is mge.SUBDRIVER
    assert choose(plain) is liebert.SUBDRIVER
    assert mge.SUBDRIVER.claims(UsbInfo(vendorid=0x09D6, productid=0x0001, vendor="KSTAR"))
    assert not mge.SUBDRIVER.claims(UsbInfo(vendorid=0x09D6, productid=0x0001))
    # "possibly supported" (other Eaton products) needs NUT's productid option: not claimed
    assert not mge.SUBDRIVER.claims(UsbInfo(vendorid=0x0463, productid=0x0002))
    assert choose(EATON) is mge.SUBDRIVER


def test_mge_claim_resets_state_for_a_new_device_only():
    claim()
    mge.note_model("650", None)
    mge.SUBDRIVER.format_model(EATON, "Evolution")
    assert mge.STATE.mge_type == mge.MGE_EVOLUTION_650
    claim()  # the same device back after a reconnect: NUT's globals survive
    assert mge.STATE.mge_type == mge.MGE_EVOLUTION_650
    claim(UsbInfo(vendorid=0x0463, productid=0xFFFF, serial="other"))
    assert mge.STATE.mge_type == mge.MGE_DEFAULT


def test_mge_label_and_rows():
    assert mge.SUBDRIVER.label == "MGE HID 1.59"
    assert len(mge.SUBDRIVER.mapping) == 251
    cmds = [r.var for r in mge.SUBDRIVER.mapping if r.hu & HU.CMD]
    assert len(cmds) == 31 and len(set(cmds)) == 26
    assert "experimental.bypass.ecomode.start" in cmds and "outlet.3.load.on" in cmds


@pytest.mark.parametrize(
    ("product", "imodel", "name", "family"),
    [
        ("Ellipse MAX", "1500", "Ellipse MAX 1500", mge.MGE_DEFAULT_OFFLINE),
        ("Protection Station", "500", "Protection Station 500", mge.MGE_PEGASUS),
        ("Eaton 3S", "700", "Eaton 3S 700", mge.MGE_DEFAULT),  # not "3S": default family
        ("3S", "700", "3S 700", mge.MGE_3S),
        ("5E", "1100i", "5E 1100i", mge.MGE_DEFAULT),
        ("ELLIPSE", "1500", "Ellipse 1500", mge.MGE_DEFAULT_OFFLINE),
        ("ellipse", "PR650", "ellipse premium 650", mge.MGE_DEFAULT_OFFLINE),
        ("PROTECTIONCENTER", "675", "Protection Center 675", mge.MGE_DEFAULT_OFFLINE),
        ("Evolution", "500", "Pulsar Evolution 500", mge.MGE_DEFAULT),
        ("Evolution", "S 1250", "Evolution S 1250", mge.MGE_EVOLUTION_S_1250),
        ("Eaton 5P", "650", "5P 650", mge.EATON_5P),
        ("Ellipse PRO", "1500 ", "Eaton 5S1500", mge.EATON_5P),
        ("Ellipse PRO", "1500", "Ellipse PRO 1500", mge.MGE_DEFAULT),
        ("Eaton 9E", "2000ir", "9E2000ir", mge.EATON_9E),
        ("unknown", "3000", "9E3000i (presumed)", mge.EATON_9E),
        ("NOVA AVR", "1100", "Nova 1100 AVR", mge.MGE_DEFAULT),
        ("GALAXY", "3000_20", "Galaxy 3000 20 kVA", mge.MGE_DEFAULT),
        ("EX", "3000 XL", "EX 3000 XL", mge.MGE_PULSAR_M_3000),
    ],
)
def test_mge_model_names(product, imodel, name, family):
    assert named(product, imodel) == name
    assert mge.STATE.mge_type == family


def test_mge_model_fallbacks():
    # no iModel: ConfigApparentPower stands in; nothing at all: the product string
    assert named("unknown", None, 2000.0) == "9E2000i (presumed)"
    assert named("Pulsar", "", None) == "Pulsar"
    assert named("Pulsar", None, None) == "Pulsar"
    # Dell's product string is already the whole name
    dell = UsbInfo(vendorid=0x047C, productid=0xFFFF, vendor="DELL")
    assert mge.SUBDRIVER.claims(dell)
    mge.note_model("2700", None)
    name = "Dell UPS Rack/Tower 2700W HV - 230V"
    assert mge.SUBDRIVER.format_model(dell, name) == name
    assert mge.SUBDRIVER.format_mfr(EATON, None) == "Eaton"
    assert mge.SUBDRIVER.format_mfr(EATON, "EATON") == "EATON"


def test_mge_battery_voltage_by_family():
    nominal, voltage = mge.mge_battery_voltage_nominal, mge.mge_battery_voltage
    named("Ellipse MAX", "1500")
    assert lookup_to_nut(nominal, 24.0) is None and lookup_to_nut(voltage, 27.3) is None
    named("Evolution", "650")
    assert lookup_to_nut(nominal, 24.0) == "12"
    assert lookup_to_nut(voltage, 13.61) == "13.6"
    named("Evolution", "850")
    assert lookup_to_nut(nominal, 24.0) == "24"
    named("Eaton 9SX", "1000i")
    assert lookup_to_nut(nominal, 36.0) == "36" and lookup_to_nut(voltage, 40.25) == "40.2"
    named("PULSAR M", "2200")
    assert lookup_to_nut(nominal, 48.0) == "48"


def test_mge_abm_mode_path():
    claim()
    enabled, path_mode, path_status = (
        mge.eaton_abm_enabled_info,
        mge.eaton_abm_path_mode_info,
        mge.eaton_abm_path_status_info,
    )
    status_, flag = mge.eaton_abm_status_info, mge.eaton_abm_chrg_dischrg_info
    chrg, dischrg = mge.eaton_charging_info, mge.eaton_discharging_info
    # ABM off: the PresentStatus bits speak; nothing for battery.charger.status
    assert lookup_to_nut(enabled, 0) is None and mge.STATE.abm == mge.ABM_DISABLED
    assert lookup_to_nut(status_, 1) is None and lookup_to_nut(flag, 1) is None
    assert lookup_to_nut(chrg, 1) == "chrg" and lookup_to_nut(dischrg, 0) == "!dischrg"
    # ABM on, Mode path first (the rows come in this order)
    lookup_to_nut(enabled, 1)
    lookup_to_nut(path_mode, 3)
    lookup_to_nut(path_status, 2)
    assert mge.STATE.abm_path == mge.ABM_PATH_MODE
    words = [lookup_to_nut(status_, v) for v in range(0, 8)]
    assert words == [None, "charging", "discharging", "floating", "resting", None, "off", None]
    flags = [lookup_to_nut(flag, v) for v in range(0, 8)]
    assert flags == [None, "chrg", "dischrg", "chrg", None, None, None, None]
    assert lookup_to_nut(chrg, 1) == "!chrg" and lookup_to_nut(dischrg, 1) == "!dischrg"
    # ABM off again: the path is forgotten
    lookup_to_nut(enabled, 0)
    lookup_to_nut(path_mode, 3)
    assert mge.STATE.abm_path == mge.ABM_PATH_UNKNOWN


def test_mge_abm_status_path():
    claim()
    lookup_to_nut(mge.eaton_abm_enabled_info, 1)
    lookup_to_nut(mge.eaton_abm_path_status_info, 3)
    lookup_to_nut(mge.eaton_abm_path_mode_info, 3)
    assert mge.STATE.abm_path == mge.ABM_PATH_STATUS
    words = [lookup_to_nut(mge.eaton_abm_status_info, v) for v in range(0, 8)]
    assert words == [None, "charging", "floating", "resting", "discharging", None, "off", None]
    flags = [lookup_to_nut(mge.eaton_abm_chrg_dischrg_info, v) for v in range(0, 8)]
    assert flags == [None, "chrg", "chrg", None, "dischrg", None, None, None]
    assert lookup_to_nut(mge.eaton_charger_type_info, 4) == "ABM"
    assert lookup_to_nut(mge.eaton_abm_enabled_info, 7) is None
    assert mge.STATE.abm == mge.ABM_UNKNOWN


def test_mge_no_chrg_when_full_without_abm():
    claim()
    charge = mge.MGE_HID2NUT[2]
    assert charge.var == "battery.charge" and charge.lookup is not None
    assert lookup_to_nut(charge.lookup, 99.6) == "100"
    assert lookup_to_nut(mge.eaton_charging_info, 1) == "!chrg"
    assert lookup_to_nut(charge.lookup, 97.0) == "97"
    assert lookup_to_nut(mge.eaton_charging_info, 1) == "chrg"


def test_mge_fixed_conversions():
    nut = lookup_to_nut
    assert nut(mge.mge_powerfactor_conversion, 95.0) == "0.95"
    assert nut(mge.mge_battery_capacity, 32400.0) == "9.00"
    assert nut(mge.mge_sensitivity_info, 1) == "high"
    assert lookup_to_hid(mge.mge_sensitivity_info, "low") == 2.0
    assert nut(mge.mge_upstype_conversion, 2) == "online"
    assert nut(mge.mge_onbatt_info, 1) == "!online"
    assert (
        nut(mge.mge_emergency_stop, 1) == "Emergency stop!"
        and nut(mge.mge_emergency_stop, 0) is None
    )
    assert nut(mge.eaton_outlet_protection_status_info, 2) == "protected"
    assert nut(mge.eaton_enable_disable_info, 1) == "enabled"


def test_mge_date_and_time_round_trip():
    claim()
    stamp = time.mktime((2024, 3, 9, 14, 5, 7, 0, 0, -1))
    assert lookup_to_nut(mge.mge_date_conversion, stamp) == "2024/03/09"
    assert lookup_to_nut(mge.mge_time_conversion, stamp) == "14:05:07"
    assert lookup_to_hid(mge.mge_date_conversion, "2024/03/10") == stamp + 86400
    assert lookup_to_hid(mge.mge_time_conversion, "14:05:08") == stamp + 1
    assert lookup_to_hid(mge.mge_time_conversion, "noon") is None


def test_mge_pegasus_only_settings():
    threshold, yes_no = mge.pegasus_threshold_info, mge.pegasus_yes_no_info
    named("Ellipse MAX", "850")
    assert lookup_to_nut(threshold, 25) is None and lookup_to_nut(yes_no, 1) is None
    assert lookup_to_hid(yes_no, "yes") == 0.0
    named("Protection Station", "650")
    assert lookup_to_nut(threshold, 25) == "25" and lookup_to_hid(threshold, "60") == 60.0
    assert lookup_to_nut(yes_no, 1) == "yes" and lookup_to_nut(yes_no, 0) == "no"
    assert lookup_to_hid(yes_no, "yes") == 1.0 and lookup_to_hid(yes_no, "no") == 0.0
    named("3S", "700")  # the masked family is Pegasus's, whatever the country
    lookup_to_nut(mge.eaton_check_country_info, float(mge.COUNTRY_EUROPE))
    assert lookup_to_nut(yes_no, 1) == "yes"


def test_mge_nominal_output_voltage():
    lk = mge.nominal_output_voltage_info
    named("Ellipse MAX", "850")  # offline
    assert lookup_to_nut(lk, 230) == "230"
    assert lookup_to_nut(lk, 208) is None and lookup_to_nut(lk, 120) is None
    named("Evolution", "850")  # a new device: the first reading counts again
    assert mge.SUBDRIVER.claims(UsbInfo(vendorid=0x0463, productid=0xFFFF, serial="2"))
    mge.note_model("850", None)
    mge.SUBDRIVER.format_model(EATON, "Evolution")
    assert lookup_to_nut(lk, 230) == "230" and lookup_to_nut(lk, 208) == "208"
    assert lookup_to_nut(lk, 120) is None
    assert lookup_to_hid(lk, "208") == 208.0 and lookup_to_hid(lk, "99") is None


def test_mge_converter_online_waits_for_off():
    claim()
    good, online = mge.mge_off_info, mge.eaton_converter_online_info
    assert lookup_to_nut(good, 1) == "!off" and lookup_to_nut(online, 1) == "online"
    assert lookup_to_nut(online, 0) == "!online"
    assert lookup_to_nut(good, 0) == "off" and lookup_to_nut(online, 1) is None


def _publish(**values: float) -> None:
    rows = {r.var: r for r in mge.MGE_HID2NUT if r.lookup is not None}
    for name, value in values.items():
        row = rows[name.replace("_", ".")]
        assert row.lookup is not None
        lookup_to_nut(row.lookup, value)


def test_mge_realpower_estimate():
    claim()
    est = mge.eaton_compute_realpower_info
    assert lookup_to_nut(est, 1000) is None  # no load or nominal yet
    rows = [r for r in mge.MGE_HID2NUT if r.var in ("ups.load", "ups.power.nominal")]
    assert [r.lookup is not None for r in rows] == [True, True]
    lookup_to_nut(rows[0].lookup, 50.0)  # type: ignore[arg-type]
    lookup_to_nut(rows[1].lookup, 1000.0)  # type: ignore[arg-type]
    assert lookup_to_nut(est, 1000) == "400"  # power factor 0.8 when unknown
    lookup_to_nut(mge.mge_powerfactor_conversion, 95.0)
    assert lookup_to_nut(est, 1000) == "475"


def test_mge_eco_and_bypass_ranges():
    claim()
    eco, bypass = mge.eaton_input_eco_mode_on_off_info, mge.eaton_input_bypass_mode_on_info
    assert lookup_to_nut(eco, 0) == "normal" and lookup_to_nut(eco, 2) == "ESS"
    assert lookup_to_nut(eco, 1) == "normal"  # nothing known: NUT forces "normal"
    assert lookup_to_nut(eco, 3) is None
    _publish(input_bypass_voltage=231.0, input_bypass_frequency=50.1)
    mge.STATE.values["output.voltage.nominal"] = "230"
    _publish(output_frequency_nominal=50.0)
    assert lookup_to_nut(eco, 1) == "ECO"  # within +-5 % by default
    assert lookup_to_nut(bypass, 1) == "on" and lookup_to_nut(bypass, 0) == "disabled"
    _publish(input_transfer_eco_low=225.0, input_transfer_eco_high=229.0)
    assert lookup_to_nut(eco, 1) == "normal"
    _publish(input_bypass_frequency=44.0)
    assert lookup_to_nut(bypass, 1) is None
    assert mge.STATE.values["input.bypass.switch.off"] == "off"
    assert lookup_to_hid(eco, "ECO") == 1.0 and lookup_to_hid(eco, "vendor:mge-hid:ESS") == 2.0
    assert lookup_to_hid(eco, "turbo") is None
    assert lookup_to_hid(bypass, "on") == 1.0


def test_mge_bypass_eco_commands():
    claim()
    auto = mge.eaton_input_eco_mode_auto_on_off_info
    mge.STATE.values.update(
        {
            "input.bypass.switch.on": "disabled",
            "input.eco.switchable": "normal",
            "input.bypass.switch.off": "disabled",
        }
    )
    assert lookup_to_hid(auto, "1") == 1.0
    # NUT's range check, short of values, turned the bypass off on the way
    assert mge.STATE.values["input.bypass.switch.off"] == "off"
    mge.STATE.values["input.bypass.switch.off"] = "disabled"
    mge.STATE.values["input.eco.switchable"] = "ECO"
    assert lookup_to_hid(auto, "0") == 0.0
    mge.STATE.values["input.bypass.switch.off"] = "off"
    assert lookup_to_hid(auto, "0") == 1.0


# -- NUT's own output for MGE-family devices (Network UPS Tools' device dumps) ------------


def _dumps() -> list[Path]:
    if not DDL.is_dir():
        return []
    out = []
    for path in sorted(DDL.rglob("*.dev")):
        text = path.read_text(errors="replace")
        if re.search(r"^driver\.version\.data: MGE HID", text, re.M) and "usbhid-ups" in path.name:
            out.append(path)
    return out


def _vars(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(errors="replace").splitlines():
        name, sep, value = line.partition(": ")
        if sep and re.fullmatch(r"[a-z][A-Za-z0-9.-]*", name):
            out[name] = value
    return out


#: Variables NUT publishes that are not in mge-hid's table, and why.
NOT_FROM_TABLE = {
    # the driver core's and the framework's
    "device.mfr", "device.model", "device.serial", "device.type", "driver.name",
    "driver.version", "driver.version.data", "driver.version.internal",
    "ups.mfr", "ups.model", "ups.serial", "ups.productid", "ups.vendorid", "ups.status",
    # a driver flag (the maxreport option), not a mapping
    "driver.flag.maxreport",
    # NUT 2.2 called the main outlet "outlet.0"; the same rows say "outlet" now
    "outlet.0.desc", "outlet.0.id", "outlet.0.switchable",
}  # fmt: skip


@pytest.mark.skipif(not _dumps(), reason="no /work/shared/ddl MGE HID dumps here")
def test_mge_table_covers_what_nut_published():
    """Every variable NUT's MGE HID published is a variable of our table (or the core's)."""
    ours = {r.var for r in mge.MGE_HID2NUT if not r.hu & HU.CMD}
    unexplained: dict[str, set[str]] = {}
    for path in _dumps():
        for name in _vars(path):
            if name.startswith("driver.parameter.") or name in ours or name in NOT_FROM_TABLE:
                continue
            unexplained.setdefault(name, set()).add(path.name)
    assert unexplained == {}


@pytest.mark.skipif(not _dumps(), reason="no /work/shared/ddl MGE HID dumps here")
def test_mge_model_names_match_nut_dumps():
    """Where the model table names the device, our name is the one NUT published."""
    checked = 0
    for path in _dumps():
        values = _vars(path)
        model = values.get("ups.model", "")
        for product, imodel, _, name in mge.MODEL_NAMES:
            if name is None and f"{product} {imodel}" == model or name == model:
                assert named(product, imodel) == model, path.name
                checked += 1
                break
    assert checked >= 3


def test_mge_usage_names():
    tables = (*mge.SUBDRIVER.usage_tables, usages.GENERIC)
    assert usages.name_to_path("UPS.BatterySystem.Charger.ABMEnable", *tables)[-1] == 0xFFFF0087
    assert usages.path_to_name((0x00840004, 0xFFFF0010), *tables) == "UPS.Phase"
    assert len(mge.MGE_USAGES) == 150
