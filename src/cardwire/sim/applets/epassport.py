"""The ePassport applet: an ICAO LDS1 application protected by Basic Access Control and PACE.

Sources: ICAO Doc 9303-10 (LDS: EF.COM, EF.DG1, EF.DG2, EF.SOD), 9303-11 section 4.3 and
Appendix D (BAC), 9303-11 section 9.8 (secure messaging), ISO/IEC 7816-4:2020 clause 11
(SELECT, READ BINARY, UPDATE BINARY, GET CHALLENGE, EXTERNAL AUTHENTICATE).

- AID ``A0000002471001`` (9303-10, LDS1 eMRTD application), multiselectable: every logical
  channel runs its own BAC and holds its own secure-messaging session and SSC.
- EF.COM 011E, EF.DG1 0101, EF.DG2 0102, EF.SOD 011D (SFI = the FID's low byte), described in
  the profile section like the file-system applet's EFs (:mod:`cardwire.sim.fs` model and
  :mod:`cardwire.sim.access` rules). DG1 is built from the profile's ``mrz`` (a TD3 MRZ, tag
  61 / 5F1F), DG2 is a synthetic biometric template whose image bytes are a pattern.
- BAC: GET CHALLENGE (Le 08) and EXTERNAL AUTHENTICATE with the keys derived from the MRZ
  (:class:`cardwire.sm.bac.BacCard`); success installs the 3DES session on the channel. The
  files' default rule is ``read: sm``: a plain READ BINARY answers 6982.
- PACE (ICAO 9303-11 4.4): MSE:Set AT (00 22 C1 A4) and the four GENERAL AUTHENTICATE steps
  (10 86 .. / 00 86 ..) run through :class:`cardwire.sm.pace.PaceCard` with the passwords of
  the profile's ``pace`` section (CAN, default ``123456``) and the MRZ; success installs the
  ISO secure-messaging session with SSC 0 on the channel (9303-11 9.8.2). EF.CardAccess (FID
  011C, SFI 1C, readable in plain) is generated from the same section with
  :mod:`cardwire.sm.card_access`; ICAO keeps it in the MF, the simulator in the application
  (reachable by its SFI, so a terminal needs no MF). BAC stays available beside PACE.
- Subclasses (the eID-style applet) adjust PACE through small hooks: which passwords exist,
  whether a password may run now (retry counters), what happens before the token check and
  after the outcome, and extra instructions.
- A plain command while a session is active ends it: "the ICC MUST abort Secure Messaging if
  and only if a plain APDU is received or a Secure Messaging error occurs" (missing SM data
  objects 6987, incorrect ones 6988), "delete the stored session keys and reset the terminal's
  access rights" (BSI TR-03110-3 Appendix F.6; ICAO 9303-11 9.8 has the same rule, its
  subsection number not confirmed). Neither says the plain command is refused: it is then
  processed as plain, so protected files answer 6982.
- A command with an SM class byte and no session to unwrap it answers 6988: its SM data
  objects cannot be verified (F.6 "incorrect"; cardwire's reading).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Self

from cardwire.apdu import Command, Response
from cardwire.cla import SmIndication, parse_cla
from cardwire.errors import CryptogramError, DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim.access import FileAccess, Operation, SecurityStatus
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.applet_settings import flag_setting, mapping_entries, reject_unknown_keys
from cardwire.sim.file_commands import (
    TAG_DISCRETIONARY,
    check_access,
    offsets,
    read_wrapped,
    require_current_ef,
    require_ef_by_sfi,
    select_answer,
)
from cardwire.sim.fs import (
    DedicatedFile,
    ElementaryFile,
    Structure,
    decode_content,
    encode_content,
)
from cardwire.sm.bac import (
    CHALLENGE_LENGTH,
    CRYPTOGRAM_LENGTH,
    BacCard,
    BacKeys,
    check_digit,
)
from cardwire.sm.card_access import PaceInfo, build_card_access
from cardwire.sm.iso7816 import IsoSmCard
from cardwire.sm.pace import (
    ID_PACE_ECDH_GM_AES_CBC_CMAC_128,
    INS_GENERAL_AUTHENTICATE,
    INS_MSE,
    PaceCard,
    PaceOutcome,
    PacePassword,
    PasswordType,
)
from cardwire.sw import SW
from cardwire.tlv import tlv

EPASSPORT_AID = bytes.fromhex("A0000002471001")  # ICAO 9303-10: LDS1 eMRTD application
EF_COM, EF_DG1, EF_DG2, EF_SOD = 0x011E, 0x0101, 0x0102, 0x011D
EF_CARD_ACCESS = 0x011C  # ICAO 9303-10 3.11.3 / BSI TR-03110-3 A.1.2: FID 011C, SFI 1C
SFI_CARD_ACCESS = 0x1C
DEFAULT_CAN = "123456"  # docs/simulator.md, defaults table
# brainpoolP256r1 (9303-11 9.5.1 table: standardized domain parameter id 13) with the Generic
# Mapping over ECDH and AES-128: what ePassports and German eID cards announce most.
DEFAULT_PACE_INFOS = (PaceInfo(ID_PACE_ECDH_GM_AES_CBC_CMAC_128, parameter_id=13),)
PACE_TOKEN_STEP = 4  # 9303-11 4.4.4.2: the fourth GENERAL AUTHENTICATE carries the tokens
DG2_SIZE = 61440  # "60 KB": larger than 32767, so its end needs READ BINARY B1 / DO54
PATTERN_MODULUS = 251  # image bytes of the synthetic DG2: byte i = i mod 251
_SETTINGS = ("multiselectable", "mrz", "pace", "files")
# A channel's security status here is only whether the command came under secure messaging
# (ICAO 9303-11 9.8; BSI TR-03110-3 F.6): the two values are built once.
_PLAIN_STATUS = SecurityStatus()
_SECURED_STATUS = SecurityStatus(secured=True)

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

TD3_LINE = 44  # ICAO 9303-4 4.2: a TD3 MRZ is two lines of 44 characters


# --- the MRZ (ICAO 9303-4, TD3) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Td3Mrz:
    """The fields of a TD3 (passport) MRZ; ``text`` gives the two lines with check digits."""

    document_number: str = "L898902C<"
    date_of_birth: str = "690806"
    date_of_expiry: str = "940623"
    document_code: str = "P<"
    issuing_state: str = "UTO"
    name: str = "ERIKSSON<<ANNA<MARIA"
    nationality: str = "UTO"
    sex: str = "F"
    optional_data: str = "ZE184226B"

    @classmethod
    def from_config(cls, config: object) -> Td3Mrz:
        if config is None:
            return cls()
        if not isinstance(config, Mapping):
            raise UsageError("mrz: expected a mapping of MRZ fields")
        fields = {f: str(config[f]) for f in cls.__slots__ if f in config}
        unknown = sorted(set(config) - set(cls.__slots__))
        if unknown:
            raise UsageError(f"mrz.{unknown[0]}: unknown MRZ field")
        mrz = cls(**fields)
        mrz.text()  # validates every field
        return mrz

    def to_config(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__slots__}

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
        raise UsageError(f"mrz.{name}: at most {width} characters A-Z, 0-9 or '<', got {value!r}")
    return text.ljust(width, "<")


def _date(value: str, name: str) -> str:
    if len(value) != 6 or not value.isdigit():
        raise UsageError(f"mrz.{name}: expected YYMMDD, got {value!r}")
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


# --- configuration ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaceSettings:
    """The profile's ``pace`` section: the CAN and the PACEInfos announced in EF.CardAccess."""

    can: str = field(default=DEFAULT_CAN, repr=False)
    infos: tuple[PaceInfo, ...] = DEFAULT_PACE_INFOS

    @classmethod
    def from_config(cls, config: object) -> PaceSettings:
        if config is None:
            return cls()
        if not isinstance(config, Mapping):
            raise UsageError("pace: expected a mapping with can and infos")
        unknown = sorted(set(config) - {"can", "infos"})
        if unknown:
            raise UsageError(f"pace.{unknown[0]}: unknown key")
        can = config.get("can", DEFAULT_CAN)
        if not isinstance(can, str) or not can:
            raise UsageError("pace.can: expected the CAN as text (e.g. '123456')")
        raw_infos = config.get("infos")
        infos = DEFAULT_PACE_INFOS if raw_infos is None else _pace_infos(raw_infos)
        PaceCard(infos, {}, _no_randomness)  # validates every PACEInfo (UsageError)
        return cls(can, infos)

    def to_config(self) -> dict[str, Any]:
        return {
            "can": self.can,
            "infos": [{"protocol": i.protocol, "parameter_id": i.parameter_id} for i in self.infos],
        }

    @property
    def card_access(self) -> bytes:
        """EF.CardAccess: DER SecurityInfos with these PACEInfos (ICAO 9303-11 9.2)."""
        return build_card_access(self.infos)


