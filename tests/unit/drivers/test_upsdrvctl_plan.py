"""upsdrvctl's plan: which drivers, in which order, with which argv, and what next.

The expected ``-t`` lines are those NUT 2.8.0's own ``/sbin/upsdrvctl -t``
printed for the same ``ups.conf`` (timestamps left out).
"""

from __future__ import annotations

import pytest

from powerdown.cli.upsdrvctl import parse_args
from powerdown.config import upsconf
from powerdown.drivers.upsdrvctl import (
    BANNER,
    Command,
    Exited,
    Log,
    NotWaited,
    Options,
    PlanError,
    RestartPolicy,
    Signalled,
    SpawnFailed,
    Target,
    TimedOut,
    announce,
    attempt_logs,
    cmdline,
    command_named,
    describe_exit,
    exec_logs,
    judge_attempt,
    judge_request,
    parse_pid,
    pidfile_candidates,
    quiet_banner,
    read_status_reply,
    render_log,
    select_targets,
    shutdown_argv,
    signal_argv,
    socket_path,
    start_argv,
    status_header,
    status_row,
)

CONF = """\
maxretry = 2
retrydelay = 1
[a]
 driver = dummy-ups
 port = a.dev
[b]
 driver = dummy-ups
 port = a.dev
 sdorder = 2
[c]
 driver = nonexistent
 port = /dev/ttyS0
 sdorder = -1
[d]
 driver = usbhid-ups
 port = auto
 sdorder = 1
[e]
 driver = dummy-ups
 port = e.dev
 sdorder = 1
"""


def conf(text: str = CONF) -> upsconf.UpsConf:
    return upsconf.parse(text, "/etc/nut/ups.conf")


def targets(command: Command, upsname: str | None = None, text: str = CONF, **kw) -> list[Target]:
    options = Options(command=command, upsname=upsname, **kw)
    return select_targets(conf(text), options, "/opt/bin")


def names(ts: list[Target]) -> list[str]:
    return [t.upsname for t in ts]


def target(**kw) -> Target:
    base = dict(upsname="ups1", driver="dummy-ups", port="x.dev", program="/lib/nut/dummy-ups")
    base.update(kw)
    return Target(**base)


# -- which drivers, in which order ------------------------------------------------


def test_select_targets_start_and_stop_go_in_file_order():
    assert names(targets(Command.START)) == ["a", "b", "c", "d", "e"]
    assert names(targets(Command.STOP)) == ["a", "b", "c", "d", "e"]


def test_select_targets_shutdown_follows_sdorder_ties_in_file_order_and_skips_minus_one():
    assert names(targets(Command.SHUTDOWN)) == ["a", "d", "e", "b"]


def test_select_targets_one_named_ups_even_with_sdorder_minus_one():
    """NUT runs a named UPS's shutdown whatever its sdorder."""
    assert names(targets(Command.SHUTDOWN, "c")) == ["c"]
    assert names(targets(Command.START, "b")) == ["b"]


def test_select_targets_unknown_name_is_nuts_error():
    with pytest.raises(PlanError) as info:
        targets(Command.START, "zz")
    assert info.value.message == "UPS zz not found in ups.conf"
    assert info.value.status == 1


def test_select_targets_names_are_case_sensitive_as_in_nut():
    with pytest.raises(PlanError, match="UPS A not found"):
        targets(Command.START, "A")


def test_select_targets_without_any_ups():
    with pytest.raises(PlanError) as info:
        targets(Command.START, text="maxretry = 3\n")
    assert info.value.message == "Error: no UPS definitions found in ups.conf"
    with pytest.raises(PlanError) as info:
        targets(Command.START, "a", text="maxretry = 3\n")
    assert info.value.message == "Error: no UPS definitions found in ups.conf!\n"


def test_select_targets_program_from_driverpath_or_the_default():
    assert targets(Command.START)[0].program == "/opt/bin/dummy-ups"
    text = "driverpath = /lib/nut\n" + CONF
    assert [t.program for t in targets(Command.START, text=text)][:4] == [
        "/lib/nut/dummy-ups",
        "/lib/nut/dummy-ups",
        "/lib/nut/nonexistent",
        "/lib/nut/usbhid-ups",
    ]


