"""PACE command encoding and the strict decoding of dynamic authentication data
(ICAO Doc 9303 Part 11, 4.4.4)."""

from __future__ import annotations

from collections.abc import Sequence

from cardwire import tlv
from cardwire.apdu import Command
from cardwire.errors import DecodeError
from cardwire.sm.pace.algorithms import PaceAlgorithm
from cardwire.sm.pace.constants import (
    CLA_CHAINING,
    INS_GENERAL_AUTHENTICATE,
    INS_MSE,
    MSE_SET_AT_P1,
    MSE_SET_AT_P2,
    TAG_DYNAMIC_AUTHENTICATION_DATA,
    TAG_PARAMETER_ID,
    TAG_PASSWORD_REFERENCE,
    TAG_PROTOCOL,
)
from cardwire.sm.pace.passwords import PasswordType


def mse_set_at(
    algorithm: PaceAlgorithm, password: PasswordType, parameter_id: int | None = None
) -> Command:
    """MSE:Set AT for PACE (9303-11 4.4.4.1): 00 22 C1 A4 with 80 OID, 83 password reference
    and, when given, 84 domain parameter id."""
    data = tlv.tlv(TAG_PROTOCOL, algorithm.oid_content)
    data += tlv.tlv(TAG_PASSWORD_REFERENCE, bytes((int(password),)))
    if parameter_id is not None:
        data += tlv.tlv(TAG_PARAMETER_ID, bytes((parameter_id,)))
    return Command(0x00, INS_MSE, MSE_SET_AT_P1, MSE_SET_AT_P2, data)


def general_authenticate(objects: bytes, *, last: bool) -> Command:
    """GENERAL AUTHENTICATE with 7C { objects }, Le 00; CLA 10 (chained) except the last step
    (9303-11 4.4.4.2)."""
    cla = 0x00 if last else CLA_CHAINING
    return Command(
        cla, INS_GENERAL_AUTHENTICATE, 0, 0, tlv.tlv(TAG_DYNAMIC_AUTHENTICATION_DATA, objects), 256
    )


def dynamic_objects(data: bytes, allowed: Sequence[int], required: int | None) -> dict[int, bytes]:
    """The objects inside 7C, each tag at most once, in ``allowed`` order; DecodeError else."""
    outer = tlv.parse_one(data)
    if outer.tag != TAG_DYNAMIC_AUTHENTICATION_DATA:
        raise DecodeError(f"expected dynamic authentication data 7C, got tag {outer.tag:X}", 0)
    values: dict[int, bytes] = {}
    position = 0
    for node in tlv.parse(outer.value):
        if node.tag not in allowed[position:]:
            raise DecodeError(f"unexpected or repeated object {node.tag:X} in 7C")
        position = allowed.index(node.tag) + 1
        values[node.tag] = node.value
    if required is not None and required not in values:
        raise DecodeError(f"object {required:02X} is missing from 7C")
    return values