def _pace_infos(raw: object) -> tuple[PaceInfo, ...]:
    if not isinstance(raw, list) or not raw:
        raise UsageError("pace.infos: expected a non-empty list of {protocol, parameter_id}")
    infos = []
    for index, entry in enumerate(raw):
        where = f"pace.infos[{index}]"
        if not isinstance(entry, Mapping) or set(entry) - {"protocol", "parameter_id"}:
            raise UsageError(f"{where}: expected a mapping with protocol and parameter_id")
        parameter_id = entry.get("parameter_id")
        if not isinstance(parameter_id, int) or isinstance(parameter_id, bool):
            raise UsageError(f"{where}.parameter_id: expected a number (ICAO 9303-11 9.5.1)")
        try:
            infos.append(PaceInfo(str(entry.get("protocol")), parameter_id=parameter_id))
        except UsageError as exc:
            raise UsageError(f"{where}.protocol: {exc}") from exc
    return tuple(infos)


def _no_randomness(n: int) -> bytes:
    raise UsageError("no randomness is drawn while a configuration is checked")


_GENERATED = ("dg1", "dg2", "card_access")  # content forms this applet fills in itself


def _file_content(
    entry: Mapping[str, Any], mrz: Td3Mrz, card_access: bytes, where: str
) -> tuple[bytes, str | None]:
    """The EF's bytes and, when generated, the name of its generator."""
    content = entry.get("content")
    size = entry.get("size")
    if isinstance(content, Mapping) and len(content) == 1 and next(iter(content)) in _GENERATED:
        kind = next(iter(content))
        if kind == "dg1":
            return dg1_content(mrz), kind
        if kind == "card_access":
            return card_access, kind
        if not isinstance(size, int) or isinstance(size, bool):
            raise UsageError(f"{where}: a generated dg2 needs its size")
        return dg2_content(size), kind
    if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
        raise UsageError(f"{where}: size must be a number")
    return decode_content(content, size, where), None


