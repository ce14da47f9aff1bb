"""``cardwire scp11 ... send`` and ``open scp11`` (cardwire.cli.scp11_cmd), with the OCE
credentials ``cardwire sim scp11-credentials`` exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from cardwire.card import Card
from cardwire.cli import cli
from cardwire.cli.scp11_cmd import load_certificates, load_oce_key, variant_of
from cardwire.cli.secure_protocols import open_statement
from cardwire.errors import StatusError, UsageError
from cardwire.sim.card import SimCard
from cardwire.sm.scp11 import Variant
from cardwire.sm.scp11.sessions import Scp11HostSession
from cardwire.transport.memory import MemoryTransport

GET_STATUS = "80F28002024F0000"  # the ISD itself
ISD = "A000000151000000"
PUT_KEY = "80D801810100"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def oce(tmp_path: Path) -> list[str]:
    code, _out, err = run("sim", "scp11-credentials", str(tmp_path))
    assert code == 0, err
    return [
        "--oce-key",
        str(tmp_path / "oce-key.pem"),
        "--oce-cert",
        str(tmp_path / "oce-cert.pem"),
    ]


def test_scp11b_is_the_default_and_needs_no_credentials() -> None:
    code, out, err = run("scp11", "send", "--sim", GET_STATUS)
    assert code == 0, err
    assert ISD in out and "9000" in out


@pytest.mark.parametrize("variant", ["a", "11c", "C"])
@pytest.mark.parametrize("length", ["16", "32"])
def test_scp11a_and_c_with_the_exported_credentials(
    oce: list[str], variant: str, length: str
) -> None:
    code, out, err = run(
        "scp11", "--variant", variant, *oce, "--key-length", length, "send", "--sim", GET_STATUS
    )
    assert code == 0, err
    assert ISD in out


def test_put_key_is_refused_over_scp11b_only(oce: list[str]) -> None:
    # Amendment F 2.3 / yubikit's put_key: SCP11b does not authenticate the OCE (6982).
    _code, out, err = run("scp11", "send", "--sim", PUT_KEY)
    assert "6982" in out + err
    _code, out, err = run("scp11", "--variant", "a", *oce, "send", "--sim", PUT_KEY)
    assert "6982" not in out + err


def test_scp11a_without_credentials_is_a_usage_error(oce: list[str]) -> None:
    code, _out, err = run("scp11", "--variant", "a", "send", "--sim", GET_STATUS)
    assert code == 2 and "needs --oce-key FILE and --oce-cert FILE" in err
    code, _out, err = run("scp11", *oce, "send", "--sim", GET_STATUS)
    assert code == 2 and "scp11b authenticates the card only" in err


def test_an_oce_chain_the_card_does_not_trust_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other"
    profile = tmp_path / "card.json"
    assert run("sim", "init", str(profile))[0] == 0
    seed = b"cardwire SCP11 test CA".hex()  # the default profile's SCP11 seed
    text = profile.read_text().replace(seed, "00" + seed)
    profile.write_text(text)
    code, _out, err = run("sim", "scp11-credentials", str(other), "--profile", str(profile))
    assert code == 0, err
    oce = ["--oce-key", str(other / "oce-key.pem"), "--oce-cert", str(other / "oce-cert.pem")]
    code, _out, err = run("scp11", "--variant", "a", *oce, "send", "--sim", GET_STATUS)
    assert code != 0 and "6A80" in err


def test_open_scp11_in_a_script(oce: list[str]) -> None:
    card = Card(MemoryTransport(SimCard()))
    session = open_statement(card, ["scp11", "--variant", "c", *oce])
    assert isinstance(session, Scp11HostSession) and session.variant is Variant.C
    assert card.send(bytes.fromhex(GET_STATUS)).sw == 0x9000
    card.secure(None)
    open_statement(card, ["scp11"])
    with pytest.raises(StatusError) as caught:
        card.send(bytes.fromhex(PUT_KEY))
    assert caught.value.sw == 0x6982


def test_credential_files_in_pem_and_der(oce: list[str], tmp_path: Path) -> None:
    key = load_oce_key(Path(oce[1]))
    der_key = tmp_path / "oce-key.der"
    der_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    assert load_oce_key(der_key).private_numbers() == key.private_numbers()
    (pem,) = load_certificates((Path(oce[3]),))
    der_cert = tmp_path / "oce-cert.der"
    der_cert.write_bytes(pem)
    both = tmp_path / "chain.pem"
    both.write_bytes((tmp_path / "ca.pem").read_bytes() + Path(oce[3]).read_bytes())
    assert load_certificates((der_cert,)) == [pem]
    assert len(load_certificates((both,))) == 2 and load_certificates((both,))[1] == pem


def test_bad_credential_files_name_the_file_not_the_bytes(tmp_path: Path) -> None:
    secret = tmp_path / "key.pem"
    secret.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n")
    with pytest.raises(UsageError) as caught:
        load_oce_key(secret)
    assert str(secret) in str(caught.value) and "c2VjcmV0" not in str(caught.value)
    with pytest.raises(UsageError):
        load_certificates((secret,))
    with pytest.raises(UsageError):
        load_oce_key(tmp_path / "missing.pem")


@pytest.mark.parametrize(
    ("text", "variant"),
    [(None, Variant.B), ("11", Variant.B), ("a", Variant.A), ("11C", Variant.C)],
)
def test_variant_names(text: str | None, variant: Variant) -> None:
    assert variant_of(text) is variant


def test_unknown_variant() -> None:
    with pytest.raises(UsageError):
        variant_of("d")
