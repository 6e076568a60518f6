"""Our upssched as upsmon runs it: real client processes, a real timer daemon.

Every test has its own sandbox (``NUT_CONFPATH``, PIPEFN, LOCKFN and pid
file in ``tmp_path``) and a CMDSCRIPT that appends ``$*``, a timestamp and
the event variables to a file; we poll that file with a deadline.  The
daemon's idle timeout is cut from NUT's 15 s to about a second
(``POWERDOWN_UPSSCHED_IDLE``) so that tests can watch it leave.  Whatever
happens, the fixture stops any daemon a test left behind (by pid, found by
a token in its environment) and checks that none is left.
"""

from __future__ import annotations

import os
import signal
import socket
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.upssched_sandbox import UNSET, Sandbox

HEAD_NO_ENV = (
    "Error: environment variables UPSNAME and NOTIFYTYPE must be set.\n"
    "This program should only be run from upsmon(8).\n"
)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Sandbox]:
    sandbox = Sandbox(tmp_path / "sched", idle=0.5)
    yield sandbox
    # A daemon may still be idling out: stop it by pid, then make sure.
    sandbox.stop_daemons()
    assert not sandbox.daemons()


def ok(result) -> None:
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_upssched_EXECUTE_runs_CMDSCRIPT_before_returning(box):
    box.configure(
        "AT ONBATT * EXECUTE on-battery\nAT ONBATT other EXECUTE not-for-us\n"
        "AT ONLINE * EXECUTE on-line\n"
    )
    ok(box.call("ONBATT", "ups1@localhost", "UPS ups1@localhost on battery"))
    # Synchronous: the call is in the log by the time upssched exits.
    [call] = box.calls()
    assert (call.args, call.argc) == ("on-battery", 1)
    assert (call.upsname, call.notifytype) == ("ups1@localhost", "ONBATT")
    # NOTIFYMSG reaches the script, as upssched(8) at HEAD documents.
    assert call.notifymsg == "UPS ups1@localhost on battery"
    # EXECUTE alone needs no daemon.
    assert not box.pipefn.exists() and not box.daemons()


def test_upssched_no_matching_rule_does_nothing(box):
    box.configure("AT ONBATT * START-TIMER t 1\n")
    ok(box.call("LOWBATT", "ups1"))
    assert not box.daemons() and not box.pipefn.exists()
    ok(box.call("onbatt", "ups1"))  # the type matches in any case, as in NUT
    assert box.wait_calls(1, timeout=5)[0].args == "t"


def test_upssched_START_TIMER_fires_after_its_interval(box):
    box.configure("AT ONBATT * START-TIMER onbattwarn 1\n")
    before = time.time()
    ok(box.call("ONBATT", "ups1", "on battery"))
    after = time.time()
    [call] = box.wait_calls(1, timeout=5)
    assert call.args == "onbattwarn" and call.argc == 1
    assert before + 1.0 <= call.at <= after + 2.0  # and a shell to start, maybe slowly
    # The timer's script sees the event that started it, not the daemon's birth env.
    assert (call.upsname, call.notifytype, call.notifymsg) == ("ups1", "ONBATT", "on battery")


def test_upssched_CANCEL_TIMER_before_it_fires_prevents_it(box):
    box.configure(
        "AT ONBATT * START-TIMER onbattwarn 4\n"
        "AT ONBATT * START-TIMER control 4\n"
        "AT ONLINE * CANCEL-TIMER onbattwarn\n"
    )
    # 4 s, not 1: under load, starting the second upssched can take a second.
    ok(box.call("ONBATT", "ups1"))
    ok(box.call("ONLINE", "ups1"))
    # "control", started just after, expires after "onbattwarn" would have;
    # once it has run and the
    # daemon has left (no timers at all), onbattwarn can no longer run.
    box.wait_calls(1, timeout=10)
    box.wait_no_daemon()
    assert box.args() == ["control"]


