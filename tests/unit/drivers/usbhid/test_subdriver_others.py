"""Tripp Lite, PowerCOM, Belkin/Liebert and Phoenixtec: their own lookups give NUT's values."""

from __future__ import annotations

from powerdown.drivers.usbhid.mapping import lookup_to_hid, lookup_to_nut
from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.subdrivers import belkin, liebert, powercom, tripplite


def test_tripplite_scale_follows_the_product_id():
    lk = tripplite.tripplite_battvolt
    assert tripplite.SUBDRIVER.claims(UsbInfo(vendorid=0x09AE, productid=0x2005))
    assert lookup_to_nut(lk, 135.0) == "13.5"
    assert tripplite.SUBDRIVER.claims(UsbInfo(vendorid=0x09AE, productid=0x3012))
    assert lookup_to_nut(lk, 13.5) == "13.5"
    assert tripplite.SUBDRIVER.claims(UsbInfo(vendorid=0x09AE, productid=0x3016))
    assert lookup_to_nut(lk, 0.000135) == "13.5"
    assert lookup_to_nut(tripplite.tripplite_iofreq, 5990.0) == "59.9"
    assert lookup_to_nut(tripplite.tripplite_iovolt, 0.0012) == "120.0"
    assert lookup_to_nut(tripplite.tripplite_ioamp, 150.0) == "1.5"
    assert not tripplite.SUBDRIVER.claims(UsbInfo(vendorid=0x09AE, productid=0x0001))


def test_powercom_delays_encode_as_nut_head():
    # 90 s -> 1 min 30 s with "restart" (0x40) or "stay off" (0x80).
    assert lookup_to_hid(powercom.powercom_shutdown_info, "90") == float(0x0100 + 30 | 0x40)
    assert lookup_to_hid(powercom.powercom_stayoff_info, "90") == float(0x0100 + 30 | 0x80)
    assert lookup_to_hid(powercom.powercom_shutdown_info, "0") == float(1 | 0x40)
    assert lookup_to_hid(powercom.powercom_shutdown_info, "70000") == 0.0
    assert lookup_to_nut(powercom.powercom_shutdown_info, float(0x0205)) == "125"
    # startup: minutes, byte-swapped; 180 s -> 3 min -> 0x0300.
    assert lookup_to_hid(powercom.powercom_startup_info, "180") == float(0x0300)
    assert lookup_to_nut(powercom.powercom_startup_info, float(0x0300)) == "180"
    assert lookup_to_hid(powercom.powercom_startup_info, "") == float(0x0200)


def test_powercom_status_registers():
    nut = lookup_to_nut
    assert nut(powercom.powercom_online_conversion, 0) == "online"
    assert nut(powercom.powercom_online_conversion, 1) == "!online"
    assert nut(powercom.powercom_trim_conversion, 0x08) == "trim"
    assert nut(powercom.powercom_trim_conversion, 0x18) == "!trim"
    assert nut(powercom.powercom_boost_conversion, 0x18) == "boost"
    assert nut(powercom.powercom_overload_conversion, 0x20) == "overload"
    assert nut(powercom.powercom_voltage_conversion, 57.0) == "228"
    assert nut(powercom.powercom_beeper_info, 2) == "disabled"


def test_belkin_bits_and_values():
    nut = lookup_to_nut
    assert nut(belkin.belkin_online_conversion, 0x0001) == "!online"
    assert nut(belkin.belkin_online_conversion, 0x0000) == "online"
    assert nut(belkin.belkin_awaitingpower_conversion, 0x2000) == "awaitingpower"
    assert nut(belkin.belkin_replacebatt_conversion, 0x0080) == "replacebatt"
    assert nut(belkin.belkin_depleted_conversion, 0) == "!depleted"
    assert nut(belkin.belkin_upstype_conversion, 0x12) == "line-interactive"
    assert nut(belkin.belkin_upstype_conversion, 0x00) == "online"
    assert nut(belkin.belkin_sensitivity_conversion, 1) == "reduced"
    assert nut(belkin.belkin_sensitivity_conversion, 0) == "normal"
    assert nut(belkin.belkin_firmware_conversion, 0x53) == "5"
    assert nut(belkin.belkin_test_info, 0) == "No test initiated"
    assert nut(belkin.liebert_discharging_info, 1) == "dischrg"


def test_belkin_liebert_voltage_exponents_repaired():
    assert belkin.SUBDRIVER.claims(UsbInfo(vendorid=0x10AF, productid=0x0001))
    assert lookup_to_nut(belkin.liebert_line_voltage_info, 0.0012) == "120.0"
    assert lookup_to_nut(belkin.liebert_config_voltage_info, 1.2e-7) == "0.0"  # not 1e-7: left
    assert lookup_to_nut(belkin.liebert_config_voltage_info, 1e-7) == "10.0"
    assert lookup_to_nut(belkin.liebert_line_voltage_info, 1.2e-5) == "120.0"
    assert belkin.SUBDRIVER.format_mfr(UsbInfo(vendorid=0x050D, productid=0x0980), "  ") == "Belkin"
    assert (
        belkin.SUBDRIVER.format_model(UsbInfo(vendorid=0x050D, productid=0x0980), "") == "unknown"
    )


def test_liebert_phoenixtec():
    assert liebert.SUBDRIVER.claims(UsbInfo(vendorid=0x06DA, productid=0xFFFF))
    assert (
        liebert.SUBDRIVER.format_mfr(UsbInfo(vendorid=0x06DA, productid=0xFFFF), None) == "Liebert"
    )