def test_select_targets_timers_retries_and_nowait():
    text = (
        "maxstartdelay = 10\nmaxretry = 3\nretrydelay = 7\nnowait\n"
        "[own]\n driver = x\n port = p\n maxstartdelay = 2\n"
        "[global]\n driver = x\n port = p\n"
        "[never]\n driver = x\n port = p\n maxstartdelay = 0\n"
        "[negative]\n driver = x\n port = p\n maxstartdelay = -1\n"
        "[later]\n driver = x\n port = p\n maxretry = 5\n retrydelay = 0\n"
    )
    by_name = {t.upsname: t for t in targets(Command.START, text=text)}
    assert by_name["own"].maxstartdelay == 2
    assert by_name["global"].maxstartdelay == 10
    assert by_name["never"].maxstartdelay is None  # alarm(0): no timer
    assert by_name["negative"].maxstartdelay is None
    assert (by_name["global"].maxretry, by_name["global"].retrydelay) == (3, 7)
    assert (by_name["later"].maxretry, by_name["later"].retrydelay) == (5, 0)
    assert all(t.nowait for t in by_name.values())


def test_select_targets_defaults_are_nut_2_8_0s():
    (t,) = targets(Command.START, text="[u]\n driver = x\n port = p\n")
    assert (t.maxstartdelay, t.maxretry, t.retrydelay, t.nowait) == (45, 1, 5, False)


def test_select_targets_maxretry_zero_still_tries_once():
    (t,) = targets(Command.START, text="maxretry = 0\n[u]\n driver = x\n port = p\n")
    assert t.maxretry == 1


def test_command_named():
    assert command_named("start") is Command.START
    assert command_named("status") is Command.STATUS
    for word in ("foo", "signal", "START", ""):
        with pytest.raises(PlanError) as info:
            command_named(word)
        assert info.value.message == f"Error: unrecognized command [{word}]"


# -- argv -----------------------------------------------------------------------------


def opts(**kw) -> Options:
    kw.setdefault("command", Command.START)
    return Options(**kw)


def test_start_argv_plain_and_with_chroot_and_user():
    t = target(upsname="myups")
    assert start_argv(t, opts()) == ("/lib/nut/dummy-ups", "-a", "myups")
    assert start_argv(t, opts(user="root", chroot="/var/jail")) == (
        "/lib/nut/dummy-ups",
        "-a",
        "myups",
        "-r",
        "/var/jail",
        "-u",
        "root",
    )


def test_start_argv_debug_is_passed_only_with_d():
    t = target()
    assert start_argv(t, opts(debug=3))[1] == "-a"
    assert start_argv(t, opts(debug=3, pass_debug=True))[1] == "-DDD"
    assert start_argv(t, opts(pass_debug=True))[1] == "-a"  # level 0: nothing to pass
    # testing mode raises the level to 2, and -d passes that
    assert start_argv(t, opts(testing=True, pass_debug=True))[1] == "-DD"


@pytest.mark.parametrize(("foreground", "flag"), [(0, "-B"), (1, "-F"), (2, "-FF"), (5, "-FF")])
def test_start_argv_running_mode_goes_before_a(foreground, flag):
    argv = start_argv(target(), opts(foreground=foreground, debug=1, pass_debug=True))
    assert argv == ("/lib/nut/dummy-ups", "-D", flag, "-a", "ups1")


def test_shutdown_argv_has_k_and_no_debug():
    t = target(upsname="u")
    o = opts(command=Command.SHUTDOWN, debug=2, pass_debug=True, user="nut", foreground=1)
    assert shutdown_argv(t, o) == ("/lib/nut/dummy-ups", "-a", "u", "-k", "-u", "nut")


def test_signal_argv_asks_the_driver_to_signal_its_running_self():
    o = opts(command=Command.SIGNAL, signal="reload")
    assert signal_argv(target(), o) == ("/lib/nut/dummy-ups", "-c", "reload", "-a", "ups1")


def test_cmdline_is_nuts_exec_line():
    assert cmdline(["/lib/nut/dummy-ups", "-a", "a"]) == "exec:  /lib/nut/dummy-ups -a a"


# -- testing mode ------------------------------------------------------------------------


def dry_run(targets: list[Target], options: Options) -> list[Log]:
    """What ``-t`` prints per UPS: the announcement, then the ``exec:`` lines."""
    logs: list[Log] = []
    for t in targets:
        logs.append(announce(options.command, t, options))
        logs += exec_logs(options.command, t, options)
    return logs


def rendered(logs: list[Log], level: int = 2) -> list[str]:
    return [line.split("\t", 1)[1] for log in logs if (line := render_log(log, level, 0.0))]


