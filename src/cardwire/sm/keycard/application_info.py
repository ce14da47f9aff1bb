"""The Keycard application info template answered to SELECT (Keycard docs, SELECT)."""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import (
    DecodeError,
)
from cardwire.tlv import Tlv, parse_one

TAG_APPLICATION_INFO = 0xA4
TAG_INSTANCE_UID = 0x8F
TAG_PUBLIC_KEY = 0x80
TAG_INTEGER = 0x02
TAG_KEY_UID = 0x8E
TAG_CAPABILITIES = 0x8D
# Applet 4.x (PyPI keycard SDK parsing/application_info.py): the Identity Certificate and a
# status byte (bit 10: initialised; low nibble: PIN tries left).
TAG_CERTIFICATE = 0x8A
TAG_STATUS = 0x8C
STATUS_INITIALIZED = 0x10
STATUS_LEE_MODE = 0x20  # KeycardApplet.java APP_STATUS_LEE_MODE: a LEE seed is loaded


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
    certificate: bytes = b""  # 4.x only
    status: int | None = None  # 4.x only

    @property
    def secure_channel_v2(self) -> bool:
        """keycard-go and the SDK: Secure Channel V2 from applet 4.0."""
        return self.version >= 0x0400

    @property
    def lee_mode(self) -> bool:
        """Applet 4.x: a LEE seed is loaded (LOAD KEY P1 04)."""
        return self.status is not None and bool(self.status & STATUS_LEE_MODE)

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
        status = value(TAG_STATUS)
        return cls(
            public_key=value(TAG_PUBLIC_KEY),
            instance_uid=value(TAG_INSTANCE_UID),
            version=int.from_bytes(versions[0], "big"),
            free_slots=slots[0] if slots else None,
            key_uid=value(TAG_KEY_UID),
            capabilities=capabilities[0] if capabilities else None,
            initialized=bool(status[0] & STATUS_INITIALIZED) if status else True,
            certificate=value(TAG_CERTIFICATE),
            status=status[0] if status else None,
        )


__all__ = [
    "TAG_APPLICATION_INFO",
    "TAG_CAPABILITIES",
    "TAG_INSTANCE_UID",
    "TAG_INTEGER",
    "TAG_KEY_UID",
    "TAG_PUBLIC_KEY",
    "ApplicationInfo",
]
