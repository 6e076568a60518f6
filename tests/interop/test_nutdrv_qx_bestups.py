"""nutdrv_qx ``protocol = bestups`` side by side with NUT's own driver.

NUT's ``/lib/nut/nutdrv_qx`` and ours each read their own copy of the same
simulated Best Power UPS (``sim_qx_bestups``: the Patriot Pro 750 of a DDL
dump, or an Axxium) through NUT's upsd; Debian's ``upsc``, ``upsrw`` and
``upscmd -l`` must show the same, apart from the lines each driver adds
about itself (``driver.version.usb`` from NUT's USB build, ``driver.state``
from ours, each its own pty).  Then the same commands and settings go to
both, and each simulated UPS must have received the same bytes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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

#: what each poll asks; left out when comparing what commands sent
POLLS = frozenset(f"{q}\r".encode() for q in ("Q1", "ID", "RT", "BP?", "SS?", "M"))


def _pair(
    sims: list[PtySimulator],
    tmp: Path,
    factory: NutServerFactory,
    model: str,
    **options: str,
) -> list[tuple[NutServer, PtySimulator]]:
    opts = {"protocol": "bestups", "pollinterval": "1", "pollfreq": "1", **options}
    return serve_pair(sims, tmp, factory, "tests.support.sim_qx_bestups", opts, model=model)


def _same_lists(nut: NutServer, ours: NutServer) -> None:
    for tool in (NUT_UPSCMD, NUT_UPSRW):
        args = ["-l"] if tool == NUT_UPSCMD else []
        mine = run([tool, *args, ours.ups("qx")], env=ours.env)[1]
        assert mine == run([tool, *args, nut.ups("qx")], env=nut.env)[1]


def test_ours_shows_what_NUTs_nutdrv_qx_shows(
    tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    """A Patriot Pro 750: no runtime, inverted bypass/boost/buck bit, 230 V table."""
    (nut, nut_sim), (ours, our_sim) = _pair(sims, tmp_path, nut_server_factory, "PRO")
    theirs, mine = upsc(nut), upsc(ours)
    assert common(mine) == common(theirs)
    assert "driver.version.data: BestUPS 0.06\n" in mine
    assert "device.model: Patriot Pro\n" in mine
    assert "input.transfer.high: 270\n" in mine
    assert "battery.runtime:" not in mine
    # the inverted bit reads "active" while it says 0: 233 V in and out is BYPASS
    assert "ups.status: OL BYPASS\n" in mine
    _same_lists(nut, ours)

    # On battery, low, another voltage setting: both follow, and still agree.
    for sim in (nut_sim, our_sim):
        sim.control(on_battery=True, low_battery=True, m=8, set={"battery.voltage": "22.0"})

    def follows(server: NutServer) -> bool:
        out = upsc(server)
        return "ups.status: OB LB\n" in out and "input.transfer.high: 244\n" in out

    wait_until(lambda: follows(nut) and follows(ours), timeout=10, what="both on battery")
    agree(nut, ours)


def test_an_Axxium_commands_and_settings_send_NUTs_bytes(
    tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    """An Axxium: runtime and battery packs; the pins' mode set from ups.conf at start."""
    pair = _pair(sims, tmp_path, nut_server_factory, "AX1", pins_shutdown_mode="2")
    (nut, _), (ours, _) = pair
    agree(nut, ours)
    assert "battery.runtime: 900\n" in upsc(ours)
    assert "battery.packs: 2\n" in upsc(ours)
    _same_lists(nut, ours)
    steps: list[tuple[str, ...]] = [
        ("cmd", "shutdown.return"),
        ("rw", "ups.delay.shutdown=125"),
        ("cmd", "shutdown.stayoff"),
        ("rw", "battery.packs=3"),
    ]

    def drive(server: NutServer, sim: PtySimulator) -> list[bytes]:
        start = sim.received().split(b"\r")
        got = [b"".join(c + b"\r" for c in start if c.startswith(b"SS") and c != b"SS?")]
        for kind, *args in steps:
            before = len(sim.received())
            if kind == "cmd":
                argv = [NUT_UPSCMD, *LOGIN, "-w", server.ups("qx"), *args]
            else:
                argv = [NUT_UPSRW, *LOGIN, "-w", "-s", args[0], server.ups("qx")]
            rc, out, err = run(argv, env=server.env)
            assert (rc, err) == (0, "SUCCESS\n"), (args, err)
            lines = sim.received()[before:].split(b"\r")
            got.append(b"".join(c + b"\r" for c in lines if c and c + b"\r" not in POLLS))
        return got

    # an order gets no reply, so each costs both drivers their one-second
    # reply timeout: the two run side by side
    with ThreadPoolExecutor(max_workers=2) as pool:
        sent = list(pool.map(lambda pair_: drive(*pair_), pair))
    assert sent[1] == sent[0]
    assert sent[1] == [b"SS2\r", b"S.5R0003\r", b"", b"S02\r", b"BP3\r"]
    for server, _ in pair:
        wait_until(
            lambda server=server: "battery.packs: 3\n" in upsc(server),  # type: ignore[misc]
            timeout=5,
            what="the new pack count read back",
        )
    agree(nut, ours)