def test_dry_run_start_as_nut_prints_them():
    o = Options(command=Command.START, testing=True)
    ts = select_targets(conf("driverpath = /lib/nut\n" + CONF), o, "/opt/bin")[:2]
    assert rendered(dry_run(ts, o)) == [
        "[D1] Starting UPS: a",
        "[D2] 2 remaining attempts",
        "[D2] exec:  /lib/nut/dummy-ups -a a",
        "[D1] Starting UPS: b",
        "[D2] 2 remaining attempts",
        "[D2] exec:  /lib/nut/dummy-ups -a b",
    ]


def test_dry_run_shutdown_as_nut_prints_them():
    text = "driverpath = /lib/nut\n" + CONF.split("[c]")[0]
    o = Options(command=Command.SHUTDOWN, testing=True)
    assert rendered(dry_run(select_targets(conf(text), o, "/x"), o)) == [
        "[D1] Shutdown UPS: a",
        "[D2] exec:  /lib/nut/dummy-ups -a a -k",
        "[D1] Shutdown UPS: b",
        "[D2] exec:  /lib/nut/dummy-ups -a b -k",
    ]


def test_dry_run_signal_and_start_with_user():
    o = Options(command=Command.SIGNAL, testing=True, signal="exit")
    assert rendered(dry_run([target()], o)) == [
        "[D1] Signalling UPS [ups1]: exit",
        "[D2] exec:  /lib/nut/dummy-ups -c exit -a ups1",
    ]
    o = Options(command=Command.START, testing=True, user="root", pass_debug=True)
    assert rendered(dry_run([target(maxretry=3)], o))[1:] == [
        "[D2] 3 remaining attempts",
        "[D2] exec:  /lib/nut/dummy-ups -DD -a ups1 -u root",
    ]


def test_announce_stop():
    assert announce(Command.STOP, target(), opts()) == Log(1, "Stopping UPS: ups1")


def test_render_log_hides_shows_and_stamps_like_nut():
    assert render_log(Log(1, "x"), 0, 0.0) is None
    assert render_log(Log(0, "plain"), 0, 3.0) == "plain"
    assert render_log(Log(1, "Starting UPS: a"), 1, 0.000072) == "   0.000072\t[D1] Starting UPS: a"
    assert render_log(Log(0, "warn"), 2, 12.5) == "  12.500000\twarn"
    assert render_log(Log(3, "deep"), 2, 0.0) is None


def test_quiet_banner_and_banner():
    assert BANNER == "Network UPS Tools - UPS driver controller 2.8.0"
    assert quiet_banner({"NUT_QUIET_INIT_BANNER": ""})
    assert quiet_banner({"NUT_QUIET_INIT_BANNER": "true"})
    assert not quiet_banner({"NUT_QUIET_INIT_BANNER": "no"})
    assert not quiet_banner({})


# -- starting: what each attempt's end means -------------------------------------------------


def test_judge_attempt_success_and_nowait():
    t = target(maxretry=3)
    assert judge_attempt(t, 1, Exited(0)).ok
    verdict = judge_attempt(t, 1, NotWaited())
    assert verdict.ok and verdict.logs == (Log(2, "'nowait' set, continuing..."),)


@pytest.mark.parametrize(
    ("outcome", "messages"),
    [
        (Exited(3), ["Driver failed to start (exit status=3)"]),
        (Signalled(9), ["Driver exited abnormally"]),
        (TimedOut(), ["Startup timer elapsed, continuing..."]),
        (
            SpawnFailed("Permission denied"),
            ["execv: Permission denied", "Driver failed to start (exit status=1)"],
        ),
    ],
)
def test_judge_attempt_failures_retry_then_give_up(outcome, messages):
    t = target(maxretry=2, retrydelay=7)
    first = judge_attempt(t, 1, outcome)
    assert (first.ok, first.retry_in) == (False, 7)
    assert [log.message for log in first.logs] == messages
    assert all(log.level == 0 for log in first.logs)
    last = judge_attempt(t, 2, outcome)
    assert (last.ok, last.retry_in) == (False, None)


def test_judge_attempt_without_retry_for_shutdown():
    verdict = judge_attempt(target(maxretry=5), 1, Exited(1), retry=False)
    assert (verdict.ok, verdict.retry_in) == (False, None)


