"""A scripted NUT driver: serves a fixed dump on the driver socket, nothing else.

For states dummy-ups cannot make (enumerations, ranges, typed variables),
so that NUT's clients and ours can be compared on them through the real upsd.

Usage (NUT's driver flags; ``-u``/``-F`` are accepted and ignored)::

    fakedriver.py -a <ups> [-F] [-u <user>]

The dump is the file ``<ups>.dump`` in ``$NUT_CONFPATH``: sock-protocol
lines (``SETINFO``, ``SETFLAGS``, ``SETAUX``, ``ADDENUM``, ``ADDRANGE``,
``ADDCMD`` …) sent as they are in answer to ``DUMPALL``, then ``DUMPDONE``.
The socket is ``$NUT_STATEPATH/fakedriver.py-<ups>``, the name upsd derives
from ``driver = fakedriver.py`` in ups.conf.  ``PING`` gets ``PONG``; other
requests are ignored.
"""

from __future__ import annotations

import os
import socket
import socketserver
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    ups = argv[argv.index("-a") + 1]
    confpath = Path(os.environ.get("NUT_CONFPATH", "."))
    statepath = Path(os.environ.get("NUT_STATEPATH", "."))
    dump = (confpath / f"{ups}.dump").read_bytes()
    if not dump.endswith(b"\n"):
        dump += b"\n"
    sock_path = statepath / f"{Path(__file__).name}-{ups}"
    if sock_path.exists():
        sock_path.unlink()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for raw in self.rfile:
                word = raw.split(maxsplit=1)[0].upper() if raw.strip() else b""
                if word == b"DUMPALL":
                    self.wfile.write(dump + b"DATAOK\nDUMPDONE\n")
                elif word == b"PING":
                    self.wfile.write(b"PONG\n")
                self.wfile.flush()

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    with Server(str(sock_path), Handler) as server:
        os.chmod(sock_path, 0o660)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sock_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    sys.exit(main(sys.argv))
