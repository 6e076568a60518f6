"""A driver's settings: its command line and its section of ``ups.conf``.

Strategy
--------
NUT's ``drivers/main.c`` reads the two in one pass, in command-line order:
``-a <ups>`` reads that section of ``ups.conf`` when it is met, so a ``-x``
after it wins over the file, and one before it loses.  Each setting is
either the framework's own (``port``, ``user``, ``pollinterval``,
``synchronous``, the ``nolock``/``ignorelb`` flags ...), a value for the
tree (``override.*`` fixed for good, ``default.*`` until the device says
otherwise), or one of the driver's own ``-x`` variables, which it declares
up front (``DriverVar``).  Anything else is an error: a misspelled option
must not be ignored on a machine that will be shut down by this program.

Every driver variable set is also published as ``driver.parameter.<name>``
(flags as ``driver.flag.<name>``), except those declared sensitive (SNMP
communities, passwords).

Where NUT exits 0 after "not a valid variable name", we exit 1, so that
upsdrvctl sees the failure.  Pure: the caller reads the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from powerdown.config.upsconf import UpsConf
from powerdown.util.getopt import Getopt

__all__ = ["DriverVar", "DriverOptions", "OptionsError", "parse_options", "OPTSTRING"]

#: NUT's driver flags (``main.c`` getopt string) plus ``-c``/``-P`` of later NUT.
OPTSTRING = "+a:s:kFBDd:hx:Lqr:u:g:Vi:c:P:"

#: Commands ``-c`` sends to a running driver.
COMMANDS = ("reload", "reload-or-error", "reload-or-exit", "exit", "dump")


class OptionsError(Exception):
    """A setting the driver cannot start with; ``str`` is the message for the user."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverVar:
    """One ``-x`` variable (``value=True``) or flag (``value=False``) of a driver."""

    name: str
    desc: str
    value: bool = True
    sensitive: bool = False


