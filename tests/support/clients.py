"""Run NUT's client programs and ours side by side.

``run_nut("upsc", args, env)`` runs Debian's ``/bin/upsc`` with ``argv[0]``
set to ``upsc``; ``run_ours`` runs our ``main`` with the same ``argv[0]``, so
that usage texts and getopt messages name the program the same way.  Both
return ``(exit code, stdout, stderr)``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.nutpeer import DDL, ddl, run

__all__ = ["OUR_MODULES", "DEVICES", "run_nut", "run_ours", "nut_clients_available"]

OUR_MODULES = {
    "upsc": "powerdown.cli.upsc",
    "upscmd": "powerdown.cli.upscmd",
    "upsrw": "powerdown.cli.upsrw",
}


def _devices() -> dict[str, Path]:
    """Real device dumps: seven manufacturers, nine drivers, two NUT samples."""
    return {
        "apc": ddl("APC", "BK650M2-CH__usbhid-ups"),
        "apcsnmp": ddl("APC", "Smart-UPS_1000__snmp-ups__2.7.4"),
        "eaton": ddl("Eaton", "PW9130_1000VA-R_1000i__bcmxcp"),
        "liebert": ddl("Liebert", "GXT2-1000RT230__liebert-esp2"),
        "tripplite": ddl("Tripp_Lite", "OMNISMART500__tripplite_usb"),
        "qx": ddl("2E", "PS1000L__nutdrv_qx"),
        "cyberpower": ddl("Cyber_Power_Systems", "CPS1500AVR__powerpanel"),
        "powerware": ddl("Powerware", "PW5110__bcmxcp_usb__2.6.3__01"),  # backslashes in values
        "epdu": DDL / "_nut-samples" / "epdu-managed.dev",
        "evolution": DDL / "_nut-samples" / "evolution500.seq",
    }


DEVICES = _devices() if DDL.is_dir() else {}


def nut_clients_available() -> bool:
    return all(Path(p).exists() for p in ("/bin/upsc", "/lib/nut/upsd", "/lib/nut/dummy-ups"))


def run_nut(
    prog: str, args: Sequence[str], env: Mapping[str, str] | None, input: str | None = None
) -> tuple[int, str, str]:
    return run([f"/bin/{prog}", *args], env=env, input=input, argv0=prog)


def run_ours(
    prog: str, args: Sequence[str], env: Mapping[str, str] | None, input: str | None = None
) -> tuple[int, str, str]:
    code = (
        f"import sys; from {OUR_MODULES[prog]} import main; "
        f"sys.exit(main(sys.argv[1:], argv0={prog!r}))"
    )
    return run([sys.executable, "-c", code, *args], env=env, input=input)
