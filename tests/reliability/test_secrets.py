"""Secrets hygiene: keys and PINs never show in a repr, a log line, a trace or an exception, and
MACs and cryptograms are compared in constant time everywhere.

One whole session runs against the simulated card served through the real vpcd client code
(``cardwire sim serve -v`` logs every exchange at DEBUG): ISO PIN verification and change, a
Keycard pairing with its secure channel and PIN change, BAC with the ePassport applet, and an
SCP03 session with PUT KEY of new keys. Every secret of that session (PINs, static keys, pairing
keys, and every key-like bytes attribute found on the session objects) is then looked for in:

- the repr and str of every cardwire object reachable from the card and the sessions;
- the captured log (caplog at DEBUG, every logger) and the vpcd client's log;
- the trace of the session (only secrets that never travel in plain: keys, the Keycard PIN);
- the text and traceback of errors raised by wrong keys, wrong PINs and tampered answers.

The constant-time rule (design.md: "What not to copy: == on MACs"; pyca/cryptography: the library
does the constant-time comparison) is guarded by an AST scan of src/cardwire.
"""

from __future__ import annotations

import ast
import logging
import re
import socket
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from cardwire import gp
from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands
from cardwire.errors import CardwireError, SecureChannelError, StatusError
from cardwire.handshakes import keycard as keycard_io
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim import open_card
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.applets.security_domain import DEFAULT_AID as SECURITY_DOMAIN_AID
from cardwire.sim.card import SimCard
from cardwire.sim.vpcd import FrameDecoder, encode_frame
from cardwire.sim.vpcd_client import VpcdClient
from cardwire.sm import keycard
from cardwire.sm.bac import BacKeys
from cardwire.sm.scp03 import StaticKeys
from cardwire.trace.model import Exchange as WireExchange
from cardwire.trace.recorder import TraceEntry

SRC = Path(__file__).resolve().parents[2] / "src" / "cardwire"
FILESYSTEM = bytes.fromhex("F0636172647769726500")
MRZ = "L898902C<,690806,940623"  # the default ePassport's MRZ (ICAO 9303-11 Appendix D)
ISO_PIN, NEW_ISO_PIN = b"1234", b"86429753"  # README: default ISO PIN 1234
KEYCARD_PIN, NEW_KEYCARD_PIN = b"123456", b"975318"  # sim/applets/keycard.py DEFAULT_PIN
NEW_SCP03_KEYS = StaticKeys(
    bytes.fromhex("C0FFEE00112233445566778899AABBCC"),
    bytes.fromhex("D1CEB00C0FFEE0DDBA5EBA11AB1E5EED"),
    bytes.fromhex("5EC12E7D00D1E5CA1AB1EF00DBADF00D"),
    0x30,
)
IO_DEADLINE = 10.0  # seconds for any socket wait
KEY_WORDS = re.compile(r"(^|_)(key|keys|enc|mac|rmac|dek|kenc|kmac|secret|scalar|seed|value)(_|$)")


# --- the session, through the vpcd client ------------------------------------------------------


class VpcdLink:
    """A transport that plays vpcd's part: it frames APDUs to a VpcdClient over TCP."""

    def __init__(self, card: SimCard) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(IO_DEADLINE)
        port = self._listener.getsockname()[1]
        self.client = VpcdClient(card, "127.0.0.1", port, retry_interval=0.05)
        self._thread = threading.Thread(target=self.client.run, daemon=True)
        self._thread.start()
        self._conn, _ = self._listener.accept()
        self._conn.settimeout(IO_DEADLINE)
        self._decoder = FrameDecoder()
        self._card = card

    @property
    def atr(self) -> bytes:
        return self._card.atr

    @property
    def name(self) -> str:
        return "vpcd link"

    def transmit(self, apdu: bytes) -> bytes:
        self._conn.sendall(encode_frame(apdu))
        while True:
            frames = self._decoder.feed(self._conn.recv(4096))
            if frames:
                return frames[0]

    def reset(self, cold: bool = False) -> bytes:
        self._conn.sendall(encode_frame(b"\x02"))  # vpcd control 02: reset, no reply
        return self.atr

    def close(self) -> None:
        self.client.stop()
        self._conn.close()
        self._listener.close()
        self._thread.join(IO_DEADLINE)


