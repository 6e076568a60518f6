"""The upsmon test harness, proven on NUT 2.8.0's own upsmon.

Everything here runs NUT's programs (upsd, dummy-ups, upsmon) as they ship,
upsmon as ``nobody``; the assertions are what NUT 2.8.0 does, so they are the
ground truth our upsmon has to meet (swap ``impl_cmd``).  The timings NUT
showed on this machine are in the comments; the bounds asserted are looser.

The TCP proxy's tests and the unprivileged python's need no NUT and come first.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import NUT_DUMMY_UPS, NUT_UPSD, NutServer, run, wait_until
from tests.support.tcpproxy import Mode, TcpProxy
from tests.support.upsmonpeer import (
    NUT_2_8_0_NOTIFY_TYPES,
    NUT_UPSMON,
    Monitor,
    Sandbox,
    UpsmonProcess,
    numlogins,
    primary,
    run_as_user,
    secondary,
    upsmon_users,
)

NUT_PRESENT = all(Path(p).exists() for p in (NUT_UPSD[0], NUT_DUMMY_UPS[0], NUT_UPSMON[0]))
nut_as_nobody = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not NUT_PRESENT, reason="Debian's NUT 2.8.0 (nut-server, nut-client) is not installed"
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="running upsmon as nobody needs root"),
]

OL = "ups.status: OL\nbattery.charge: 100\n"
OB = "ups.status: OB DISCHRG\nbattery.charge: 50\n"
OB_LB = "ups.status: OB LB\nbattery.charge: 5\n"
QUIET = 0.3  # how long "nothing arrives" is watched for in the proxy tests


# -- the proxy on its own ----------------------------------------------------


@pytest.fixture
def upstream() -> Iterator[socket.socket]:
    """A listening socket the proxy forwards to (the test accepts by hand)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        yield listener


