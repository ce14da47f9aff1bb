"""GlobalPlatform card management commands, host and card side, sans-IO.

Builders give the plain ``Command`` (CLA 80; the channel and the SCP03 protection are added by
the layers below), parsers read the card's answers strictly (``DecodeError`` on anything
malformed). The card side (the simulated Security Domain) decodes the same data fields with the
functions here, so both ends share one codec.

Sources: GlobalPlatform Card Specification v2.3 (GPC), sections 11.2 DELETE (card content and
key), 11.3 GET DATA, 11.4 GET STATUS, 11.5 INSTALL, 11.8 PUT KEY, 11.10 SET STATUS; Amendment D.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import astuple, dataclass
from enum import IntEnum

from cardwire.apdu import Command, Response
from cardwire.crypto.block import AES_BLOCK, Aes
from cardwire.errors import CryptogramError, DecodeError, UsageError
from cardwire.gp_key_info import (  # GET DATA 00E0 (GPC 11.3.3.1); AES is 88 (Amendment D 7.2)
    KEY_TYPE_AES,
    TAG_KEY_INFORMATION,
    TAG_KEY_INFORMATION_TEMPLATE,
    KeyInformation,
    parse_key_information,
)
from cardwire.sm.scp02 import StaticKeys as Scp02Keys
from cardwire.sm.scp03 import StaticKeys
from cardwire.tlv import Tlv, parse, tlv

CLA_GP = 0x80
INS_DELETE = 0xE4
INS_GET_DATA = 0xCA
INS_GET_STATUS = 0xF2
INS_INSTALL = 0xE6
INS_PUT_KEY = 0xD8
INS_SET_STATUS = 0xF0
# GPC 11.4.3.1 table 11-36: tags of the GlobalPlatform Registry data (GET STATUS, P2 b2 = 1).
TAG_REGISTRY_ENTRY = 0xE3
TAG_AID = 0x4F
TAG_LIFE_CYCLE = 0x9F70
TAG_PRIVILEGES = 0xC5
TAG_LOAD_FILE = 0xC4
TAG_MODULE = 0x84
TAG_ASSOCIATED_SD = 0xCC
TAG_VERSION = 0xCE
# GPC 11.3.3.1: GET DATA objects.
TAG_CPLC, TAG_CARD_DATA = 0x9F7F, 0x66

KEY_IDS = (0x01, 0x02, 0x03)  # ENC, MAC, DEK in one PUT KEY (GPC 11.8.2.2, P2 = 81)
KCV_LENGTH = 3  # GPC 11.8.2.3: the key check value is the 3 leftmost bytes
# Amendment D (PUT KEY for AES keys): KCV = AES(key, 16 bytes 01); the same in
# GlobalPlatformPro GPCrypto.kcv_aes, yubikit securitydomain.put_key (_DEFAULT_KCV_IV) and
# osmocom/pysim compute_kcv('aes', ...), whose published values tests/test_gp.py checks.
_KCV_PLAINTEXT = b"\x01" * AES_BLOCK
MAX_KVN = 0x7F  # GPC 11.1.8: key version numbers 01-7F (FF is reserved)

# GPC 11.4.2.2: GET STATUS P2 b2 = 1 asks for the tagged (TLV) format, b1 = 1 the next occurrence.
STATUS_TLV, STATUS_NEXT = 0x02, 0x01
# GPC 11.4.3: 6310 = more data available; the host repeats GET STATUS with P2 b1 = 1 and the
# same search criteria, as GlobalPlatformPro GPSession.getConcatenatedStatus does.
SW_MORE_STATUS = 0x6310


class StatusScope(IntEnum):
    """GET STATUS P1 (GPC 11.4.2.1 table 11-33)."""

    ISSUER_SECURITY_DOMAIN = 0x80
    APPLICATIONS = 0x40
    LOAD_FILES = 0x20
    LOAD_FILES_AND_MODULES = 0x10


class LifeCycle(IntEnum):
    """Life cycle state bytes (GPC 11.1.1, tables 11-2, 11-4 and 11-5)."""

    LOADED = 0x01  # executable load file
    INSTALLED = 0x03  # application
    SELECTABLE = 0x07
    # LOCKED is b8 set over the state the application had ("1xxxxx11"): SELECTABLE 07 -> 87.
    # GlobalPlatformPro (GPRegistryEntry.getLifeCycleString) shows application states above 83
    # as LOCKED and 80-83 as errors, so the simulator reports 87 for a locked application.
    LOCKED = 0x87
    SECURED = 0x0F  # card (ISD) life cycle: SECURED


def is_locked(life_cycle: int) -> bool:
    """GPC 11.1.1 table 11-4: an application is LOCKED when b8 is set (1xxxxx11)."""
    return life_cycle & 0x83 == 0x83


# --- keys -------------------------------------------------------------------------------------


def key_check_value(key: bytes) -> bytes:
    """GPC 11.8.2.3 / Amendment D: the 3 leftmost bytes of AES-ECB(key, 16 bytes of 01)."""
    return Aes(key).encrypt_block(_KCV_PLAINTEXT)[:KCV_LENGTH]


def _zero_pad(data: bytes) -> bytes:
    # GPC v2.3 11.8.2.3.2 table 11-70 (key component block with padding): the clear key length
    # comes first, so the padding (zeros here) is not part of the key.
    return data + bytes(-len(data) % AES_BLOCK)


def encrypt_key(dek: bytes, key: bytes) -> bytes:
    """The key encrypted for PUT KEY: AES-CBC under the static DEK, zero ICV (Amendment D 7.2)."""
    return Aes(dek).encrypt_cbc(bytes(AES_BLOCK), _zero_pad(key))


@dataclass(frozen=True, slots=True)
class KeyBlock:
    """One key of a PUT KEY data field (GPC 11.8.2.3 table 11-68): key type, key component
    block, and the key check value sent with it. The key component block (GPC v2.3 tables
    11-70/11-71, as osmocom/pysim KeyComponentBlock_Test quotes them) is the clear key length
    and the encrypted padded key when the key needed padding (AES-192), else the encrypted key
    alone (yubikit ``put_key`` sends AES-128 keys so; GlobalPlatformPro ``encodeKey`` always
    sends the length byte for AES). ``key_length`` is None without a length byte; the card
    accepts both forms (1 + 16n and 16n bytes cannot be confused)."""

    key_type: int
    key_length: int | None
    encrypted: bytes
    check_value: bytes

    def encode(self) -> bytes:
        length = b"" if self.key_length is None else bytes((self.key_length,))
        body = length + self.encrypted
        return (
            bytes((self.key_type, len(body)))
            + body
            + bytes((len(self.check_value),))
            + self.check_value
        )

    def decrypt(self, dek: bytes) -> bytes:
        """The key in clear; DecodeError when the cryptogram does not fit its stated length."""
        if not self.encrypted or len(self.encrypted) % AES_BLOCK:
            raise DecodeError("encrypted key is not whole AES blocks")
        length = len(self.encrypted) if self.key_length is None else self.key_length
        if length > len(self.encrypted):
            raise DecodeError("key length exceeds the encrypted block")
        return Aes(dek).decrypt_cbc(bytes(AES_BLOCK), self.encrypted)[:length]


@dataclass(frozen=True, slots=True)
class PutKeyData:
    """The PUT KEY data field: new key version number and one block per key (GPC 11.8.2.3)."""

    kvn: int
    blocks: tuple[KeyBlock, ...]

    def encode(self) -> bytes:
        return bytes((self.kvn,)) + b"".join(block.encode() for block in self.blocks)

    @classmethod
    def decode(cls, data: bytes) -> PutKeyData:
        if not data:
            raise DecodeError("PUT KEY data is empty", 0)
        blocks = []
        pos = 1
        while pos < len(data):
            if pos + 2 > len(data):
                raise DecodeError("key block header truncated", pos)
            key_type, length = data[pos], data[pos + 1]
            body = data[pos + 2 : pos + 2 + length]
            if len(body) != length or length < 1:
                raise DecodeError("key block truncated", pos)
            # GPC v2.3 table 11-70: clear key length || encrypted padded key (1 + 16n bytes);
            # table 11-71: the encrypted key alone (16n bytes; see KeyBlock).
            key_length: int | None = None
            encrypted = body
            if length % AES_BLOCK == 1:
                key_length, encrypted = body[0], body[1:]
            at = pos + 2 + length
            if at >= len(data):
                raise DecodeError("key check value length missing", at)
            kcv = data[at + 1 : at + 1 + data[at]]
            if len(kcv) != data[at]:
                raise DecodeError("key check value truncated", at)
            blocks.append(KeyBlock(key_type, key_length, encrypted, kcv))
            pos = at + 1 + len(kcv)
        return cls(data[0], tuple(blocks))


def put_key_data(new_keys: StaticKeys, dek: bytes, *, length_byte: bool = False) -> PutKeyData:
    """ENC, MAC and DEK of ``new_keys`` encrypted under ``dek`` (the current static DEK). The
    clear key length is sent when the key is padded (GPC v2.3 table 11-70), or always with
    ``length_byte=True`` (GlobalPlatformPro's form, for cards that expect it)."""
    blocks = tuple(
        KeyBlock(
            KEY_TYPE_AES,
            len(key) if length_byte or len(key) % AES_BLOCK else None,
            encrypt_key(dek, key),
            key_check_value(key),
        )
        for key in (new_keys.enc, new_keys.mac, new_keys.dek)
    )
    return PutKeyData(new_keys.kvn, blocks)


def put_key(
    new_keys: StaticKeys,
    dek: bytes,
    *,
    replace_kvn: int | None = None,
    length_byte: bool = False,
) -> Command:
    """PUT KEY of an AES key set: :func:`put_key_command` of :func:`put_key_data`."""
    return put_key_command(put_key_data(new_keys, dek, length_byte=length_byte), replace_kvn)


def put_key_command(data: PutKeyData, replace_kvn: int | None = None) -> Command:
    """PUT KEY (GPC 11.8.2): P1 = key version to replace (00 adds a new key set), P2 = 81
    (several keys, the first with key identifier 01). yubikit (``securitydomain.put_key``) and
    GlobalPlatformPro (``GPSession.putKeys``) use the same P1/P2."""
    if not 1 <= data.kvn <= MAX_KVN:
        raise UsageError(f"new key version must be 01..{MAX_KVN:02X}, got {data.kvn:02X}")
    p1 = 0x00 if replace_kvn is None else replace_kvn
    if not 0 <= p1 <= 0xFF:
        raise UsageError(f"key version to replace must be a byte, got {replace_kvn}")
    return Command(CLA_GP, INS_PUT_KEY, p1, 0x80 | KEY_IDS[0], data.encode(), ne=256)


def check_put_key_answer(
    data: bytes, new_keys: StaticKeys | Scp02Keys, kcv: Callable[[bytes], bytes] = key_check_value
) -> None:
    """GPC 11.8.3.1: the answer is the new key version followed by the KCV of each key
    (``kcv``: AES by default, ``gp_des_keys.des_key_check_value`` for 3DES keys)."""
    keys = (new_keys.enc, new_keys.mac, new_keys.dek)
    expected = bytes((new_keys.kvn,)) + b"".join(kcv(k) for k in keys)
    if len(data) != len(expected):
        raise DecodeError(f"PUT KEY answer of {len(data)} bytes, expected {len(expected)}", 0)
    if not hmac.compare_digest(data, expected):
        raise CryptogramError("the card's key check values do not match the keys sent")


def _one(data: bytes, tag: int) -> tuple[Tlv]:
    nodes = parse(data)
    if len(nodes) != 1 or nodes[0].tag != tag:
        raise DecodeError(f"expected one object with tag {tag:X}", 0)
    return (nodes[0],)


# --- GET DATA, GET STATUS ---------------------------------------------------------------------


def get_data(tag: int) -> Command:
    """GET DATA (GPC 11.3.2): P1-P2 = the tag (E0 as 00E0, 9F7F, 66 as 0066)."""
    if not 0 <= tag <= 0xFFFF:
        raise UsageError(f"GET DATA tag must fit two bytes, got {tag:X}")
    return Command(CLA_GP, INS_GET_DATA, tag >> 8, tag & 0xFF, ne=256)


def get_status(
    scope: StatusScope, aid_prefix: bytes = b"", *, next_occurrence: bool = False
) -> Command:
    """GET STATUS (GPC 11.4.2) in the TLV format; search criteria 4F = AID prefix (empty: all)."""
    p2 = STATUS_TLV | (STATUS_NEXT if next_occurrence else 0)
    return Command(CLA_GP, INS_GET_STATUS, int(scope), p2, tlv(TAG_AID, aid_prefix), ne=256)


@dataclass(frozen=True, slots=True)
class RegistryData:
    """One E3 entry of a GET STATUS answer (GPC 11.4.3.1 table 11-36)."""

    aid: bytes
    life_cycle: int
    privileges: bytes = b""
    load_file: bytes | None = None
    associated_sd: bytes | None = None
    modules: tuple[bytes, ...] = ()

    @property
    def locked(self) -> bool:
        return is_locked(self.life_cycle)

    def encode(self) -> bytes:
        parts = [tlv(TAG_AID, self.aid), tlv(TAG_LIFE_CYCLE, bytes((self.life_cycle,)))]
        if self.privileges:
            parts.append(tlv(TAG_PRIVILEGES, self.privileges))
        if self.load_file is not None:
            parts.append(tlv(TAG_LOAD_FILE, self.load_file))
        parts.extend(tlv(TAG_MODULE, module) for module in self.modules)
        if self.associated_sd is not None:
            parts.append(tlv(TAG_ASSOCIATED_SD, self.associated_sd))
        return tlv(TAG_REGISTRY_ENTRY, b"".join(parts))


_REGISTRY_FIELDS = frozenset(
    {TAG_AID, TAG_LIFE_CYCLE, TAG_PRIVILEGES, TAG_LOAD_FILE, TAG_ASSOCIATED_SD}
)


def parse_status(data: bytes) -> tuple[RegistryData, ...]:
    """Every E3 entry of a GET STATUS answer (TLV format); DecodeError when malformed."""
    entries = []
    for node in parse(data):
        if node.tag != TAG_REGISTRY_ENTRY:
            raise DecodeError(f"GET STATUS answer holds tag {node.tag:X}, expected E3")
        fields: dict[int, bytes] = {}
        modules = []
        for child in node.children:
            if child.tag == TAG_MODULE:
                modules.append(child.value)
            elif child.tag not in _REGISTRY_FIELDS:
                continue  # other objects (implicit selection CF, version CE, ...) are skipped
            elif child.tag in fields:
                raise DecodeError(f"tag {child.tag:X} twice in one registry entry")
            else:
                fields[child.tag] = child.value
        aid, life_cycle = fields.get(TAG_AID), fields.get(TAG_LIFE_CYCLE)
        if aid is None or life_cycle is None or len(life_cycle) != 1:
            raise DecodeError("registry entry without AID (4F) or life cycle state (9F70)")
        entries.append(
            RegistryData(
                aid,
                life_cycle[0],
                fields.get(TAG_PRIVILEGES, b""),
                fields.get(TAG_LOAD_FILE),
                fields.get(TAG_ASSOCIATED_SD),
                tuple(modules),
            )
        )
    return tuple(entries)


def read_status(
    send: Callable[[Command], Response], scope: StatusScope, aid_prefix: bytes = b""
) -> tuple[RegistryData, ...]:
    """Every registry entry of ``scope``: GET STATUS, then GET STATUS [next] while the card
    answers 6310 (GPC 11.4.3). ``send`` sends one command and returns its answer unchecked
    (e.g. ``lambda c: card.send(c, check=False)``); 6A88 means no entry."""
    entries: list[RegistryData] = []
    command = get_status(scope, aid_prefix)
    while True:
        response = send(command)
        if response.sw == 0x6A88 and not entries:
            return ()
        if response.sw not in (0x9000, SW_MORE_STATUS):
            response.check(command)
        entries.extend(parse_status(response.data))
        if response.sw != SW_MORE_STATUS:
            return tuple(entries)
        command = get_status(scope, aid_prefix, next_occurrence=True)


# --- SET STATUS, DELETE, INSTALL --------------------------------------------------------------

SET_STATUS_APPLICATION = 0x40  # GPC 11.10.2.1 table 11-84: P1 = application or SSD
# GPC 11.10.2.2: P2 = the state to go to; b8 set locks (LOCKED is "1xxxxx11", table 11-4), b8
# clear unlocks (back to SELECTABLE 07). GlobalPlatformPro (GPSession.lockUnlockApplet) sends
# 80 and 00 instead; the simulated Security Domain accepts both pairs. We could not read the
# specification text itself, so 83/07 is our reading of table 11-4, not a quotation.
LOCK = 0x83
UNLOCK = 0x07


def set_status(aid: bytes, *, locked: bool) -> Command:
    """SET STATUS of an application (GPC 11.10): lock (P2 83) or unlock (P2 07)."""
    return Command(CLA_GP, INS_SET_STATUS, SET_STATUS_APPLICATION, LOCK if locked else UNLOCK, aid)


DELETE_RELATED = 0x80  # GPC 11.2.2.2: P2 b8 = delete the object and its related objects


def delete(aid: bytes, *, related: bool = False) -> Command:
    """DELETE [card content] (GPC 11.2.2): data = 4F AID."""
    p2 = DELETE_RELATED if related else 0x00
    return Command(CLA_GP, INS_DELETE, 0x00, p2, tlv(TAG_AID, aid), ne=256)


def delete_target(data: bytes) -> bytes:
    """The AID of a DELETE [card content] data field (one 4F object)."""
    (node,) = _one(data, TAG_AID)
    return node.value


# GPC 11.2.2.3.2: DELETE [key] names a key identifier (D0) and/or a key version (D2).
TAG_KEY_ID, TAG_KEY_VERSION = 0xD0, 0xD2
DELETE_LAST_KEY = 0x01  # P2 b1 = 1 deletes the last key (yubikit delete_key; GP: RFU)


def delete_key(kvn: int | None = None, kid: int | None = None, *, last: bool = False) -> Command:
    """DELETE [key] (GPC 11.2.2.3.2); ``last`` as yubikit sends it for the card's last key."""
    if kvn is None and kid is None:
        raise UsageError("DELETE key needs a key version or a key identifier")
    data = b"" if kid is None else tlv(TAG_KEY_ID, bytes((kid,)))
    data += b"" if kvn is None else tlv(TAG_KEY_VERSION, bytes((kvn,)))
    return Command(CLA_GP, INS_DELETE, 0x00, DELETE_LAST_KEY if last else 0x00, data, ne=256)


def delete_key_target(data: bytes) -> tuple[int | None, int | None]:
    """(key identifier, key version) of a DELETE [key] data field; None where absent."""
    nodes = parse(data)
    found = {n.tag: n.value for n in nodes if n.tag in (TAG_KEY_ID, TAG_KEY_VERSION)}
    if not found or len(found) != len(nodes) or any(len(v) != 1 for v in found.values()):
        raise DecodeError("a DELETE key data field holds D0 and/or D2 of one byte, once each", 0)
    kid, kvn = (found.get(tag, b"")[:1] for tag in (TAG_KEY_ID, TAG_KEY_VERSION))
    return (kid[0] if kid else None), (kvn[0] if kvn else None)


INSTALL_AND_MAKE_SELECTABLE = 0x0C  # GPC 11.5.2.1 table 11-41: P1 b4 (install) + b3 (selectable)
TAG_INSTALL_PARAMETERS = 0xC9  # GPC 11.5.2.3.7: application specific parameters


@dataclass(frozen=True, slots=True)
class InstallData:
    """INSTALL [for install and make selectable] data (GPC 11.5.2.3.2 table 11-45): each field
    is a one-byte length and its value."""

    load_file: bytes
    module: bytes
    aid: bytes
    privileges: bytes = b"\x00"
    parameters: bytes = tlv(TAG_INSTALL_PARAMETERS, b"")
    token: bytes = b""

    def encode(self) -> bytes:
        fields = astuple(self)  # the six fields in table 11-45's order
        for value in fields:
            if len(value) > 0xFF:
                raise UsageError("an INSTALL field holds at most 255 bytes")
        return b"".join(bytes((len(value),)) + value for value in fields)

    @classmethod
    def decode(cls, data: bytes) -> InstallData:
        return cls(*read_install_fields(data, 6))


def read_install_fields(data: bytes, count: int) -> list[bytes]:
    """``count`` INSTALL data fields, each a one-byte length and its value (GPC 11.5.2.3)."""
    values = []
    pos = 0
    for _ in range(count):
        if pos >= len(data):
            raise DecodeError(f"INSTALL data ends before its {count} fields", pos)
        value = data[pos + 1 : pos + 1 + data[pos]]
        if len(value) != data[pos]:
            raise DecodeError("INSTALL field truncated", pos)
        values.append(value)
        pos += 1 + len(value)
    if pos != len(data):
        raise DecodeError("trailing bytes after the INSTALL fields", pos)
    return values


def install(data: InstallData) -> Command:
    """INSTALL [for install and make selectable] (GPC 11.5)."""
    return Command(CLA_GP, INS_INSTALL, INSTALL_AND_MAKE_SELECTABLE, 0x00, data.encode(), ne=256)


__all__ = [
    "KEY_TYPE_AES",
    "TAG_KEY_INFORMATION",
    "TAG_KEY_INFORMATION_TEMPLATE",
    "InstallData",
    "KeyBlock",
    "KeyInformation",
    "LifeCycle",
    "PutKeyData",
    "RegistryData",
    "StatusScope",
    "check_put_key_answer",
    "delete",
    "delete_key",
    "delete_key_target",
    "delete_target",
    "encrypt_key",
    "get_data",
    "get_status",
    "install",
    "key_check_value",
    "parse_key_information",
    "parse_status",
    "put_key",
    "put_key_command",
    "put_key_data",
    "read_install_fields",
    "read_status",
    "set_status",
]
