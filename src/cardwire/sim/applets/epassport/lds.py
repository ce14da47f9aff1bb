"""The ICAO LDS1 content of the simulated ePassport: the TD3 MRZ model and the data groups.

Sources: ICAO Doc 9303-3 4.9 (check digits), 9303-4 4.2 (the TD3 MRZ), 9303-10 (LDS1: the
eMRTD application, EF.COM, EF.DG1, EF.DG2, EF.SOD and their tags).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from cardwire.errors import ConfigError, UsageError
from cardwire.sm.bac import BacKeys, check_digit
from cardwire.tlv import tlv

EPASSPORT_AID = bytes.fromhex("A0000002471001")  # ICAO 9303-10: LDS1 eMRTD application
EF_COM, EF_DG1, EF_DG2, EF_SOD = 0x011E, 0x0101, 0x0102, 0x011D
EF_CARD_ACCESS = 0x011C  # ICAO 9303-10 3.11.3 / BSI TR-03110-3 A.1.2: FID 011C, SFI 1C
SFI_CARD_ACCESS = 0x1C
DG2_SIZE = 61440  # "60 KB": larger than 32767, so its end needs READ BINARY B1 / DO54
PATTERN_MODULUS = 251  # image bytes of the synthetic DG2: byte i = i mod 251

# ICAO 9303-10 (LDS): EF.COM = 60 { 5F01 LDS version, 5F36 Unicode version, 5C tag list }.
# These exact bytes are the EF.COM read in 9303-11 Appendix D.4 (LDS 1.6, Unicode 4.0.0,
# DG1 and DG2 present), so a BAC session against this applet reproduces Appendix D.
DEFAULT_EF_COM = bytes.fromhex("60145F0104303130365F36063034303030305C026175")
# EF.SOD (tag 77) normally holds a CMS SignedData; the simulator's is a labelled placeholder.
DEFAULT_EF_SOD = tlv(0x77, tlv(0x04, b"cardwire synthetic EF.SOD: not signed"))

# ICAO 9303-10 DG1: tag 61 wrapping the MRZ data element 5F1F.
TAG_DG1, TAG_MRZ = 0x61, 0x5F1F
# ICAO 9303-10 DG2: 75 { 7F61 biometric information group template { 02 number of
# instances, 7F60 biometric information template { A1 biometric header template, 5F2E
# biometric data block } } }. Header objects as real DG2s carry them: 80 header version,
# 81 biometric type 02 (facial features), 87 format owner 0101, 88 format type 0008.
_DG2_HEADER = bytes.fromhex("800201018101028702010188020008")
# A YAML profile reads an unquoted 690806 as a number: MRZ fields take numbers as their text.
_TEXT = {"number_as_text": True}

TD3_LINE = 44  # ICAO 9303-4 4.2: a TD3 MRZ is two lines of 44 characters


# --- the MRZ (ICAO 9303-4, TD3) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Td3Mrz:
    """The fields of a TD3 (passport) MRZ; ``text`` gives the two lines with check digits."""

    document_number: str = field(default="L898902C<", metadata=_TEXT)
    date_of_birth: str = field(default="690806", metadata=_TEXT)
    date_of_expiry: str = field(default="940623", metadata=_TEXT)
    document_code: str = field(default="P<", metadata=_TEXT)
    issuing_state: str = field(default="UTO", metadata=_TEXT)
    name: str = field(default="ERIKSSON<<ANNA<MARIA", metadata=_TEXT)
    nationality: str = field(default="UTO", metadata=_TEXT)
    sex: str = field(default="F", metadata=_TEXT)
    optional_data: str = field(default="ZE184226B", metadata=_TEXT)

    def __post_init__(self) -> None:
        self.text()  # validates every field (ConfigError naming it)

    def bac_keys(self) -> BacKeys:
        """K_enc and K_mac from document number, birth and expiry (ICAO 9303-11 9.7.2)."""
        return BacKeys.from_mrz(self.document_number, self.date_of_birth, self.date_of_expiry)

    def text(self) -> str:
        """Both lines, 88 characters (ICAO 9303-4 4.2.2, check digits per 9303-3 4.9)."""
        number = _field(self.document_number, 9, "document_number")
        birth = _date(self.date_of_birth, "date_of_birth")
        expiry = _date(self.date_of_expiry, "date_of_expiry")
        optional = _field(self.optional_data, 14, "optional_data")
        sex = _field(self.sex, 1, "sex")
        # 9303-4 4.2.2.2: an all-filler personal number may carry '<' as its check digit.
        optional_check = "<" if optional == "<" * 14 else check_digit(optional)
        line2 = (
            number
            + check_digit(number)
            + _field(self.nationality, 3, "nationality")
            + birth
            + check_digit(birth)
            + sex
            + expiry
            + check_digit(expiry)
            + optional
            + optional_check
        )
        # Composite check digit over positions 1-10, 14-20 and 22-43 (9303-4 4.2.2.2).
        composite = line2[0:10] + line2[13:20] + line2[21:43]
        line2 += check_digit(composite)
        line1 = (
            _field(self.document_code, 2, "document_code")
            + _field(self.issuing_state, 3, "issuing_state")
            + _field(self.name, 39, "name")
        )
        return line1 + line2


def _field(value: str, width: int, name: str) -> str:
    text = value.upper()
    if len(text) > width or any(not (c.isdigit() or "A" <= c <= "Z" or c == "<") for c in text):
        raise ConfigError(name, f"at most {width} characters A-Z, 0-9 or '<', got {value!r}")
    return text.ljust(width, "<")


def _date(value: str, name: str) -> str:
    if len(value) != 6 or not value.isdigit():
        raise ConfigError(name, f"expected YYMMDD, got {value!r}")
    return value


def dg1_content(mrz: Td3Mrz) -> bytes:
    """EF.DG1: 61 { 5F1F MRZ } (ICAO 9303-10, data group 1)."""
    return tlv(TAG_DG1, tlv(TAG_MRZ, mrz.text().encode("ascii")))


@cache
def dg2_content(size: int = DG2_SIZE) -> bytes:
    """A synthetic EF.DG2 of exactly ``size`` bytes: the 9303-10 template structure around
    pattern bytes (byte i of the image = i mod 251), not a real image."""

    def wrap(image: bytes) -> bytes:
        block = tlv(0x5F2E, image)
        template = tlv(0x7F60, tlv(0xA1, _DG2_HEADER) + block)
        return tlv(0x75, tlv(0x7F61, bytes.fromhex("020101") + template))

    overhead = len(wrap(b"")) + 12  # lengths grow to at most 3 bytes each (4 of them)
    if size < overhead + 1:
        raise UsageError(f"a synthetic DG2 needs at least {overhead + 1} bytes")
    length = size - overhead
    while len(wrap(bytes(length))) < size:
        length += 1
    while len(wrap(bytes(length))) > size:
        length -= 1
    content = wrap(bytes(i % PATTERN_MODULUS for i in range(length)))
    if len(content) != size:  # a size that no length encoding hits exactly
        raise UsageError(f"no synthetic DG2 has exactly {size} bytes; pick another size")
    return content


__all__ = [
    "DEFAULT_EF_COM",
    "DEFAULT_EF_SOD",
    "DG2_SIZE",
    "EF_CARD_ACCESS",
    "EF_COM",
    "EF_DG1",
    "EF_DG2",
    "EF_SOD",
    "EPASSPORT_AID",
    "SFI_CARD_ACCESS",
    "Td3Mrz",
    "dg1_content",
    "dg2_content",
]
