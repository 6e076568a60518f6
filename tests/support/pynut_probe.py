"""Run PyNUTClient calls and print each outcome's repr, one per line.

Usage: ``python pynut_probe.py debian|ours '<json spec>'`` where the spec is
``{"init": {...constructor kwargs...}, "calls": [[method, [args...]], ...]}``.
Run in a subprocess, so Debian's PyNUT (which imports the deprecated
``telnetlib``) never loads into the test process.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    which, spec_text = sys.argv[1], sys.argv[2]
    if which == "debian":
        sys.path.insert(0, "/usr/lib/python3/dist-packages")
        from PyNUT import PyNUTClient, PyNUTError  # type: ignore[import-not-found]
    else:
        from powerdown.client.pynut import PyNUTClient, PyNUTError
    spec = json.loads(spec_text)
    try:
        client = PyNUTClient(**spec["init"])
    except PyNUTError as exc:
        print(repr(("init", "PyNUTError", exc.args)))
        return 0
    except Exception as exc:  # noqa: BLE001 - the type is what we compare
        print(repr(("init", type(exc).__name__, exc.args)))
        return 0
    for name, args in spec["calls"]:
        try:
            result = getattr(client, name)(*args)
        except PyNUTError as exc:
            print(repr((name, "PyNUTError", exc.args)))
        except Exception as exc:  # noqa: BLE001
            print(repr((name, type(exc).__name__, exc.args)))
        else:
            print(repr((name, "ok", result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