def test_upssched_CANCEL_TIMER_with_command_runs_it_only_if_no_timer_ran(box):
    box.configure(
        "AT ONBATT * START-TIMER onbattwarn 30\n"
        "AT ONLINE * CANCEL-TIMER onbattwarn back-on-line\n"
        "AT COMMOK * CANCEL-TIMER upsgone comm-back\n"
        "AT COMMOK * EXECUTE after-cancel\n"
        "AT LOWBATT * START-TIMER other 30\n"
    )
    # No daemon at all: the command still runs, before upssched returns, and
    # the next rule runs once (NUT 2.8.0 may run it twice here; see the
    # interop tests).
    ok(box.call("COMMOK", "ups1"))
    assert box.args() == ["comm-back", "after-cancel"]
    cancel, execute = box.calls()
    # As if the daemon ran it: the event variables are not passed on.
    assert (cancel.upsname, cancel.notifytype, cancel.notifymsg) == (UNSET, UNSET, UNSET)
    assert (execute.upsname, execute.notifytype) == ("ups1", "COMMOK")
    assert not box.daemons()

    # A daemon runs, but not that timer: the daemon runs the command.
    ok(box.call("LOWBATT", "ups1"))
    [daemon] = box.daemons()
    ok(box.call("COMMOK", "ups1"))
    assert box.args()[2:] == ["comm-back", "after-cancel"]
    assert box.calls()[2].ppid == daemon

    # The timer runs: cancelling it is all that happens.
    ok(box.call("ONBATT", "ups1"))
    ok(box.call("ONLINE", "ups1"))
    assert len(box.calls()) == 4
    # ... and a second cancel finds nothing, so now the command runs.
    ok(box.call("ONLINE", "ups1"))
    assert box.args()[4:] == ["back-on-line"]


def test_upssched_CANCEL_without_daemon_starts_none(box):
    box.configure("AT ONLINE * CANCEL-TIMER onbattwarn\n")
    ok(box.call("ONLINE", "ups1"))
    assert not box.pipefn.exists() and not box.daemons() and box.calls() == []


def test_upssched_ten_concurrent_invocations_start_exactly_one_daemon(box):
    box.configure("AT ONBATT * START-TIMER onbatt 2\n")
    procs = [box.popen("ONBATT", f"ups{i}", f"msg {i}") for i in range(10)]
    for proc in procs:
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
    daemons = box.daemons()
    assert len(daemons) == 1, daemons
    assert int(box.pidfile.read_text()) == daemons[0]
    calls = box.wait_calls(10, timeout=6)
    assert sorted(c.upsname for c in calls) == sorted(f"ups{i}" for i in range(10))
    assert {c.args for c in calls} == {"onbatt"}
    assert not box.lockfn.exists()  # the lock file lives only while a daemon starts


def test_upssched_daemon_leaves_by_itself_when_idle_and_removes_its_socket(box):
    box.configure("AT ONBATT * START-TIMER t 0\n")
    ok(box.call("ONBATT", "ups1"))
    [pid] = box.daemons()
    assert box.pipefn.is_socket()
    assert int(box.pidfile.read_text()) == pid
    [call] = box.wait_calls(1, timeout=5)
    box.wait_no_daemon(timeout=6)
    gone = time.time()
    assert gone - call.at >= 0.5 - 0.05  # it lingered for its idle timeout first
    assert call.ppid == pid
    assert not box.pipefn.exists()
    assert not box.pidfile.exists()


def test_upssched_daemon_stays_while_timers_run(box):
    box.configure("AT ONBATT * START-TIMER t 1\n")
    ok(box.call("ONBATT", "ups1"))
    [pid] = box.daemons()
    # The idle timeout (0.5 s) is shorter than the timer: the daemon that
    # started with it must still be there to run it.
    [call] = box.wait_calls(1, timeout=5)
    assert call.ppid == pid


def test_upssched_SIGTERM_stops_the_daemon_and_removes_its_socket(box):
    box.configure("AT ONBATT * START-TIMER t 60\n")
    ok(box.call("ONBATT", "ups1"))
    [pid] = box.daemons()
    os.kill(pid, signal.SIGTERM)
    box.wait_no_daemon()
    assert not box.pipefn.exists() and not box.pidfile.exists()
    assert box.calls() == []


def test_upssched_stale_socket_from_a_dead_daemon_is_recovered(box):
    box.configure("AT ONBATT * START-TIMER t 0\n")
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(box.pipefn))
    dead.close()  # the file stays; nobody listens (ECONNREFUSED)
    box.lockfn.write_text("")  # and a lock file left by a crash
    assert box.pipefn.is_socket()
    ok(box.call("ONBATT", "ups1"))
    assert box.wait_calls(1, timeout=5)[0].args == "t"
    assert len(box.daemons()) == 1


def test_upssched_START_TIMER_same_name_twice_runs_twice(box):
    """NUT HEAD: each START-TIMER is an independent timer, even under a running name."""
    box.configure("AT ONBATT * START-TIMER t 1\n")
    ok(box.call("ONBATT", "ups1"))
    ok(box.call("ONBATT", "ups2"))
    calls = box.wait_calls(2, timeout=5)
    assert [(c.args, c.upsname) for c in calls] == [("t", "ups1"), ("t", "ups2")]


