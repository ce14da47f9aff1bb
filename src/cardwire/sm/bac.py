"""Basic Access Control (ICAO Doc 9303-11, section 4.3 and 9.7; worked example Appendix D).

Sans-IO: the host and card objects take and return bytes; randomness is injected.

1. MRZ information = document number || check digit || date of birth || check digit ||
   date of expiry || check digit (9303-11 4.3.2 / 9.7.2; check digits per 9303-3 4.9).
2. K_seed = first 16 bytes of SHA-1(MRZ information); K_enc = KDF(K_seed, 1),
   K_mac = KDF(K_seed, 2), DES parity adjusted (9.7.1).
3. GET CHALLENGE gives RND.IC (8 bytes). The terminal sends EXTERNAL AUTHENTICATE with
   E_IFD || M_IFD, E_IFD = 3DES-CBC(K_enc, RND.IFD || RND.IC || K.IFD), M_IFD = retail MAC
   (K_mac, pad(E_IFD)). The chip answers E_IC || M_IC over RND.IC || RND.IFD || K.IC (4.3.3.2).
4. Session keys from K.IFD XOR K.IC with the same KDF; SSC = last 4 bytes of RND.IC || last 4
   bytes of RND.IFD (9.8.2).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from cardwire.apdu import Command
from cardwire.crypto.block import TripleDes
from cardwire.crypto.kdf_icao import KdfCounter, kdf
from cardwire.crypto.padding import pad
from cardwire.crypto.retail_mac import RetailMacKey
from cardwire.errors import CryptogramError, SessionClosedError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.iso7816 import IsoSmCard, IsoSmHost, SmMode, TdesSuite

CHALLENGE_LENGTH = 8  # RND.IC, RND.IFD
KEY_MATERIAL_LENGTH = 16  # K.IFD, K.IC
CRYPTOGRAM_LENGTH = 40  # E (32) || M (8)
_ZERO_IV = bytes(8)
_MRZ_WEIGHTS = (7, 3, 1)  # ICAO 9303-3 4.9


def _mrz_value(char: str) -> int:
    # ICAO 9303-3 4.9: digits are their value, A-Z are 10-35, the filler '<' is 0.
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    # The value is not repeated: MRZ fields are the document's access key (9303-11 9.7.2).
    raise UsageError("an MRZ field holds a character other than A-Z, 0-9 and '<'")


def check_digit(field_text: str) -> str:
    """The ICAO 9303-3 4.9 check digit of an MRZ field."""
    total = sum(_mrz_value(c) * _MRZ_WEIGHTS[i % 3] for i, c in enumerate(field_text))
    return str(total % 10)


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: see check_mrz_date


def check_mrz_date(value: str, name: str, *, unknown_allowed: bool) -> None:
    """Refuse an impossible MRZ date YYMMDD as a UsageError naming the field, never the value.

    ICAO 9303-3 (dates in the MRZ): a date of birth that is unknown or partly unknown has its
    unknown parts (year, month, day: two characters each) written as ``<<``; that is accepted
    when ``unknown_allowed`` (the date of birth), and the date of expiry is always six digits.
    A known month is 01-12, a known day 01-31 and at most the length of its month. 29 February
    is accepted when the year is unknown or when YY is a multiple of 4: with two-digit years
    both 19YY and 20YY are then leap years, except 1900, and 2000 is one, so YY 00 is accepted.
    """
    pairs = [value[i : i + 2] for i in range(0, 6, 2)] if len(value) == 6 else []
    known = [p.isascii() and p.isdigit() for p in pairs]
    fillers = [unknown_allowed and p == "<<" for p in pairs]
    if not pairs or not all(a or b for a, b in zip(known, fillers, strict=True)):
        shape = "YYMMDD (six digits; '<<' for an unknown part)" if unknown_allowed else "YYMMDD"
        raise UsageError(f"the {name} must be {shape}")
    year, month, day = (int(p) if ok else None for p, ok in zip(pairs, known, strict=True))
    if month is not None and not 1 <= month <= 12:
        raise UsageError(f"the {name} has no such month (01-12)")
    if day is not None:
        longest = 31 if month is None else _DAYS_IN_MONTH[month - 1]
        if month == 2 and year is not None and year % 4:
            longest = 28
        if not 1 <= day <= longest:
            raise UsageError(f"the {name} has no such day (01-{longest:02d} in that month)")


def mrz_information(document_number: str, date_of_birth: str, date_of_expiry: str) -> bytes:
    """The BAC MRZ information string (ICAO 9303-11 9.7.2).

    The document number is upper-cased and padded with '<' to 9 characters; longer numbers are
    used in full (9303-11 9.7.2, note on document numbers of more than 9 characters). Dates are
    YYMMDD, checked by :func:`check_mrz_date` (a partly unknown date of birth has '<' fillers).
    """
    number = document_number.strip().upper()
    if not number:
        raise UsageError("the document number is empty")
    number = number.ljust(9, "<")
    # the values are never repeated in errors: they are the document's access key
    check_mrz_date(date_of_birth, "date of birth", unknown_allowed=True)
    check_mrz_date(date_of_expiry, "date of expiry", unknown_allowed=False)
    text = (
        number
        + check_digit(number)
        + date_of_birth
        + check_digit(date_of_birth)
        + date_of_expiry
        + check_digit(date_of_expiry)
    )
    return text.encode("ascii")


@dataclass(frozen=True, slots=True)
class BacKeys:
    """The document basic access keys K_enc and K_mac (repr hides them)."""

    k_enc: bytes = field(repr=False)
    k_mac: bytes = field(repr=False)

    @classmethod
    def from_seed(cls, k_seed: bytes) -> BacKeys:
        """ICAO 9303-11 9.7.1: KDF(K_seed, 1) and KDF(K_seed, 2), parity adjusted."""
        return cls(kdf(k_seed, KdfCounter.ENC), kdf(k_seed, KdfCounter.MAC))

    @classmethod
    def from_mrz(cls, document_number: str, date_of_birth: str, date_of_expiry: str) -> BacKeys:
        return cls.from_seed(
            k_seed(mrz_information(document_number, date_of_birth, date_of_expiry))
        )


def k_seed(mrz_info: bytes) -> bytes:
    """ICAO 9303-11 9.7.2: the first 16 bytes of SHA-1(MRZ information)."""
    return hashlib.sha1(mrz_info).digest()[:16]  # noqa: S324 - mandated by ICAO 9303-11


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """BAC session keys and the initial send sequence counter (repr hides the keys)."""

    ks_enc: bytes = field(repr=False)
    ks_mac: bytes = field(repr=False)
    ssc: bytes

    def host_session(self, mode: SmMode = SmMode.COMBINED) -> IsoSmHost:
        """An ISO secure-messaging host session (3DES suite) with these keys."""
        return IsoSmHost(TdesSuite(self.ks_enc, self.ks_mac), self.ssc, mode=mode)

    def card_session(self, mode: SmMode = SmMode.COMBINED) -> IsoSmCard:
        """The card-side session with these keys."""
        return IsoSmCard(TdesSuite(self.ks_enc, self.ks_mac), self.ssc, mode=mode)


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def _session_keys(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SessionKeys:
    seed = _xor(k_ifd, k_ic)  # ICAO 9303-11 9.7.4 / D.3: K_seed = K.IFD xor K.IC
    ssc = rnd_ic[-4:] + rnd_ifd[-4:]  # 9.8.2
    return SessionKeys(kdf(seed, KdfCounter.ENC), kdf(seed, KdfCounter.MAC), ssc)


class _Cryptograms:
    """E || M with the document basic access keys (9303-11 4.3.3)."""

    def __init__(self, keys: BacKeys) -> None:
        self._cipher = TripleDes(keys.k_enc)
        self._mac = RetailMacKey(keys.k_mac)

    def seal(self, plain: bytes) -> bytes:
        encrypted = self._cipher.encrypt_cbc(_ZERO_IV, plain)
        return encrypted + self._mac.mac(pad(encrypted, 8))

    def open(self, data: bytes) -> bytes:
        if len(data) != CRYPTOGRAM_LENGTH:
            raise CryptogramError(f"the BAC cryptogram must be 40 bytes, got {len(data)}")
        encrypted, received = data[:32], data[32:]
        if not hmac.compare_digest(self._mac.mac(pad(encrypted, 8)), received):
            raise CryptogramError("the BAC cryptogram MAC does not verify (wrong MRZ keys?)")
        return self._cipher.decrypt_cbc(_ZERO_IV, encrypted)

    def __repr__(self) -> str:
        return "_Cryptograms(<keys hidden>)"


def get_challenge_command() -> Command:
    """GET CHALLENGE for RND.IC (ISO 7816-4 11.6.3, ICAO 9303-11 D.3): 00 84 00 00 08."""
    return Command(0x00, 0x84, 0x00, 0x00, ne=CHALLENGE_LENGTH)


def external_authenticate_command(cmd_data: bytes) -> Command:
    """EXTERNAL AUTHENTICATE with E_IFD || M_IFD and Le 28 (ICAO 9303-11 D.3)."""
    return Command(0x00, 0x82, 0x00, 0x00, cmd_data, ne=CRYPTOGRAM_LENGTH)


class BacHost:
    """The terminal's side of BAC. Call :meth:`authenticate` with RND.IC, then :meth:`finish`
    with the card's answer."""

    def __init__(self, keys: BacKeys, rng: Rng) -> None:
        self._crypto: _Cryptograms | None = _Cryptograms(keys)
        self._rng = rng
        self._pending: tuple[bytes, bytes, bytes] | None = None

    def authenticate(self, rnd_ic: bytes) -> bytes:
        """The EXTERNAL AUTHENTICATE data E_IFD || M_IFD for the card's challenge."""
        if self._crypto is None:
            raise SessionClosedError("this BAC exchange has ended")
        if len(rnd_ic) != CHALLENGE_LENGTH:
            raise CryptogramError(f"RND.IC must be 8 bytes, got {len(rnd_ic)}")
        rnd_ifd = self._rng(CHALLENGE_LENGTH)
        k_ifd = self._rng(KEY_MATERIAL_LENGTH)
        self._pending = (rnd_ic, rnd_ifd, k_ifd)
        return self._crypto.seal(rnd_ifd + rnd_ic + k_ifd)  # S = RND.IFD || RND.IC || K.IFD

    def finish(self, response_data: bytes) -> SessionKeys:
        """Verify the card's cryptogram and derive the session keys (9303-11 4.3.3.2)."""
        crypto, pending = self._crypto, self._pending
        self._crypto = self._pending = None  # one attempt per exchange
        if crypto is None or pending is None:
            raise SessionClosedError("call authenticate() first; a BAC exchange runs once")
        rnd_ic, rnd_ifd, k_ifd = pending
        plain = crypto.open(response_data)
        if not hmac.compare_digest(plain[:8], rnd_ic) or not hmac.compare_digest(
            plain[8:16], rnd_ifd
        ):
            raise CryptogramError("the card's cryptogram does not echo RND.IC || RND.IFD")
        return _session_keys(k_ifd, plain[16:], rnd_ic, rnd_ifd)

    def __repr__(self) -> str:
        return "BacHost(<keys hidden>)"


