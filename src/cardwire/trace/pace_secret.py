"""PACE session keys recomputed from a trace that holds the terminal's key-agreement private key.

A trace holds that key only when the user asked (``cardwire pace ... --trace-pace-secret``,
:meth:`cardwire.trace.recorder.TraceRecorder.record_pace_secret`): one comment
``pace-key-agreement-private-key: HEX`` per PACE run, and the notice :data:`WARNING_COMMENT`
first among the comments; the file is written with mode 0600.

Why that key and no other (ICAO Doc 9303 Part 11, 4.4.3.3): Generic Mapping uses two terminal
key pairs. The mapping pair only yields the mapped generator; the key-agreement pair
(SK_IFD, PK_IFD on the mapped generator) gives the shared secret K = SK_IFD * PK_IC, and
KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) (9.7.1). The chip's PK_IC is on the wire (GENERAL
AUTHENTICATE step 3, tag 84). The mapping private key is never recorded: with both private keys
and the trace, the password could be guessed offline (s*G = G~ - H).

So the password is not what opens the session, and cannot be checked from a trace (that is
what protects it): :class:`PaceKeyRecovery` uses it where PACE does, to decrypt the nonce s
(9303-11 4.4.3.1, shown by ``trace decode --show-keys``), and recomputes only the PACE runs
whose password reference (MSE:Set AT tag 83) matches a password given. The keys are checked
against both authentication tokens in the trace (T_IFD and T_IC, 9303-11 4.4.3.4).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from cardwire.apdu import Command, Response
from cardwire.errors import CardwireError, CryptogramError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm.pace import (
    ALGORITHMS,
    SUPPORTED_PARAMETER_IDS,
    TAG_ENCRYPTED_NONCE,
    TAG_EPHEMERAL_KEY_IC,
    TAG_EPHEMERAL_KEY_IFD,
    TAG_MAPPING_DATA_IC,
    TAG_MAPPING_DATA_IFD,
    TAG_TOKEN_IC,
    TAG_TOKEN_IFD,
    PaceAlgorithm,
    PaceGroup,
    PacePassword,
    SessionKeys,
    authentication_token,
    decrypt_nonce,
    domain_parameters,
    dynamic_objects,
    parse_set_at,
)
from cardwire.trace.model import Trace

COMMENT_NAME = "pace-key-agreement-private-key"  # the comment's name, before ": HEX"
WARNING_COMMENT = (
    "SECRET: this trace holds PACE key-agreement private keys (--trace-pace-secret); with "
    "them anyone can read its PACE sessions: keep it private (written with mode 0600)"
)
_BY_OID = {algorithm.oid_content: algorithm for algorithm in ALGORITHMS.values()}
_STEP_TAGS = (TAG_MAPPING_DATA_IFD, TAG_EPHEMERAL_KEY_IFD, TAG_TOKEN_IFD)
_ANSWER_TAGS = (TAG_ENCRYPTED_NONCE, TAG_MAPPING_DATA_IC, TAG_EPHEMERAL_KEY_IC, TAG_TOKEN_IC)


def secret_comment(private_key: int) -> str:
    """The comment that carries one SK_IFD (big-endian hex)."""
    if private_key <= 0:
        raise UsageError("a PACE private key is a positive number")
    return f"{COMMENT_NAME}: {to_hex(private_key.to_bytes((private_key.bit_length() + 7) // 8))}"


def secrets_in(trace: Trace) -> tuple[int, ...]:
    """Every SK_IFD the trace's comments carry, in order."""
    found = []
    for comment in trace.comments:
        name, colon, value = comment.partition(":")
        if colon and name.strip() == COMMENT_NAME:
            found.append(int.from_bytes(parse_hex(value.strip()), "big"))
    return tuple(found)


@dataclass
class _Run:
    """One PACE run on a channel, as far as the trace has shown it."""

    algorithm: PaceAlgorithm
    password: PacePassword | None
    parameter_id: int | None
    nonce: bytes = b""
    terminal_key: bytes = b""  # PK_IFD, GENERAL AUTHENTICATE step 3 (83)
    chip_key: bytes = b""  # PK_IC, its answer (84)


