"""POSIX ``getopt(3)`` as glibc does it with a leading ``+``.

NUT's programs parse their flags with it, and ours must accept and refuse
exactly the same command lines: options stop at the first operand, ``--``
ends them, clusters (``-lL``) and attached arguments (``-uadmin``) work,
and errors are glibc's ``"<argv0>: invalid option -- 'x'"`` lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

__all__ = ["Getopt"]


class Getopt:
    """glibc ``getopt`` in POSIX mode (``optstring`` starting with ``+``).

    Iterate to get ``(option, argument)`` pairs; an error yields
    ``("?", message)`` where ``message`` is glibc's stderr line.  After the
    loop, :attr:`optind` indexes the first operand and :attr:`operands`
    holds them.
    """

    def __init__(self, argv: Sequence[str], optstring: str) -> None:
        self.argv = list(argv)
        self.optstring = optstring.lstrip("+")
        self.optind = 1

    @property
    def operands(self) -> list[str]:
        return self.argv[self.optind :]

    def _takes_arg(self, ch: str) -> bool | None:
        """``None`` if ``ch`` is no option, else whether it takes an argument."""
        i = self.optstring.find(ch)
        if ch == ":" or i < 0:
            return None
        return self.optstring[i + 1 : i + 2] == ":"

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        argv0 = self.argv[0] if self.argv else ""
        while self.optind < len(self.argv):
            arg = self.argv[self.optind]
            if arg == "--":
                self.optind += 1
                return
            if not arg.startswith("-") or arg == "-":
                return
            self.optind += 1
            pos = 1
            while pos < len(arg):
                ch = arg[pos]
                pos += 1
                takes = self._takes_arg(ch)
                if takes is None:
                    yield "?", f"{argv0}: invalid option -- '{ch}'"
                    continue
                if not takes:
                    yield ch, None
                    continue
                if pos < len(arg):
                    yield ch, arg[pos:]
                elif self.optind < len(self.argv):
                    value = self.argv[self.optind]
                    self.optind += 1
                    yield ch, value
                else:
                    yield "?", f"{argv0}: option requires an argument -- '{ch}'"
                break
