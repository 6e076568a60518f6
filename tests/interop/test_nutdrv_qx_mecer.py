"""nutdrv_qx ``protocol = mecer`` side by side with NUT's own driver.

NUT's ``/lib/nut/nutdrv_qx`` and ours each read their own copy of the same
simulated Mecer UPS (``sim_qx_mecer``, the replies of NUT's testing table;
a Voltronic Power P98 unit, or one that refuses ``QPI``) through NUT's
upsd.  Debian's ``upsc``, ``upsrw`` and ``upscmd -l`` must show the same,
apart from the lines each driver adds about itself (``driver.version.usb``
from NUT's USB build, ``driver.state`` from ours, each its own pty).  Then
the same commands go to both: the same bytes reach each UPS, and an order
the UPS refuses (``(NAK``) or the driver refuses fails the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    NUT_UPSCMD,
    NUT_UPSRW,
    run,
    wait_until,
)
from tests.support.ptysim import PtySimulator
from tests.support.qxpeer import LOGIN, common, serve_pair, upsc

pytestmark = pytest.mark.interop

POLLS = frozenset(f"{q}\r".encode() for q in ("Q1", "QPI", "F", "I"))


@pytest.mark.parametrize("p98", [True, False])
def test_ours_shows_and_sends_what_NUTs_nutdrv_qx_does(
    p98: bool, tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    options = {"protocol": "mecer", "pollinterval": "1", "pollfreq": "1"}
    pair = serve_pair(
        sims, tmp_path, nut_server_factory, "tests.support.sim_qx_mecer", options, p98=p98
    )
    (nut, _), (ours, _) = pair
    mine = upsc(ours)
    assert common(mine) == common(upsc(nut))
    assert "driver.version.data: Mecer 0.07\n" in mine
    assert ("ups.firmware.aux: Voltronic Power P98\n" in mine) is p98
    for tool, args in ((NUT_UPSCMD, ["-l"]), (NUT_UPSRW, [])):
        assert (
            run([tool, *args, ours.ups("qx")], env=ours.env)[1]
            == run([tool, *args, nut.ups("qx")], env=nut.env)[1]
        )

    steps: list[tuple[str, ...]] = [
        ("test.battery.start", "30"),
        ("shutdown.return",),
        ("beeper.toggle",),
        ("refuse",),
        ("load.on",),
    ]
    results = []
    for server, sim in pair:
        got = []
        for step in steps:
            if step == ("refuse",):
                sim.control(refuse=True)
                continue
            before = len(sim.received())
            rc, _, err = run([NUT_UPSCMD, *LOGIN, "-w", server.ups("qx"), *step], env=server.env)
            lines = sim.received()[before:].split(b"\r")
            sent = b"".join(c + b"\r" for c in lines if c and c + b"\r" not in POLLS)
            got.append((step[0], rc, err.strip(), sent))
        results.append(got)
    assert results[1] == results[0]
    test_start = (
        ("test.battery.start", 0, "SUCCESS", b"T.5\r")
        if p98
        # a minute at least on units that are not P98: refused by the driver
        else ("test.battery.start", 0, "ERR FAILED", b"")
    )
    assert results[1] == [
        test_start,
        ("shutdown.return", 0, "SUCCESS", b"S.5R0003\r"),
        ("beeper.toggle", 0, "SUCCESS", b"Q\r"),
        ("load.on", 0, "ERR FAILED", b"C\r"),
    ]
    # both drivers saw the shutdown start (FSD) and the beeper toggle; each shows
    # them on its own next poll, so the two agree once both have polled
    wait_until(
        lambda: (
            all("FSD" in upsc(server, "ups.status") for server, _ in pair)
            and common(upsc(ours)) == common(upsc(nut))
        ),
        timeout=8,
        what="both drivers to show the commands' effects",
    )
    assert common(upsc(ours)) == common(upsc(nut))