def test_start_sequence_retries_as_maxretry_and_retrydelay_say():
    """Three attempts, two failures: the lines and delays NUT's loop gives."""
    t = target(maxretry=3, retrydelay=2)
    argv = start_argv(t, opts())
    outcomes = iter([Exited(1), TimedOut(), Exited(0)])
    lines: list[str] = []
    delays: list[float] = []
    attempt = 1
    while True:
        lines += [log.message for log in attempt_logs(t, attempt, argv)]
        verdict = judge_attempt(t, attempt, next(outcomes))
        lines += [log.message for log in verdict.logs]
        if verdict.ok or verdict.retry_in is None:
            break
        delays.append(verdict.retry_in)
        attempt += 1
    assert verdict.ok
    assert delays == [2, 2]
    assert lines == [
        "3 remaining attempts",
        "exec:  /lib/nut/dummy-ups -a ups1",
        "Driver failed to start (exit status=1)",
        "2 remaining attempts",
        "exec:  /lib/nut/dummy-ups -a ups1",
        "Startup timer elapsed, continuing...",
        "1 remaining attempts",
        "exec:  /lib/nut/dummy-ups -a ups1",
    ]


def test_judge_request():
    assert judge_request(target(), "reload", Exited(0)).ok
    verdict = judge_request(target(), "reload", Exited(2))
    assert not verdict.ok
    assert verdict.logs[0].message == (
        "Request to reload driver dummy-ups for [ups1] failed: exited with status 2"
    )
    assert "did not finish in time" in judge_request(target(), "exit", TimedOut()).logs[0].message


def test_describe_exit():
    assert describe_exit(Exited(1)) == "exited with status 1"
    assert describe_exit(Signalled(9)) == "was killed by signal 9"
    assert describe_exit(SpawnFailed("No such file or directory")) == (
        "could not be executed: No such file or directory"
    )


# -- supervision: restarts and back-off -----------------------------------------------------


def delays(policy: RestartPolicy, runs: list[float]) -> list[float]:
    """The restart delays for a driver whose successive runs last ``runs`` seconds."""
    out: list[float] = []
    failures = 0
    now = 1000.0
    for ran in runs:
        restart = policy.after_exit(started_at=now, exited_at=now + ran, failures=failures)
        failures = restart.failures
        out.append(restart.delay)
        now += ran + restart.delay
    return out


def test_RestartPolicy_first_restart_waits_retrydelay():
    policy = RestartPolicy(retrydelay=5)
    assert delays(policy, [3600]) == [5]


def test_RestartPolicy_backs_off_doubling_up_to_the_cap():
    policy = RestartPolicy(retrydelay=5, cap=60, healthy_after=60)
    assert delays(policy, [1] * 7) == [5, 10, 20, 40, 60, 60, 60]


def test_RestartPolicy_a_healthy_run_resets_the_back_off():
    policy = RestartPolicy(retrydelay=5, cap=60, healthy_after=60)
    assert delays(policy, [1, 1, 1, 60, 1, 1]) == [5, 10, 20, 5, 10, 20]
    # just short of healthy does not reset
    assert delays(policy, [1, 1, 59.9]) == [5, 10, 20]


def test_RestartPolicy_retrydelay_zero_restarts_at_once_then_backs_off_from_the_floor():
    policy = RestartPolicy(retrydelay=0, floor=1, cap=8)
    assert delays(policy, [0.1] * 6) == [0, 2, 4, 8, 8, 8]


def test_RestartPolicy_cap_never_below_retrydelay():
    policy = RestartPolicy(retrydelay=90, cap=60)
    assert delays(policy, [1, 1]) == [90, 90]


# -- stop and status ---------------------------------------------------------------------


def test_pidfile_candidates_by_name_then_by_port_basename():
    t = target(upsname="myups", driver="usbhid-ups", port="/dev/ttyS0")
    assert pidfile_candidates(t, "/run/nut") == (
        "/run/nut/usbhid-ups-myups.pid",
        "/run/nut/usbhid-ups-ttyS0.pid",
    )
    assert pidfile_candidates(target(port="a.dev"), "/tmp")[1] == "/tmp/dummy-ups-a.dev.pid"


def test_socket_path():
    assert socket_path(target(upsname="u"), "/run/nut") == "/run/nut/dummy-ups-u"


@pytest.mark.parametrize(
    ("text", "pid"),
    [("1234\n", 1234), ("  42x\n", 42), ("abc\n", 0), ("", 0), ("-5\n", -5), ("7\n8\n", 7)],
)
def test_parse_pid_reads_like_strtol(text, pid):
    assert parse_pid(text) == pid


