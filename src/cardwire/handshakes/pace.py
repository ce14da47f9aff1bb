"""PACE over a card or logical channel (ICAO Doc 9303-11 4.4, BSI TR-03110-2/-3 for eID cards).

:func:`open_pace` picks the PACE parameters (from EF.CardAccess, ICAO 9303-11 9.2, unless
a domain parameter id is given), sends MSE:Set AT and the four GENERAL AUTHENTICATE steps built
by :class:`cardwire.sm.pace.PaceHost`, installs the ISO secure-messaging session with SSC 0
(9303-11 9.8.2) on that card or channel and returns it.

PACE runs through whatever the card or channel holds: in plain, or inside the secure session
of an earlier PACE (BSI TR-03110-2: a suspended PIN is resumed by PACE with the CAN, then PACE
with the PIN under the CAN's secure messaging). A session that has ended or was lost is
dropped first: PACE then runs in plain (the explicit new handshake, issue 15).
MSE:Set AT may answer 63Cx, a warning with the password's retry counter (TR-03110-3 B.1,
as OpenSC/vsmartcard's npa module reads it): PACE goes on while x > 0; 63C0 (blocked)
raises :class:`cardwire.errors.StatusError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal

from cardwire import commands
from cardwire.apdu import Response
from cardwire.card import CardCommands
from cardwire.errors import StatusError, UsageError
from cardwire.handshakes.bac import MrzInformation
from cardwire.sm.base import Rng
from cardwire.sm.card_access import PaceInfo, parse_card_access
from cardwire.sm.iso7816 import IsoSmHost, SmMode
from cardwire.sm.pace import (
    ID_PACE_DH_GM_AES_CBC_CMAC_128,
    ID_PACE_ECDH_GM_AES_CBC_CMAC_128,
    SUPPORTED_PARAMETER_IDS,
    KeyAgreement,
    MappingKind,
    PaceHost,
    PacePassword,
    PasswordType,
    SessionKeys,
    algorithm_for,
    domain_parameters,
)
from cardwire.sw import SW

PasswordKind = Literal["can", "mrz", "pin", "puk"]
KINDS: dict[str, PasswordType] = {
    "mrz": PasswordType.MRZ,
    "can": PasswordType.CAN,
    "pin": PasswordType.PIN,
    "puk": PasswordType.PUK,
}
SFI_CARD_ACCESS = 0x1C  # ICAO 9303-10 3.11.3 / BSI TR-03110-3 A.1.2
RETRY_WARNING = 0x63C0  # TR-03110-3 B.1: MSE:Set AT 63Cx, x = tries left (a warning)


def password_type(kind: PasswordType | str) -> PasswordType:
    """``kind`` as a :class:`PasswordType`: the enum itself, or its name as a string (``can``,
    ``mrz``, ``pin``, ``puk``; the CLI's spelling, still accepted)."""
    if isinstance(kind, PasswordType):
        return kind
    found = KINDS.get(kind) if isinstance(kind, str) else None
    if found is None:
        raise UsageError(f"unknown PACE password kind {kind!r} (can, mrz, pin or puk)")
    return found


def pace_password(password: str | MrzInformation, kind: PasswordType | str) -> PacePassword:
    """f(password) for ``kind`` (ICAO 9303-11 9.7.3): the MRZ as ``DOC,BIRTH,EXPIRY`` (or an
    :class:`MrzInformation`), the CAN, PIN or PUK as text."""
    ptype = password_type(kind)
    if ptype is PasswordType.MRZ:
        info = password if isinstance(password, MrzInformation) else MrzInformation.parse(password)
        return PacePassword.from_mrz(info.document_number, info.date_of_birth, info.date_of_expiry)
    if isinstance(password, MrzInformation):
        raise UsageError(f"a {ptype.name} is text, not MRZ fields")
    return PacePassword.from_text(ptype, password)


def read_card_access(card: CardCommands) -> tuple[PaceInfo, ...]:
    """The PACEInfos of EF.CardAccess, read by its short EF identifier 1C."""
    return parse_card_access(card.read_file(sfi=SFI_CARD_ACCESS)).pace


def choose_info(infos: tuple[PaceInfo, ...]) -> PaceInfo:
    """The first PACEInfo cardwire can run: Generic Mapping with standardized parameters."""
    for info in infos:
        try:
            algorithm = algorithm_for(info.protocol)
        except UsageError:
            continue
        if (
            algorithm.mapping is MappingKind.GENERIC
            and info.parameter_id in SUPPORTED_PARAMETER_IDS
        ):
            return info
    offered = ", ".join(f"{i.protocol} (parameters {i.parameter_id})" for i in infos) or "none"
    raise UsageError(
        f"EF.CardAccess offers no PACE with the Generic Mapping cardwire supports: {offered}"
    )


def info_for_parameter(parameter_id: int, protocol: str | None = None) -> PaceInfo:
    """A PACEInfo for a given domain parameter id; the protocol defaults to the Generic Mapping
    with AES-128 over the group's key agreement (ICAO 9303-11 9.2.1)."""
    if protocol is None:
        group = domain_parameters(parameter_id)
        protocol = (
            ID_PACE_ECDH_GM_AES_CBC_CMAC_128
            if group.agreement is KeyAgreement.ECDH
            else ID_PACE_DH_GM_AES_CBC_CMAC_128
        )
    return PaceInfo(protocol, parameter_id=parameter_id)


def open_pace(
    card: CardCommands,
    password: str | MrzInformation,
    *,
    kind: PasswordType | PasswordKind | str = PasswordType.CAN,
    parameter_id: int | None = None,
    protocol: str | None = None,
    rng: Rng = os.urandom,
    mode: SmMode = SmMode.COMBINED,
    on_keys: Callable[[SessionKeys], None] | None = None,
    on_secret: Callable[[int], None] | None = None,
) -> IsoSmHost:
    """Run PACE on ``card`` (a Card or a Channel, the application already selected), install
    the secure session with SSC 0 there and return it. ``on_keys`` receives KS_enc and KS_mac
    (ICAO 9303-11 9.7.1) when asked for (``cardwire pace --show-keys``, for ``trace decode``).
    ``on_secret`` receives the terminal's key-agreement private key SK_IFD (9303-11 4.4.3.3.2)
    before it is used, only when asked for (``--trace-pace-secret``: a trace that holds it).

    ``kind`` is a :class:`cardwire.sm.pace.PasswordType` (``PasswordType.CAN`` by default); its
    lower-case name as a string (``"can"``, ``"mrz"``, ``"pin"``, ``"puk"``) is accepted too.

    Raises :class:`StatusError` when the chip refuses a step (6300 or 63Cx at the last step: a
    wrong password), :class:`cardwire.errors.CryptogramError` when the chip's token does not
    verify, :class:`cardwire.errors.DecodeError` for a malformed answer.
    """
    secret = pace_password(password, kind)
    # A new handshake replaces an ended or lost session (issue 15); a live one (the CAN
    # session of the eID resume) stays and PACE runs inside it.
    card.forget_ended_session()
    if parameter_id is None:
        infos = read_card_access(card)
        if protocol is not None:
            infos = tuple(i for i in infos if i.protocol == protocol)
        info = choose_info(infos)
        # 9303-11 4.4.4.1: the parameter id goes into MSE:Set AT when the chip offers several.
        announce = len(infos) > 1
    else:
        info, announce = info_for_parameter(parameter_id, protocol), True
    host = PaceHost(secret, info, rng, announce_parameter_id=announce, mode=mode)
    command = host.start()
    answer = card.send(command, check=False)
    if answer.sw & 0xFFF0 == RETRY_WARNING:
        if answer.sw == RETRY_WARNING:
            raise StatusError(answer.sw, f"the {secret.kind.name} is blocked", command)
        answer = Response(answer.data, SW.SUCCESS)  # a warning: PACE goes on
    next_command = host.receive(answer)
    told = False
    while next_command is not None:
        secret_key = host.key_agreement_private_key
        if on_secret is not None and secret_key is not None and not told:
            # 9303-11 4.4.4.2 step 3: 7C { 83 PK_IFD } goes out; SK_IFD is the only terminal
            # key that yields the shared secret (the mapping key pair stays private).
            on_secret(secret_key)
            told = True
        next_command = host.receive(card.send(next_command, check=False))
    session = host.result.session
    if on_keys is not None:
        on_keys(host.result.keys)
    card.secure(session)  # replaces (ends) the CAN session PACE-PIN ran inside, if any
    return session


def select_application(card: CardCommands, aid: bytes) -> None:
    """SELECT the application by AID with no answer data (ICAO 9303-10: P2 0C)."""
    card.send(commands.select_by_aid(aid, fci=commands.SelectReturn.NONE))


__all__ = [
    "KINDS",
    "PasswordKind",
    "choose_info",
    "info_for_parameter",
    "open_pace",
    "pace_password",
    "password_type",
    "read_card_access",
    "select_application",
]