def build_files(
    config: object,
    mrz: Td3Mrz,
    card_access: bytes,
    *,
    name: bytes = EPASSPORT_AID,
    label: str = "ICAO LDS1 eMRTD application",
) -> tuple[DedicatedFile, dict[int, str], dict[int, int | None]]:
    """The application DF with its transparent EFs, the generated contents by FID, and the
    declared sizes (kept for export). EF.CardAccess is added when the list lacks it."""
    df = DedicatedFile(None, name, label)
    generated: dict[int, str] = {}
    sizes: dict[int, int | None] = {}
    for where, entry in mapping_entries(config, "files"):
        unknown = sorted(set(entry) - {"fid", "sfi", "label", "size", "content", "access"})
        if unknown:
            raise UsageError(f"{where}.{unknown[0]}: unknown key for an ePassport file")
        try:
            fid_bytes = parse_hex(str(entry.get("fid")))
        except DecodeError as exc:
            raise UsageError(f"{where}.fid: {exc}") from exc
        if len(fid_bytes) != 2:
            raise UsageError(f"{where}.fid: a file identifier is 2 bytes")
        fid = int.from_bytes(fid_bytes, "big")
        sfi = entry.get("sfi")
        if sfi is not None and (not isinstance(sfi, int) or not 1 <= sfi <= 30):
            raise UsageError(f"{where}.sfi: expected a number 1-30")
        if df.child(fid) is not None or (sfi is not None and df.ef_by_sfi(sfi) is not None):
            raise UsageError(f"{where}: duplicate file identifier or SFI")
        data, kind = _file_content(entry, mrz, card_access, where)
        if kind is not None:
            generated[fid] = kind
        sizes[fid] = entry.get("size")
        df.children.append(
            ElementaryFile(
                fid,
                Structure.TRANSPARENT,
                df,
                access=FileAccess.from_config(entry.get("access", {"read": "sm"})),
                sfi=sfi,
                data=data,
                label=str(entry.get("label", "")),
            )
        )
    if df.child(EF_CARD_ACCESS) is None and df.ef_by_sfi(SFI_CARD_ACCESS) is None:
        df.children.append(card_access_file(df, card_access))
        generated[EF_CARD_ACCESS] = "card_access"
        sizes[EF_CARD_ACCESS] = None
    return df, generated, sizes