def test_upssched_START_TIMER_SHARED_reports_every_event_once(box):
    """NUT HEAD: a shared timer gathers the UPS names, types and messages it was started for."""
    # 5 s: all three clients must reach the daemon before the timer ends.
    box.configure("AT COMMBAD * START-TIMER-SHARED upsgone 5\n")
    ok(box.call("COMMBAD", "ups1", "lost ups1"))
    ok(box.call("COMMBAD", "ups2", "lost ups2"))
    ok(box.call("COMMBAD", "ups1", "lost ups1"))
    [call] = box.wait_calls(1, timeout=10)
    assert call.args == "upsgone"
    assert (call.upsname, call.notifytype) == ("ups1,ups2", "COMMBAD")
    assert call.notifymsg == "lost ups1.\tlost ups2"


def test_upssched_CANCEL_TIMER_MATCHED_cancels_only_that_upss_timer(box):
    """upssched.conf(5) at HEAD documents CANCEL-TIMER-MATCHED (HEAD's own client lacks it)."""
    box.configure(
        "AT ONBATT * START-TIMER onbattwarn 4\nAT ONLINE * CANCEL-TIMER-MATCHED onbattwarn\n"
    )
    ok(box.call("ONBATT", "ups1"))
    ok(box.call("ONBATT", "ups2"))
    ok(box.call("ONLINE", "ups1"))
    [call] = box.wait_calls(1, timeout=10)
    box.wait_no_daemon()
    assert [(c.args, c.upsname) for c in box.calls()] == [("onbattwarn", "ups2")]
    assert call.notifytype == "ONBATT"


def test_upssched_CMDSCRIPT_arguments_and_no_shell(box):
    """NUT HEAD: CMDSCRIPT words are argv, the name is one last argument, no shell."""
    box.configure(
        'AT ONBATT * EXECUTE "two words; echo injected"\n',
        header=f'CMDSCRIPT {box.cmdscript} "--from upssched"\n'
        f"PIPEFN {box.pipefn}\nLOCKFN {box.lockfn}\n",
    )
    ok(box.call("ONBATT", "ups1"))
    [call] = box.calls()
    assert call.argc == 2
    assert call.args == "--from upssched two words; echo injected"


def test_upssched_list_timers(box):
    box.configure("AT ONBATT * START-TIMER onbattwarn 30\nAT ONBATT * START-TIMER t2 20\n")
    result = box.call(None, None, "-l")
    assert (result.returncode, result.stdout) == (1, "")
    assert "upssched timer is not running" in result.stderr
    ok(box.call("ONBATT", "ups1", "on battery"))
    before = time.time()
    listing = box.call(None, None, "-l")
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("\t") for line in listing.stdout.splitlines()]
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
        ("onbattwarn", "ONBATT", "ups1", "on battery"),
        ("t2", "ONBATT", "ups1", "on battery"),
    ]
    assert before + 25 <= int(rows[0][1]) <= before + 31
    assert 25 <= float(rows[0][2]) <= 30


def test_upssched_help_and_bad_option(box):
    box.configure("")
    result = box.call(None, None, "-h")
    assert result.returncode == 0
    assert result.stdout.startswith("upssched: upsmon's scheduling helper for offset timers\n")
    assert "  -l\t\tdisplay currently pending timers (if any)\n" in result.stdout
    bad = box.call("ONBATT", "ups1", "-x")
    assert bad.returncode == 1
    assert bad.stderr.endswith("Error: unknown option -?. Try -h for help.\n")


# -- errors -------------------------------------------------------------------


def test_upssched_without_UPSNAME_or_NOTIFYTYPE(box):
    box.configure("AT ONBATT * EXECUTE x\n")
    for ntype, ups in ((None, None), ("ONBATT", None), (None, "ups1")):
        result = box.call(ntype, ups)
        assert (result.returncode, result.stdout) == (1, HEAD_NO_ENV)
    assert box.calls() == []


