"""Our config readers against the programs NUT itself reads the files with.

ups.conf: Debian's ``upsdrvctl -t`` (test mode: prints what it would exec,
starts nothing) in a temporary NUT_CONFPATH.  nut.conf: ``sh``, which is
what NUT's init scripts source it with.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from powerdown.config import nutconf, upsconf

pytestmark = pytest.mark.interop

UPSDRVCTL = "/sbin/upsdrvctl"

UPS_CONF = """\
maxretry = 2   # global
[zeta]
    driver = dummy-ups
    port = zeta.dev
    sdorder = 2
[alpha]
    driver=dummy-ups
    port=alpha.dev
    desc = "Alpha \\"main\\" UPS"
    sdorder = 1
[mid]
    driver = \\
dummy-ups
    port = "mid.dev"
    sdorder = -1
"""


def _upsdrvctl(tmp_path: Path, *args: str) -> list[str]:
    if not Path(UPSDRVCTL).exists():
        pytest.skip("Debian's nut-server (upsdrvctl) is not installed")
    env = {
        "PATH": "/usr/bin:/bin",
        "NUT_CONFPATH": str(tmp_path),
        "NUT_STATEPATH": str(tmp_path),
        "NUT_ALTPIDPATH": str(tmp_path),
    }
    done = subprocess.run(
        [UPSDRVCTL, "-t", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stderr.splitlines()


def _execs(lines: list[str]) -> list[tuple[str, str]]:
    found = []
    for line in lines:
        m = re.search(r"exec:\s+(\S+) -a (\S+)", line)
        if m:
            found.append((Path(m.group(1)).name, m.group(2)))
    return found


def test_upsconf_sections_and_driver_as_upsdrvctl_sees_them(tmp_path):
    (tmp_path / "ups.conf").write_text(UPS_CONF)
    ours = upsconf.load(tmp_path / "ups.conf")

    lines = _upsdrvctl(tmp_path, "start")
    assert _execs(lines) == [(u.driver, u.name) for u in ours.upses.values()]
    retries = [line for line in lines if "remaining attempts" in line]
    assert retries and all(f"{ours.maxretry} remaining attempts" in r for r in retries)


def test_upsconf_sdorder_as_upsdrvctl_shuts_down(tmp_path):
    (tmp_path / "ups.conf").write_text(UPS_CONF)
    ours = upsconf.load(tmp_path / "ups.conf")

    theirs = _execs(_upsdrvctl(tmp_path, "shutdown"))
    expected = sorted((u for u in ours.upses.values() if u.sdorder >= 0), key=lambda u: u.sdorder)
    assert theirs == [(u.driver, u.name) for u in expected]


NUT_CONF = """\
# comment
MODE='standalone'
UPSD_OPTIONS="-D -D"
UPSMON_OPTIONS='-p "x"'
A="say \\"hi\\" \\$HOME \\n"
B=no\\ space
C=b#c
D=x # comment
E="multi
line"
F=joined\\
line
G='$HOME'
H=
"""


def test_nutconf_values_as_sh_sources_them(tmp_path):
    sh = shutil.which("sh")
    if sh is None:
        pytest.skip("no sh")
    path = tmp_path / "nut.conf"
    path.write_text(NUT_CONF)
    ours = nutconf.load(path)

    names = list(ours.values)
    script = '. "$1"; shift; for n in "$@"; do eval "printf \'%s\\0\' \\"\\$$n\\""; done'
    done = subprocess.run(
        [sh, "-c", script, "sh", str(path), *names],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/home/nobody"},
    )
    theirs = dict(zip(names, done.stdout.split("\0")[:-1], strict=True))
    assert dict(ours.values) == theirs
