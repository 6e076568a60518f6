"""Our driver on real devices' captured bytes publishes what NUT's driver published.

Every capture in ``tests/data/usbhid`` that names the subdriver NUT used and
carries the reporter's ``upsc`` output is replayed through the driver's
logic (descriptor, GET_REPORT answers as logged); every variable both
publish must have NUT's value.  Variables whose report bytes were not
logged are absent on our side and not compared.
"""

from __future__ import annotations

import pytest

from powerdown.drivers.dstate import Dstate
from powerdown.drivers.usbhid.driver import HidUps, Settings
from tests.support import hidcaptures
from tests.support.hiddouble import from_capture

#: Set by the driver framework or the USB library, not by the device's reports.
NOT_FROM_REPORTS = ("driver.", "device.")

CAPTURES = [c for c in hidcaptures.all_captures() if c.subdriver and c.upsc]


@pytest.mark.parametrize("cap", CAPTURES, ids=[c.name for c in CAPTURES])
def test_capture_values_match_NUTs_upsc(cap: hidcaptures.Capture) -> None:
    dev = from_capture(cap.name)
    d = Dstate()
    name = cap.subdriver.rsplit(" ", 1)[0] if cap.subdriver else None
    core = HidUps(Settings(subdriver=name), d, opener=lambda: [dev])
    core.initups()
    core.initinfo(0.0)
    core.update(0.0, None)
    ours = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in d.upsc_lines()}
    compared = {
        k: v for k, v in cap.upsc.items() if k in ours and not k.startswith(NOT_FROM_REPORTS)
    }
    assert compared, "no variable in common"
    assert {k: ours[k] for k in compared} == compared