def card_access_file(df: DedicatedFile, card_access: bytes) -> ElementaryFile:
    """EF.CardAccess, readable by anyone (ICAO 9303-10 3.11.3: "read: always")."""
    return ElementaryFile(
        EF_CARD_ACCESS,
        Structure.TRANSPARENT,
        df,
        access=FileAccess.from_config(CARD_ACCESS_RULES),
        sfi=SFI_CARD_ACCESS,
        data=card_access,
        label="EF.CardAccess",
    )


CARD_ACCESS_RULES = {"read": "always", "update": "never"}


def card_access_entry() -> dict[str, Any]:
    """EF.CardAccess in a profile's ``files`` list (content generated from ``pace``)."""
    return {
        "fid": "011C",
        "sfi": SFI_CARD_ACCESS,
        "label": "EF.CardAccess",
        "content": {"card_access": "pace"},
        "access": dict(CARD_ACCESS_RULES),
    }


def default_config() -> dict[str, Any]:
    """The ePassport applet's section of the default profile (docs/simulator.md)."""
    read_under_sm = {"read": "sm", "update": "never"}
    return {
        "type": "epassport",
        "aid": to_hex(EPASSPORT_AID),
        "multiselectable": True,
        "mrz": Td3Mrz().to_config(),
        "pace": PaceSettings().to_config(),
        "files": [
            card_access_entry(),
            {
                "fid": "011E",
                "sfi": 0x1E,
                "label": "EF.COM",
                "content": {"hex": to_hex(DEFAULT_EF_COM)},
                "access": read_under_sm,
            },
            {
                "fid": "0101",
                "sfi": 0x01,
                "label": "EF.DG1",
                "content": {"dg1": "mrz"},
                "access": read_under_sm,
            },
            {
                "fid": "0102",
                "sfi": 0x02,
                "label": "EF.DG2",
                "size": DG2_SIZE,
                "content": {"dg2": "synthetic"},
                "access": read_under_sm,
            },
            {
                "fid": "011D",
                "sfi": 0x1D,
                "label": "EF.SOD",
                "content": {"hex": to_hex(DEFAULT_EF_SOD)},
                "access": read_under_sm,
            },
        ],
    }


# --- the applet -------------------------------------------------------------------------------


@dataclass(eq=False)
class PassportChannel:
    """What the applet keeps per logical channel: the current EF, the BAC exchange, the PACE
    exchange and which password established the channel's PACE session."""

    current_ef: ElementaryFile | None = None
    bac: BacCard | None = field(default=None, repr=False)
    challenged: bool = False  # a GET CHALLENGE answer awaits its EXTERNAL AUTHENTICATE
    pace: PaceCard | None = field(default=None, repr=False)
    pace_step: int = 0  # the GENERAL AUTHENTICATE step expected next (1-4; 0: no PACE running)
    pace_session: IsoSmCard | None = field(default=None, repr=False)
    pace_password: PasswordType | None = None  # the password of ``pace_session``


