"""nutdrv_qx ``protocol = voltronic`` side by side with NUT's own driver.

NUT's ``/lib/nut/nutdrv_qx`` and ours each read their own copy of the same
simulated Voltronic UPS (``sim_qx_voltronic``, the FSP Champ 1000 VA of a
NUT DDL dump) through NUT's upsd; Debian's ``upsc``, ``upsrw`` and
``upscmd -l`` must show the same, apart from the lines each driver adds
about itself (``driver.version.usb`` from NUT's USB build, ``driver.state``
from ours, each its own pty).  Then the same commands and settings go to
both, and each simulated UPS must have received the same bytes.
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

#: what each poll asks; left out when comparing what commands sent
POLLS = frozenset(
    f"{query}\r".encode()
    for query in (
        "QGS QMOD QWS QBV QLDL QFLAG QHE QFRE QBYV QBYF QPD QRI RE0 QSK1 QSK2 QSK3 QSK4".split()
    )
)


def _pair(
    sims: list[PtySimulator], tmp: Path, factory: NutServerFactory, **options: str
) -> tuple[tuple[NutServer, PtySimulator], tuple[NutServer, PtySimulator]]:
    opts = {"pollinterval": "1", "pollfreq": "1", **options}
    nut, ours = serve_pair(sims, tmp, factory, "tests.support.sim_qx_voltronic", opts)
    return nut, ours


@pytest.mark.parametrize("protocol", ["voltronic", "auto"])
def test_ours_shows_what_NUTs_nutdrv_qx_shows(
    protocol: str, tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    """``auto``: no ``protocol`` set; Voltronic is the first protocol both try."""
    options = {} if protocol == "auto" else {"protocol": protocol}
    (nut, nut_sim), (ours, our_sim) = _pair(sims, tmp_path, nut_server_factory, **options)
    theirs, mine = upsc(nut), upsc(ours)
    assert common(mine) == common(theirs)
    assert "driver.version.data: Voltronic 0.06\n" in mine
    assert "ups.firmware.aux: P01\n" in mine
    assert "input.transfer.high: 232\n" in mine
    for args in (["-l"],):
        assert (
            run([NUT_UPSCMD, *args, ours.ups("qx")], env=ours.env)[1]
            == run([NUT_UPSCMD, *args, nut.ups("qx")], env=nut.env)[1]
        )
    assert (
        run([NUT_UPSRW, ours.ups("qx")], env=ours.env)[1]
        == run([NUT_UPSRW, nut.ups("qx")], env=nut.env)[1]
    )

    # On battery, low, and a warning: both follow, and still agree.
    warnings = "0" * 7 + "1" + "0" * 56
    for sim in (nut_sim, our_sim):
        sim.control(on_battery=True, warnings=warnings, set={"battery.voltage": "22.1"})

    def follows(server: NutServer) -> bool:
        out = upsc(server)
        return "ups.status: ALARM OB LB\n" in out and "battery.voltage: 22.10\n" in out

    wait_until(lambda: follows(nut) and follows(ours), timeout=10, what="both on battery")
    agree(nut, ours)
    assert upsc(ours, "ups.alarm") == "UPS warnings: Low battery.\n"


def test_commands_and_settings_send_NUTs_bytes(
    tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    pair = _pair(sims, tmp_path, nut_server_factory, protocol="voltronic")
    sent: list[list[bytes]] = []
    steps: list[tuple[str, ...]] = [
        ("cmd", "test.battery.start", "30"),
        ("cmd", "test.battery.stop"),
        ("cmd", "shutdown.return"),
        ("rw", "ups.delay.shutdown=125"),
        ("cmd", "shutdown.stayoff"),
        ("cmd", "beeper.enable"),
        ("rw", "input.transfer.high=240"),
        ("rw", "input.frequency.low=45"),
        ("rw", "battery.packs=3"),
        ("rw", "ups.start.auto=no"),
    ]
    for server, sim in pair:
        got = []
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
        sent.append(got)
    assert sent[1] == sent[0]
    assert sent[1] == [
        b"T.5\r",
        b"CT\r",
        b"S.5R0003\r",
        b"",
        b"S02R0000\r",
        b"PEA\r",
        b"HEH240\r",
        b"FREL45.0\r",
        b"BATGN03\r",
        b"PDR\r",
    ]
    for server, _ in pair:
        wait_until(
            lambda server=server: "battery.packs: 3\n" in upsc(server),  # type: ignore[misc]
            timeout=5,
            what="the new pack count read back",
        )
    agree(pair[0][0], pair[1][0])
