"""open_scp11 over a Card and a Channel on the simulated Security Domain (GP Amendment F): every
variant, the certificate store, SCP11b's refusal of PUT KEY, S16 and AES-256."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from cardwire.card import Card
from cardwire.errors import CryptogramError, StatusError
from cardwire.handshakes.scp11 import open_scp11, read_sd_key
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sim.applets.security_domain.scp11 import Scp11Config, Scp11TestPki
from cardwire.sim.card import SimCard
from cardwire.sm.scp11 import Variant
from cardwire.transport.memory import MemoryTransport

PKI = Scp11TestPki(Scp11Config())
OCE_CHAIN = [PKI.oce_certificate.public_bytes(serialization.Encoding.DER)]
GET_STATUS = bytes.fromhex("80F28002024F00")  # the ISD itself


def card() -> Card:
    c = Card(MemoryTransport(SimCard()), trace=True)
    c.select(DEFAULT_AID)
    return c


@pytest.mark.parametrize("variant", list(Variant))
def test_every_variant_opens_and_runs_get_status(variant: Variant) -> None:
    c = card()
    oce = variant is not Variant.B
    session = open_scp11(
        c,
        variant,
        oce_key=PKI.oce_key if oce else None,
        certificates=OCE_CHAIN if oce else (),
    )
    assert session.active and session.channel == 0 and session.variant is variant
    assert c.send(GET_STATUS).sw == 0x9000


def test_scp11b_refuses_put_key_and_scp11a_reaches_it() -> None:
    c = card()
    open_scp11(c, "11b")
    with pytest.raises(StatusError) as caught:
        c.send(bytes.fromhex("80D801810100"))  # PUT KEY: the OCE is not authenticated
    assert caught.value.sw == 0x6982
    c = card()
    open_scp11(c, "11a", oce_key=PKI.oce_key, certificates=OCE_CHAIN)
    with pytest.raises(StatusError) as caught:
        c.send(bytes.fromhex("80D801810100"))  # past the SCP11b gate: PUT KEY's own checks
    assert caught.value.sw != 0x6982


def test_certificate_store_holds_the_sd_key() -> None:
    key = read_sd_key(card(), Variant.B, 0x01)
    assert key.public_numbers() == PKI.sd_key.public_key().public_numbers()
    with pytest.raises(StatusError) as caught:
        read_sd_key(card(), Variant.B, 0x02)
    assert caught.value.sw == 0x6A88


def test_s16_and_aes256_on_a_logical_channel() -> None:
    c = Card(MemoryTransport(SimCard()))
    channel = c.open_channel()
    channel.select(DEFAULT_AID)
    session = open_scp11(channel, "11c", oce_key=PKI.oce_key, certificates=OCE_CHAIN, key_length=32)
    assert session.channel == channel.number
    assert channel.send(GET_STATUS).sw == 0x9000


def test_wrong_sd_key_fails_the_receipt() -> None:
    other = Scp11TestPki(Scp11Config(seed=b"another CA"))
    with pytest.raises(CryptogramError):
        open_scp11(card(), "11b", sd_key=other.sd_key.public_key())


def test_oce_certificate_from_another_ca_is_refused() -> None:
    other = Scp11TestPki(Scp11Config(seed=b"another CA"))
    chain = [other.oce_certificate.public_bytes(serialization.Encoding.DER)]
    with pytest.raises(StatusError) as caught:
        open_scp11(card(), "11a", oce_key=other.oce_key, certificates=chain)
    assert caught.value.sw == 0x6A80
