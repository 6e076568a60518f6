"""Our driver link against NUT's own dummy-ups, over its real Unix socket.

The driver runs in a throw-away STATEPATH/CONFPATH and serves a real device
dump from ``../shared/ddl``.  Where upsd's view matters, NUT's own upsd is
connected to the same driver and is the reference: what it serves must be
what our link holds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from powerdown.paths import driver_socket
from powerdown.protocol import sock
from powerdown.protocol.errors import ErrToken
from powerdown.server.driverconn import DriverConnection
from powerdown.server.driverlink import (
    DriverLink,
    LinkEvent,
    LinkState,
    Received,
    TrackingTable,
    UpsDataOk,
    UpsDataStale,
)
from powerdown.state.tree import DeviceState, Flag
from tests.support.nutpeer import DDL, NUT_DUMMY_UPS, NutServer, ddl, nut_env

pytestmark = pytest.mark.interop

DEVICE = ddl("APC", "Back-UPS_BK650M2")
TIMEOUT = 15.0
T = TypeVar("T")


class Driver:
    """One dummy-ups in a sandbox; started, killed and restarted by pid."""

    def __init__(self, root: Path, upsname: str = "dev1", dump: Path = DEVICE) -> None:
        self.root = root
        self.upsname = upsname
        self.env = nut_env(root)
        (root / "ups.conf").write_text(
            f'[{upsname}]\n  driver = dummy-ups\n  port = "{upsname}.dev"\n'
        )
        (root / f"{upsname}.dev").write_bytes(dump.read_bytes())
        self.path = driver_socket(str(root), "dummy-ups", upsname)
        self.proc: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        assert self.proc is None
        self.runs += 1
        user = ["-u", "root"] if os.geteuid() == 0 else []
        with open(self.root / f"driver{self.runs}.log", "wb") as log:
            self.proc = subprocess.Popen(
                [*NUT_DUMMY_UPS, "-a", self.upsname, "-F", *user],
                env=self.env,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGCONT)  # in case a test stopped it
            proc.send_signal(sig)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.root.glob("*.log")))


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    drv = Driver(tmp_path)
    drv.start()
    try:
        yield drv
    finally:
        drv.kill(signal.SIGTERM)


def snapshot(state: DeviceState) -> tuple[object, ...]:
    return (
        tuple((v.name, v.value, v.flags, v.aux, tuple(v.enums), tuple(v.ranges)) for v in state),
        tuple(state.cmds()),
    )


def live(link: DriverLink) -> bool:
    return link.state is LinkState.LIVE


def run(coro: Coroutine[object, object, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 60))


def dev_values(path: Path) -> dict[str, str]:
    """``var: value`` lines of a .dev file (what dummy-ups publishes)."""
    out = {}
    for line in path.read_text(errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name and not name.startswith("#") and " " not in name:
            out[name] = value.strip()
    return out


# -- the dump ---------------------------------------------------------------


def test_driverconn_holds_what_NUTs_upsd_serves(tmp_path: Path) -> None:
    """Our copy of the tree equals upsd's: values, RW flags, types, commands."""
    with NutServer({"dev1": DEVICE}, root=tmp_path / "nut") as server:

        async def main() -> None:
            async with DriverConnection("dev1", "dummy-ups", server.dir) as conn:
                assert conn.path == driver_socket(str(server.dir), "dummy-ups", "dev1")
                await conn.wait_for(live, TIMEOUT)
                assert conn.availability() is None
                check_against_upsd(server, conn.link.device)

        run(main())


