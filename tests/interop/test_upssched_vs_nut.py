"""Our upssched against NUT 2.8.0's ``/sbin/upssched``: same config, same events.

Each program runs in its own sandbox (``NUT_CONFPATH``, PIPEFN, LOCKFN in
``tmp_path``) with a CMDSCRIPT that logs its arguments and a timestamp;
both sequences run at the same time, in two threads, to keep the file
short.  NUT's daemon checks its timers once a second against whole-second
deadlines, so its timers fire up to a second early or late; ours fire on
time, and the comparison allows for that.

Then the two share a daemon, both ways round: the wire format is the same.
Last, the places where we follow NUT HEAD rather than 2.8.0 are pinned
down side by side.  Every daemon either program starts is found by a token
in its environment and stopped by pid; the fixture asserts none is left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.upssched_sandbox import NUT, OURS, Call, Sandbox

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not Path(NUT[0]).exists(), reason="NUT's upssched is not installed"),
]


@pytest.fixture
def boxes(tmp_path: Path) -> Iterator[dict[str, Sandbox]]:
    made = {
        "nut": Sandbox(tmp_path / "nut", NUT, idle=0.5),
        "ours": Sandbox(tmp_path / "ours", OURS, idle=0.5),
        "shared": Sandbox(tmp_path / "shared", OURS, idle=0.5),
    }
    yield made
    for box in made.values():
        box.stop_daemons()
    for box in made.values():
        assert not box.daemons(), f"an upssched daemon outlived the test in {box.root}"


# The cancel with a command comes last on purpose.  With no daemon running,
# NUT 2.8.0 forks one to run it; that daemon leaves at once (it spins on the
# closed connection) and its exit() moves the read offset of the config
# file it shares with the client, which then reads the rest of the file
# again: an EXECUTE after that line runs twice.  We do not copy that.
RULES = (
    "AT ONBATT * EXECUTE onbatt-now\n"
    "AT ONBATT * START-TIMER onbattwarn 4\n"
    "AT COMMBAD * START-TIMER commbad 2\n"
    "AT COMMOK * CANCEL-TIMER commbad\n"
    "AT LOWBATT * START-TIMER lowbatt 1\n"
    "AT FSD * CANCEL-TIMER nothing-runs\n"
    "AT ONLINE * EXECUTE online-now\n"
    "AT ONLINE * CANCEL-TIMER onbattwarn online-no-timer\n"
)

# (notifytype, upsname, message) or an int: wait until that many calls.
SEQUENCE: list[tuple[str, str, str] | int] = [
    ("ONBATT", "ups1@localhost", "UPS ups1@localhost on battery"),
    ("LOWBATT", "ups1@localhost", "UPS ups1@localhost battery is low"),
    ("COMMBAD", "ups1@localhost", "Communications with UPS ups1@localhost lost"),
    ("COMMOK", "ups1@localhost", "Communications with UPS ups1@localhost established"),
    ("FSD", "ups1@localhost", "UPS ups1@localhost: forced shutdown in progress"),
    3,  # onbatt-now, lowbatt, onbattwarn
    ("ONLINE", "ups1@localhost", "UPS ups1@localhost on line power"),
]

EXPECTED = ["onbatt-now", "lowbatt", "onbattwarn", "online-now", "online-no-timer"]


def play(box: Sandbox, starts: dict[str, float], ends: dict[str, float], errors: list[str]) -> None:
    """Run SEQUENCE through ``box``; note when each timer was asked for (the client's
    start and end: the request reaches the daemon somewhere in between)."""
    for step in SEQUENCE:
        if isinstance(step, int):
            box.wait_calls(step, timeout=8)
            continue
        ntype, ups, msg = step
        starts.setdefault(ntype, time.time())
        result = box.call(ntype, ups, msg)
        ends.setdefault(ntype, time.time())
        if result.returncode != 0:
            errors.append(f"{box.program}: {ntype}: rc {result.returncode}: {result.stderr}")


def delays(calls: list[Call], starts: dict[str, float]) -> dict[str, float]:
    started_by = {"onbattwarn": "ONBATT", "lowbatt": "LOWBATT"}
    return {c.args: c.at - starts[started_by[c.args]] for c in calls if c.args in started_by}


def test_upssched_same_events_same_CMDSCRIPT_calls_as_NUT(boxes):
    nut, ours = boxes["nut"], boxes["ours"]
    for box in (nut, ours):
        box.configure(RULES)
    starts: dict[str, dict[str, float]] = {"nut": {}, "ours": {}}
    ends: dict[str, dict[str, float]] = {"nut": {}, "ours": {}}
    errors: list[str] = []
    threads = [
        threading.Thread(target=play, args=(box, starts[name], ends[name], errors))
        for name, box in (("nut", nut), ("ours", ours))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert nut.args() == EXPECTED
    assert ours.args() == EXPECTED
    assert [c.argc for c in ours.calls()] == [c.argc for c in nut.calls()] == [1] * 5
    our_delays = delays(ours.calls(), starts["ours"])
    # Ours fires on the second after the daemon got the request, which came after
    # the client started and before it returned (a client start can take a while
    # on a loaded machine, and so can the shell that runs CMDSCRIPT); NUT's
    # within a second of that (whole-second ticks).  Both are measured from
    # when their client returned, so our slower start does not count against us.
    since_asked = delays(ours.calls(), ends["ours"])
    nut_since_asked = delays(nut.calls(), ends["nut"])
    assert our_delays["onbattwarn"] >= 4.0 and since_asked["onbattwarn"] <= 5.0
    assert our_delays["lowbatt"] >= 1.0 and since_asked["lowbatt"] <= 2.0
    for name in ("onbattwarn", "lowbatt"):
        assert abs(since_asked[name] - nut_since_asked[name]) <= 1.6, (
            name,
            nut_since_asked,
            since_asked,
        )


def test_upssched_our_client_uses_NUTs_daemon(boxes):
    box = boxes["shared"]
    # Long enough that NUT's daemon (whole seconds, and gone the moment its
    # list is empty) is still there for both of our requests, even when a
    # loaded machine takes seconds to start our client twice; ``other`` ends
    # first, so a CANCEL that went astray would show in the calls.
    box.configure(
        "AT ONBATT * START-TIMER onbattwarn 8\n"
        "AT ONBATT * START-TIMER other 7\n"
        "AT ONLINE * CANCEL-TIMER other\n"
        "AT LOWBATT * START-TIMER lowbatt 1\n"
    )
    assert box.call("ONBATT", "ups1", program=NUT).returncode == 0  # NUT starts its daemon
    [nut_daemon] = box.daemons()
    ours = box.call("ONLINE", "ups1")  # our CANCEL reaches NUT's daemon
    assert ours.returncode == 0, ours.stderr
    ours = box.call("LOWBATT", "ups1")  # and our START
    assert ours.returncode == 0, ours.stderr
    assert box.daemons() == [nut_daemon]  # no second daemon
    # NUT 2.8.0 knows no LIST-TIMERS: our -l says so as HEAD's would.  Asked
    # while onbattwarn still runs, so NUT's daemon is surely there to answer.
    listing = box.call(None, None, "-l")
    assert listing.returncode == 1
    assert listing.stderr.endswith(
        "read confirmation got [ERR UNKNOWN]\n"
        "Unable to connect to daemon or connection was broken during listing\n"
    )
    calls = box.wait_calls(2, timeout=12)
    assert [c.args for c in calls] == ["lowbatt", "onbattwarn"]
    # NUT's daemon ran both (through system(), so the script's parent is a
    # shell): 2.8.0 hands every timer the variables of the event that
    # started the daemon, so our LOWBATT timer sees ONBATT.  Ours would not.
    assert [(c.notifytype, c.upsname) for c in calls] == [("ONBATT", "ups1")] * 2
    box.wait_no_daemon(timeout=20)
    assert box.args().count("other") == 0


def test_upssched_NUTs_client_uses_our_daemon(boxes):
    box = boxes["shared"]
    # 4 s: NUT's three clients must reach our daemon before ``other`` ends.
    box.configure(
        "AT ONBATT * START-TIMER onbattwarn 4\n"
        "AT ONBATT * START-TIMER other 4\n"
        "AT ONLINE * CANCEL-TIMER other\n"
        "AT LOWBATT * START-TIMER lowbatt 1\n"
        "AT COMMOK * CANCEL-TIMER nosuch comm-back\n"
    )
    ours = box.call("ONBATT", "ups1")  # we start our daemon
    assert ours.returncode == 0, ours.stderr
    [our_daemon] = box.daemons()
    for ntype in ("ONLINE", "LOWBATT", "COMMOK"):  # 2.8.0's short START/CANCEL lines
        result = box.call(ntype, "ups1", program=NUT)
        assert result.returncode == 0, result.stderr
    assert box.daemons() == [our_daemon]
    calls = box.wait_calls(3, timeout=10)
    assert calls[0].args == "comm-back"  # run by our daemon before it answered OK
    assert sorted(c.args for c in calls[1:]) == ["lowbatt", "onbattwarn"]
    assert {c.ppid for c in calls} == {our_daemon}
    box.wait_no_daemon()
    assert not box.pipefn.exists()
    assert "other" not in box.args()


@pytest.mark.parametrize("missing", ["CMDSCRIPT", "PIPEFN", "LOCKFN"])
def test_upssched_AT_before_settings_fails_as_NUT_does(boxes, missing):
    results = {}
    for name in ("nut", "ours"):
        box = boxes[name]
        settings = {"CMDSCRIPT": box.cmdscript, "PIPEFN": box.pipefn, "LOCKFN": box.lockfn}
        header = "".join(f"{k} {v}\n" for k, v in settings.items() if k != missing)
        box.configure(f"AT ONBATT * EXECUTE x\n{missing} {settings[missing]}\n", header=header)
        results[name] = box.call("ONBATT", "ups1")
        assert box.calls() == []
    nut, ours = results["nut"], results["ours"]
    assert (ours.returncode, ours.stdout, ours.stderr) == (nut.returncode, nut.stdout, nut.stderr)
    assert nut.returncode == 1
    assert nut.stdout == f"{missing} must be set before any ATs in the config file!\n"


def test_upssched_missing_config_file_as_NUT(boxes):
    nut = boxes["nut"].call("ONBATT", "ups1")
    ours = boxes["ours"].call("ONBATT", "ups1")
    assert (nut.returncode, nut.stdout) == (ours.returncode, ours.stdout) == (1, "")
    assert nut.stderr.replace(str(boxes["nut"].root), "<dir>") == ours.stderr.replace(
        str(boxes["ours"].root), "<dir>"
    )


def test_upssched_where_we_follow_NUT_HEAD_not_280(boxes):
    """Three documented changes after 2.8.0, side by side with 2.8.0's binary.

    * The missing-environment message (HEAD names ``upsmon(8)``).
    * CANCEL-TIMER removes every timer of that name; 2.8.0 removed the first.
    * CMDSCRIPT runs without a shell: an argument with a space stays one
      argument (2.8.0 passed ``"CMDSCRIPT arg"`` to ``system()``).
    """
    nut, ours = boxes["nut"], boxes["ours"]
    for box in (nut, ours):
        box.configure(
            "AT ONBATT * START-TIMER twice 6\n"
            "AT ONLINE * CANCEL-TIMER twice\n"
            "AT ONLINE * START-TIMER control 6\n"
            'AT LOWBATT * EXECUTE "two words"\n'
        )

    nut_env = nut.call(None, None)
    ours_env = ours.call(None, None)
    assert (nut_env.returncode, ours_env.returncode) == (1, 1)
    assert nut_env.stdout == (
        "Error: UPSNAME and NOTIFYTYPE must be set.\nThis program should only be run from upsmon.\n"
    )
    assert ours_env.stdout == (
        "Error: environment variables UPSNAME and NOTIFYTYPE must be set.\n"
        "This program should only be run from upsmon(8).\n"
    )

    def sequence(box: Sandbox) -> None:
        for ntype in ("LOWBATT", "ONBATT", "ONBATT", "ONLINE"):
            assert box.call(ntype, "ups1").returncode == 0

    threads = [threading.Thread(target=sequence, args=(box,)) for box in (nut, ours)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    nut.wait_calls(3, timeout=12)  # "two words", one "twice" left, control
    ours.wait_calls(2, timeout=12)  # "two words", control
    ours.wait_no_daemon()  # no timer left that could still run
    assert sorted(c.args for c in nut.calls()[1:]) == ["control", "twice"]
    assert [c.args for c in ours.calls()[1:]] == ["control"]
    assert (nut.calls()[0].args, nut.calls()[0].argc) == ("two words", 2)
    assert (ours.calls()[0].args, ours.calls()[0].argc) == ("two words", 1)
