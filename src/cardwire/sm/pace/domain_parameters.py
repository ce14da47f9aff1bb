"""The standardized PACE domain parameters and the check of a PACEInfo against them
(ICAO Doc 9303 Part 11, 9.5.1 and 9.2.1)."""

from __future__ import annotations

from cardwire.crypto import dh_groups, ec_arith
from cardwire.crypto.dh_groups import DhGroup
from cardwire.crypto.ec_arith import Curve
from cardwire.errors import UsageError
from cardwire.sm.card_access import PACE_VERSION, PaceInfo
from cardwire.sm.pace.algorithms import MappingKind, PaceAlgorithm, algorithm_for
from cardwire.sm.pace.groups import DhModpGroup, EcGroup, PaceGroup

# 9303-11 9.5.1, table of standardized domain parameters (BSI TR-03110-3 A.2.1.1)
_DOMAIN_PARAMETERS: dict[int, DhGroup | Curve] = {
    0: dh_groups.MODP_1024_160,
    1: dh_groups.MODP_2048_224,
    2: dh_groups.MODP_2048_256,
    12: ec_arith.NIST_P256,
    13: ec_arith.BRAINPOOL_P256R1,
    15: ec_arith.NIST_P384,
    16: ec_arith.BRAINPOOL_P384R1,
    17: ec_arith.BRAINPOOL_P512R1,
    18: ec_arith.NIST_P521,
}
SUPPORTED_PARAMETER_IDS = tuple(sorted(_DOMAIN_PARAMETERS))


def domain_parameters(parameter_id: int) -> PaceGroup:
    """The group of a standardized domain parameter id (9303-11 9.5.1)."""
    found = _DOMAIN_PARAMETERS.get(parameter_id)
    if found is None:
        raise UsageError(
            f"domain parameter id {parameter_id} is not supported "
            f"(supported: {', '.join(map(str, SUPPORTED_PARAMETER_IDS))})"
        )
    return DhModpGroup(found) if isinstance(found, DhGroup) else EcGroup(found)


def checked_setup(info: PaceInfo) -> tuple[PaceAlgorithm, PaceGroup]:
    algorithm = algorithm_for(info.protocol)
    if algorithm.mapping is not MappingKind.GENERIC:
        raise UsageError(f"{info.protocol}: only the Generic Mapping is supported")
    if info.version != PACE_VERSION:
        raise UsageError(f"PACEInfo version {info.version} is not {PACE_VERSION}")
    if info.parameter_id is None:
        raise UsageError("a PACEInfo without parameterId (proprietary domain parameters)")
    group = domain_parameters(info.parameter_id)
    if group.agreement is not algorithm.agreement:
        raise UsageError(
            f"{info.protocol} is {algorithm.agreement.upper()} but parameter id "
            f"{info.parameter_id} is a {group.agreement.upper()} group"
        )
    return algorithm, group