def check_against_upsd(server: NutServer, device: DeviceState) -> None:
    listing = server.query(
        "LIST VAR dev1", "LIST RW dev1", "LIST CMD dev1", until=("END LIST CMD",)
    )
    values = {}
    rw = set()
    cmds = []
    for line in listing:
        words = line.split(" ", 3)
        if words[0] == "VAR":
            values[words[2]] = words[3][1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif words[0] == "RW":
            rw.add(words[2])
        elif words[0] == "CMD":
            cmds.append(words[2])
    assert {v.name: v.value for v in device} == values
    assert {v.name for v in device if v.flags & Flag.RW} == rw
    assert device.cmds() == cmds
    types = server.query(*(f"GET TYPE dev1 {v.name}" for v in device))
    ours = []
    for v in device:
        kind = "TYPE dev1 " + v.name + (" RW" if v.flags & Flag.RW else "")
        kind += f" STRING:{v.aux}" if v.flags & Flag.STRING else " NUMBER"
        ours.append(kind)
    assert types == ours

    # And what the .dev file declares is there, next to the driver.* that
    # dummy-ups adds (device.* it mirrors from ups.*, so the last one wins).
    declared = dev_values(DEVICE)
    assert declared["ups.status"] == device.value("ups.status")
    for name, value in declared.items():
        if not name.startswith(("driver.", "device.")):
            assert device.value(name) == value, name
    assert device.value("driver.name") == "dummy-ups"


def test_driverconn_dump_large_real_device(tmp_path: Path) -> None:
    """The corpus dump with the most variables arrives whole."""
    big = max(sorted(DDL.glob("*/*.dev")), key=lambda p: len(dev_values(p)))
    drv = Driver(tmp_path, dump=big)
    drv.start()
    try:

        async def main() -> None:
            async with DriverConnection("dev1", "dummy-ups", tmp_path) as conn:
                await conn.wait_for(live, TIMEOUT)
                device = conn.link.device
                declared = dev_values(big)
                assert len(device) >= len(declared) > 80
                for name, value in declared.items():
                    if not name.startswith(("driver.", "device.")):
                        assert device.value(name) == value, name

        run(main())
    finally:
        drv.kill(signal.SIGTERM)


# -- requests -----------------------------------------------------------------


def test_driverconn_instcmd_and_set_with_tracking(driver: Driver) -> None:
    async def main() -> None:
        table = TrackingTable()
        events: list[LinkEvent] = []
        async with DriverConnection(
            "dev1", "dummy-ups", driver.root, tracking=table, on_event=events.append
        ) as conn:
            await conn.wait_for(live, TIMEOUT)
            now = asyncio.get_running_loop().time()

            table.add("cmd-1", now)
            assert await conn.send_instcmd("load.off", None, "cmd-1")
            table.add("cmd-2", now)
            assert await conn.send_instcmd("load.off", "10", "cmd-2")
            table.add("SET-1", now)
            assert await conn.send_set("ups.delay.shutdown", "42", "SET-1")
            table.add("set-2", now)
            odd = 'a "b" \\c #d'
            assert await conn.send_set("ups.realpower.nominal", odd, "set-2")

            await conn.wait_for(
                lambda _: all(
                    table.get(i) != "PENDING" for i in ("cmd-1", "cmd-2", "SET-1", "set-2")
                ),
                TIMEOUT,
            )
            # dummy-ups handles no instant command: its instcmd() answers STAT_INSTCMD_UNKNOWN.
            assert table.reply("cmd-1") == "ERR UNKNOWN"
            assert table.reply("cmd-2") == "ERR UNKNOWN"
            assert table.reply("set-1") == "SUCCESS"
            assert table.reply("set-2") == "SUCCESS"
            tracked = [
                e.message
                for e in events
                if isinstance(e, Received) and isinstance(e.message, sock.Tracking)
            ]
            assert sorted(tracked, key=lambda m: m.id) == [
                sock.Tracking(id="SET-1", status=0),
                sock.Tracking(id="cmd-1", status=1),
                sock.Tracking(id="cmd-2", status=1),
                sock.Tracking(id="set-2", status=0),
            ]
            # The driver broadcasts the new values, which our copy picks up.
            # NUT 2.8.0's dstate_setinfo() broadcasts the raw value inside
            # quotes, unescaped, so upsd (and we, parsing as upsd does) read
            # 'a "b" ...' as 'a ' plus stray words.  That is NUT's wire.
            await conn.wait_for(
                lambda link: link.device.value("ups.realpower.nominal") == "a ", TIMEOUT
            )
            assert conn.link.device.value("ups.delay.shutdown") == "42"

        # A DUMPALL sends the escaped value: the driver got exactly what we sent.
        async with DriverConnection("dev1", "dummy-ups", driver.root) as again:
            await again.wait_for(live, TIMEOUT)
            assert again.link.device.value("ups.realpower.nominal") == odd
            assert again.link.device.value("ups.delay.shutdown") == "42"

    run(main())


def test_driverconn_requests_fail_cleanly_without_a_driver(tmp_path: Path) -> None:
    async def main() -> None:
        async with DriverConnection("nobody", "dummy-ups", tmp_path) as conn:
            assert not conn.is_connected
            assert await conn.send_instcmd("load.off") is False
            assert await conn.send_set("ups.id", "x") is False
            now = asyncio.get_running_loop().time()
            assert conn.link.availability(now) is ErrToken.DRIVER_NOT_CONNECTED

    run(main())


# -- losing and finding the driver -------------------------------------------


def test_driverconn_follows_the_driver_through_a_crash_and_restart(driver: Driver) -> None:
    async def main() -> None:
        async with DriverConnection(
            "dev1", "dummy-ups", driver.root, retry_min=0.05, retry_max=0.5
        ) as conn:
            await conn.wait_for(live, TIMEOUT)
            before = snapshot(conn.link.device)
            assert len(conn.link.device) > 20

            driver.kill(signal.SIGKILL)  # its socket file stays behind
            await conn.wait_for(lambda link: link.state is LinkState.DISCONNECTED, TIMEOUT)
            now = asyncio.get_running_loop().time()
            assert conn.link.availability(now) is ErrToken.DRIVER_NOT_CONNECTED
            assert len(conn.link.device) == 0
            assert await conn.send_instcmd("load.off") is False

            driver.start()
            await conn.wait_for(live, TIMEOUT)
            assert snapshot(conn.link.device) == before
            assert conn.availability() is None

    try:
        run(main())
    except BaseException:
        print(driver.logs())
        raise


def test_driverconn_picks_up_a_driver_that_starts_later(tmp_path: Path) -> None:
    drv = Driver(tmp_path)
    try:

        async def main() -> None:
            async with DriverConnection(
                "dev1", "dummy-ups", tmp_path, retry_min=0.05, retry_max=0.2
            ) as conn:
                assert not conn.is_connected
                drv.start()
                await conn.wait_for(live, TIMEOUT)
                assert conn.link.device.value("driver.name") == "dummy-ups"

        run(main())
    finally:
        drv.kill(signal.SIGTERM)


def test_driverconn_quiet_driver_is_kept_fresh_by_PING(driver: Driver) -> None:
    """dummy-ups says nothing after its dump; PING/PONG keeps the data fresh.

    MAXAGE 3: a PING goes out after 1 s of quiet, so the driver has 2 s to
    answer, room enough on a loaded machine (with 1.5 s it once took longer).
    """

    async def main() -> None:
        events: list[LinkEvent] = []
        async with DriverConnection(
            "dev1", "dummy-ups", driver.root, maxage=3, tick_interval=0.05, on_event=events.append
        ) as conn:
            await conn.wait_for(live, TIMEOUT)
            start = asyncio.get_running_loop().time()

            def pongs() -> int:
                return sum(isinstance(e, Received) and e.message == sock.Pong() for e in events)

            await conn.wait_for(lambda _: pongs() >= 4, TIMEOUT)
            elapsed = asyncio.get_running_loop().time() - start
            assert elapsed > 3  # longer than MAXAGE: only the PONGs kept it fresh
            assert not any(isinstance(e, UpsDataStale) for e in events)

    run(main())


def test_driverconn_a_stuck_driver_goes_stale_and_comes_back(driver: Driver) -> None:
    """A stopped driver does not answer PING: after MAXAGE the data is stale."""

    async def main() -> None:
        events: list[LinkEvent] = []
        async with DriverConnection(
            "dev1", "dummy-ups", driver.root, maxage=1.0, tick_interval=0.05, on_event=events.append
        ) as conn:
            await conn.wait_for(live, TIMEOUT)
            driver.signal(signal.SIGSTOP)
            try:
                await conn.wait_for(
                    lambda _: any(isinstance(e, UpsDataStale) for e in events), TIMEOUT
                )
                now = asyncio.get_running_loop().time()
                assert conn.link.availability(now) is ErrToken.DATA_STALE
                assert conn.link.state is LinkState.LIVE  # stale, still connected
            finally:
                driver.signal(signal.SIGCONT)
            await conn.wait_for(lambda _: any(isinstance(e, UpsDataOk) for e in events), TIMEOUT)
            assert conn.availability() is None

    run(main())


def test_driverconn_logs_but_survives_a_missing_driver(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="powerdown.server.driverconn")

    async def main() -> None:
        async with DriverConnection(
            "ghost", "dummy-ups", tmp_path, retry_min=0.01, retry_max=0.02
        ) as conn:
            deadline = time.monotonic() + TIMEOUT
            while sum("Can't connect" in r.getMessage() for r in caplog.records) < 3:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.01)
            assert not conn.is_connected
        # aclose() would re-raise whatever had ended the task.

    run(main())
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1  # rate-limited, as upsd does
