"""nutdrv_qx side by side with NUT's: each driver on its own copy of one simulated UPS.

Both drivers run under NUT's upsd, each reading a fresh ``PtySimulator`` of
the same device, so their ``upsc`` can be compared line for line apart from
``OWN_LINES`` (what each driver says about itself: its pty, NUT's libusb
version, our ``driver.state``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import NUT_UPSC, NUT_UPSD, NutServer, Port, User, run
from tests.support.ptysim import PtySimulator

__all__ = [
    "OUR_QX",
    "NUT_QX",
    "ADMIN",
    "LOGIN",
    "OWN_LINES",
    "upsc",
    "common",
    "agree",
    "serve_pair",
]

OUR_QX: tuple[str, ...] = (str(Path(sys.executable).parent / "nutdrv_qx"),)
NUT_QX: tuple[str, ...] = ("/lib/nut/nutdrv_qx",)
ADMIN = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
LOGIN = ("-u", "admin", "-p", "s3cret")
OWN_LINES = ("driver.parameter.port:", "driver.version.usb:", "driver.state:")


def upsc(server: NutServer, *args: str) -> str:
    """Debian's upsc on the UPS ``qx``; it must succeed."""
    rc, out, err = run([NUT_UPSC, server.ups("qx"), *args], env=server.env)
    assert rc == 0, err
    return out


def common(text: str) -> list[str]:
    """upsc output without the lines each driver writes about itself."""
    return [line for line in text.splitlines() if not line.startswith(OWN_LINES)]


def agree(
    nut: NutServer, ours: NutServer, show: Callable[[NutServer], str] = upsc, timeout: float = 10.0
) -> None:
    """Assert that both drivers come to show the same, apart from ``OWN_LINES``.

    Each driver polls on its own clock, so just after a change one may still
    show the previous reading; the two must agree within ``timeout`` seconds,
    and if they never do the assertion shows the last difference.
    """
    deadline = time.monotonic() + timeout
    while True:
        mine, theirs = common(show(ours)), common(show(nut))
        if mine == theirs or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # a bounded poll interval
    assert mine == theirs


def serve_pair(
    sims: list[PtySimulator],
    tmp: Path,
    factory: NutServerFactory,
    module: str,
    options: Mapping[str, str],
    **sim_kwargs: Any,
) -> list[tuple[NutServer, PtySimulator]]:
    """NUT's driver, then ours, each on its own simulator under NUT's upsd."""
    out = []
    for driver in (NUT_QX, OUR_QX):
        sim = PtySimulator(module, tmp / f"sim{len(sims)}.log", **sim_kwargs)
        sims.append(sim)
        server = factory(
            {"qx": Port(sim.port)},
            users=ADMIN,
            upsd_cmd=NUT_UPSD,
            driver_cmd=driver,
            driver_options={"qx": dict(options)},
            extra_upsd_conf="MAXAGE 5\n",
        )
        out.append((server, sim))
    return out
