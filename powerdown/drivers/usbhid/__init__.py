"""usbhid-ups: NUT's USB HID power-device driver."""
