"""NUT's Python module interface (``PyNUT.PyNUTClient``) on our blocking client.

Strategy
--------
Scripts written for Debian's ``python3-nut`` (PyNUT 1.4.0, shipped with NUT
2.8.0) should run unchanged with ``from powerdown.client.pynut import
PyNUTClient, PyNUTError``.  So the names, arguments, return types and
exceptions are PyNUT 1.4.0's: dictionaries of ``bytes``, ``"OK"`` strings,
``PyNUTError`` carrying the server's ``ERR`` line as ``bytes``, and plain
``OSError`` (e.g. ``ConnectionRefusedError``) when the connection fails.

Where 1.4.0 is broken and later PyNUT fixed it, we follow the fix:

* ``timeout`` is honoured (1.4.0 always used 5 s);
* ``SetRWVar`` errors carry no trailing newline (fixed in 1.5.0);
* ``ListClients`` asks ``LIST CLIENT`` and returns ``{ups: [host, …]}``
  (1.4.0 sent the non-existent ``LIST CLIENTS`` and compared ``str`` with
  ``bytes``; fixed in 1.5.0);
* values are read with NUT's tokenizer, so escaped quotes and backslashes
  in values come out right (PyNUT splits lines on ``"``), and ``SetRWVar``
  quotes its value so values with blanks arrive whole.

Later additions (``GetUPSNames``, ``DeviceLogin``, ``CheckUPSAvailable``)
are offered too.
"""

from __future__ import annotations

from powerdown.client import calls
from powerdown.client.blocking import NutClient
from powerdown.client.errors import ClientError, ReplyMismatch
from powerdown.protocol.errors import NutError, ProtocolError

__all__ = ["PyNUTError", "PyNUTClient"]


class PyNUTError(Exception):
    """Base class for custom exceptions"""


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


