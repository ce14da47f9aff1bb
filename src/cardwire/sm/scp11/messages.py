"""SCP11 message codec (GP Card Spec v2.3 Amendment F 7.4-7.6): the key agreement command's data,
the card's answer, the certificate store of GET DATA BF21 and PERFORM SECURITY OPERATION."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from cardwire.apdu import Command
from cardwire.errors import DecodeError
from cardwire.sm.scp11.constants import (
    INS_PERFORM_SECURITY_OPERATION,
    KEY_TYPE_AES,
    P2_MORE_CERTIFICATES,
    SCP11_ID,
    TAG_CERTIFICATE_STORE,
    TAG_CONTROL_REFERENCE,
    TAG_EPHEMERAL_KEY,
    TAG_KEY_LENGTH,
    TAG_KEY_REFERENCE,
    TAG_KEY_TYPE,
    TAG_KEY_USAGE,
    TAG_RECEIPT,
    TAG_SCP_PARAMETERS,
)
from cardwire.tlv import Tlv, parse, tlv

_GP_CLA = 0x80
_INS_GET_DATA = 0xCA


@dataclass(frozen=True, slots=True)
class KeyAgreement:
    """The data of MUTUAL / INTERNAL AUTHENTICATE (Amendment F 7.6.2.3): A6 {90 '11' i, 95 key
    usage, 80 key type, 81 key length} then 5F49 the OCE's ephemeral public key."""

    parameter: int
    key_usage: int
    key_length: int
    point: bytes

    def control_reference(self) -> bytes:
        return tlv(
            TAG_CONTROL_REFERENCE,
            tlv(TAG_SCP_PARAMETERS, bytes((SCP11_ID, self.parameter)))
            + tlv(TAG_KEY_USAGE, bytes((self.key_usage,)))
            + tlv(TAG_KEY_TYPE, bytes((KEY_TYPE_AES,)))
            + tlv(TAG_KEY_LENGTH, bytes((self.key_length,))),
        )

    def encode(self) -> bytes:
        return self.control_reference() + tlv(TAG_EPHEMERAL_KEY, self.point)

    @classmethod
    def decode(cls, data: bytes) -> KeyAgreement:
        """DecodeError on anything but the two objects with one-byte values."""
        nodes = parse(data)
        if [n.tag for n in nodes] != [TAG_CONTROL_REFERENCE, TAG_EPHEMERAL_KEY]:
            raise DecodeError("expected A6 control reference template then 5F49")
        fields = {child.tag: child.value for child in nodes[0].children}
        scp = fields.get(TAG_SCP_PARAMETERS, b"")
        if len(scp) != 2 or scp[0] != SCP11_ID:
            raise DecodeError("tag 90 must be '11' and the i parameter")
        one_byte = (TAG_KEY_USAGE, TAG_KEY_TYPE, TAG_KEY_LENGTH)
        if any(len(fields.get(tag, b"")) != 1 for tag in one_byte):
            raise DecodeError("tags 95, 80 and 81 must hold one byte each")
        if fields[TAG_KEY_TYPE][0] != KEY_TYPE_AES:
            raise DecodeError(f"key type {fields[TAG_KEY_TYPE][0]:02X} is not AES (88)")
        return cls(scp[1], fields[TAG_KEY_USAGE][0], fields[TAG_KEY_LENGTH][0], nodes[1].value)


def tlv_point(point: bytes) -> bytes:
    return tlv(TAG_EPHEMERAL_KEY, point)


def encode_answer(point: bytes, receipt: bytes) -> bytes:
    """The card's answer (Amendment F 7.6.3): 5F49 its ephemeral public key, 86 the receipt."""
    return tlv(TAG_EPHEMERAL_KEY, point) + tlv(TAG_RECEIPT, receipt)


def decode_answer(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(the 5F49 object as sent, its point, the receipt); DecodeError on another shape."""
    nodes = parse(data)
    if [n.tag for n in nodes] != [TAG_EPHEMERAL_KEY, TAG_RECEIPT]:
        raise DecodeError("expected 5F49 (card ephemeral key) then 86 (receipt)")
    return nodes[0].encode(), nodes[0].value, nodes[1].value


def key_reference(kid: int, kvn: int) -> bytes:
    """A6 {83 KID KVN}: the key GET DATA BF21 asks about (Amendment F 7.4.2)."""
    return tlv(TAG_CONTROL_REFERENCE, tlv(TAG_KEY_REFERENCE, bytes((kid, kvn))))


def get_certificates_command(kid: int, kvn: int) -> Command:
    return Command(
        0x00,
        _INS_GET_DATA,
        TAG_CERTIFICATE_STORE >> 8,
        TAG_CERTIFICATE_STORE & 0xFF,
        key_reference(kid, kvn),
        ne=256,
    )


def parse_key_reference(data: bytes) -> tuple[int, int]:
    nodes = parse(data)
    if len(nodes) != 1 or nodes[0].tag != TAG_CONTROL_REFERENCE:
        raise DecodeError("expected A6 {83 KID KVN}")
    ref = nodes[0].find_path(TAG_KEY_REFERENCE)
    if ref is None or len(ref.value) != 2:
        raise DecodeError("expected A6 {83 KID KVN}")
    return ref.value[0], ref.value[1]


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """The certificate chain of GET DATA BF21, leaf last. Cards send either the bare DER
    certificates (YubiKey, what yubikit reads) or the same wrapped in BF21 (OpenSCP's test
    cards); both are accepted. GP-format (7F21) certificates are not decoded."""
    nodes: tuple[Tlv, ...] = parse(data)
    if len(nodes) == 1 and nodes[0].tag == TAG_CERTIFICATE_STORE:
        nodes = parse(nodes[0].value)
    chain = []
    for node in nodes:
        if node.tag != 0x30:
            raise DecodeError(f"certificate store object {node.tag:X} is not an X.509 certificate")
        try:
            chain.append(x509.load_der_x509_certificate(node.encode()))
        except ValueError as exc:
            raise DecodeError(f"bad X.509 certificate: {exc}") from None
    return chain


def certificate_commands(chain: list[bytes], kid: int, kvn: int) -> list[Command]:
    """PERFORM SECURITY OPERATION per certificate, leaf last (Amendment F 7.5.2): P1 the KVN,
    P2 the OCE's KID with b8 set while more certificates follow."""
    last = len(chain) - 1
    return [
        Command(
            _GP_CLA,
            INS_PERFORM_SECURITY_OPERATION,
            kvn,
            kid | (P2_MORE_CERTIFICATES if i < last else 0),
            der,
        )
        for i, der in enumerate(chain)
    ]
