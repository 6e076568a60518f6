"""dummy-ups under NUT's upsd: a ``.seq`` with ``TIMER``s is played in a loop.

The same sequence runs through NUT 2.8.0's driver too, as a control: what
the test asks of ours is what NUT's does.  Debian's upsc watches
``ups.status`` and we record each change; the statuses must come in the
file's order, around the loop, with nothing in between.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.support.nutpeer import NUT_DUMMY_UPS, NUT_UPSC, NUT_UPSD, NutServer, run

OUR_DUMMY_UPS = Path(sys.executable).parent / "dummy-ups"

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not all(Path(p).exists() for p in (NUT_UPSD[0], NUT_DUMMY_UPS[0], NUT_UPSC)),
        reason="Debian's NUT 2.8.0 (nut-server, nut-client) is not installed",
    ),
]

SEQUENCE = "ups.status: OL\nTIMER 1\nups.status: OB DISCHRG\nTIMER 1\nups.status: OB LB\nTIMER 1\n"
NEXT = {"OL": "OB DISCHRG", "OB DISCHRG": "OB LB", "OB LB": "OL"}
DEADLINE = 20.0


def _driver(which: str) -> tuple[str, ...]:
    if which == "nut":
        return NUT_DUMMY_UPS
    if not OUR_DUMMY_UPS.exists():
        pytest.skip(f"our dummy-ups console script is not installed at {OUR_DUMMY_UPS}")
    return (str(OUR_DUMMY_UPS),)


@pytest.mark.parametrize("which", ["ours", "nut"])
def test_dummyups_plays_a_seq_with_timers_in_a_loop(tmp_path: Path, which: str) -> None:
    seq = tmp_path / "cycle.seq"
    seq.write_text(SEQUENCE)
    with NutServer(
        {"cycle": seq},
        driver_cmd=_driver(which),
        upsd_cmd=NUT_UPSD,
        driver_options={"cycle": {"pollinterval": "1"}},
        root=tmp_path / "nut",
    ) as server:
        seen: list[str] = []
        deadline = time.monotonic() + DEADLINE
        # One full turn of the loop and back to the start: OL, OB DISCHRG, OB LB, OL
        # (whatever status we start in, four changes make a whole cycle).
        while len(seen) < 5 and time.monotonic() < deadline:
            rc, out, err = run([NUT_UPSC, server.ups("cycle"), "ups.status"], env=server.env)
            assert rc == 0, err
            status = out.removesuffix("\n")
            if not seen or seen[-1] != status:
                seen.append(status)
            time.sleep(0.05)  # a bounded poll interval
    assert len(seen) >= 5, f"only {seen} within {DEADLINE} s"
    for before, after in zip(seen, seen[1:], strict=False):
        assert NEXT.get(before) == after, f"{before!r} -> {after!r} in {seen}"
