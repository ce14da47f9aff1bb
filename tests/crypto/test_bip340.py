"""BIP-340 Schnorr signatures (cardwire.crypto.bip340) against bip-0340's test-vectors.csv
(vectors 0 and 1: key, auxiliary randomness, message, signature)."""

from __future__ import annotations

import pytest

from cardwire.crypto.bip340 import sign, verify, x_only
from cardwire.errors import CryptogramError

# bip-0340/test-vectors.csv: (secret key, public key, aux_rand, message, signature).
VECTORS = [
    (
        "0000000000000000000000000000000000000000000000000000000000000003",
        "F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA8215"
        "25F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0",
    ),
    (
        "B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF",
        "DFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659",
        "0000000000000000000000000000000000000000000000000000000000000001",
        "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
        "6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE3341"
        "8906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A",
    ),
]


@pytest.mark.parametrize(("secret", "public", "aux", "message", "signature"), VECTORS)
def test_bip340_vectors(secret: str, public: str, aux: str, message: str, signature: str) -> None:
    key = int(secret, 16)
    assert x_only(key).hex().upper() == public
    made = sign(key, bytes.fromhex(message), bytes.fromhex(aux))
    assert made.hex().upper() == signature
    verify(bytes.fromhex(public), bytes.fromhex(message), made)


def test_a_changed_message_does_not_verify() -> None:
    _, public, aux, message, signature = VECTORS[1]
    with pytest.raises(CryptogramError):
        verify(bytes.fromhex(public), bytes(32), bytes.fromhex(signature))
    assert aux and message