def test_status_header_and_rows():
    assert status_header() == (
        "UPSNAME    \t     UPSDRV\tRUNNING\tPF_PID\tS_RESPONSIVE\tS_PID\tS_STATUS"
    )
    t = target(upsname="eco650", driver="usbhid-ups")
    row = status_row(
        t,
        pidfile_pid=3559,
        pidfile_alive=True,
        responsive=True,
        socket_pid=3559,
        socket_alive=True,
        ups_status='"OL"',
    )
    assert row == 'eco650     \t usbhid-ups\tRUNNING\t3559\tRESPONSIVE\t3559\t"OL"'
    gone = status_row(
        t,
        pidfile_pid=-3,
        pidfile_alive=None,
        responsive=False,
        socket_pid=None,
        socket_alive=None,
        ups_status=None,
    )
    assert gone == "eco650     \t usbhid-ups\tN/A\t-3\tNOT_RESPONSIVE\tN/A\t"
    stale = status_row(
        t,
        pidfile_pid=99999,
        pidfile_alive=False,
        responsive=False,
        socket_pid=None,
        socket_alive=None,
        ups_status=None,
    )
    assert stale.split("\t")[2] == "STOPPED"


def test_read_status_reply_takes_the_last_status_before_dumpdone():
    reply = read_status_reply(
        [
            "PONG",
            "PID 4321",
            'SETINFO ups.status "OB"',
            'SETINFO battery.charge "90"',
            'SETINFO ups.status "OL CHRG"',
            "DUMPDONE",
            'SETINFO ups.status "OB LB"',
        ]
    )
    assert (reply.pid, reply.ups_status, reply.done) == (4321, '"OL CHRG"', True)
    nut_280 = read_status_reply(['SETINFO ups.status "OL"'])
    assert (nut_280.pid, nut_280.ups_status, nut_280.done) == (None, '"OL"', False)


# -- the command line --------------------------------------------------------------------------


def args(*argv: str):
    return parse_args(["upsdrvctl", *argv])


def test_parse_args_start_one_ups_with_options():
    a = args("-t", "-D", "-D", "-d", "-u", "root", "-r", "/jail", "start", "myups")
    assert a.action == "run"
    assert a.options == Options(
        command=Command.START,
        upsname="myups",
        testing=True,
        debug=2,
        pass_debug=True,
        user="root",
        chroot="/jail",
    )


def test_parse_args_foreground_and_background():
    assert args("-F", "start").options.foreground == 1
    assert args("-F", "-F", "start").options.foreground == 2
    assert args("-FF", "start").options.foreground == 2
    assert args("-F", "-B", "start").options.foreground == 0
    assert args("-B", "-F", "start").options.foreground == 1
    assert args("start").options.foreground is None
    assert args("-F", "start").options.supervise
    assert not args("-F", "stop").options.supervise
    assert not args("-B", "start").options.supervise


def test_parse_args_c_and_l():
    a = args("-c", "reload", "myups")
    assert (a.options.command, a.options.signal, a.options.upsname) == (
        Command.SIGNAL,
        "reload",
        "myups",
    )
    assert args("-c", "data-dump").options.signal == "dump"
    assert args("-l").options.command is Command.LIST
    assert args("list", "b").options == Options(command=Command.LIST, upsname="b")
    assert args("status").options.command is Command.STATUS
    bad = args("-c", "explode")
    assert (bad.action, bad.error) == (
        "error",
        "Error: unknown argument to option -c. Try -h for help.",
    )
    twice = args("-c", "reload", "-c", "exit")
    assert twice.action == "error" and "only one command per run" in twice.error


def test_parse_args_help_version_and_errors():
    assert args().action == "help"
    assert args("-h", "start").action == "help"
    assert args("-V").action == "version"
    bad = args("-Z", "start")
    assert bad.action == "help"
    assert bad.messages == ("upsdrvctl: invalid option -- 'Z'",)
    unknown = args("-t", "foo")
    assert (unknown.action, unknown.error, unknown.testing) == (
        "error",
        "Error: unrecognized command [foo]",
        True,
    )
    extra = args("start", "a", "b")
    assert extra.action == "error" and extra.error.startswith("Error: extra arguments")
    # options stop at the first operand, as with NUT's "+" getopt
    late = args("start", "-t")
    assert late.action == "run" and late.options.upsname == "-t" and not late.options.testing
