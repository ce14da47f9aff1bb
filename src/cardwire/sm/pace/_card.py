"""The chip's side of PACE (ICAO Doc 9303 Part 11, 4.4): answers MSE:Set AT and the four
GENERAL AUTHENTICATE steps with status words, never exceptions.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import NoReturn

from cardwire import tlv
from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, DecodeError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.card_access import PaceInfo
from cardwire.sm.iso7816 import IsoSmCard, SmMode
from cardwire.sm.pace._algorithms import (
    INS_GENERAL_AUTHENTICATE,
    INS_MSE,
    MSE_SET_AT_P1,
    MSE_SET_AT_P2,
    NONCE_LENGTH,
    TAG_CAR_1,
    TAG_CAR_2,
    TAG_DYNAMIC_AUTHENTICATION_DATA,
    TAG_ENCRYPTED_NONCE,
    TAG_EPHEMERAL_KEY_IC,
    TAG_EPHEMERAL_KEY_IFD,
    TAG_MAPPING_DATA_IC,
    TAG_MAPPING_DATA_IFD,
    TAG_TOKEN_IC,
    TAG_TOKEN_IFD,
    PaceAlgorithm,
    algorithm_for,
)
from cardwire.sm.pace._groups import PaceGroup, checked_setup
from cardwire.sm.pace._messages import (
    PacePassword,
    PasswordType,
    SessionKeys,
    authentication_token,
    dynamic_objects,
    encrypt_nonce,
    parse_set_at,
)
from cardwire.sw import SW


class PaceOutcome(Enum):
    """Where the card's side of PACE stands (for the applet's retry counters)."""

    IDLE = "idle"
    RUNNING = "running"
    ESTABLISHED = "established"
    AUTHENTICATION_FAILED = "authentication-failed"  # the terminal's token did not verify (6300)
    ABORTED = "aborted"  # malformed or out-of-order command


class _CardFailure(Exception):
    def __init__(self, sw: int, outcome: PaceOutcome = PaceOutcome.ABORTED) -> None:
        super().__init__(f"{sw:04X}")
        self.sw = sw
        self.outcome = outcome


class PaceCard:
    """The chip's side of PACE: :meth:`process` answers MSE:Set AT and the four GENERAL
    AUTHENTICATE steps with a :class:`Response` (never raises for bad input).

    ``infos`` are the PACEInfos the chip offers (EF.CardAccess); ``passwords`` the passwords it
    knows by type; ``car`` the certification authority references sent with T_IC (87, 88).
    Status words: 6A80 unsupported protocol or malformed data, 6A88 unknown password, 6985
    step out of order, 6300 wrong token (the password was wrong). After ESTABLISHED,
    :attr:`session` is the :class:`IsoSmCard` with SSC 0. The chaining bit of CLA is not
    checked (the card OS may have consumed it).
    """

    def __init__(
        self,
        infos: Sequence[PaceInfo],
        passwords: Mapping[PasswordType, PacePassword],
        rng: Rng,
        *,
        nonce_length: int = NONCE_LENGTH,
        car: Sequence[bytes] = (),
        mode: SmMode = SmMode.COMBINED,
    ) -> None:
        for info in infos:
            checked_setup(info)
        if nonce_length <= 0 or nonce_length % 16:
            raise UsageError("the nonce length must be a positive multiple of 16 bytes")
        if len(car) > 2:
            raise UsageError("at most two certification authority references (87, 88)")
        self._infos = tuple(infos)
        self._passwords = dict(passwords)
        self._rng = rng
        self._nonce_length = nonce_length
        self._car = tuple(car)
        self._mode = mode
        self.outcome = PaceOutcome.IDLE
        self.password_type: PasswordType | None = None
        self.session: IsoSmCard | None = None
        self.keys: SessionKeys | None = None
        self._reset()

    def _reset(self) -> None:
        self._algorithm: PaceAlgorithm | None = None
        self._group: PaceGroup | None = None
        self._step = 0
        self._nonce = b""
        self._private = 0
        self._generator = b""
        self._public = b""
        self._terminal_public = b""
        self._pending_keys: SessionKeys | None = None
        self._password: PacePassword | None = None

    def process(self, command: Command) -> Response:
        """Answer one command (MSE:Set AT or GENERAL AUTHENTICATE)."""
        try:
            if command.ins == INS_MSE:
                return self._set_at(command)
            if command.ins == INS_GENERAL_AUTHENTICATE:
                return self._authenticate(command)
            raise _CardFailure(SW.INS_NOT_SUPPORTED, self.outcome)
        except _CardFailure as failure:
            if command.ins in (INS_MSE, INS_GENERAL_AUTHENTICATE):
                self._reset()
                self.outcome = failure.outcome
            return Response(sw=failure.sw)

    def _fail(self, sw: int, outcome: PaceOutcome = PaceOutcome.ABORTED) -> NoReturn:
        raise _CardFailure(sw, outcome)

    def _set_at(self, command: Command) -> Response:
        if (command.p1, command.p2) != (MSE_SET_AT_P1, MSE_SET_AT_P2):
            self._fail(SW.INCORRECT_P1_P2)
        try:
            request = parse_set_at(command.data)
        except DecodeError:
            self._fail(SW.INCORRECT_DATA)
        pid = request.parameter_id
        info = next(
            (
                i
                for i in self._infos
                if algorithm_for(i.protocol).oid_content == request.protocol
                and (pid is None or i.parameter_id == pid)
            ),
            None,
        )
        if info is None:
            self._fail(SW.INCORRECT_DATA)  # 9303-11 4.4.4.1: protocol / parameters unsupported
        try:
            kind = PasswordType(request.password)
        except ValueError:
            self._fail(SW.INCORRECT_DATA)
        if kind not in self._passwords:
            self._fail(SW.REFERENCED_DATA_NOT_FOUND)
        self._reset()
        self._algorithm, self._group = checked_setup(info)
        self._password = self._passwords[kind]
        self.password_type = kind
        self.outcome = PaceOutcome.RUNNING
        self.session = None
        self.keys = None
        self._step = 1
        return Response()

    def _objects(self, command: Command, tag: int | None) -> dict[int, bytes]:
        allowed = () if tag is None else (tag,)
        try:
            return dynamic_objects(command.data, allowed, tag)
        except DecodeError:
            self._fail(SW.INCORRECT_DATA)

    def _public_key(self, group: PaceGroup, data: bytes) -> bytes:
        try:
            return group.check_public_key(data)
        except DecodeError:
            self._fail(SW.INCORRECT_DATA)

    def _authenticate(self, command: Command) -> Response:
        algorithm, group, password = self._algorithm, self._group, self._password
        step = self._step
        if command.p1 or command.p2:
            self._fail(SW.INCORRECT_P1_P2)  # 9303-11 4.4.4.2: P1 P2 are 00 00
        if algorithm is None or group is None or password is None:
            self._fail(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # no MSE:Set AT before
        if step == 1:
            # 9303-11 4.4.3.1: z = E(K_pi, s) for a random nonce s.
            self._objects(command, None)
            self._nonce = self._rng(self._nonce_length)
            k_pi = password.key(algorithm.key_type)
            answer = tlv.tlv(
                TAG_ENCRYPTED_NONCE, encrypt_nonce(algorithm.key_type, k_pi, self._nonce)
            )
        elif step == 2:
            objects = self._objects(command, TAG_MAPPING_DATA_IFD)
            terminal_mapping = self._public_key(group, objects[TAG_MAPPING_DATA_IFD])
            private = group.private_key(self._rng)
            answer = tlv.tlv(TAG_MAPPING_DATA_IC, group.public_key(private, group.generator))
            secret = group.mapping_secret(private, terminal_mapping)
            try:
                self._generator = group.map_generator(self._nonce, secret)
            except CryptogramError:
                # 9303-11 4.4.3.3.1: G~ = s*G + H (g~ = g^s * h); the neutral element is no
                # generator. The terminal's mapping key led there: bad data, like a bad key.
                self._fail(SW.INCORRECT_DATA)
        elif step == 3:
            objects = self._objects(command, TAG_EPHEMERAL_KEY_IFD)
            terminal_public = self._public_key(group, objects[TAG_EPHEMERAL_KEY_IFD])
            self._private = group.private_key(self._rng)
            self._public = group.public_key(self._private, self._generator)
            if hmac.compare_digest(terminal_public, self._public):
                self._fail(SW.INCORRECT_DATA)  # 9303-11 4.4.3.3.2: PK_IFD must differ
            self._terminal_public = terminal_public
            shared = group.shared_secret(self._private, terminal_public)
            self._pending_keys = SessionKeys.derive(algorithm.key_type, shared)
            answer = tlv.tlv(TAG_EPHEMERAL_KEY_IC, self._public)
        elif step == 4:
            objects = self._objects(command, TAG_TOKEN_IFD)
            keys = self._pending_keys
            assert keys is not None
            expected = authentication_token(
                keys.key_type, keys.ks_mac, group.public_key_data(algorithm, self._public)
            )
            if not hmac.compare_digest(expected, objects[TAG_TOKEN_IFD]):
                self._fail(SW.VERIFICATION_FAILED, PaceOutcome.AUTHENTICATION_FAILED)
            token = authentication_token(
                keys.key_type,
                keys.ks_mac,
                group.public_key_data(algorithm, self._terminal_public),
            )
            answer = tlv.tlv(TAG_TOKEN_IC, token) + b"".join(
                tlv.tlv(tag, car)
                for tag, car in zip((TAG_CAR_1, TAG_CAR_2), self._car, strict=False)
            )
            kind = self.password_type
            self._reset()
            self.password_type = kind
            self.keys = keys
            self.session = keys.card_session(self._mode)
            self.outcome = PaceOutcome.ESTABLISHED
            return Response(tlv.tlv(TAG_DYNAMIC_AUTHENTICATION_DATA, answer))
        else:
            self._fail(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        self._step = step + 1
        return Response(tlv.tlv(TAG_DYNAMIC_AUTHENTICATION_DATA, answer))

    def __repr__(self) -> str:
        return f"PaceCard({self.outcome.value})"


__all__ = [
    "PaceCard",
    "PaceOutcome",
]
