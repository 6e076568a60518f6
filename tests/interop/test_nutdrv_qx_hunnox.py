"""nutdrv_qx ``protocol = hunnox`` side by side with NUT's own driver.

No DDL dump comes from a UPS read with ``protocol = hunnox``.  Its table is
zinto's (``Q1``, ``F``, ``FW?``), so both drivers read ``sim_qx``'s zinto
device (the Fideltronik INIGO Viper 1200's values) through NUT's upsd, with
a long ``pollfreq``: only quick polls follow, which on Hunnox read the
measurements too.  Debian's ``upsc``, ``upsrw`` and ``upscmd -l`` must show
the same, apart from the lines each driver adds about itself, and a
shutdown must send the same bytes (Hunnox's default delays: no on delay).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    NUT_UPSCMD,
    NUT_UPSRW,
    NutServer,
    run,
    wait_until,
)
from tests.support.ptysim import PtySimulator
from tests.support.qxpeer import LOGIN, agree, common, serve_pair, upsc

pytestmark = pytest.mark.interop


def test_ours_shows_and_sends_what_NUTs_nutdrv_qx_does(
    tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    options = {"protocol": "hunnox", "pollinterval": "1", "pollfreq": "300"}
    pair = serve_pair(
        sims, tmp_path, nut_server_factory, "tests.support.sim_qx", options, protocol="zinto"
    )
    (nut, _), (ours, _) = pair
    mine = upsc(ours)
    assert common(mine) == common(upsc(nut))
    assert "driver.version.data: Hunnox 0.01\n" in mine
    assert "ups.delay.start: 0\n" in mine and "ups.delay.shutdown: 60\n" in mine
    for tool, args in ((NUT_UPSCMD, ["-l"]), (NUT_UPSRW, [])):
        assert (
            run([tool, *args, ours.ups("qx")], env=ours.env)[1]
            == run([tool, *args, nut.ups("qx")], env=nut.env)[1]
        )

    # quick polls only: the new voltages show all the same
    for _, sim in pair:
        sim.control(on_battery=True, set={"battery.voltage": "23.1", "input.voltage": "0.0"})

    def follows(server: NutServer) -> bool:
        out = upsc(server)
        return "battery.voltage: 23.10\n" in out and "input.voltage: 0.0\n" in out

    wait_until(lambda: follows(nut) and follows(ours), timeout=10, what="both follow")
    agree(nut, ours)

    sent = []
    for server, sim in pair:
        before = len(sim.received())
        rc, _, err = run(
            [NUT_UPSCMD, *LOGIN, "-w", server.ups("qx"), "shutdown.return"], env=server.env
        )
        assert (rc, err) == (0, "SUCCESS\n")
        sent.append(sim.received()[before:].replace(b"Q1\r", b""))
    assert sent == [b"S01\r", b"S01\r"]
