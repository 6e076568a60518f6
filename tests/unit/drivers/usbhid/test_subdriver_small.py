"""Legrand and Arduino: NUT's factors and the claim-time settings."""

from __future__ import annotations

from powerdown.drivers.usbhid.mapping import lookup_to_nut
from powerdown.drivers.usbhid.matcher import UsbInfo
from powerdown.drivers.usbhid.subdrivers import arduino, choose, legrand


def test_legrand_keor_sp_factors():
    # Keor SP reports PowerConverter voltages with wrong exponents
    assert lookup_to_nut(legrand.legrand_times1M_info, 0.000231) == "231.0"
    assert lookup_to_nut(legrand.legrand_times10M_info, 0.0000229) == "229.0"
    assert lookup_to_nut(legrand.legrand_times100k_info, 0.000135) == "13.5"
    assert lookup_to_nut(legrand.legrand_times10_info, 26.5) == "265.0"
    info = UsbInfo(vendorid=0x1CB0, productid=0x0032)
    assert choose(info) is legrand.SUBDRIVER
    assert info.productid in legrand.NO_INTERRUPT_PIPE
    assert legrand.SUBDRIVER.format_mfr(info, None) == "Legrand"


def test_arduino_endpoints_and_names():
    info = UsbInfo(vendorid=0x2341, productid=0x8036, product="Arduino Leonardo")
    assert choose(info) is arduino.SUBDRIVER
    assert dict(arduino.USB_DEFAULTS) == {
        "usb_hid_ep_in": 4,
        "usb_hid_ep_out": 5,
        "usb_hid_rep_index": 2,
    }
    assert arduino.SUBDRIVER.format_mfr(info, None) == "Arduino"
    assert arduino.SUBDRIVER.format_model(info, info.product) == "Arduino Leonardo"
