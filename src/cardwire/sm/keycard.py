"""The Keycard secure channel, version 1 (applet 3.x), host and card side, sans-IO.

Sources: Keycard docs (keycard.tech/docs/apdu: PAIR, OPEN SECURE CHANNEL, MUTUALLY AUTHENTICATE,
"Secure Channel"), shared/seeds/001 and shared/protocols.md ("Keycard secure channel v1").

- Pairing (PAIR, INS 12): P1=0 sends a 32-byte client challenge and gets SHA-256(secret ||
  client challenge) || card challenge; P1=1 sends SHA-256(secret || card challenge) and gets the
  pairing index || salt; the pairing key is SHA-256(secret || salt). The secret comes from a
  pairing password by PBKDF2-HMAC-SHA256(NFKD(password), "Keycard Pairing Password Salt",
  50000 iterations, 32 bytes), or is given raw.
- OPEN SECURE CHANNEL (INS 10, P1 = pairing index) sends an ephemeral secp256k1 public key and
  gets salt(32) || IV(16); keys = SHA-512(ECDH x || pairing key || salt): the first 32 bytes
  encrypt, the last 32 MAC (AES-256). MUTUALLY AUTHENTICATE (INS 11) then runs inside the
  channel: 32 random bytes in, 32 bytes out.
- Inside the channel only the data field is protected: data = MAC(16) || AES-CBC(pad(data)),
  the MAC is an AES CBC-MAC with a zero IV over [CLA INS P1 P2 Lc] || 11x00 || ciphertext
  (Lc counts MAC + ciphertext); the response data is MAC || AES-CBC(pad(data || SW)), its MAC
  over [Lr] || 15x00 || ciphertext with Lr = (16 + ciphertext length) mod 256. The encryption
  IV is always the last MAC seen; the outer SW is 9000; a plain 6982 means the card closed the
  channel.

Both sides share one codec (:class:`KeycardCodec`), so host and card cannot drift apart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cardwire.apdu import MAX_SHORT_NC, MAX_SHORT_NE, Command, Response
from cardwire.cla import parse_cla
from cardwire.crypto.block import AES_BLOCK, Aes
from cardwire.crypto.ecdh_secp256k1 import Secp256k1PrivateKey
from cardwire.crypto.padding import pad, unpad
from cardwire.errors import (
    CryptogramError,
    DecodeError,
    MacError,
    SecureChannelError,
    SessionClosedError,
    UsageError,
)
from cardwire.sm.base import Rng
from cardwire.sw import check
from cardwire.tlv import Tlv, parse_one

if TYPE_CHECKING:
    from cardwire.card import CardCommands

# Keycard docs, SELECT: the instance AID (package A0000008040001, instance 01).
KEYCARD_AID = bytes.fromhex("A000000804000101")
# Keycard docs, APDU overview: the applet's proprietary class and instructions.
CLA_KEYCARD = 0x80
INS_OPEN_SECURE_CHANNEL = 0x10
INS_MUTUALLY_AUTHENTICATE = 0x11
INS_PAIR = 0x12
INS_UNPAIR = 0x13
INS_SELECT = 0xA4  # ISO 7816-4 SELECT: deselects the applet and so ends the channel
PAIR_FIRST_STEP = 0x00  # Keycard docs, PAIR: P1
PAIR_FINAL_STEP = 0x01

SECRET_LENGTH = 32
CHALLENGE_LENGTH = 32
SALT_LENGTH = 32
IV_LENGTH = AES_BLOCK
MAC_LENGTH = AES_BLOCK
KEY_LENGTH = 32
# Keycard docs, PAIR: the pairing password becomes the shared secret with PBKDF2.
PAIRING_SALT = "Keycard Pairing Password Salt"
PAIRING_ITERATIONS = 50000
DEFAULT_PAIRING_PASSWORD = "KeycardDefaultPairing"  # noqa: S105 - the documented default

SW_SUCCESS = 0x9000
# Seed 001 / Keycard docs, "Secure Channel": 6982 answered without MAC = channel aborted.
SW_CHANNEL_CLOSED = 0x6982

_COMMAND_MAC_PAD = bytes(11)  # seed 001: CLA INS P1 P2 Lc || 11 zero bytes
_RESPONSE_MAC_PAD = bytes(15)  # seed 001: Lr || 15 zero bytes
_ZERO_IV = bytes(AES_BLOCK)


def max_plain_payload(block: int = AES_BLOCK, mac: int = MAC_LENGTH) -> int:
    """The largest plain command data one short APDU carries: MAC + ciphertext fit Lc <= 255,
    and padding adds at least one byte (seed 001: 240 - 16 - 1 = 223)."""
    ciphertext = (MAX_SHORT_NC - mac) // block * block
    return ciphertext - 1


MAX_PAYLOAD = max_plain_payload()


def pairing_secret(password: str) -> bytes:
    """The 32-byte pairing secret of a pairing password (Keycard docs, PAIR / INIT)."""
    normalised = unicodedata.normalize("NFKD", password).encode("utf-8")
    salt = unicodedata.normalize("NFKD", PAIRING_SALT).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", normalised, salt, PAIRING_ITERATIONS, SECRET_LENGTH)


def _sha256(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def _check_secret(secret: bytes) -> bytes:
    if not isinstance(secret, bytes) or len(secret) != SECRET_LENGTH:
        raise UsageError(f"a Keycard pairing secret is {SECRET_LENGTH} bytes")
    return secret


# --- pairing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pairing:
    """A pairing the card holds: its slot index and the 32-byte pairing key. Store it to open
    channels later (``str(pairing)`` hides the key; ``encode()`` gives ``INDEX:KEY``)."""

    index: int
    key: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.index, int) or not 0 <= self.index <= 0xFF:
            raise UsageError(f"a pairing index is 0..255, got {self.index!r}")
        if not isinstance(self.key, bytes) or len(self.key) != KEY_LENGTH:
            raise UsageError(f"a pairing key is {KEY_LENGTH} bytes")

    def encode(self) -> str:
        """``INDEX:KEY`` with the key in uppercase hex (what ``--pairing`` accepts)."""
        return f"{self.index}:{self.key.hex().upper()}"

    @classmethod
    def parse(cls, text: str) -> Pairing:
        """Read ``INDEX:KEY`` (decimal index, hex key in any case, spaces allowed)."""
        index_text, sep, key_text = text.partition(":")
        index_text = index_text.strip(" ")
        if not sep or not index_text.isascii() or not index_text.isdigit():
            raise UsageError("a pairing is INDEX:KEY, e.g. 0:1A2B... (64 hex digits)")
        from cardwire.hexutil import parse_hex

        try:
            key = parse_hex(key_text)
        except DecodeError as exc:
            raise UsageError(f"pairing key: {exc}") from exc
        return cls(int(index_text), key)

    def __repr__(self) -> str:
        return f"Pairing(index={self.index}, key=<hidden>)"


class PairingHandshake:
    """Host side of PAIR, sans-IO: :meth:`first_command`, :meth:`final_command`, :meth:`finish`."""

    def __init__(self, secret: bytes, *, rng: Rng = os.urandom, mode: int = 0) -> None:
        self._secret = _check_secret(secret)
        self._rng = rng
        self._mode = mode
        self._client_challenge: bytes | None = None
        self._final: Command | None = None

    @classmethod
    def from_password(
        cls, password: str, *, rng: Rng = os.urandom, mode: int = 0
    ) -> PairingHandshake:
        return cls(pairing_secret(password), rng=rng, mode=mode)

    def first_command(self) -> Command:
        """PAIR P1=00 with a fresh 32-byte client challenge (P2 = pairing mode)."""
        self._client_challenge = self._rng(CHALLENGE_LENGTH)
        return Command(
            CLA_KEYCARD, INS_PAIR, PAIR_FIRST_STEP, self._mode, self._client_challenge, MAX_SHORT_NE
        )

    def final_command(self, response: Response) -> Command:
        """Check the card cryptogram; PAIR P1=01 with the client cryptogram."""
        if self._client_challenge is None:
            raise UsageError("send first_command() before final_command()")
        check(response.sw)
        if len(response.data) != 2 * CHALLENGE_LENGTH:
            raise DecodeError(f"PAIR step 1 answer must be 64 bytes, got {len(response.data)}", 0)
        cryptogram, card_challenge = response.data[:32], response.data[32:]
        expected = _sha256(self._secret, self._client_challenge)
        if not hmac.compare_digest(cryptogram, expected):
            raise CryptogramError(
                "the card cryptogram does not verify: the pairing password is probably wrong"
            )
        client_cryptogram = _sha256(self._secret, card_challenge)
        self._final = Command(
            CLA_KEYCARD, INS_PAIR, PAIR_FINAL_STEP, 0, client_cryptogram, MAX_SHORT_NE
        )
        return self._final

    def finish(self, response: Response) -> Pairing:
        """The pairing from the card's answer to step 2: index || salt."""
        if self._final is None:
            raise UsageError("send final_command() before finish()")
        check(response.sw)
        if len(response.data) != 1 + SALT_LENGTH:
            raise DecodeError(f"PAIR step 2 answer must be 33 bytes, got {len(response.data)}", 0)
        index, salt = response.data[0], response.data[1:]
        return Pairing(index, _sha256(self._secret, salt))