class BacCard:
    """The chip's side of BAC: :meth:`challenge` answers GET CHALLENGE, :meth:`authenticate`
    answers EXTERNAL AUTHENTICATE."""

    def __init__(self, keys: BacKeys, rng: Rng) -> None:
        self._crypto = _Cryptograms(keys)
        self._rng = rng
        self._rnd_ic: bytes | None = None

    def challenge(self) -> bytes:
        """A fresh RND.IC (8 bytes); replaces any earlier one."""
        self._rnd_ic = self._rng(CHALLENGE_LENGTH)
        return self._rnd_ic

    def authenticate(self, cmd_data: bytes) -> tuple[bytes, SessionKeys]:
        """Verify E_IFD || M_IFD; return E_IC || M_IC and the session keys.

        Raises :class:`CryptogramError` (the card answers 6300 / 6982) on any mismatch; the
        challenge is used once either way.
        """
        rnd_ic, self._rnd_ic = self._rnd_ic, None
        if rnd_ic is None:
            raise CryptogramError("no challenge was issued (GET CHALLENGE first)")
        plain = self._crypto.open(cmd_data)
        rnd_ifd, echoed, k_ifd = plain[:8], plain[8:16], plain[16:]
        if not hmac.compare_digest(echoed, rnd_ic):
            raise CryptogramError("the terminal's cryptogram does not echo RND.IC")
        k_ic = self._rng(KEY_MATERIAL_LENGTH)
        answer = self._crypto.seal(rnd_ic + rnd_ifd + k_ic)  # R = RND.IC || RND.IFD || K.IC
        return answer, _session_keys(k_ifd, k_ic, rnd_ic, rnd_ifd)

    def __repr__(self) -> str:
        return "BacCard(<keys hidden>)"
