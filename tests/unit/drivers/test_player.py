"""dummy-ups playing a definition file TIMER by TIMER, with the clock as an argument.

NUT's ``dummy-ups`` (``docs/man/dummy-ups.txt``): each poll plays the file
up to the next ``TIMER n`` and then nothing until ``n`` seconds have passed;
``dummy-loop`` (``.seq``) starts again from the top at the end of the file,
``dummy-once`` (``.dev``) stays put until the file is loaded again.
"""

from __future__ import annotations

import pytest

from powerdown.drivers.dummy import devfile
from powerdown.drivers.dummy.devfile import Instruction, SetVar, Timer
from powerdown.drivers.dummy.player import Player, Step


def V(name: str, value: str = "1") -> SetVar:
    return SetVar(name=name, value=value, lineno=0)


def T(seconds: int) -> Timer:
    return Timer(seconds=seconds, lineno=0)


def names(step: Step) -> list[str]:
    return [ins.name for ins in step.instructions if isinstance(ins, SetVar)]


def player(*instructions: Instruction, loop: bool) -> Player:
    p = Player(loop=loop)
    p.load(tuple(instructions))
    return p


SEQ = (V("a"), V("b"), T(10), V("c"), T(5), V("d"))


# -- the first pass, the same in both modes --------------------------------------------


@pytest.mark.parametrize("loop", [True, False], ids=["loop", "once"])
def test_Player_plays_up_to_each_TIMER_and_waits_it_out(loop: bool) -> None:
    p = player(*SEQ, loop=loop)
    first = p.step(100.0)
    assert names(first) == ["a", "b"]
    assert first.started and not first.finished
    # Nothing until 10 s have passed, however often we poll.
    for now in (100.0, 101.0, 109.999):
        assert p.waiting(now)
        assert p.step(now) == Step()
    assert not p.waiting(110.0)
    second = p.step(110.0)
    assert names(second) == ["c"]
    assert not second.started and not second.finished
    assert p.step(114.9) == Step()
    third = p.step(115.0)
    assert names(third) == ["d"]
    assert third.finished and not third.started


def test_Player_wait_counts_from_the_poll_that_reached_the_TIMER() -> None:
    """A late poll does not shorten the next wait: TIMER n is n seconds from when it is met."""
    p = player(V("a"), T(10), V("b"), T(10), V("c"), loop=True)
    p.step(0.0)
    assert names(p.step(25.0)) == ["b"]  # 15 s late
    assert p.step(34.0) == Step()
    assert names(p.step(35.0)) == ["c"]


# -- the end of the file ---------------------------------------------------------------


def test_Player_loop_starts_again_at_the_next_poll() -> None:
    p = player(*SEQ, loop=True)
    p.step(0.0)
    p.step(10.0)
    assert p.step(15.0).finished
    assert p.at_start  # the driver re-reads the file here
    again = p.step(16.0)
    assert names(again) == ["a", "b"] and again.started
    assert p.step(25.0) == Step()


def test_Player_once_stops_at_the_end_until_loaded_again() -> None:
    p = player(*SEQ, loop=False)
    p.step(0.0)
    p.step(10.0)
    assert p.step(15.0).finished
    assert p.done and not p.at_start
    for now in (16.0, 1000.0, 1e9):
        assert p.step(now) == Step()
    p.load(SEQ)  # the .dev file changed
    assert p.at_start
    again = p.step(2000.0)
    assert names(again) == ["a", "b"] and again.started


def test_Player_file_without_TIMER_is_played_whole_every_poll_in_loop_mode() -> None:
    p = player(V("a"), V("b"), loop=True)
    for now in (0.0, 0.0, 2.0):
        step = p.step(now)
        assert names(step) == ["a", "b"]
        assert step.started and step.finished


def test_Player_file_without_TIMER_is_played_once_in_once_mode() -> None:
    p = player(V("a"), V("b"), loop=False)
    step = p.step(0.0)
    assert names(step) == ["a", "b"] and step.started and step.finished
    assert p.step(2.0) == Step()