@dataclass(slots=True, kw_only=True)
class DriverOptions:
    """Everything the command line and ``ups.conf`` said, after NUT's rules."""

    upsname: str | None = None
    from_upsconf: bool = False
    port: str | None = None
    background: bool | None = None
    foreground: int = 0
    debug: int = 0
    quiet: int = 0
    dump_count: int = 0
    killpower: bool = False
    list_vars: bool = False
    help: bool = False
    version: bool = False
    command: str | None = None
    pid: int | None = None
    chroot: str | None = None
    user: str | None = None
    user_from_cmdline: bool = False
    group: str | None = None
    pollinterval: int = 2
    synchronous: str = "auto"
    debug_min: int | None = None
    nolock: bool = False
    ignorelb: bool = False
    desc: str | None = None
    #: the driver's own variables that were set: name -> value (None for a flag)
    values: dict[str, str | None] = field(default_factory=dict)
    #: what goes into the tree before the driver starts: (name, value, immutable)
    initial: dict[str, tuple[str, bool]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def getval(self, name: str) -> str | None:
        """NUT's ``getval``: the value of a driver variable, if one was given."""
        for key, value in self.values.items():
            if key.lower() == name.lower():
                return value
        return None

    def testvar(self, name: str) -> bool:
        """NUT's ``testvar``: whether a driver variable or flag was given at all."""
        return any(key.lower() == name.lower() for key in self.values)

    @property
    def foreground_mode(self) -> bool:
        """Whether to stay in the foreground (``-F``, or ``-D``/``-d`` unless ``-B``)."""
        if self.background is not None:
            return not self.background
        return bool(self.debug or self.dump_count)

    @property
    def write_pidfile(self) -> bool:
        """A pid file when in the background, or with ``-FF``."""
        return not self.dump_count and (not self.foreground_mode or self.foreground >= 2)


def _positive(what: str, text: str) -> int:
    # atoi() in NUT: leading digits count; we want the whole word a number.
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n <= 0:
        raise OptionsError(f"Error: {what}invalid pollinterval: {text}")
    return n


class _Reader:
    """Applies settings in order, as ``main.c`` does."""

    def __init__(self, prog: str, table: Sequence[DriverVar]) -> None:
        self.prog = prog
        self.table = {v.name.lower(): v for v in table}
        self.o = DriverOptions()

    def publish(self, name: str, value: str) -> None:
        self.o.initial[name] = (value, False)

    # main_arg(): the settings the framework keeps for itself.
    def main_arg(self, var: str, val: str | None) -> bool:
        o = self.o
        if var == "nolock":
            o.nolock = True
            self.publish("driver.flag.nolock", "enabled")
            return True
        if var == "ignorelb":
            o.ignorelb = True
            self.publish("driver.flag.ignorelb", "enabled")
            return True
        if val is None:
            return False
        if var == "port":
            o.port = val
            self.publish("driver.parameter.port", val)
            return True
        if var == "user":
            if not o.user_from_cmdline:
                o.user = val
            return True
        if var == "group":
            o.group = val
            return True
        if var == "synchronous":
            o.synchronous = val if val in ("yes", "auto") else "no"
            return True
        if var in ("sddelay", "sdorder", "desc", "maxstartdelay"):
            if var == "desc":
                o.desc = val
            return True
        if var == "debug_min":
            if val.isdigit():
                o.debug_min = int(val)
            else:
                o.warnings.append(
                    "WARNING : Invalid debug_min value found in ups.conf for the driver"
                )
            return True
        return False

    def storeval(self, var: str, val: str | None) -> None:
        low = var.lower()
        if low.startswith("override."):
            self.o.initial[var[9:]] = ("" if val is None else val, True)
            return
        if low.startswith("default."):
            if not self.o.initial.get(var[8:], ("", False))[1]:  # an override stays
                self.o.initial[var[8:]] = ("" if val is None else val, False)
            return
        spec = self.table.get(low)
        if spec is None:
            kind = "variable name" if val is not None else "flag"
            raise OptionsError(
                f"Fatal error: '{var}' is not a valid {kind} for this driver.\n\n"
                "Look in the man page or call this driver with -h for a list of\n"
                "valid variable names and flags."
            )
        self.o.values[spec.name] = val
        if not spec.sensitive:
            if val is None:
                self.publish(f"driver.flag.{var}", "enabled")
            else:
                self.publish(f"driver.parameter.{var}", val)

    def section(self, conf: UpsConf, upsname: str) -> None:
        for key, value in conf.globals.items():
            self.global_arg(key, value)
        section = conf.upses.get(upsname)
        if section is None:
            raise OptionsError(f"Error: Section {upsname} not found in ups.conf")
        self.o.from_upsconf = True
        for flag in sorted(section.flags):
            if not self.main_arg(flag, None):
                self.publish(f"driver.flag.{flag}", "enabled")
                self.storeval(flag, None)
        for key, value in section.values.items():
            if self.main_arg(key, value):
                continue
            if key == "driver":
                if value != self.prog:
                    raise OptionsError(
                        f"Error: UPS [{upsname}] is for driver {value}, but I'm {self.prog}!"
                    )
                continue
            if key == "pollinterval":
                self.o.pollinterval = _positive(f"UPS [{upsname}]: ", value)
                continue
            self.storeval(key, value)

    def global_arg(self, key: str, value: str) -> None:
        o = self.o
        if key == "pollinterval":
            o.pollinterval = _positive("", value)
        elif key == "chroot":
            o.chroot = value
        elif key == "user" and not o.user_from_cmdline:
            o.user = value
        elif key == "group":
            o.group = value
        elif key == "synchronous":
            o.synchronous = value if value in ("yes", "auto") else "no"
        elif key == "debug_min" and value.isdigit() and o.debug_min is None:
            o.debug_min = int(value)

    def xarg(self, text: str) -> None:
        var, eq, val = text.partition("=")
        value = val if eq else None
        if not self.main_arg(var, value):
            self.storeval(var, value)


def parse_options(
    argv: Sequence[str],
    prog: str,
    table: Sequence[DriverVar],
    load_upsconf: Callable[[], UpsConf],
) -> DriverOptions:
    """Read a driver's command line (``argv[0]`` is the program) and its ``ups.conf``.

    Args:
        argv: the whole command line.
        prog: the driver's name, which ``driver =`` in ups.conf must match.
        table: the driver's own ``-x`` variables.
        load_upsconf: reads ``ups.conf`` (only called for ``-a``).

    Raises:
        OptionsError: a setting the driver cannot run with.
        ConfigError: ups.conf cannot be read or parsed.
    """
    r = _Reader(prog, table)
    o = r.o
    opts = Getopt(argv, OPTSTRING)
    for opt, arg in opts:
        if opt == "?":
            raise OptionsError(f"{arg}\nError: unknown option. Try -h for help.")
        if opt == "a":
            assert arg is not None
            o.upsname = arg
            r.section(load_upsconf(), arg)
        elif opt == "s":
            o.upsname = arg
        elif opt == "F":
            o.background = False
            o.foreground += 1
        elif opt == "B":
            o.background = True
        elif opt == "D":
            o.debug += 1
        elif opt == "d":
            o.dump_count = max(int(arg) if arg and arg.isdigit() else 0, 0)
        elif opt == "i":
            o.pollinterval = _positive("command-line: ", arg or "")
        elif opt == "k":
            o.killpower = True
        elif opt == "L":
            o.list_vars = True
        elif opt == "q":
            o.quiet += 1
        elif opt == "r":
            o.chroot = arg
        elif opt == "u":
            o.user = arg
            o.user_from_cmdline = True
        elif opt == "g":
            o.group = arg
        elif opt == "V":
            o.version = True
        elif opt == "x":
            r.xarg(arg or "")
        elif opt == "h":
            o.help = True
        elif opt == "c":
            if arg not in COMMANDS:
                raise OptionsError(f"Error: unknown command for -c: {arg}. Try -h for help.")
            o.command = arg
        elif opt == "P":
            if not (arg or "").isdigit():
                raise OptionsError(f"Error: invalid PID: {arg}")
            o.pid = int(arg or "0")
    if o.help or o.version or o.list_vars:
        return o
    if opts.operands:
        raise OptionsError("Error: too many non-option arguments. Try -h for help.")
    if o.upsname is None:
        raise OptionsError(
            "Error: specifying '-a id' or '-s id' is now mandatory. Try -h for help."
        )
    if o.port is None and o.command is None:
        raise OptionsError(
            "Error: you must specify a port name in ups.conf or in '-x port=...' argument.\n"
            "Try -h for help."
        )
    if o.debug_min is not None and o.debug_min > o.debug:
        # debug_min raises the level but, as in NUT, does not keep the
        # driver in the foreground: decide that before raising it.
        if o.background is None:
            o.background = not o.foreground_mode
        o.debug = o.debug_min
    return o


def help_text(prog: str, table: Sequence[DriverVar], extra: str = "") -> str:
    """``-h``: NUT's usage screen, then the driver's ``-x`` variables."""
    lines = [
        "",
        f"usage: {prog} (-a <id>|-s <id>) [OPTIONS]",
        "  -a <id>        - autoconfig using ups.conf section <id>",
        "                 - note: -x after -a overrides ups.conf settings",
        "",
        "  -s <id>        - configure directly from cmd line arguments",
        "                 - note: must specify all driver parameters with successive -x",
        "                 - note: at least 'port' variable should be set",
        "",
        "  -V             - print version, then exit",
        "  -L             - print parseable list of driver variables",
        "  -D             - raise debugging level (and stay foreground by default)",
        "  -d <count>     - dump data to stdout after 'count' updates loop and exit",
        "  -F             - stay foregrounded even if no debugging is enabled",
        "  -FF            - stay foregrounded and still save the PID file",
        "  -B             - stay backgrounded even if debugging is bumped",
        "  -q             - raise log level threshold",
        "  -h             - display this help",
        "  -k             - force shutdown",
        "  -c <command>   - send <command> to the running driver:",
        "                   reload, reload-or-error, reload-or-exit, exit, dump",
        "  -P <pid>       - send the signal for -c to this PID (bypassing the PID file)",
        "  -i <int>       - poll interval",
        "  -r <dir>       - chroot to <dir>",
        "  -u <user>      - switch to <user> (if started as root)",
        "  -g <group>     - set pipe access to <group> (if started as root)",
        "  -x <var>=<val> - set driver variable <var> to <val>",
        "                 - example: -x cable=940-0095B",
        "",
    ]
    if table:
        lines.append("Acceptable values for -x or ups.conf in this driver:")
        lines.append("")
        for var in table:
            usage = f"-x {var.name}=<value>" if var.value else f"-x {var.name}"
            lines.append(f"{var.desc:>40} : {usage}")
    text = "\n".join(lines) + "\n"
    return text + extra


def list_vars(table: Sequence[DriverVar]) -> str:
    """``-L``: one ``VALUE name "desc"`` / ``FLAG name "desc"`` line per variable."""
    return "".join(f'{"VALUE" if v.value else "FLAG"} {v.name} "{v.desc}"\n' for v in table)