def _iso_pin_part(card: CardCommands) -> None:
    card.select(FILESYSTEM)
    card.select(bytes.fromhex("5000"))
    card.verify(1, ISO_PIN)
    # CHANGE REFERENCE DATA, P1 = 00: old || new (ISO/IEC 7816-4:2020 11.5.7).
    card.send(Command(0x00, 0x24, 0x00, 0x01, ISO_PIN + NEW_ISO_PIN))
    card.verify(1, NEW_ISO_PIN)


def _keycard_part(card: CardCommands) -> keycard.KeycardSession:
    info = keycard_io.select_keycard(card)
    pairing = keycard_io.pair(card, keycard.pairing_secret(keycard.DEFAULT_PAIRING_PASSWORD))
    session = keycard_io.open_keycard(card, pairing, info.public_key)
    card.send(Command(0x80, 0x20, 0, 0, KEYCARD_PIN))  # VERIFY PIN (Keycard APDU reference)
    card.send(Command(0x80, 0x21, 0, 0, NEW_KEYCARD_PIN))  # CHANGE PIN, P1 = 00 user PIN
    return session


def _bac_part(card: CardCommands) -> object:
    card.select(EPASSPORT_AID)
    session = open_bac(card, MRZ)
    card.secure(session)
    card.select(bytes.fromhex("011E"))
    card.read_file()
    return session


def _scp03_part(card: CardCommands) -> object:
    card.select(SECURITY_DOMAIN_AID)
    session = open_scp03(card, StaticKeys.default(), level=0x33)
    card.secure(session)
    card.send(gp.put_key(NEW_SCP03_KEYS, StaticKeys.default().dek, replace_kvn=0x30))
    return session


class Session:
    """Everything one whole session leaves behind."""

    def __init__(self) -> None:
        self.log = ""
        self.sim = SimCard()
        self.link = VpcdLink(self.sim)
        self.card = Card(self.link, trace=True)
        self.objects: list[object] = [self.sim, self.card, self.link.client]
        self.trace = ""
        try:
            _iso_pin_part(self.card)
            # Each secure session on its own logical channel, all alive at the end (Keycard
            # on the basic channel: its proprietary class byte has no channel bits).
            bac_channel = self.card.open_channel()
            self.objects += [bac_channel, _bac_part(bac_channel)]
            scp03_channel = self.card.open_channel()
            self.objects += [scp03_channel, _scp03_part(scp03_channel)]
            self.objects.append(_keycard_part(self.card))
        except BaseException:
            self.card.close()
            raise
        if self.card.trace is not None:
            self.trace = self.card.trace.text()


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    logger = logging.getLogger()
    handler = _Collect()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        done = Session()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    done.log = handler.text()
    yield done
    done.card.close()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()}")
        if record.exc_info and record.exc_info[1] is not None:
            self.lines.append("".join(traceback.format_exception(record.exc_info[1])))

    def text(self) -> str:
        return "\n".join(self.lines)


# --- finding secrets ---------------------------------------------------------------------------


def _cardwire_objects(roots: list[object]) -> list[object]:
    """Every cardwire object reachable from ``roots`` through attributes and containers."""
    seen: set[int] = set()
    found: list[object] = []
    stack: list[tuple[object, int]] = [(root, 0) for root in roots]
    while stack:
        item, depth = stack.pop()
        if id(item) in seen or depth > 12 or isinstance(item, (bytes, str, int, float)):
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            stack += [(value, depth + 1) for value in item.values()]
            continue
        if isinstance(item, (list, tuple, set, frozenset)):
            stack += [(value, depth + 1) for value in item]
            continue
        if not type(item).__module__.startswith("cardwire."):
            continue
        found.append(item)
        stack += [(value, depth + 1) for _name, value in _attributes(item)]
    return found


