"""A toy HostSecureSession for layer tests (not a cipher: it marks what it touched).

protect(): sets the SM bits in CLA and prefixes the data with ``P`` and the plain Ne byte, so
the test can see each piece was protected exactly once; the outer Ne becomes 256.
unprotect(): requires a leading ``R`` marker, strips it; anything else ends the session with a
MacError, like a real codec.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.cla import with_secure_messaging
from cardwire.errors import MacError, SessionClosedError


class MarkingSession:
    def __init__(self, max_payload: int = 8) -> None:
        self._max_payload = max_payload
        self._active = True
        self.protected: list[Command] = []
        self.unprotected: list[Response] = []

    @property
    def active(self) -> bool:
        return self._active

    @property
    def max_payload(self) -> int:
        return self._max_payload

    def protect(self, command: Command) -> Command:
        if not self._active:
            raise SessionClosedError("session ended")
        self.protected.append(command)
        body = b"P" + bytes((command.ne & 0xFF,)) + command.data
        return command.replace(cla=with_secure_messaging(command.cla), data=body, ne=256)

    def unprotect(self, response: Response) -> Response:
        if not self._active:
            raise SessionClosedError("session ended")
        self.unprotected.append(response)
        if not response.data.startswith(b"R"):
            self._active = False
            raise MacError("response not protected")
        return Response(response.data[1:], response.sw)

    def close(self) -> None:
        self._active = False