def test_Player_file_ending_with_TIMER_loop_waits_then_starts_over() -> None:
    """As NUT: the poll after the pause reaches the end, the next one starts over."""
    p = player(V("a"), T(5), loop=True)
    first = p.step(0.0)
    assert names(first) == ["a"] and first.started
    assert p.step(4.0) == Step()
    assert not p.at_start  # not before the wait is over
    assert p.step(5.0) == Step(finished=True)
    again = p.step(6.0)
    assert names(again) == ["a"] and again.started


def test_Player_file_ending_with_TIMER_once_plays_it_once() -> None:
    p = player(V("a"), T(5), loop=False)
    assert names(p.step(0.0)) == ["a"]
    assert p.step(4.0) == Step()
    assert p.step(5.0) == Step(finished=True)
    assert p.step(100.0) == Step()
    assert p.done


@pytest.mark.parametrize("loop", [True, False], ids=["loop", "once"])
def test_Player_every_pass_reports_its_end(loop: bool) -> None:
    """``finished`` is reported once per pass, whether or not the file ends with a TIMER."""
    for instructions in [(V("a"), T(5), V("b")), (V("a"), T(5), V("b"), T(5))]:
        p = player(*instructions, loop=loop)
        steps = [p.step(float(now)) for now in range(0, 11)]
        ends = [s for s in steps if s.finished]
        starts = [s for s in steps if s.started]
        assert len(ends) >= 1, instructions
        assert len(starts) - len(ends) in (0, 1), instructions


def test_Player_TIMER_0_ends_the_poll_but_does_not_wait() -> None:
    p = player(V("a"), T(0), V("b"), loop=False)
    assert names(p.step(0.0)) == ["a"]
    assert not p.waiting(0.0)
    assert names(p.step(0.0)) == ["b"]


# -- empty files ------------------------------------------------------------------------


def test_Player_empty_file_loop() -> None:
    p = player(loop=True)
    step = p.step(0.0)
    assert step == Step(instructions=(), started=True, finished=True)
    assert p.step(1.0) == Step(instructions=(), started=True, finished=True)


def test_Player_empty_file_once() -> None:
    p = player(loop=False)
    assert p.step(0.0) == Step(instructions=(), started=True, finished=True)
    assert p.step(1.0) == Step()
    assert p.done


def test_Player_before_any_load_behaves_as_an_empty_file() -> None:
    assert Player(loop=False).step(0.0).finished


def test_Player_only_TIMERs() -> None:
    p = player(T(3), T(3), loop=True)
    assert p.step(0.0) == Step(instructions=(), started=True)
    assert p.step(2.0) == Step()
    assert p.step(3.0) == Step()  # the second TIMER: wait again
    assert p.step(5.0) == Step()
    assert p.step(6.0) == Step(finished=True)  # the end of the file
    assert p.step(7.0).started  # and around


# -- a real sequence file ---------------------------------------------------------------------


def test_Player_plays_a_parsed_seq_file() -> None:
    text = (
        "ups.status: OL\n"
        "battery.charge: 100\n"
        "TIMER 60\n"
        "ups.status: OB DISCHRG\n"
        "battery.charge: 40\n"
        "TIMER 30\n"
        "ups.status: OB DISCHRG LB\n"
        "battery.charge: 9\n"
        "TIMER 30\n"
    )
    parsed = devfile.parse(text, "power-cut.seq")
    assert parsed.warnings == ()
    p = player(*parsed.instructions, loop=True)
    seen: list[tuple[float, tuple[Instruction, ...]]] = []
    for now in range(0, 241, 2):
        step = p.step(float(now))
        if step.instructions:
            seen.append((now, step.instructions))
    statuses = [
        (now, ins.tokens)
        for now, batch in seen
        for ins in batch
        if isinstance(ins, devfile.SetStatus)
    ]
    assert statuses == [
        (0, ("OL",)),
        (60, ("OB", "DISCHRG")),
        (90, ("OB", "DISCHRG", "LB")),
        # a poll (2 s) reaches the end of the file, the next starts over
        (122, ("OL",)),
        (182, ("OB", "DISCHRG")),
        (212, ("OB", "DISCHRG", "LB")),
    ]
