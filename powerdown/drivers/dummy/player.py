"""Plays a definition file over time: up to each ``TIMER``, then waits.

Strategy
--------
NUT's dummy-ups reads its file a piece per poll: every instruction up to
the next ``TIMER n``, then nothing until ``n`` seconds have passed, then
on to the next ``TIMER`` (``parse_data_file``).  At the end of the file,
``dummy-loop`` starts again from the top on the next poll (re-reading the
file, so edits show up); ``dummy-once`` stops until the file changes.

``Player`` keeps the position and the time to resume; the clock is an
argument, so a sequence is tested without waiting for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from powerdown.drivers.dummy.devfile import Instruction, Timer

__all__ = ["Player", "Step"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """What one poll plays: ``instructions``, and whether a pass of the file began or ended."""

    instructions: tuple[Instruction, ...] = ()
    started: bool = False
    finished: bool = False


@dataclass(slots=True, kw_only=True)
class Player:
    """The reading position in one definition file.

    Args:
        loop: start again at the end (``dummy-loop``) or stop (``dummy-once``).
    """

    loop: bool
    instructions: tuple[Instruction, ...] = ()
    pos: int = 0
    resume_at: float | None = None
    done: bool = False

    def load(self, instructions: tuple[Instruction, ...]) -> None:
        """A (new) file: play it from the top at the next step."""
        self.instructions = instructions
        self.pos = 0
        self.resume_at = None
        self.done = False

    @property
    def at_start(self) -> bool:
        """Whether the next step begins a pass (time to re-read the file)."""
        return self.pos == 0 and self.resume_at is None and not self.done

    def waiting(self, now: float) -> bool:
        return self.resume_at is not None and now < self.resume_at

    def step(self, now: float) -> Step:
        """Everything due at ``now``: up to the next ``TIMER`` or the end."""
        if self.done or self.waiting(now):
            return Step()
        started = self.pos == 0
        self.resume_at = None
        out: list[Instruction] = []
        while self.pos < len(self.instructions):
            ins = self.instructions[self.pos]
            self.pos += 1
            if isinstance(ins, Timer):
                # Even a TIMER on the last line only pauses: the end of the
                # file is reached at the poll after the pause, and a loop
                # starts over at the poll after that, as in NUT.
                self.resume_at = now + ins.seconds
                return Step(instructions=tuple(out), started=started)
            out.append(ins)
        self.pos = 0
        if not self.loop:
            self.done = True
        return Step(instructions=tuple(out), started=started, finished=True)