@pytest.mark.parametrize("missing", ["CMDSCRIPT", "PIPEFN", "LOCKFN"])
def test_upssched_AT_before_its_settings_is_fatal(box, missing):
    settings = {"CMDSCRIPT": box.cmdscript, "PIPEFN": box.pipefn, "LOCKFN": box.lockfn}
    header = "".join(f"{k} {v}\n" for k, v in settings.items() if k != missing)
    box.configure(f"AT ONLINE * EXECUTE x\n{missing} {settings[missing]}\n", header=header)
    # Even an event no rule matches: NUT checks at the first AT line.
    result = box.call("ONBATT", "ups1")
    message = f"{missing} must be set before any ATs in the config file!\n"
    assert (result.returncode, result.stdout, result.stderr) == (1, message, message)
    assert box.calls() == []


def test_upssched_missing_config_file(box):
    result = box.call("ONBATT", "ups1")
    assert result.returncode == 1
    assert result.stderr == f"Can't open {box.root}/upssched.conf: No such file or directory\n"


def test_upssched_bad_config_line_is_fatal_with_file_and_line(box):
    box.configure("AT ONBATT * EXECUTE fine\nAT ONBATT * START-TIMER t soon\n")
    result = box.call("ONBATT", "ups1")
    assert result.returncode == 1
    assert result.stderr == (
        f"Fatal error: {box.root}/upssched.conf:5: "
        "AT START-TIMER: interval must be a number of seconds, not 'soon'\n"
    )
    assert box.calls() == []


def test_upssched_unknown_directive_is_a_warning(box):
    box.configure("FROB nicate\nAT ONBATT * EXECUTE x\n")
    result = box.call("ONBATT", "ups1")
    assert result.returncode == 0
    assert f"{box.root}/upssched.conf:4: invalid directive FROB nicate" in result.stderr
    assert box.args() == ["x"]


def test_upssched_missing_CMDSCRIPT_program(box):
    box.configure(
        "AT ONBATT * EXECUTE x\n",
        header=f"CMDSCRIPT {box.root}/nonesuch\nPIPEFN {box.pipefn}\nLOCKFN {box.lockfn}\n",
    )
    result = box.call("ONBATT", "ups1")
    # NUT logs the failed exec and carries on; upssched itself succeeds.
    assert result.returncode == 0
    assert f"execvp('{box.root}/nonesuch') failed: No such file or directory" in result.stderr


def test_upssched_PIPEFN_in_a_missing_directory(box):
    box.configure(
        "AT ONBATT * START-TIMER t 1\n",
        header=f"CMDSCRIPT {box.cmdscript}\nPIPEFN {box.root}/no/dir/pipe\nLOCKFN {box.lockfn}\n",
    )
    started = time.monotonic()
    result = box.call("ONBATT", "ups1")
    assert result.returncode == 1
    assert result.stderr.endswith(
        "Unable to connect to daemon and unable to start daemon: "
        f"bind {box.root}/no/dir/pipe failed: No such file or directory\n"
    )
    # NUT retries for ~15 s; the daemon tells us why at once instead.
    assert time.monotonic() - started < 5
    assert not box.lockfn.exists()


def test_upssched_LOCKFN_in_a_missing_directory(box):
    box.configure(
        "AT ONBATT * START-TIMER t 1\n",
        header=f"CMDSCRIPT {box.cmdscript}\nPIPEFN {box.pipefn}\nLOCKFN {box.root}/no/dir/lock\n",
    )
    result = box.call("ONBATT", "ups1")
    assert result.returncode == 1
    assert result.stderr.endswith(
        "Failed to connect to parent and failed to create parent: No such file or directory\n"
    )


def test_upssched_PIPEFN_too_long_for_a_socket(box):
    long_name = box.root / ("p" * 120)
    box.configure(
        "AT ONBATT * START-TIMER t 1\n",
        header=f"CMDSCRIPT {box.cmdscript}\nPIPEFN {long_name}\nLOCKFN {box.lockfn}\n",
    )
    result = box.call("ONBATT", "ups1")
    assert result.returncode == 1
    size = len(str(long_name))
    assert result.stderr.endswith(
        f"Can't create a unix domain socket: pathname '{long_name}' is too long ({size}) "
        "for 'struct sockaddr_un->sun_path' on this system (108)\n"
    )


def test_upssched_python_dash_m_and_console_script_agree(box):
    """Both ways in: ``python -m powerdown.cli.upssched`` and the ``upssched`` script."""
    script = Path(sysconfig.get_path("scripts")) / "upssched"
    if not script.is_file():
        pytest.skip("the upssched console script is not installed next to this Python")
    box.configure("AT ONBATT * EXECUTE x\n")
    ok(box.call("ONBATT", "ups1", program=(str(script),)))
    ok(box.call("ONBATT", "ups1"))
    assert box.args() == ["x", "x"]
