"""EF.CardAccess: the SecurityInfos that announce PACE (ICAO Doc 9303-11 9.2, 9.2.1).

ASN.1 (9303-11 9.2 and 9.2.1), DER encoded, parsed and built with pyasn1:

    SecurityInfos ::= SET OF SecurityInfo
    SecurityInfo ::= SEQUENCE {
        protocol     OBJECT IDENTIFIER,
        requiredData ANY DEFINED BY protocol,
        optionalData ANY DEFINED BY protocol OPTIONAL }
    PACEInfo ::= SEQUENCE {
        protocol     OBJECT IDENTIFIER (id-PACE-DH-GM-3DES-CBC-CBC | ...),
        version      INTEGER,  -- MUST be 2
        parameterId  INTEGER OPTIONAL }

A PACEInfo's protocol is id-PACE (0.4.0.127.0.7.2.2.4) followed by the mapping/key-agreement arc
and the cipher arc (9303-11 9.2.1, e.g. id-PACE-ECDH-GM-AES-CBC-CMAC-128 = id-PACE.2.2). The
PACEDomainParameterInfo OIDs (id-PACE.1, id-PACE.2, ... with no cipher arc) and every other
SecurityInfo (Chip Authentication, Terminal Authentication, ...) are kept as raw DER so a
file can be rebuilt unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyasn1.codec.der import decoder, encoder  # type: ignore[import-untyped]
from pyasn1.error import PyAsn1Error  # type: ignore[import-untyped]
from pyasn1.type import namedtype, univ  # type: ignore[import-untyped]

from cardwire.der import decode_der
from cardwire.errors import DecodeError, UsageError

ID_PACE = (0, 4, 0, 127, 0, 7, 2, 2, 4)  # BSI TR-03110-3 A.1.1 / ICAO 9303-11 9.2.1
PACE_VERSION = 2  # ICAO 9303-11 9.2.1: "version SHALL be 2"

_SECURITY_INFO = univ.Sequence(
    componentType=namedtype.NamedTypes(
        namedtype.NamedType("protocol", univ.ObjectIdentifier()),
        namedtype.NamedType("requiredData", univ.Any()),
        namedtype.OptionalNamedType("optionalData", univ.Any()),
    )
)
_SECURITY_INFOS = univ.SetOf(componentType=_SECURITY_INFO)


@dataclass(frozen=True, slots=True)
class PaceInfo:
    """One PACEInfo: the protocol OID (dotted), its version and the optional domain parameter
    id (9303-11 9.5.1, standardized domain parameters)."""

    protocol: str
    version: int = PACE_VERSION
    parameter_id: int | None = None

    def __post_init__(self) -> None:
        if not is_pace_info_oid(self.protocol):
            raise UsageError(f"{self.protocol} is not a PACEInfo protocol (id-PACE.x.y)")
        if self.version < 0 or (self.parameter_id is not None and self.parameter_id < 0):
            raise UsageError("version and parameter id are non-negative integers")


@dataclass(frozen=True, slots=True)
class OtherSecurityInfo:
    """A SecurityInfo that is not a PACEInfo, kept as its DER encoding."""

    protocol: str
    der: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class SecurityInfos:
    """The content of EF.CardAccess: PACEInfos in file order, then the other SecurityInfos."""

    pace: tuple[PaceInfo, ...]
    others: tuple[OtherSecurityInfo, ...] = ()


def _arcs(dotted: str) -> tuple[int, ...]:
    try:
        return tuple(int(arc) for arc in dotted.split("."))
    except ValueError:
        return ()


def is_pace_info_oid(dotted: str) -> bool:
    """Whether ``dotted`` is id-PACE followed by exactly two arcs (a PACEInfo protocol)."""
    arcs = _arcs(dotted)
    return len(arcs) == len(ID_PACE) + 2 and arcs[: len(ID_PACE)] == ID_PACE


def _integer(any_value: Any, what: str) -> int:
    return int(decode_der(bytes(any_value), univ.Integer(), f"PACEInfo {what} (INTEGER)"))


def parse_card_access(data: bytes) -> SecurityInfos:
    """Parse EF.CardAccess (DER SecurityInfos); :class:`DecodeError` when malformed."""
    decoded = decode_der(bytes(data), _SECURITY_INFOS, "EF.CardAccess SecurityInfos")
    pace: list[PaceInfo] = []
    others: list[OtherSecurityInfo] = []
    for info in decoded:
        protocol = str(info["protocol"])
        if not is_pace_info_oid(protocol):
            others.append(OtherSecurityInfo(protocol, bytes(encoder.encode(info))))
            continue
        version = _integer(info["requiredData"], "version")
        optional = info["optionalData"]
        parameter_id = _integer(optional, "parameterId") if optional.isValue else None
        if version < 0 or (parameter_id is not None and parameter_id < 0):
            raise DecodeError("PACEInfo version and parameterId must not be negative")
        pace.append(PaceInfo(protocol, version, parameter_id))
    return SecurityInfos(tuple(pace), tuple(others))


def _pace_component(info: PaceInfo) -> Any:
    component = _SECURITY_INFO.clone()
    component["protocol"] = univ.ObjectIdentifier(info.protocol)
    component["requiredData"] = univ.Any(encoder.encode(univ.Integer(info.version)))
    if info.parameter_id is not None:
        component["optionalData"] = univ.Any(encoder.encode(univ.Integer(info.parameter_id)))
    return component


def build_card_access(
    pace_infos: Iterable[PaceInfo], others: Iterable[OtherSecurityInfo] = ()
) -> bytes:
    """DER SecurityInfos with the given PACEInfos and other SecurityInfos (DER sorts the SET OF
    members by their encodings, X.690 11.6)."""
    infos = _SECURITY_INFOS.clone()
    for info in pace_infos:
        infos.append(_pace_component(info))
    for other in others:
        try:
            component, rest = decoder.decode(other.der, asn1Spec=_SECURITY_INFO)
        except PyAsn1Error as exc:
            raise UsageError(f"{other.protocol}: not a DER SecurityInfo") from exc
        if rest:
            raise UsageError(f"{other.protocol}: trailing bytes after the SecurityInfo")
        infos.append(component)
    if not len(infos):
        raise UsageError("EF.CardAccess needs at least one SecurityInfo")
    return bytes(encoder.encode(infos))


__all__ = [
    "ID_PACE",
    "PACE_VERSION",
    "OtherSecurityInfo",
    "PaceInfo",
    "SecurityInfos",
    "build_card_access",
    "is_pace_info_oid",
    "parse_card_access",
]
