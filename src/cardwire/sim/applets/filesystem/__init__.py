"""The ISO/IEC 7816-4 file-system applet: files, records, PINs and a symmetric key.

Commands (ISO/IEC 7816-4:2020 clause 11): SELECT (11.2.2), READ/UPDATE/ERASE BINARY (11.3.3,
11.3.5, 11.3.7, even and odd INS), READ RECORD(S), UPDATE RECORD, APPEND RECORD, ERASE RECORD(S)
(11.4.3, 11.4.5, 11.4.7, 11.4.8), VERIFY (11.5.6), CHANGE REFERENCE DATA (11.5.7), RESET RETRY
COUNTER (11.5.10), GET CHALLENGE (11.5.3), INTERNAL AUTHENTICATE (11.5.4), EXTERNAL AUTHENTICATE
(11.5.5). Anything else answers 6D00.

Card-wide state (the file tree, PIN values and counters, keys) lives in the applet and is
exported with :meth:`FileSystemApplet.export_state`; per-channel state (current DF and EF,
record pointers, verified PINs, authenticated keys, last challenge) lives in
:class:`ChannelState` (ISO/IEC 7816-4:2020 5.4.2: each logical channel has its own current
files and security status).

Modules: ``applet`` (configuration, contract, instruction table), ``state`` (per channel),
``selection``, ``binary``, ``records``, ``reference_data`` (PINs), ``authentication``
(challenge-response), ``symmetric_keys``, ``defaults`` (the default profile section, kept as
data in ``default_profile.json``).
"""

from __future__ import annotations

from cardwire.sim.applets.filesystem.applet import DEFAULT_AID, FileSystemApplet, Handler
from cardwire.sim.applets.filesystem.authentication import CHALLENGE_LENGTHS, CMAC_LENGTH
from cardwire.sim.applets.filesystem.defaults import default_config
from cardwire.sim.applets.filesystem.state import ChannelState
from cardwire.sim.applets.filesystem.symmetric_keys import AES_KEY_LENGTHS, SymmetricKey
from cardwire.sim.file_commands import TAG_DISCRETIONARY, TAG_OFFSET

__all__ = [
    "AES_KEY_LENGTHS",
    "CHALLENGE_LENGTHS",
    "CMAC_LENGTH",
    "DEFAULT_AID",
    "TAG_DISCRETIONARY",
    "TAG_OFFSET",
    "ChannelState",
    "FileSystemApplet",
    "Handler",
    "SymmetricKey",
    "default_config",
]