class PyNUTClient:
    """Abstraction class to access NUT (Network UPS Tools) server"""

    __version = "1.4.0"
    __release = "2021-09-27"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 3493,
        login: str | None = None,
        password: str | None = None,
        debug: bool = False,
        timeout: float = 5,
    ) -> None:
        self.__debug = debug
        if self.__debug:
            print("[DEBUG] Class initialization...")
            print(f"[DEBUG]  -> Host  = {host} (port {port})")
            print(f"[DEBUG]  -> Login = '{login}' / '{password}'")
        self.__host = host
        self.__port = port
        self.__login = login
        self.__password = password
        self.__timeout = timeout
        self.__srv_handler: NutClient | None = None
        self.__connect()

    def __del__(self) -> None:
        handler = getattr(self, "_PyNUTClient__srv_handler", None)
        if handler is not None:
            try:
                handler.close()
            except Exception:
                pass

    # -- plumbing ------------------------------------------------------------------

    def __connect(self) -> None:
        if self.__debug:
            print("[DEBUG] Connecting to host")
        try:
            self.__srv_handler = NutClient(
                self.__host, self.__port, timeout=self.__timeout, connect_timeout=self.__timeout
            )
        except ClientError as exc:
            # PyNUT lets the socket's own error through: keep that contract.
            if exc.errno is not None:
                raise OSError(exc.errno, exc.detail) from exc
            raise OSError(exc.message) from exc
        if self.__login is not None:
            result = self.__raw(f"USERNAME {self.__login}")
            if not result.startswith("OK"):
                raise PyNUTError(_b(result))
        if self.__password is not None:
            result = self.__raw(f"PASSWORD {self.__password}")
            if not result.startswith("OK"):
                raise PyNUTError(_b(result))

    @property
    def __client(self) -> NutClient:
        if self.__srv_handler is None:
            raise PyNUTError(b"not connected")
        return self.__srv_handler

    def __raw(self, line: str) -> str:
        """One request line as written; the reply line as read (``ERR`` included)."""
        client = self.__client
        try:
            client.send(client.session.send_line(line, raw=True))
            event = client.receive()
        except (ClientError, ProtocolError) as exc:
            raise PyNUTError(_b(str(exc))) from exc
        return getattr(event, "line", "")

    def __list(self, *query: str) -> tuple[tuple[str, ...], ...]:
        try:
            return self.__client.list_(*query)
        except NutError as exc:
            raise PyNUTError(_b(exc.line)) from exc
        except (ClientError, ProtocolError) as exc:
            raise PyNUTError(_b(str(exc))) from exc

    # -- PyNUT's API -----------------------------------------------------------------

    def GetUPSList(self) -> dict[bytes, bytes]:
        """Returns the list of available UPS from the NUT server

        The result is a dictionary containing 'key->val' pairs of 'UPSName' and
        'UPS Description'
        """
        if self.__debug:
            print("[DEBUG] GetUPSList from server")
        return {_b(row[1]): _b(row[2]) for row in self.__list("UPS") if len(row) > 2}

    def GetUPSNames(self) -> list[str]:
        """Returns the list of available UPS names from the NUT server as strings"""
        if self.__debug:
            print("[DEBUG] GetUPSNames from server")
        return [name.decode("ascii", "replace") for name in self.GetUPSList()]

    def GetUPSVars(self, ups: str = "") -> dict[bytes, bytes]:
        """Get all available vars from the specified UPS

        The result is a dictionary containing 'key->val' pairs of all
        available vars.
        """
        if self.__debug:
            print("[DEBUG] GetUPSVars called...")
        return {_b(row[2]): _b(row[3]) for row in self.__list("VAR", ups) if len(row) > 3}

    def CheckUPSAvailable(self, ups: str = "") -> bool:
        """Check whether UPS is reachable (True) or not (False)"""
        if self.__debug:
            print("[DEBUG] CheckUPSAvailable called...")
        try:
            self.__client.list_("CMD", ups)
        except NutError:
            return False
        except (ClientError, ProtocolError) as exc:
            raise PyNUTError(_b(str(exc))) from exc
        return True

    def GetUPSCommands(self, ups: str = "") -> dict[bytes, bytes]:
        """Get all available commands for the specified UPS

        The result is a dict object with command name as key and a description
        of the command as value
        """
        if self.__debug:
            print("[DEBUG] GetUPSCommands called...")
        names = [row[2] for row in self.__list("CMD", ups) if len(row) > 2]
        commands: dict[bytes, bytes] = {}
        for name in names:
            try:
                desc = self.__client.call(calls.get_cmddesc(ups, name))
            except (NutError, ReplyMismatch):
                desc = name
            except (ClientError, ProtocolError) as exc:
                raise PyNUTError(_b(str(exc))) from exc
            commands[_b(name)] = _b(desc)
        return commands

    def GetRWVars(self, ups: str = "") -> dict[bytes, bytes]:
        """Get a list of all writable vars from the selected UPS

        The result is presented as a dictionary containing 'key->val' pairs
        """
        if self.__debug:
            print(f"[DEBUG] GetUPSVars from '{ups}'...")
        return {_b(row[2]): _b(row[3]) for row in self.__list("RW", ups) if len(row) > 3}

    def SetRWVar(self, ups: str = "", var: str = "", value: str = "") -> str:
        """Set a variable to the specified value on selected UPS

        The variable must be a writable value (cf GetRWVars) and you must have
        the proper rights to set it (maybe login/password).
        """
        call = calls.set_var(ups, var, str(value))
        result = self.__raw(call.words[0])
        if result == "OK":
            return "OK"
        raise PyNUTError(_b(result))

    def RunUPSCommand(self, ups: str = "", command: str = "") -> str:
        """Send a command to the specified UPS

        Returns OK on success or raises an error
        """
        if self.__debug:
            print("[DEBUG] RunUPSCommand called...")
        result = self.__raw(f"INSTCMD {ups} {command}")
        if result == "OK":
            return "OK"
        raise PyNUTError(_b(result))

    def DeviceLogin(self, ups: str = "") -> str:
        """Establish a login session with a device (like upsmon does)

        Returns OK on success or raises an error.
        """
        if self.__debug:
            print("[DEBUG] DeviceLogin called...")
        if ups is None or ups not in self.GetUPSNames():
            raise PyNUTError(b"ERR UNKNOWN-UPS")
        result = self.__raw(f"LOGIN {ups}")
        if result == "OK":
            return "OK"
        raise PyNUTError(_b(result))

    def FSD(self, ups: str = "") -> str:
        """Send FSD command

        Returns OK on success or raises an error

        NOTE: API changed since NUT 2.8.0 to replace MASTER with PRIMARY
        (and backwards-compatible alias handling)
        """
        if self.__debug:
            print("[DEBUG] PRIMARY called...")
        if self.__raw(f"PRIMARY {ups}") != "OK PRIMARY-GRANTED":
            if self.__debug:
                print("[DEBUG] Retrying: MASTER called...")
            if self.__raw(f"MASTER {ups}") != "OK MASTER-GRANTED":
                raise PyNUTError(("Primary level functions are not available", ""))
        if self.__debug:
            print("[DEBUG] FSD called...")
        result = self.__raw(f"FSD {ups}")
        if result == "OK FSD-SET":
            return "OK"
        raise PyNUTError(_b(result))

    def help(self) -> bytes:
        """Send HELP command"""
        if self.__debug:
            print("[DEBUG] HELP called...")
        return _b(self.__raw("HELP") + "\n")

    def ver(self) -> bytes:
        """Send VER command"""
        if self.__debug:
            print("[DEBUG] VER called...")
        return _b(self.__raw("VER") + "\n")

    def ListClients(self, ups: str | None = None) -> dict[bytes, list[bytes]]:
        """Returns the list of connected clients from the NUT server

        The result is a dictionary containing 'key->val' pairs of 'UPSName' and
        a list of clients
        """
        if self.__debug:
            print(f"[DEBUG] ListClients from server: {ups}")
        names = self.GetUPSNames()
        if ups and ups not in names:
            raise PyNUTError(b"ERR UNKNOWN-UPS")
        clients: dict[bytes, list[bytes]] = {}
        for name in [ups] if ups else names:
            for row in self.__list("CLIENT", name):
                if len(row) > 2:
                    clients.setdefault(_b(row[1]), []).append(_b(row[2]))
        return clients
