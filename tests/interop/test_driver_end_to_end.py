"""Our dummy-ups end to end: NUT's clients -> upsd (ours and NUT's) -> our driver.

``SET`` and ``INSTCMD`` travel from Debian's ``upsrw``/``upscmd`` through
upsd to our driver and back with ``-w`` tracking; a repeater follows a
remote UPS, goes stale when the remote upsd goes away and recovers when it
returns.
"""

from __future__ import annotations

import os

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    NUT_DUMMY_UPS,
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSD,
    NUT_UPSRW,
    OUR_DUMMY_UPS,
    OUR_UPSD,
    NutServer,
    User,
    ddl,
    run,
    wait_until,
)

pytestmark = pytest.mark.interop

UPSDS = {"our-upsd": OUR_UPSD, "nut-upsd": NUT_UPSD}
ADMIN = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
LOGIN = ("-u", "admin", "-p", "s3cret")


def _not_driver(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("driver.")]


def upsc(server: NutServer, ups: str, *args: str) -> tuple[int, str, str]:
    """Debian's upsc; its "Init SSL without certificate database" notice is dropped."""
    rc, out, err = run([NUT_UPSC, server.ups(ups), *args], env=server.env)
    return rc, out, err.replace("Init SSL without certificate database\n", "")


@pytest.fixture(params=sorted(UPSDS))
def served(request: pytest.FixtureRequest, nut_server_factory: NutServerFactory) -> NutServer:
    """Our dummy-ups with an APC dump, under the upsd of the parameter."""
    return nut_server_factory(
        {"apc": ddl("APC", "Back-UPS")},
        users=ADMIN,
        upsd_cmd=UPSDS[request.param],
        driver_cmd=OUR_DUMMY_UPS,
    )


def test_upsrw_set_with_tracking_reaches_our_driver(served: NutServer) -> None:
    rc, out, err = run(
        [NUT_UPSRW, *LOGIN, "-w", "-s", "ups.delay.shutdown=31", served.ups("apc")],
        env=served.env,
    )
    # NUT's clients print the tracked result on stderr: SUCCESS is the driver's HANDLED.
    assert (rc, out, err) == (0, "", "SUCCESS\n")
    assert upsc(served, "apc", "ups.delay.shutdown") == (0, "31\n", "")
    # The variable keeps NUT dummy-ups' flags: a writable number.
    rc, out, _ = run([NUT_UPSRW, served.ups("apc")], env=served.env)
    assert rc == 0
    assert "[ups.delay.shutdown]\n" in out


def test_upsrw_set_of_a_new_string_value_is_served_escaped(served: NutServer) -> None:
    value = 'odd "q" \\ #v'
    rc, out, err = run(
        [NUT_UPSRW, *LOGIN, "-w", "-s", f"ups.beeper.status={value}", served.ups("apc")],
        env=served.env,
    )
    assert (rc, out, err) == (0, "", "SUCCESS\n")
    assert upsc(served, "apc", "ups.beeper.status") == (0, value + "\n", "")


def test_upscmd_with_tracking_reaches_our_driver(served: NutServer) -> None:
    rc, out, err = run([NUT_UPSCMD, "-l", served.ups("apc")], env=served.env)
    assert rc == 0 and "load.off" in out
    rc, out, err = run([NUT_UPSCMD, *LOGIN, "-w", served.ups("apc"), "load.off"], env=served.env)
    # NUT's own dummy-ups answers ERR UNKNOWN here; ours simulates the command it lists.
    assert (rc, out, err) == (0, "", "SUCCESS\n")


def test_upscmd_of_a_command_the_driver_lacks_is_refused(served: NutServer) -> None:
    rc, out, err = run(
        [NUT_UPSCMD, *LOGIN, "-w", served.ups("apc"), "shutdown.return"], env=served.env
    )
    assert rc == 1
    assert err.endswith("ERR CMD-NOT-SUPPORTED\n")


def test_repeater_follows_goes_stale_and_recovers(nut_server_factory: NutServerFactory) -> None:
    """Remote: NUT's upsd + NUT's dummy-ups.  Local: our upsd + our dummy-ups repeating it."""
    remote = nut_server_factory(
        {"real": ddl("APC", "Back-UPS")},
        users=ADMIN,
        upsd_cmd=NUT_UPSD,
        driver_cmd=NUT_DUMMY_UPS,
    )
    local = nut_server_factory(
        {"mirror": f"real@127.0.0.1:{remote.port}"},
        users=ADMIN,
        upsd_cmd=OUR_UPSD,
        driver_cmd=OUR_DUMMY_UPS,
        driver_options={"mirror": {"username": "admin", "password": "s3cret", "pollinterval": "1"}},
        extra_upsd_conf="MAXAGE 5\n",
    )
    # Everything but driver.* is the remote's.
    _, theirs, _ = upsc(remote, "real")
    _, ours, _ = upsc(local, "mirror")
    assert _not_driver(ours) == _not_driver(theirs)
    assert "driver.parameter.mode: repeater" in ours

    # A SET through the mirror lands on the real UPS (tracked end to end).
    rc, out, err = run(
        [NUT_UPSRW, *LOGIN, "-w", "-s", "ups.delay.shutdown=44", local.ups("mirror")],
        env=local.env,
    )
    assert (rc, out, err) == (0, "", "SUCCESS\n")
    assert upsc(remote, "real", "ups.delay.shutdown") == (0, "44\n", "")
    wait_until(
        lambda: upsc(local, "mirror", "ups.delay.shutdown")[1] == "44\n",
        timeout=10,
        what="the mirror to follow the remote",
    )

    # The remote upsd goes away: the mirror's data goes stale.
    remote.stop_process("upsd")
    wait_until(
        lambda: upsc(local, "mirror", "ups.status")[2] == "Error: Data stale\n",
        timeout=15,
        what="the mirror to go stale",
    )
    # It comes back (same port): the mirror recovers by itself.
    remote._spawn("upsd", [*NUT_UPSD, "-F", *(["-u", "root"] if os.geteuid() == 0 else [])])
    wait_until(
        lambda: upsc(local, "mirror", "ups.status") == upsc(remote, "real", "ups.status"),
        timeout=20,
        what="the mirror to recover",
    )
