"""apcsmart's command line next to NUT 2.8.0's: its variables in ``-h``, bad option values.

Documented difference: NUT's banner has a second line for the driver's
table ("APC command table version 3.1"); the framework's banner has none.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support.nutpeer import nut_env, run

pytestmark = pytest.mark.interop

DRIVERS = {"nut": "/lib/nut/apcsmart", "ours": str(Path(sys.executable).parent / "apcsmart")}
USER = ["-u", "root"] if os.geteuid() == 0 else []


def _driver_part(help_text: str) -> str:
    return help_text[help_text.index("Acceptable values for -x") :]


def test_help_lists_the_same_variables() -> None:
    texts = {who: run([path, "-h"]) for who, path in DRIVERS.items()}
    assert texts["ours"][0] == texts["nut"][0] == 0
    ours = _driver_part(texts["ours"][1] + texts["ours"][2])
    assert ours == _driver_part(texts["nut"][1] + texts["nut"][2])
    assert "CS hack delay : -x cshdelay=<value>\n" in ours


@pytest.mark.parametrize(
    ("option", "value"),
    [("sdtype", "9"), ("awd", "1234"), ("advorder", "05"), ("cshdelay", "10"), ("advorder", "yes")],
)
def test_bad_option_values_stop_the_driver(option: str, value: str, tmp_path: Path) -> None:
    (tmp_path / "ups.conf").write_text(
        f"[apc]\n  driver = apcsmart\n  port = /dev/null\n  {option} = {value}\n"
    )
    results = {
        who: run([path, "-a", "apc", *USER], env=nut_env(tmp_path)) for who, path in DRIVERS.items()
    }
    expected = f"invalid value ({value}) for option '{option}'\n"
    assert results["nut"][0] == results["ours"][0] == 1
    assert results["nut"][2] == results["ours"][2] == expected
