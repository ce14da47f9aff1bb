"""The terminal's side of PACE (ICAO Doc 9303 Part 11, 4.4), sans-IO."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from cardwire import tlv
from cardwire.apdu import Command, Response
from cardwire.errors import (
    CardwireError,
    CryptogramError,
    SessionClosedError,
    StatusError,
    UsageError,
)
from cardwire.sm.base import Rng
from cardwire.sm.card_access import PaceInfo
from cardwire.sm.iso7816 import IsoSmHost, SmMode
from cardwire.sm.pace._algorithms import AuthTag
from cardwire.sm.pace._groups import checked_setup
from cardwire.sm.pace._messages import (
    PacePassword,
    SessionKeys,
    authentication_token,
    decrypt_nonce,
    dynamic_objects,
    general_authenticate,
    mse_set_at,
)
from cardwire.sw import SW, meaning


@dataclass(frozen=True, slots=True)
class PaceResult:
    """What a successful PACE leaves: the session keys, the secure-messaging session with
    SSC 0, both ephemeral public keys (PK_IC gives ID_PICC for Terminal Authentication), and
    the certification authority references the chip sent (87, 88)."""

    keys: SessionKeys
    session: IsoSmHost = field(compare=False)
    chip_public_key: bytes
    terminal_public_key: bytes
    car: tuple[bytes, ...] = ()


class _HostStep(Enum):
    NEW = "new"
    MSE = "mse"
    NONCE = "nonce"
    MAPPING = "mapping"
    KEY_AGREEMENT = "key-agreement"
    TOKENS = "tokens"
    DONE = "done"
    FAILED = "failed"


class PaceHost:
    """The terminal's side of PACE: :meth:`start` gives MSE:Set AT; :meth:`receive` turns each
    answer into the next command and returns ``None`` once the chip's token verified; then
    :attr:`result` holds the keys and the :class:`IsoSmHost` session (SSC 0).

    Any failure (status word, malformed answer, token mismatch, any other CardwireError such as
    a UsageError from ``rng``) ends the exchange; later calls raise :class:`SessionClosedError`.
    ``announce_parameter_id`` adds tag 84 to MSE:Set AT (9303-11 4.4.4.1: needed when the chip
    offers several domain parameters).
    """

    def __init__(
        self,
        password: PacePassword,
        info: PaceInfo,
        rng: Rng,
        *,
        announce_parameter_id: bool = False,
        mode: SmMode = SmMode.COMBINED,
    ) -> None:
        self.algorithm, self.group = checked_setup(info)
        self._info = info
        self._password = password
        self._rng = rng
        self._announce = announce_parameter_id
        self._mode = mode
        self._step = _HostStep.NEW
        self._command: Command | None = None
        self._nonce = b""
        self._private = 0
        self._generator = b""
        self._public = b""
        self._keys: SessionKeys | None = None
        self._chip_public = b""
        self._result: PaceResult | None = None

    @property
    def result(self) -> PaceResult:
        if self._result is None:
            raise UsageError("PACE has not completed")
        return self._result

    @property
    def key_agreement_private_key(self) -> int | None:
        """The terminal's ephemeral key-agreement private key SK_IFD (9303-11 4.4.3.3.2), from
        the key-agreement command until the chip's token is checked (then it is erased);
        ``None`` outside that window.

        Only for a trace the user asked to hold it (``cardwire pace --trace-pace-secret``):
        with it and the chip's PK_IC from the trace, anyone computes the session keys. The
        mapping key pair is never exposed (with both, the password could be guessed offline)."""
        if self._step not in (_HostStep.KEY_AGREEMENT, _HostStep.TOKENS):
            return None
        return self._private

    def start(self) -> Command:
        """The MSE:Set AT command that opens the exchange."""
        if self._step is not _HostStep.NEW:
            raise UsageError("start() opens a PACE exchange once")
        pid = self._info.parameter_id if self._announce else None
        return self._send(_HostStep.MSE, mse_set_at(self.algorithm, self._password.kind, pid))

    def receive(self, response: Response) -> Command | None:
        """Process the answer to the last command; the next command, or ``None`` when done."""
        step = self._step
        if step in (_HostStep.DONE, _HostStep.FAILED):
            raise SessionClosedError("this PACE exchange has ended")
        if step is _HostStep.NEW:
            raise UsageError("call start() first")
        try:
            if response.sw != SW.SUCCESS:
                raise StatusError(response.sw, meaning(response.sw), self._command)
            return self._advance(step, response.data)
        except CardwireError:
            # Any failure (the card's status, its data, a check, or our own rng) leaves the
            # exchange half-way: it cannot be resumed, only started afresh.
            self._step = _HostStep.FAILED
            raise

    def establish(self, transmit: Callable[[Command], Response]) -> PaceResult:
        """Run the whole exchange through ``transmit`` and return the result."""
        command: Command | None = self.start()
        while command is not None:
            command = self.receive(transmit(command))
        return self.result

    def _send(self, step: _HostStep, command: Command) -> Command:
        self._step = step
        self._command = command
        return command

    def _advance(self, step: _HostStep, data: bytes) -> Command | None:
        group = self.group
        if step is _HostStep.MSE:
            # 9303-11 4.4.4.2 step 1: ask for the encrypted nonce with empty 7C.
            return self._send(_HostStep.NONCE, general_authenticate(b"", last=False))
        if step is _HostStep.NONCE:
            z = dynamic_objects(data, (AuthTag.ENCRYPTED_NONCE,), AuthTag.ENCRYPTED_NONCE)
            k_pi = self._password.key(self.algorithm.key_type)
            self._nonce = decrypt_nonce(self.algorithm.key_type, k_pi, z[AuthTag.ENCRYPTED_NONCE])
            self._private = group.private_key(self._rng)
            mapping_key = group.public_key(self._private, group.generator)
            return self._send(
                _HostStep.MAPPING,
                general_authenticate(tlv.tlv(AuthTag.MAPPING_DATA_IFD, mapping_key), last=False),
            )
        if step is _HostStep.MAPPING:
            objects = dynamic_objects(data, (AuthTag.MAPPING_DATA_IC,), AuthTag.MAPPING_DATA_IC)
            chip_mapping = group.check_public_key(objects[AuthTag.MAPPING_DATA_IC])
            secret = group.mapping_secret(self._private, chip_mapping)
            self._generator = group.map_generator(self._nonce, secret)
            self._private = group.private_key(self._rng)
            self._public = group.public_key(self._private, self._generator)
            return self._send(
                _HostStep.KEY_AGREEMENT,
                general_authenticate(tlv.tlv(AuthTag.EPHEMERAL_KEY_IFD, self._public), last=False),
            )
        if step is _HostStep.KEY_AGREEMENT:
            objects = dynamic_objects(data, (AuthTag.EPHEMERAL_KEY_IC,), AuthTag.EPHEMERAL_KEY_IC)
            chip_public = group.check_public_key(objects[AuthTag.EPHEMERAL_KEY_IC])
            if hmac.compare_digest(chip_public, self._public):
                # 9303-11 4.4.3.3.2: the two ephemeral public keys must differ.
                raise CryptogramError("the chip's ephemeral public key equals the terminal's")
            self._chip_public = chip_public
            shared = group.shared_secret(self._private, chip_public)
            keys = self._keys = SessionKeys.derive(self.algorithm.key_type, shared)
            token = authentication_token(
                keys.key_type, keys.ks_mac, group.public_key_data(self.algorithm, chip_public)
            )
            return self._send(
                _HostStep.TOKENS, general_authenticate(tlv.tlv(AuthTag.TOKEN_IFD, token), last=True)
            )
        objects = dynamic_objects(
            data, (AuthTag.TOKEN_IC, AuthTag.CAR_1, AuthTag.CAR_2), AuthTag.TOKEN_IC
        )
        agreed = self._keys
        assert agreed is not None
        expected = authentication_token(
            agreed.key_type, agreed.ks_mac, group.public_key_data(self.algorithm, self._public)
        )
        if not hmac.compare_digest(expected, objects[AuthTag.TOKEN_IC]):
            raise CryptogramError("the chip's authentication token T_IC does not verify")
        cars = tuple(objects[tag] for tag in (AuthTag.CAR_1, AuthTag.CAR_2) if tag in objects)
        self._result = PaceResult(
            agreed, agreed.host_session(self._mode), self._chip_public, self._public, cars
        )
        self._private = 0
        self._step = _HostStep.DONE
        return None

    def __repr__(self) -> str:
        return f"PaceHost({self.algorithm.oid}, {self.group.name}, {self._step.value})"


__all__ = [
    "PaceHost",
    "PaceResult",
]