def _pair(proxy: TcpProxy, listener: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    server, _ = listener.accept()
    server.settimeout(5)
    return client, server


def _silent(sock: socket.socket) -> bool:
    """Nothing at all arrives within QUIET: no data, no FIN, no RST."""
    sock.settimeout(QUIET)
    try:
        sock.recv(100)
    except TimeoutError:
        return True
    finally:
        sock.settimeout(5)
    return False


def test_TcpProxy_forwards_both_ways(upstream: socket.socket) -> None:
    with TcpProxy(*upstream.getsockname()) as proxy:
        client, server = _pair(proxy, upstream)
        with client, server:
            client.sendall(b"GET VAR ups ups.status\n")
            assert server.recv(100) == b"GET VAR ups ups.status\n"
            server.sendall(b'VAR ups ups.status "OL"\n')
            assert client.recv(100) == b'VAR ups ups.status "OL"\n'
            client.close()
            assert server.recv(100) == b""  # a FIN is passed on in forward mode


def test_TcpProxy_blackhole_drops_everything_silently_and_restore_resumes(
    upstream: socket.socket,
) -> None:
    with TcpProxy(*upstream.getsockname()) as proxy:
        client, server = _pair(proxy, upstream)
        with client, server:
            proxy.blackhole()
            assert proxy.mode is Mode.BLACKHOLE
            client.sendall(b"lost\n")
            server.sendall(b"lost too\n")
            assert _silent(server) and _silent(client)
            # New connections are accepted, and go nowhere.
            late = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
            with late:
                late.sendall(b"hello?\n")
                assert _silent(late)
                proxy.restore()
                # The one that never reached upstream is reset, as the far host would.
                with pytest.raises(ConnectionResetError):
                    late.recv(100)
            client.sendall(b"again\n")
            assert server.recv(100) == b"again\n"  # the whole pair forwards again
            server.sendall(b"back\n")
            assert client.recv(100) == b"back\n"
            fresh, fresh_server = _pair(proxy, upstream)
            with fresh, fresh_server:
                fresh.sendall(b"new\n")
                assert fresh_server.recv(100) == b"new\n"


def test_TcpProxy_blackhole_hides_a_close_until_restore(upstream: socket.socket) -> None:
    with TcpProxy(*upstream.getsockname()) as proxy:
        client, server = _pair(proxy, upstream)
        with server:
            proxy.blackhole()
            client.close()
            assert _silent(server)
            proxy.restore()
            with pytest.raises(ConnectionResetError):
                server.recv(100)


def test_TcpProxy_reset_aborts_and_refuses_then_restore_listens_again(
    upstream: socket.socket,
) -> None:
    with TcpProxy(*upstream.getsockname()) as proxy:
        port = proxy.port
        client, server = _pair(proxy, upstream)
        with client, server:
            proxy.reset()
            with pytest.raises(ConnectionResetError):
                client.recv(100)
            with pytest.raises(ConnectionResetError):
                server.recv(100)
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
        proxy.restore()
        assert proxy.port == port
        client, server = _pair(proxy, upstream)
        with client, server:
            client.sendall(b"ok\n")
            assert server.recv(100) == b"ok\n"


# -- the unprivileged python ---------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to nobody needs root")
def test_unprivileged_python_imports_powerdown_as_nobody(unprivileged_python: Path) -> None:
    rc, out, err = run(
        [
            *run_as_user("nobody"),
            str(unprivileged_python),
            "-c",
            "import os, powerdown, powerdown.client.aio, powerdown.server.upsd; "
            "print(os.getuid(), powerdown.__file__)",
        ],
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
        cwd="/",
    )
    assert rc == 0, err
    uid, where = out.split()
    assert uid == "65534"
    assert Path(where).is_relative_to(unprivileged_python.parents[2])  # the copy, not /work


# -- NUT's upsmon through the harness ------------------------------------------


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


@pytest.fixture
def upsmons(
    sandbox: Sandbox, nut_server_factory: NutServerFactory
) -> Iterator[Callable[..., UpsmonProcess]]:
    """Start NUT upsmons in ``sandbox``; all stopped (before the servers) at the end."""
    started: list[UpsmonProcess] = []

    def make(name: str, monitors: Sequence[Monitor | str], **kwargs: Any) -> UpsmonProcess:
        proc = UpsmonProcess(sandbox, name, monitors, **kwargs)
        started.append(proc)
        proc.start()
        return proc

    try:
        yield make
    finally:
        for proc in reversed(started):
            proc.stop()


def _server(
    make: NutServerFactory, sandbox: Sandbox, names: tuple[str, ...] = ("ups",)
) -> NutServer:
    devices = {name: sandbox.write(f"{name}.dev", OL) for name in names}
    return make(
        devices,
        users=upsmon_users(),
        driver_options={name: {"pollinterval": "1"} for name in names},
    )


def _set_status(server: NutServer, text: str, ups: str = "ups") -> None:
    """Rewrite the .dev dummy-ups serves; it re-reads a file whose mtime second changed."""
    path = server.dir / f"{ups}.dev"
    before = path.stat().st_mtime
    path.write_text(text)
    stamp = max(time.time(), before + 1)
    os.utime(path, (stamp, stamp))


def _listing(path: str) -> list[tuple[str, int, float]]:
    """A directory's entries with sizes and times, and its own time (a file came and went)."""
    entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime) for e in os.scandir(path))
    return [(".", 0, os.stat(path).st_mtime), *entries]


def _types(proc: UpsmonProcess) -> list[str]:
    return [e.type for e in proc.events()]