def _attributes(item: object) -> list[tuple[str, object]]:
    pairs = list(getattr(item, "__dict__", {}).items())
    for klass in type(item).__mro__:
        for name in getattr(klass, "__slots__", ()):
            if hasattr(item, name):
                pairs.append((name, getattr(item, name)))
    return pairs


def _harvested_keys(objects: list[object]) -> set[bytes]:
    """Bytes attributes that hold key material by their name (8 bytes or more, not public)."""
    keys: set[bytes] = set()
    for item in objects:
        for name, value in _attributes(item):
            if "public" in name or not KEY_WORDS.search(name.lower().lstrip("_")):
                continue
            if isinstance(value, bytes) and len(value) >= 8 and len(set(value)) > 1:
                keys.add(value)
    return keys


def _forms(secret: bytes) -> list[str]:
    """How a secret could show in text: hex either case, Python bytes repr, ASCII."""
    forms = [secret.hex(), secret.hex().upper(), repr(secret)[2:-1]]
    if secret.isascii() and secret.decode().isprintable():
        forms.append(secret.decode())
    return forms


def _found(form: str, text: str) -> bool:
    # A short PIN's ASCII digits also occur by chance inside random hex (a 4-digit PIN in about
    # one log in a few): as text it counts only where it is not part of a longer hex run.
    if form.isdigit():
        return re.search(rf"(?<![0-9A-Fa-f]){form}(?![0-9A-Fa-f])", text) is not None
    return form in text


def _leaks(text: str, secrets: set[bytes]) -> list[str]:
    return [form for secret in secrets for form in _forms(secret) if _found(form, text)]


def _static_secrets() -> set[bytes]:
    bac = BacKeys.from_mrz("L898902C<", "690806", "940623")
    return {
        NEW_ISO_PIN,
        NEW_KEYCARD_PIN,
        StaticKeys.default().enc,
        NEW_SCP03_KEYS.enc,
        NEW_SCP03_KEYS.mac,
        NEW_SCP03_KEYS.dek,
        keycard.pairing_secret(keycard.DEFAULT_PAIRING_PASSWORD),
        bac.k_enc,
        bac.k_mac,
    }


# --- tests -------------------------------------------------------------------------------------


def test_the_session_really_holds_key_material(session: Session) -> None:
    objects = _cardwire_objects(session.objects)
    assert len(_harvested_keys(objects)) >= 10  # session keys of four protocols, at least


def test_no_repr_or_str_shows_a_secret(session: Session) -> None:
    objects = _cardwire_objects(session.objects)
    secrets = _static_secrets() | _harvested_keys(objects)
    wire = {NEW_ISO_PIN}  # sent in plain: a trace entry of the wire holds it, by design
    leaks = {
        type(item).__qualname__: found
        for item in objects
        if (
            found := _leaks(
                repr(item) + "\n" + str(item),
                secrets - wire if isinstance(item, TraceEntry | WireExchange) else secrets,
            )
        )
    }
    assert not leaks


def test_logs_show_no_key_and_no_pin(session: Session) -> None:
    log = session.log
    secrets = _static_secrets() | _harvested_keys(_cardwire_objects(session.objects))
    assert not _leaks(log, secrets | {ISO_PIN, KEYCARD_PIN})


def test_vpcd_client_logged_every_exchange_redacted(session: Session) -> None:
    log = session.log
    assert log.count("cardwire.sim.vpcd") >= 20
    assert "redacted" in log  # VERIFY / CHANGE REFERENCE DATA / PUT KEY data


def test_trace_shows_no_key_and_no_pin_sent_inside_a_channel(session: Session) -> None:
    assert session.trace.count("\n>") >= 20
    secrets = _static_secrets() - {NEW_ISO_PIN}  # the ISO PIN went in plain: the wire holds it
    assert not _leaks(session.trace, secrets | {KEYCARD_PIN})