class EpassportApplet(Applet):
    """ICAO LDS1 application: the LDS EFs and EF.CardAccess, BAC and PACE, secure messaging per
    channel."""

    # ICAO 9303-11 4.4.4.2: GENERAL AUTHENTICATE steps 1-3 come with CLA 10, each answered.
    chained_steps = frozenset({INS_GENERAL_AUTHENTICATE})
    #: Whether BAC (GET CHALLENGE, EXTERNAL AUTHENTICATE) is offered beside PACE.
    supports_bac = True

    def __init__(
        self,
        aid: bytes,
        mrz: Td3Mrz,
        files: DedicatedFile,
        *,
        pace: PaceSettings | None = None,
        generated: Mapping[int, str] | None = None,
        sizes: Mapping[int, int | None] | None = None,
        multiselectable: bool = True,
    ) -> None:
        self.aid = aid
        self.mrz = mrz
        self.files = files
        self.pace = pace or PaceSettings()
        self.multiselectable = multiselectable
        self._keys = mrz.bac_keys()
        self._generated = dict(generated or {})
        self._sizes = dict(sizes or {})

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """Build the applet from its profile section (configuration merged with saved state)."""
        reject_unknown_keys(config, _SETTINGS, "an epassport applet")
        aid_text = config.get("aid")
        aid = EPASSPORT_AID if aid_text is None else parse_hex(str(aid_text))
        multiselectable = flag_setting(config, "multiselectable", True)
        mrz = Td3Mrz.from_config(config.get("mrz"))
        pace = PaceSettings.from_config(config.get("pace"))
        default_files = default_config()["files"]
        files, generated, sizes = build_files(
            config.get("files", default_files), mrz, pace.card_access
        )
        return cls(
            aid,
            mrz,
            files,
            pace=pace,
            generated=generated,
            sizes=sizes,
            multiselectable=multiselectable,
        )

    def export_state(self) -> dict[str, Any]:
        """The profile section with the current file contents (generated ones stay generated
        while unchanged, so a state file stays small)."""
        return {
            "type": "epassport",
            "aid": to_hex(self.aid),
            "multiselectable": self.multiselectable,
            "mrz": self.mrz.to_config(),
            "pace": self.pace.to_config(),
            "files": self.export_files(),
        }

    def export_files(self) -> list[dict[str, Any]]:
        """The ``files`` list with the current contents."""
        files = []
        for ef in self.files.children:
            assert isinstance(ef, ElementaryFile)
            entry: dict[str, Any] = {"fid": f"{ef.fid:04X}"}
            if ef.sfi is not None:
                entry["sfi"] = ef.sfi
            if ef.label:
                entry["label"] = ef.label
            data = bytes(ef.data)
            kind = self._generated.get(ef.fid)
            if kind == "dg1" and data == dg1_content(self.mrz):
                entry["content"] = {"dg1": "mrz"}
            elif kind == "card_access" and data == self.pace.card_access:
                entry["content"] = {"card_access": "pace"}
            elif kind == "dg2" and data == dg2_content(len(data)):
                entry["size"] = len(data)
                entry["content"] = {"dg2": "synthetic"}
            else:
                if self._sizes.get(ef.fid) is not None:
                    entry["size"] = len(data)
                entry["content"] = encode_content(data)
            entry["access"] = ef.access.to_config()
            files.append(entry)
        return files

    # --- the Applet contract ----------------------------------------------------------------

    def new_channel_state(self) -> PassportChannel:
        return PassportChannel()

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        """Selected by AID: no current EF; P2 0C answers nothing, else the FCI/FCP."""
        state = self._state(ctx)
        state.current_ef = None
        return Response(select_answer(command.p2 & 0x0C, self.files, self.aid, fmd_allowed=False))

    def deselect(self, ctx: ChannelContext) -> None:
        ctx.state = self.new_channel_state()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        state = self._state(ctx)
        if not ctx.secured:
            if ctx.secure_session is not None:
                # BSI TR-03110-3 F.6 / ICAO 9303-11 9.8 (SM termination): a plain APDU aborts
                # secure messaging; the session keys are deleted and the access rights reset.
                ctx.end_secure_session()
            if parse_cla(command.cla).sm is not SmIndication.NONE:
                # Protected, but no session holds keys to check it: 6988 "incorrect SM data
                # objects" (ISO 7816-4:2020 table 6; BSI TR-03110-3 F.6).
                raise CardStatus(SW.SM_DATA_OBJECTS_INCORRECT)
        if command.cla & 0x80:
            raise CardStatus(SW.CLA_NOT_SUPPORTED)  # interindustry commands only
        ins = command.ins
        if ins == 0xA4:
            return self._select(state, command)
        if ins in (0xB0, 0xB1):
            return self._read_binary(ctx, state, command)
        if ins == 0xD6:
            return self._update_binary(ctx, state, command)
        if ins == INS_MSE:
            return self._set_at(ctx, state, command)
        if ins == INS_GENERAL_AUTHENTICATE:
            return self._general_authenticate(ctx, state, command)
        if ins == 0x84 and self.supports_bac:
            return self._get_challenge(ctx, state, command)
        if ins == 0x82 and self.supports_bac:
            return self._external_authenticate(ctx, state, command)
        return self.other_instruction(ctx, state, command)

    def other_instruction(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        """Hook: instructions a subclass adds (the ePassport has none: 6D00)."""
        raise CardStatus(SW.INS_NOT_SUPPORTED)

    def _state(self, ctx: ChannelContext) -> PassportChannel:
        if not isinstance(ctx.state, PassportChannel):
            ctx.state = self.new_channel_state()
        return ctx.state

    # --- SELECT (ISO/IEC 7816-4:2020 11.2.2) ------------------------------------------------

    def _select(self, state: PassportChannel, command: Command) -> Response:
        # ICAO 9303-10: EFs are selected by FID (P1 00 or 02); P2 b4-b3 the answer, 0C none.
        if command.p1 == 0x04:
            raise CardStatus(SW.FILE_NOT_FOUND)  # a DF name no applet has (the OS asked us)
        if command.p1 not in (0x00, 0x02) or command.p2 & 0xF3:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if len(command.data) != 2:
            raise CardStatus(SW.WRONG_LENGTH)
        found = self.files.child(int.from_bytes(command.data, "big"))
        if not isinstance(found, ElementaryFile):
            raise CardStatus(SW.FILE_NOT_FOUND)
        state.current_ef = found
        return Response(select_answer(command.p2 & 0x0C, found, None, fmd_allowed=False))

    # --- READ / UPDATE BINARY (ISO/IEC 7816-4:2020 11.3.3, 11.3.5) ---------------------------

    def _target(self, state: PassportChannel, command: Command) -> tuple[ElementaryFile, int]:
        p1, p2 = command.p1, command.p2
        if command.ins & 1:
            # B1: P1-P2 0000 is the current EF, P1 00 with P2 b5-b1 an SFI, else a FID; the
            # offset is DO54 in the data field (up to three bytes here).
            sfi = p2 & 0x1F
            if p1 == 0 and p2 == 0:
                ef = require_current_ef(state.current_ef)
            elif p1 == 0 and p2 & 0xE0 == 0 and sfi not in (0, 0x1F):
                ef = require_ef_by_sfi(self.files, sfi)
            else:
                child = self.files.child(p1 << 8 | p2)
                if not isinstance(child, ElementaryFile):
                    raise CardStatus(SW.FILE_NOT_FOUND)
                ef = child
            # ISO/IEC 7816-4:2020 11.3.3: at most one DO54; no data field means offset 0.
            found = offsets(command.data, allowed=1)
            return ef, found[0] if found else 0
        if command.data:
            raise CardStatus(SW.WRONG_LENGTH)  # READ BINARY B0 has no data field
        if p1 & 0x80:  # P1 b8 = 1: b5-b1 an SFI (b7-b6 = 00), P2 the offset
            if p1 & 0x60:
                raise CardStatus(SW.INCORRECT_P1_P2)
            return require_ef_by_sfi(self.files, p1 & 0x1F), p2
        return require_current_ef(state.current_ef), p1 << 8 | p2  # 15-bit offset

    def _read_binary(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        ef, offset = self._target(state, command)
        # Security status per channel: the command arrived under this channel's session.
        check_access(ef, Operation.READ, _SECURED_STATUS if ctx.secured else _PLAIN_STATUS)
        state.current_ef = ef
        if command.ins & 1:
            # ISO/IEC 7816-4:2020 11.3.3: odd INS answers the bytes in DO53 (none when no Le).
            content, short = read_wrapped(ef, offset, command.ne)
            body = tlv(TAG_DISCRETIONARY, content) if command.ne else b""
        else:
            body = ef.read(offset, command.ne)
            short = len(body) < command.ne
        # ISO/IEC 7816-4:2020 table 6: 6282 "end of file reached before reading Ne bytes".
        return Response(body, SW.END_OF_FILE if short else SW.SUCCESS)

    def _update_binary(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        if command.p1 & 0x80:  # SFI form: P2 the offset
            if command.p1 & 0x60:
                raise CardStatus(SW.INCORRECT_P1_P2)
            ef, offset = require_ef_by_sfi(self.files, command.p1 & 0x1F), command.p2
        else:
            ef, offset = require_current_ef(state.current_ef), command.p1 << 8 | command.p2
        check_access(ef, Operation.UPDATE, _SECURED_STATUS if ctx.secured else _PLAIN_STATUS)
        if not command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        ef.update(offset, command.data)
        state.current_ef = ef
        ctx.card.commit()
        return Response()

    # --- BAC (ICAO 9303-11 4.3, Appendix D.3) -----------------------------------------------

    def _get_challenge(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        # ICAO 9303-11 D.3: GET CHALLENGE 00 84 00 00 08 answers RND.IC (8 bytes).
        if command.p1 or command.p2:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if command.data or command.ne != CHALLENGE_LENGTH:
            raise CardStatus(SW.WRONG_LENGTH)
        if state.bac is None:
            state.bac = BacCard(self._keys, ctx.card.random)
        state.challenged = True
        return Response(state.bac.challenge())

    def _external_authenticate(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        # ICAO 9303-11 D.3: EXTERNAL AUTHENTICATE 00 82 00 00 28 E_IFD || M_IFD 28.
        if ctx.secured:
            # cardwire's choice: BAC runs in plain; a new BAC inside a session is refused.
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if command.p1 or command.p2:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if len(command.data) != CRYPTOGRAM_LENGTH or command.ne not in (0, CRYPTOGRAM_LENGTH, 256):
            raise CardStatus(SW.WRONG_LENGTH)
        if state.bac is None or not state.challenged:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # no GET CHALLENGE yet
        state.challenged = False  # RND.IC is used once, whatever the outcome
        try:
            answer, keys = state.bac.authenticate(command.data)
        except CryptogramError:
            # The challenge is spent; "verification failed" (ISO/IEC 7816-4:2020 table 6).
            raise CardStatus(SW.VERIFICATION_FAILED) from None
        ctx.secure_session = keys.card_session()
        state.pace_session, state.pace_password = None, None
        return Response(answer)

    # --- PACE (ICAO 9303-11 4.4.4) -------------------------------------------------------------

    def pace_passwords(self) -> dict[PasswordType, PacePassword]:
        """Hook: the passwords PACE accepts (ePassport: the MRZ and the CAN, 9303-11 4.4.1)."""
        mrz = self.mrz
        return {
            PasswordType.MRZ: PacePassword.from_mrz(
                mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry
            ),
            PasswordType.CAN: PacePassword.from_text(PasswordType.CAN, self.pace.can),
        }

    def password_status(
        self, ctx: ChannelContext, state: PassportChannel, kind: PasswordType
    ) -> tuple[int, bool]:
        """Hook: the answer to MSE:Set AT for ``kind`` and whether PACE may run with it (retry
        counters: BSI TR-03110-3 B.1 answers 63Cx as a warning)."""
        return SW.SUCCESS, True

    def before_token_check(self, ctx: ChannelContext, kind: PasswordType) -> None:
        """Hook: runs before the terminal's token is compared (step 4): the place to commit a
        decremented retry counter before the comparison."""

    def after_pace(
        self, ctx: ChannelContext, kind: PasswordType, outcome: PaceOutcome, sw: int
    ) -> int:
        """Hook: PACE ended at step 4 with ``outcome``; returns the status word to answer."""
        return sw

    def established_with(
        self, ctx: ChannelContext, state: PassportChannel, kinds: Sequence[PasswordType]
    ) -> bool:
        """Whether this command arrived under a PACE session of this channel established with
        one of ``kinds``."""
        session = state.pace_session
        return (
            ctx.secured
            and session is not None
            and ctx.secure_session is session
            and session.active
            and state.pace_password in kinds
        )

    def _set_at(self, ctx: ChannelContext, state: PassportChannel, command: Command) -> Response:
        # 9303-11 4.4.4.1: MSE:Set AT 00 22 C1 A4 selects protocol, password and parameters;
        # every MSE:Set AT starts a new PACE exchange on this channel.
        state.pace, state.pace_step = None, 0
        pace = PaceCard(self.pace.infos, self.pace_passwords(), ctx.card.random)
        answer = pace.process(command)
        if answer.sw != SW.SUCCESS:
            raise CardStatus(answer.sw)
        kind = pace.password_type
        assert kind is not None
        sw, allowed = self.password_status(ctx, state, kind)
        if allowed:
            state.pace, state.pace_step = pace, 1
        return Response(b"", sw)

    def _general_authenticate(
        self, ctx: ChannelContext, state: PassportChannel, command: Command
    ) -> Response:
        pace, step = state.pace, state.pace_step
        if pace is None or pace.password_type is None:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # no MSE:Set AT before
        kind = pace.password_type
        # 9303-11 4.4.4.2: steps 1-3 are chained (CLA b5 set), the last one is not.
        if parse_cla(command.cla).chaining != (step < PACE_TOKEN_STEP):
            state.pace, state.pace_step = None, 0
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if step == PACE_TOKEN_STEP:
            self.before_token_check(ctx, kind)
        answer = pace.process(command)
        if pace.outcome is PaceOutcome.RUNNING:
            state.pace_step = step + 1
            return answer
        state.pace, state.pace_step = None, 0
        if step != PACE_TOKEN_STEP:
            raise CardStatus(answer.sw)  # malformed or out of order: the exchange is over
        sw = self.after_pace(ctx, kind, pace.outcome, answer.sw)
        if pace.outcome is not PaceOutcome.ESTABLISHED or sw != SW.SUCCESS:
            raise CardStatus(sw)
        assert pace.session is not None
        # 9303-11 4.4.3.5 / 9.8.2: secure messaging with the new keys and SSC 0 starts with the
        # next command; a session held before answers this one (the card OS wraps with it).
        state.bac, state.challenged = None, False
        state.pace_session, state.pace_password = pace.session, kind
        ctx.secure_session = pace.session
        return answer


__all__ = [
    "DEFAULT_CAN",
    "DEFAULT_EF_COM",
    "DEFAULT_PACE_INFOS",
    "DG2_SIZE",
    "EF_CARD_ACCESS",
    "EF_COM",
    "EF_DG1",
    "EF_DG2",
    "EF_SOD",
    "EPASSPORT_AID",
    "SFI_CARD_ACCESS",
    "EpassportApplet",
    "PaceSettings",
    "PassportChannel",
    "Td3Mrz",
    "build_files",
    "card_access_entry",
    "card_access_file",
    "default_config",
    "dg1_content",
    "dg2_content",
]