class TestNutUpsmonAsNobody:
    pytestmark = nut_as_nobody

    def test_notifyflag_lines_are_all_known_and_an_unknown_one_is_only_a_warning(
        self, sandbox: Sandbox
    ) -> None:
        """``upsmon -K`` reads the whole config: the harness's has no complaint in it."""
        proc = UpsmonProcess(sandbox, "conf", [secondary("ups@127.0.0.1:1")])
        assert set(proc.notify_types) == set(NUT_2_8_0_NOTIFY_TYPES)
        rc, out, err = proc.check_powerdownflag()
        assert rc == 1  # no flag yet
        assert "Power down flag is not set" in err
        assert "invalid" not in err.lower(), err
        # A type 2.8.0 does not know (later NUT's) is logged and skipped, not fatal.
        proc.extra_conf = "NOTIFYFLAG NOTCAL SYSLOG+EXEC\n"
        proc.write_config()
        rc, out, err = proc.check_powerdownflag()
        assert rc == 1
        assert "Warning: invalid notify type [NOTCAL]" in err
        assert "Power down flag is not set" in err

    def test_a_power_failure_with_a_primary_and_two_secondaries(
        self,
        sandbox: Sandbox,
        nut_server_factory: NutServerFactory,
        upsmons: Callable[..., UpsmonProcess],
    ) -> None:
        """OL -> OB -> OB LB: everyone is told, the secondaries go first, then the primary.

        Observed (NUT 2.8.0, POLLFREQ(ALERT) 1, driver pollinterval 1):
        ONBATT reaches all three within ~1 s of the driver's change; the
        primary sees OB LB (LOWBATT), sets FSD within 1 ms and waits for
        the secondaries' logouts, polling NUMLOGINS every 0.25 s.  Each
        secondary's next poll sees "FSD OB LB": it logs FSD then LOWBATT
        (their NOTIFYCMDs run concurrently, so the file order of those two
        varies), then SHUTDOWN, FINALDELAY seconds later SHUTDOWNCMD (1.00 s
        and 2.00 s here), and logs out.  The primary's SHUTDOWN came 0.2 s
        after the last logout, its SHUTDOWNCMD FINALDELAY (1 s) later.  The
        primary gets no FSD notification of its own.  Every upsmon that shuts
        down (secondaries too) writes POWERDOWNFLAG and walls "Executing
        automatic power-fail shutdown", whatever NOTIFYFLAG says.
        """
        run_nut, etc_nut = _listing("/run/nut"), _listing("/etc/nut")
        server = _server(nut_server_factory, sandbox)
        ups = server.ups("ups")
        prim = upsmons("primary", [primary(ups)], hostsync=15, finaldelay=1)
        secs = [
            upsmons("sec1", [secondary(ups)], finaldelay=1),
            upsmons("sec2", [secondary(ups)], finaldelay=2),
        ]
        everyone = [prim, *secs]
        wait_until(lambda: numlogins(server, "ups") == 3, 10, "three upsmon logins")
        assert prim.check_powerdownflag()[0] == 1

        _set_status(server, OB)
        for proc in everyone:
            event = proc.wait_event("ONBATT", ups, timeout=10)
            assert event.message == f"UPS {ups} on battery"
        _set_status(server, OB_LB)
        for proc in everyone:
            proc.wait_event("LOWBATT", ups, timeout=10)
        for sec in secs:
            sec.wait_event("FSD", ups, timeout=10)
        assert server.query("GET VAR ups ups.status") == ['VAR ups ups.status "FSD OB LB"']

        last = prim.wait_shutdown(timeout=25)
        for proc in everyone:
            proc.wait_gone(timeout=10)  # both halves leave by themselves
        for sec in secs:
            assert len(sec.shutdowns()) == 1, sec.log()
            assert sec.shutdowns()[0] < last
            types = _types(sec)
            assert types.count("SHUTDOWN") == 1
            assert types.index("ONBATT") < types.index("SHUTDOWN")
            # FSD, LOWBATT and SHUTDOWN come from one poll, ms apart; each
            # NOTIFYCMD runs in its own fork, so their lines come in any order.
            assert {"FSD", "LOWBATT"} <= set(types)
        prim_types = _types(prim)
        assert prim.shutdowns() == [last]
        assert prim_types == ["ONBATT", "LOWBATT", "SHUTDOWN"], prim.log()
        shutdown = prim.wait_event("SHUTDOWN")
        assert shutdown.ups is None and shutdown.message == "Auto logout and shutdown proceeding"
        # It waited for the slower secondary, then FINALDELAY (1 s) before SHUTDOWNCMD.
        assert shutdown.time > max(sec.wait_event("SHUTDOWN").time for sec in secs)
        assert last - shutdown.time >= 0.9
        assert "Host sync timer expired" not in prim.log()

        assert prim.powerdownflag.read_text() == "upsmon-shutdown-file"
        rc, _, err = prim.check_powerdownflag()
        assert rc == 0, err
        assert "Power down flag is set" in err
        for proc in everyone:
            assert "Executing automatic power-fail shutdown" in proc.walls()
            assert "writepid: fopen /run/nut/upsmon.pid: Permission denied" in proc.log()
        assert _listing("/run/nut") == run_nut
        assert _listing("/etc/nut") == etc_nut

    def test_a_blackholed_link_gives_COMMBAD_then_COMMOK_once_restored(
        self,
        sandbox: Sandbox,
        nut_server_factory: NutServerFactory,
        upsmons: Callable[..., UpsmonProcess],
    ) -> None:
        """A cut cable: no FIN, no RST, just silence.

        Observed (NUT 2.8.0): the poll after the cut waits out libupsclient's
        5 s read timeout (DEFAULT_NETWORK_TIMEOUT), drops the connection
        ("Poll UPS [...] failed - Server disconnected") and notifies COMMBAD:
        5.5-6.0 s after the cut with POLLFREQ 1.  It does not hang.  Then every
        POLLFREQ it reconnects; the proxy accepts, and the STARTTLS probe
        waits 5 s more ("connect failed: Server disconnected"), so attempts
        come every ~6 s; NOCOMM follows once NOCOMMWARNTIME has passed since
        the last good poll, and again every NOCOMMWARNTIME.  After restore the
        next attempt logs in: COMMOK 0.9-1.0 s later.  (A real cut would
        rather leave the SYN unanswered: 2.8.0's reconnect has no connect
        timeout, so it would hang in connect() for the kernel's SYN retries.)
        """
        server = _server(nut_server_factory, sandbox)
        with TcpProxy(server.host, server.port) as proxy:
            ups = f"ups@127.0.0.1:{proxy.port}"
            mon = upsmons("mon", [secondary(ups)])
            wait_until(lambda: numlogins(server, "ups") == 1, 10, "the upsmon login")
            mon.wait_log("Logged into UPS", timeout=5)

            cut = time.time()
            proxy.blackhole()
            commbad = mon.wait_event("COMMBAD", ups, timeout=15)
            assert 4.5 <= commbad.time - cut <= 8.0, commbad.time - cut
            assert commbad.message == f"Communications with UPS {ups} lost"
            assert mon.alive()

            back = time.time()
            proxy.restore()
            commok = mon.wait_event("COMMOK", ups, timeout=10, since=back)
            assert commok.time - back <= 3.0, commok.time - back
            assert commok.message == f"Communications with UPS {ups} established"
            assert mon.shutdowns() == []

    def test_fsd_with_a_blackholed_secondary_waits_HOSTSYNC_then_the_secondary_follows(
        self,
        sandbox: Sandbox,
        nut_server_factory: NutServerFactory,
        upsmons: Callable[..., UpsmonProcess],
    ) -> None:
        """``upsmon -c fsd`` on the primary while a secondary's link is cut.

        Observed (NUT 2.8.0, HOSTSYNC 3): the primary sets FSD at once, finds
        the cut-off secondary still counted by upsd's NUMLOGINS, logs "Host
        sync timer expired, forcing shutdown" and runs SHUTDOWNCMD 3.3-4.0 s
        after the signal (HOSTSYNC, counted in whole seconds, strictly
        exceeded).  The cut-off secondary hears nothing meanwhile.  When the
        link comes back, its poll in flight still times out (COMMBAD), it
        reconnects (COMMOK), sees "FSD OL" (upsd keeps FSD latched), notifies
        FSD and shuts down, 2.9 s after the restore here: FSD alone is
        critical, on line power too.
        """
        server = _server(nut_server_factory, sandbox)
        direct = server.ups("ups")
        with TcpProxy(server.host, server.port) as proxy:
            via_proxy = f"ups@127.0.0.1:{proxy.port}"
            prim = upsmons("primary", [primary(direct)], hostsync=3, finaldelay=0)
            sec = upsmons("sec", [secondary(via_proxy)], finaldelay=0)
            wait_until(lambda: numlogins(server, "ups") == 2, 10, "two upsmon logins")
            prim.wait_log("Logged into UPS", timeout=5)

            proxy.blackhole()
            asked = time.time()
            prim.fsd()
            done = prim.wait_shutdown(timeout=15)
            assert 2.5 <= done - asked <= 6.0, done - asked
            assert "Host sync timer expired, forcing shutdown" in prim.log()
            assert "User requested FSD" in prim.log()
            prim.wait_gone(timeout=10)
            assert sec.shutdowns() == [] and sec.alive()
            assert server.query("GET VAR ups ups.status") == ['VAR ups ups.status "FSD OL"']

            proxy.restore()
            sec.wait_event("FSD", via_proxy, timeout=15)
            assert sec.wait_shutdown(timeout=10) > done
            sec.wait_gone(timeout=10)
            types = _types(sec)
            assert "ONBATT" not in types
            assert types[0] == "COMMBAD"  # COMMOK and FSD (same poll) come in any order
            assert {"COMMOK", "FSD", "SHUTDOWN"} <= set(types)

    def test_upsd_dying_while_on_battery_is_a_shutdown_after_DEADTIME(
        self,
        sandbox: Sandbox,
        nut_server_factory: NutServerFactory,
        upsmons: Callable[..., UpsmonProcess],
    ) -> None:
        """upsd goes away (connection refused) while the UPS is on battery.

        Observed (NUT 2.8.0, DEADTIME 3, HOSTSYNC 2, POLLFREQALERT 1): COMMBAD
        at the next poll ("Write error: Broken pipe" on the dead connection),
        then "connect failed: Connection refused" every second; when the last
        good poll is more than DEADTIME old (whole seconds) the UPS is
        "promoted" to OB LB.  The secondary then gives up on the primary
        (OB LB for more than HOSTSYNC) and the primary's FSD fails ("Driver
        not connected"), with no upsd to wait on for logouts.  COMMBAD came
        0.85 s after upsd died, SHUTDOWNCMD 3.86-3.89 s after, for both.
        """
        server = _server(nut_server_factory, sandbox)
        ups = server.ups("ups")
        conf = {"deadtime": 3, "hostsync": 2, "finaldelay": 0}
        prim = upsmons("primary", [primary(ups)], **conf)
        sec = upsmons("sec", [secondary(ups)], **conf)
        wait_until(lambda: numlogins(server, "ups") == 2, 10, "two upsmon logins")
        _set_status(server, OB)
        for proc in (prim, sec):
            proc.wait_event("ONBATT", ups, timeout=10)

        died = time.time()
        server.stop_process("upsd")
        for proc in (prim, sec):
            proc.wait_event("COMMBAD", ups, timeout=5)
            took = proc.wait_shutdown(timeout=10) - died
            assert 2.0 <= took <= 8.0, (proc.name, took)  # room for a loaded machine
            proc.wait_gone(timeout=10)
            types = _types(proc)
            assert types.index("COMMBAD") < types.index("SHUTDOWN")
            assert "LOWBATT" not in types  # the promotion to LB is silent
        assert "Promoting dead UPS" in sec.log()
        assert "Giving up on the primary" in sec.log()

    def test_reload_reads_a_new_MONITOR_line(
        self,
        sandbox: Sandbox,
        nut_server_factory: NutServerFactory,
        upsmons: Callable[..., UpsmonProcess],
    ) -> None:
        """SIGHUP (``upsmon -c reload``) to the monitoring child: it logs in to the added UPS."""
        server = _server(nut_server_factory, sandbox, ("ups1", "ups2"))
        mon = upsmons("mon", [secondary(server.ups("ups1"))])
        wait_until(lambda: numlogins(server, "ups1") == 1, 10, "the login to ups1")
        assert numlogins(server, "ups2") == 0
        mon.monitors.append(secondary(server.ups("ups2")))
        mon.write_config()
        mon.reload()
        wait_until(lambda: numlogins(server, "ups2") == 1, 10, "the login to ups2")
        assert numlogins(server, "ups1") == 1
        assert mon.alive() and mon.pid != mon.monitor_pid  # the split: parent + child
        mon.stop()
        assert not mon.alive()
        wait_until(lambda: numlogins(server, "ups1") == 0, 5, "the logout")