def _errors() -> Iterator[BaseException]:
    """Errors from wrong keys, a wrong PIN and tampered answers."""
    card = open_card()
    card.select(SECURITY_DOMAIN_AID)
    with pytest.raises(CardwireError) as wrong_keys:
        open_scp03(card, NEW_SCP03_KEYS, level=0x33)
    yield wrong_keys.value
    card.select(FILESYSTEM)
    card.select(bytes.fromhex("5000"))
    with pytest.raises(StatusError) as wrong_pin:
        card.verify(1, NEW_ISO_PIN)
    yield wrong_pin.value
    card.select(SECURITY_DOMAIN_AID)
    session = open_scp03(card, StaticKeys.default(), level=0x33)
    session.protect(Command(0x80, 0xCA, 0x00, 0x66, ne=256))
    with pytest.raises(SecureChannelError) as tampered:
        session.unprotect(Response(bytes(24), 0x9000))
    yield tampered.value
    keycard_session = keycard.KeycardSession(
        keycard.SessionKeys(NEW_SCP03_KEYS.enc * 2, NEW_SCP03_KEYS.mac * 2), bytes(16)
    )
    keycard_session.protect(Command(0x80, 0xF2, 0, 0))
    with pytest.raises(SecureChannelError) as bad_mac:
        keycard_session.unprotect(Response(bytes(48), 0x9000))
    yield bad_mac.value


def test_errors_show_no_secret() -> None:
    secrets = _static_secrets()
    for error in _errors():
        text = "".join(traceback.format_exception(error)) + repr(error)
        assert not _leaks(text, secrets), type(error).__name__


# --- constant-time comparisons -----------------------------------------------------------------

SECRET_NAME = re.compile(r"mac|cryptogram|token|digest|signature|secret|challenge|(^|_)key($|_)")
STRICT_PACKAGES = ("sm", "crypto")
# Public format bytes compared after the MAC has verified (no secret, no oracle before the MAC):
# the ISO/IEC 9797-1 method 2 padding marker and the ISO/IEC 7816-4 padding-content indicator.
PUBLIC_FORMAT_BYTES = {
    ("crypto/padding.py", "stripped[-1:] != b'\\x80'"),
    ("sm/iso7816.py", "value[:1] != b'\\x01'"),
}


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _name_of(node.value)
    if isinstance(node, ast.Call):
        return _name_of(node.func)
    return ""


def _public(node: ast.expr) -> bool:
    """Literals other than bytes, len(...), and UPPER_CASE constants or enum members."""
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, bytes)
    if isinstance(node, ast.Call) and _name_of(node) == "len":
        return True
    name = _name_of(node)
    return bool(name) and name.isupper() and not isinstance(node, ast.Subscript)


def _suspicious(node: ast.Compare, strict: bool) -> bool:
    if not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
        return False
    operands = [node.left, *node.comparators]
    if any(_public(operand) for operand in operands):
        return False
    names = [_name_of(operand).lower() for operand in operands]
    if any(SECRET_NAME.search(name) for name in names):
        return True
    if strict:  # in sm/ and crypto/: any bytes literal or slice compared with ==
        return any(
            (isinstance(o, ast.Constant) and isinstance(o.value, bytes))
            or (isinstance(o, ast.Subscript) and isinstance(o.slice, ast.Slice))
            for o in operands
        )
    return False


def test_macs_and_cryptograms_are_compared_in_constant_time() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        strict = relative.split("/")[0] in STRICT_PACKAGES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare) or not _suspicious(node, strict):
                continue
            if (relative, ast.unparse(node)) in PUBLIC_FORMAT_BYTES:
                continue
            found.append(f"{relative}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "use hmac.compare_digest:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "strict", "flagged"),
    [
        ("received_mac == expected", False, True),
        ("card_cryptogram != computed", False, True),
        ("token == other", False, True),
        ("data[:8] == rnd", True, True),
        ("value == b'\\x01'", True, True),
        ("data[:8] == rnd", False, False),
        ("len(mac) != MAC_LENGTH", False, False),
        ("response.sw == SW_SUCCESS", True, False),
        ("tag == TAG_MAC", True, False),
    ],
)
def test_the_scan_flags_what_it_should(source: str, strict: bool, flagged: bool) -> None:
    node = ast.parse(source, mode="eval").body
    assert isinstance(node, ast.Compare)
    assert _suspicious(node, strict) is flagged
