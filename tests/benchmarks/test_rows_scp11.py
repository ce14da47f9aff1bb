"""The SCP11b handshake row does the work it claims (benchmarks/rows_scp11.py): every contender
completes a handshake against the same card answer, each checking the receipt (a contender in
another state would raise), and the yubikit shim is put back after its batch."""

from __future__ import annotations

import pytest
from benchmarks.harness import Role
from cryptography.hazmat.primitives.asymmetric import ec

from benchmarks import rows_scp11


def test_every_contender_completes_a_handshake() -> None:
    (row,) = rows_scp11.rows(())
    assert {c.role for c in row.contenders} >= {Role.CARDWIRE, Role.FLOOR}
    for contender in row.contenders:
        contender.prepare(2)()


def test_the_floor_refuses_another_answer() -> None:
    command_data, response = rows_scp11.card_answer()
    tampered = type(response)(response.data[:-1] + bytes((response.data[-1] ^ 1,)), response.sw)
    with pytest.raises(RuntimeError):
        rows_scp11.floor_handshake(command_data, tampered).prepare(1)()


def test_yubikit_sees_the_real_module_again() -> None:
    scp = pytest.importorskip("yubikit.core.smartcard.scp")
    _, response = rows_scp11.card_answer()
    peer = rows_scp11.yubikit_handshake(response)
    assert peer is not None
    peer.prepare(1)()
    assert scp.ec is ec