def unpair_command(index: int) -> Command:
    """UNPAIR (INS 13, P1 = the pairing index); it must travel inside the channel."""
    if not 0 <= index <= 0xFF:
        raise UsageError(f"a pairing index is 0..255, got {index}")
    return Command(CLA_KEYCARD, INS_UNPAIR, index, 0)


# --- keys and the codec ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """The two AES-256 session keys of a channel. ``repr`` never shows them."""

    enc: bytes
    mac: bytes

    def __post_init__(self) -> None:
        for name in ("enc", "mac"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != KEY_LENGTH:
                raise UsageError(f"the Keycard {name} key is {KEY_LENGTH} bytes")

    def __repr__(self) -> str:
        return "SessionKeys(<hidden>)"


def derive_session_keys(shared_secret: bytes, pairing_key: bytes, salt: bytes) -> SessionKeys:
    """Keycard docs, OPEN SECURE CHANNEL: SHA-512(ECDH secret || pairing key || salt), split
    into the encryption key (first 32 bytes) and the MAC key (last 32)."""
    digest = hashlib.sha512(shared_secret + pairing_key + salt).digest()
    return SessionKeys(digest[:KEY_LENGTH], digest[KEY_LENGTH:])


def _cbc_mac(cipher: Aes, data: bytes) -> bytes:
    # Seed 001: AES CBC-MAC with a zero IV over block-aligned input; the MAC is the last block.
    return cipher.encrypt_cbc(_ZERO_IV, data)[-MAC_LENGTH:]


def _length_byte(ciphertext: bytes) -> int:
    # protocols.md: Lc / Lr count MAC + ciphertext, taken mod 256 (a full answer is 256 bytes).
    return (MAC_LENGTH + len(ciphertext)) & 0xFF


class KeycardCodec:
    """The v1 channel codec shared by host and card: keys and the running IV (the last MAC).

    The MACs do not cover the IV, so a replayed message passes its MAC check and only its first
    plaintext block comes out garbled (CBC with a stale IV). The codec therefore also refuses a
    MAC it has already received in this session: replays and reordered messages fail for
    certain, not only when the garbled block breaks the padding. Honest peers never repeat a
    MAC (a 2^-128 event), so this stays compatible with every Keycard client and card.
    """

    __slots__ = ("_enc", "_mac", "_seen", "iv")

    def __init__(self, keys: SessionKeys, iv: bytes) -> None:
        if len(iv) != IV_LENGTH:
            raise UsageError(f"the Keycard IV is {IV_LENGTH} bytes, got {len(iv)}")
        self._enc = Aes(keys.enc)
        self._mac = Aes(keys.mac)
        self._seen: set[bytes] = set()
        self.iv = bytes(iv)

    def _fresh(self, mac: bytes) -> None:
        if mac in self._seen:
            raise MacError(
                "replayed message: this MAC was already received in the session",
                card_sw=SW_CHANNEL_CLOSED,
            )
        self._seen.add(mac)

    def command_mac(self, header: bytes, ciphertext: bytes) -> bytes:
        return _cbc_mac(
            self._mac, header + bytes((_length_byte(ciphertext),)) + _COMMAND_MAC_PAD + ciphertext
        )

    def response_mac(self, ciphertext: bytes) -> bytes:
        return _cbc_mac(
            self._mac, bytes((_length_byte(ciphertext),)) + _RESPONSE_MAC_PAD + ciphertext
        )

    def seal_command(self, header: bytes, plain: bytes) -> bytes:
        """MAC || ciphertext of a command data field; the MAC becomes the IV."""
        ciphertext = self._enc.encrypt_cbc(self.iv, pad(plain, AES_BLOCK))
        mac = self.command_mac(header, ciphertext)
        self.iv = mac
        return mac + ciphertext

    def open_command(self, header: bytes, data: bytes) -> bytes:
        """Verify and decrypt a protected command data field; the MAC becomes the IV."""
        mac, ciphertext = self._split(data)
        if not hmac.compare_digest(mac, self.command_mac(header, ciphertext)):
            raise MacError("command MAC does not verify", card_sw=SW_CHANNEL_CLOSED)
        self._fresh(mac)
        plain = self._decrypt(ciphertext)
        self.iv = mac
        return plain

    def seal_response(self, plain: bytes) -> bytes:
        """MAC || ciphertext of a response (plain = data || SW); the MAC becomes the IV."""
        ciphertext = self._enc.encrypt_cbc(self.iv, pad(plain, AES_BLOCK))
        mac = self.response_mac(ciphertext)
        self.iv = mac
        return mac + ciphertext

    def open_response(self, data: bytes) -> bytes:
        """Verify and decrypt a protected response data field (data || SW)."""
        mac, ciphertext = self._split(data)
        if not hmac.compare_digest(mac, self.response_mac(ciphertext)):
            raise MacError("response MAC does not verify")
        self._fresh(mac)
        plain = self._decrypt(ciphertext)
        self.iv = mac
        return plain

    @staticmethod
    def _split(data: bytes) -> tuple[bytes, bytes]:
        ciphertext = data[MAC_LENGTH:]
        if not ciphertext or len(ciphertext) % AES_BLOCK:
            raise SecureChannelError(
                f"protected data must be a 16-byte MAC and whole 16-byte blocks, got {len(data)}"
                " bytes",
                card_sw=SW_CHANNEL_CLOSED,
            )
        return data[:MAC_LENGTH], ciphertext

    def _decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return unpad(self._enc.decrypt_cbc(self.iv, ciphertext), AES_BLOCK)
        except DecodeError as exc:
            raise SecureChannelError(f"bad padding: {exc}", card_sw=SW_CHANNEL_CLOSED) from exc

    def __repr__(self) -> str:
        return "KeycardCodec(<hidden>)"


# --- host side ---------------------------------------------------------------------------------


class KeycardSession:
    """Host side of an open channel (a :class:`cardwire.sm.base.HostSecureSession`).

    A plain 6982 answer, any verification failure, :meth:`close`, and a SELECT sent through the
    session (which deselects the applet) end it; later calls raise SessionClosedError.
    """

    def __init__(self, keys: SessionKeys, iv: bytes) -> None:
        self._keys: SessionKeys | None = keys
        self._codec: KeycardCodec | None = KeycardCodec(keys, iv)
        self._ending = False
        self._awaiting = False  # a protected command is out and its answer not yet unprotected
        self._reason = "the Keycard secure channel was closed"

    @property
    def active(self) -> bool:
        return self._codec is not None and not self._ending

    @property
    def max_payload(self) -> int:
        return MAX_PAYLOAD

    @property
    def keys(self) -> SessionKeys:
        """The session keys (for ``--show-keys`` and trace decoding)."""
        if self._keys is None:
            raise SessionClosedError(self._reason)
        return self._keys

    @property
    def iv(self) -> bytes:
        """The IV the next protected message uses (the last MAC seen)."""
        return self._require().iv

    def _require(self) -> KeycardCodec:
        if self._codec is None or self._ending:
            raise SessionClosedError(self._reason)
        return self._codec

    def _fail(self, error: SecureChannelError) -> SecureChannelError:
        self._reason = f"the Keycard secure channel ended: {error}"
        self.close()
        return error

    def protect(self, command: Command) -> Command:
        """MAC || encrypted data; Le 00 so that the card answers in one piece."""
        codec = self._require()
        cla = parse_cla(command.cla)
        if command.ins == INS_SELECT and cla.interindustry:
            # Keycard docs, OPEN SECURE CHANNEL: deselecting the applet aborts the session. The
            # SELECT goes out plain and the session ends with its answer.
            self._ending = True
            self._reason = "the Keycard secure channel ended with a SELECT"
            return command
        if len(command.data) > MAX_PAYLOAD:
            raise UsageError(
                f"{len(command.data)} bytes of command data do not fit one Keycard secure channel"
                f" APDU (at most {MAX_PAYLOAD}: 255 - 16 MAC bytes, whole AES blocks, 1+ padding)"
            )
        if self._awaiting:
            # The IV chain needs every answer: after a lost one host and card are out of step.
            raise self._fail(
                SessionClosedError("the previous protected command got no answer; channel ended")
            )
        body = codec.seal_command(command.header, command.data)
        self._awaiting = True
        return Command(command.cla, command.ins, command.p1, command.p2, body, MAX_SHORT_NE)

    def unprotect(self, response: Response) -> Response:
        if self._ending:
            self.close()
            return response
        codec = self._require()
        if not self._awaiting:
            raise self._fail(SecureChannelError("an answer arrived without a protected command"))
        self._awaiting = False
        if response.sw == SW_CHANNEL_CLOSED and not response.data:
            raise self._fail(SessionClosedError("the card closed the secure channel (6982)"))
        if response.sw != SW_SUCCESS:
            raise self._fail(
                SecureChannelError(
                    f"the card answered {response.sw:04X} outside the secure channel "
                    "(expected 9000 with protected data)"
                )
            )
        try:
            plain = codec.open_response(response.data)
        except SecureChannelError as exc:
            raise self._fail(exc) from None
        if len(plain) < 2:
            raise self._fail(SecureChannelError("the protected answer holds no status word"))
        return Response(plain[:-2], int.from_bytes(plain[-2:], "big"))

    def close(self) -> None:
        self._codec = None
        self._keys = None
        self._ending = False

    def __repr__(self) -> str:
        return f"KeycardSession(active={self.active})"


class OpenSecureChannel:
    """Host side of OPEN SECURE CHANNEL and MUTUALLY AUTHENTICATE, sans-IO."""

    def __init__(self, pairing: Pairing, card_public_key: bytes, *, rng: Rng = os.urandom) -> None:
        self._pairing = pairing
        self._card_public_key = card_public_key
        self._rng = rng
        self._ephemeral = Secp256k1PrivateKey.generate(rng)

    def command(self) -> Command:
        """OPEN SECURE CHANNEL: P1 = pairing index, data = our ephemeral public key."""
        return Command(
            CLA_KEYCARD,
            INS_OPEN_SECURE_CHANNEL,
            self._pairing.index,
            0,
            self._ephemeral.public_key,
            MAX_SHORT_NE,
        )

    def session(self, response: Response) -> KeycardSession:
        """The session from the card's salt || IV (then run MUTUALLY AUTHENTICATE in it)."""
        check(response.sw)
        if len(response.data) != SALT_LENGTH + IV_LENGTH:
            raise DecodeError(
                f"OPEN SECURE CHANNEL answer must be 48 bytes (salt, IV), got {len(response.data)}",
                0,
            )
        salt, iv = response.data[:SALT_LENGTH], response.data[SALT_LENGTH:]
        shared = self._ephemeral.shared_secret(self._card_public_key)
        return KeycardSession(derive_session_keys(shared, self._pairing.key, salt), iv)

    def mutual_authentication_command(self) -> Command:
        """MUTUALLY AUTHENTICATE with 32 random bytes (to be protected by the session)."""
        return Command(
            CLA_KEYCARD, INS_MUTUALLY_AUTHENTICATE, 0, 0, self._rng(CHALLENGE_LENGTH), MAX_SHORT_NE
        )

    @staticmethod
    def check_mutual_authentication(response: Response) -> None:
        """Keycard docs, MUTUALLY AUTHENTICATE: the card proves its keys with 32 bytes."""
        if response.sw != SW_SUCCESS or len(response.data) != CHALLENGE_LENGTH:
            raise CryptogramError(
                f"MUTUALLY AUTHENTICATE answered {len(response.data)} bytes with "
                f"{response.sw:04X} (expected 32 bytes and 9000): wrong pairing key?"
            )


# --- card side ---------------------------------------------------------------------------------


class KeycardCardSession:
    """Card side of an open channel, for the simulated applet (a ``CardSession``).

    It unwraps every CLA 80 command except OPEN SECURE CHANNEL and PAIR, which the applet takes
    plain (Keycard docs: those two run outside the channel). Any failure raises a
    SecureChannelError with ``card_sw`` 6982 and ends the session: the OS answers 6982 plain.
    """

    def __init__(self, keys: SessionKeys, iv: bytes) -> None:
        self._codec: KeycardCodec | None = KeycardCodec(keys, iv)
        self.authenticated = False  # set by the applet after MUTUALLY AUTHENTICATE

    @property
    def active(self) -> bool:
        return self._codec is not None

    def handles(self, command: Command) -> bool:
        return (
            self._codec is not None
            and command.cla == CLA_KEYCARD
            and command.ins not in (INS_OPEN_SECURE_CHANNEL, INS_PAIR)
        )

    def _require(self) -> KeycardCodec:
        if self._codec is None:
            raise SessionClosedError("no Keycard secure channel is open", card_sw=SW_CHANNEL_CLOSED)
        return self._codec

    def unwrap(self, command: Command) -> Command:
        codec = self._require()
        try:
            plain = codec.open_command(command.header, command.data)
        except SecureChannelError:
            self.close()
            raise
        return Command(command.cla, command.ins, command.p1, command.p2, plain)

    def wrap(self, response: Response) -> Response:
        codec = self._require()
        body = codec.seal_response(response.data + response.sw.to_bytes(2, "big"))
        return Response(body, SW_SUCCESS)  # seed 001: the outer SW is always 9000

    def close(self) -> None:
        self._codec = None
        self.authenticated = False

    def __repr__(self) -> str:
        return f"KeycardCardSession(active={self.active})"


# --- application info and the host-side exchanges ----------------------------------------------

# Keycard docs, SELECT: application info template and its tags.
TAG_APPLICATION_INFO = 0xA4
TAG_INSTANCE_UID = 0x8F
TAG_PUBLIC_KEY = 0x80
TAG_INTEGER = 0x02
TAG_KEY_UID = 0x8E
TAG_CAPABILITIES = 0x8D


@dataclass(frozen=True, slots=True)
class ApplicationInfo:
    """The SELECT answer (Keycard docs, SELECT). A pre-initialised applet answers only its
    public key (tag 80); then ``initialized`` is False and the other fields are empty."""

    public_key: bytes
    instance_uid: bytes = b""
    version: int = 0
    free_slots: int | None = None
    key_uid: bytes = b""
    capabilities: int | None = None
    initialized: bool = True

    @property
    def version_text(self) -> str:
        return f"{self.version >> 8}.{self.version & 0xFF}"

    @classmethod
    def decode(cls, data: bytes) -> ApplicationInfo:
        """Strict decoding of the template; a DecodeError names what is wrong."""
        node = parse_one(data)
        if node.tag == TAG_PUBLIC_KEY:
            return cls(public_key=node.value, initialized=False)
        if node.tag != TAG_APPLICATION_INFO:
            raise DecodeError(f"expected the application info template A4, got tag {node.tag:X}", 0)
        fields: dict[int, list[Tlv]] = {}
        for child in node.children:
            fields.setdefault(child.tag, []).append(child)

        def value(tag: int) -> bytes:
            found = fields.get(tag)
            return found[0].value if found else b""

        integers = [child.value for child in fields.get(TAG_INTEGER, [])]
        versions = [v for v in integers if len(v) == 2]
        if not versions:
            raise DecodeError("the application info template has no 2-byte version (tag 02)", 0)
        slots = [v[0] for v in integers if len(v) == 1]
        capabilities = value(TAG_CAPABILITIES)
        return cls(
            public_key=value(TAG_PUBLIC_KEY),
            instance_uid=value(TAG_INSTANCE_UID),
            version=int.from_bytes(versions[0], "big"),
            free_slots=slots[0] if slots else None,
            key_uid=value(TAG_KEY_UID),
            capabilities=capabilities[0] if capabilities else None,
        )


def select_keycard(card: CardCommands, aid: bytes = KEYCARD_AID) -> ApplicationInfo:
    """SELECT the Keycard applet (ends any channel open with it) and decode its answer."""
    from cardwire.commands import select_by_aid

    card.secure(None)
    response = card.send(select_by_aid(aid, ne=MAX_SHORT_NE))
    return ApplicationInfo.decode(response.data)


def pair(card: CardCommands, secret: bytes, *, rng: Rng = os.urandom, mode: int = 0) -> Pairing:
    """PAIR in two steps with a 32-byte secret (see :func:`pairing_secret` for a password)."""
    handshake = PairingHandshake(secret, rng=rng, mode=mode)
    first = card.send(handshake.first_command(), check=False)
    final = card.send(handshake.final_command(first), check=False)
    return handshake.finish(final)


def open_secure_channel(
    card: CardCommands, pairing: Pairing, card_public_key: bytes, *, rng: Rng = os.urandom
) -> KeycardSession:
    """OPEN SECURE CHANNEL and MUTUALLY AUTHENTICATE; the session is left installed on ``card``."""
    card.secure(None)
    opener = OpenSecureChannel(pairing, card_public_key, rng=rng)
    session = opener.session(card.send(opener.command(), check=False))
    card.secure(session)
    try:
        answer = card.send(opener.mutual_authentication_command(), check=False)
        opener.check_mutual_authentication(answer)
    except BaseException:
        card.secure(None)
        raise
    return session


def unpair(card: CardCommands, index: int) -> None:
    """UNPAIR ``index`` through the open channel (the PIN must have been verified)."""
    card.send(unpair_command(index))


__all__ = [
    "CLA_KEYCARD",
    "DEFAULT_PAIRING_PASSWORD",
    "INS_MUTUALLY_AUTHENTICATE",
    "INS_OPEN_SECURE_CHANNEL",
    "INS_PAIR",
    "INS_UNPAIR",
    "KEYCARD_AID",
    "MAC_LENGTH",
    "MAX_PAYLOAD",
    "ApplicationInfo",
    "KeycardCardSession",
    "KeycardCodec",
    "KeycardSession",
    "OpenSecureChannel",
    "Pairing",
    "PairingHandshake",
    "SessionKeys",
    "derive_session_keys",
    "max_plain_payload",
    "open_secure_channel",
    "pair",
    "pairing_secret",
    "select_keycard",
    "unpair",
    "unpair_command",
]