class PaceKeyRecovery:
    """Follows PACE runs in a trace and recomputes their session keys (see the module text)."""

    def __init__(self, passwords: Sequence[PacePassword], secrets: Sequence[int]) -> None:
        self._passwords = {int(password.kind): password for password in passwords}
        self._secrets = tuple(secrets)
        self._runs: dict[int, _Run] = {}
        self.nonces: list[bytes] = []

    def set_at(self, channel: int, data: bytes) -> None:
        """MSE:Set AT on ``channel`` (9303-11 4.4.4.1: 80 OID, 83 password, 84 parameter id)."""
        self._runs.pop(channel, None)
        try:
            request = parse_set_at(data)
        except CardwireError:
            return
        algorithm = _BY_OID.get(request.protocol)
        if algorithm is not None:
            password = self._passwords.get(request.password)
            self._runs[channel] = _Run(algorithm, password, request.parameter_id)

    def general_authenticate(
        self, channel: int, command: Command, response: Response
    ) -> SessionKeys | None:
        """One GENERAL AUTHENTICATE step on ``channel``; the session keys after the last one,
        when its PACE used a password given (else ``None``: not ours to recompute)."""
        run = self._runs.get(channel)
        if run is None or run.password is None:
            return None
        try:
            sent = dynamic_objects(command.data, _STEP_TAGS, None)
            answer = dynamic_objects(response.data, _ANSWER_TAGS, None)
        except CardwireError:
            return None
        if TAG_ENCRYPTED_NONCE in answer:
            # 9303-11 4.4.3.1: s = D(K_pi, z), K_pi = KDF(f(password), 3).
            key_type = run.algorithm.key_type
            run.nonce = decrypt_nonce(
                key_type, run.password.key(key_type), answer[TAG_ENCRYPTED_NONCE]
            )
            self.nonces.append(run.nonce)
        if TAG_EPHEMERAL_KEY_IFD in sent and TAG_EPHEMERAL_KEY_IC in answer:
            run.terminal_key = sent[TAG_EPHEMERAL_KEY_IFD]
            run.chip_key = answer[TAG_EPHEMERAL_KEY_IC]
        if TAG_TOKEN_IFD not in sent or TAG_TOKEN_IC not in answer:
            return None
        del self._runs[channel]
        return self._agree(run, sent[TAG_TOKEN_IFD], answer[TAG_TOKEN_IC])

    def _groups(self, run: _Run) -> list[PaceGroup]:
        if run.parameter_id is not None:
            return [domain_parameters(run.parameter_id)]
        # No tag 84: the chip offered one set (9303-11 4.4.4.1), named in EF.CardAccess; each
        # standardized group of the protocol's agreement is tried, the tokens tell which.
        groups = [domain_parameters(pid) for pid in SUPPORTED_PARAMETER_IDS]
        return [group for group in groups if group.agreement is run.algorithm.agreement]

    def _agree(self, run: _Run, token_ifd: bytes, token_ic: bytes) -> SessionKeys:
        if not self._secrets:
            raise UsageError(
                "this trace holds no PACE key-agreement private key: record it with "
                "`cardwire pace ... --trace FILE --trace-pace-secret`, or give --pace-keys"
            )
        algorithm, key_type = run.algorithm, run.algorithm.key_type
        for group in self._groups(run):
            try:
                chip_key = group.check_public_key(run.chip_key)
                terminal_key = group.check_public_key(run.terminal_key)
            except CardwireError:
                continue
            for secret in self._secrets:
                # 9303-11 4.4.3.3.2 and 9.7.1: K = SK_IFD * PK_IC, then the KDF.
                keys = SessionKeys.derive(key_type, group.shared_secret(secret, chip_key))
                # 9303-11 4.4.3.4: T_IFD is the MAC over the chip's key, T_IC over ours.
                mine = authentication_token(
                    key_type, keys.ks_mac, group.public_key_data(algorithm, chip_key)
                )
                if not hmac.compare_digest(mine, token_ifd):
                    continue
                theirs = authentication_token(
                    key_type, keys.ks_mac, group.public_key_data(algorithm, terminal_key)
                )
                if hmac.compare_digest(theirs, token_ic):
                    return keys
        raise CryptogramError(
            "no PACE private key recorded in this trace gives the authentication tokens of "
            "this PACE run (9303-11 4.4.3.4)"
        )


__all__ = ["COMMENT_NAME", "WARNING_COMMENT", "PaceKeyRecovery", "secret_comment", "secrets_in"]
