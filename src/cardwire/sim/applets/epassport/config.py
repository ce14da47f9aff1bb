"""The profile sections of the ePassport (and eID) applets: PACE settings, the application's
files, the ePassport section as a whole, and the file tree built from them.

Loaded and exported by :mod:`cardwire.sim.config_loader`; the layout is in docs/simulator.md.
EF.CardAccess (ICAO 9303-11 9.2) is generated from the ``pace`` section, EF.DG1 from the MRZ,
EF.DG2 with the face image or as a synthetic template (:mod:`cardwire.sim.applets.epassport.lds`),
EF.COM, DG11, DG12, DG14, DG15 and the signed EF.SOD from the ``issuance`` section
(:mod:`cardwire.sim.applets.epassport.issuance`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cardwire.errors import ConfigError, UsageError
from cardwire.hexutil import to_hex
from cardwire.sim.access import FileAccess
from cardwire.sim.applets.epassport.issuance import IssuanceConfig, Issuer, dg2_photo
from cardwire.sim.applets.epassport.lds import (
    DEFAULT_EF_COM,
    DEFAULT_EF_SOD,
    DG2_SIZE,
    EF_CARD_ACCESS,
    EPASSPORT_AID,
    SFI_CARD_ACCESS,
    Td3Mrz,
    dg1_content,
    dg2_content,
)
from cardwire.sim.config_loader import check, export
from cardwire.sim.fs import DedicatedFile, ElementaryFile, Structure, decode_content, encode_content
from cardwire.sm.card_access import PaceInfo, build_card_access
from cardwire.sm.pace import ID_PACE_ECDH_GM_AES_CBC_CMAC_128, PaceCard

DEFAULT_CAN = "123456"  # docs/simulator.md, defaults table
# brainpoolP256r1 (9303-11 9.5.1 table: standardized domain parameter id 13) with the Generic
# Mapping over ECDH and AES-128: what ePassports and German eID cards announce most.
DEFAULT_PACE_PROTOCOL, DEFAULT_PARAMETER_ID = ID_PACE_ECDH_GM_AES_CBC_CMAC_128, 13
DEFAULT_PACE_INFOS = (PaceInfo(DEFAULT_PACE_PROTOCOL, parameter_id=DEFAULT_PARAMETER_ID),)
CARD_ACCESS_RULES = {"read": "always", "update": "never"}  # ICAO 9303-10 3.11.3
_UNDER_SM = {"read": "sm", "update": "never"}  # the LDS files: readable after BAC or PACE
# Content forms this applet fills in itself; "sod" is computed last, over the data groups.
_ISSUED = ("com", "dg11", "dg12", "dg14", "dg15")
_GENERATED = ("dg1", "dg2", "card_access", *_ISSUED, "sod")


@dataclass(frozen=True, kw_only=True)
class PaceInfoConfig:
    """One PACEInfo announced in EF.CardAccess: protocol OID and standardized domain parameter
    id (ICAO 9303-11 9.2.1, 9.5.1)."""

    protocol: str
    parameter_id: int = field(metadata={"range": (0, 0xFFFF)})

    def __post_init__(self) -> None:
        try:
            self.info()
        except UsageError as exc:
            raise ConfigError("protocol", str(exc)) from None

    def info(self) -> PaceInfo:
        return PaceInfo(self.protocol, parameter_id=self.parameter_id)


@dataclass(frozen=True, kw_only=True)
class PaceSettings:
    """The profile's ``pace`` section: the CAN and the PACEInfos announced in EF.CardAccess."""

    can: str = field(default=DEFAULT_CAN, repr=False)
    infos: tuple[PaceInfoConfig, ...] = (
        PaceInfoConfig(protocol=DEFAULT_PACE_PROTOCOL, parameter_id=DEFAULT_PARAMETER_ID),
    )

    def __post_init__(self) -> None:
        check(bool(self.can), "can", "expected the CAN as text (e.g. '123456')")
        check(bool(self.infos), "infos", "expected a non-empty list of {protocol, parameter_id}")
        try:  # every PACEInfo names parameters the card can run
            PaceCard(self.pace_infos, {}, _no_randomness)
        except UsageError as exc:
            raise ConfigError("infos", str(exc)) from None

    @property
    def pace_infos(self) -> tuple[PaceInfo, ...]:
        return tuple(i.info() for i in self.infos)

    @property
    def card_access(self) -> bytes:
        """EF.CardAccess: DER SecurityInfos with these PACEInfos (ICAO 9303-11 9.2)."""
        return build_card_access(self.pace_infos)


def _no_randomness(n: int) -> bytes:
    raise UsageError("no randomness is drawn while a configuration is checked")


def _read_under_sm() -> dict[str, str]:
    return dict(_UNDER_SM)


@dataclass(frozen=True, kw_only=True)
class LdsFileConfig:
    """One transparent EF of the application. ``content`` is a content mapping
    (``{text|hex|pattern}``) or a generated one: ``{dg1: mrz}``, ``{dg2: photo}``,
    ``{dg2: synthetic}`` (with ``size``), ``{card_access: pace}``, or an issued one:
    ``{com|dg11|dg12|dg14|dg15: issued}``, ``{sod: signed}``."""

    fid: int = field(metadata={"hex_bytes": 2})
    sfi: int | None = field(default=None, metadata={"range": (1, 30), "omit_default": True})
    label: str = field(default="", metadata={"omit_default": True})
    size: int | None = field(default=None, metadata={"range": (0, 0xFFFF), "omit_default": True})
    content: object = None
    access: object = field(default_factory=_read_under_sm)

    def generator(self) -> str | None:
        """The name of the generated content form, or None for literal content."""
        content = self.content
        if isinstance(content, Mapping) and len(content) == 1:
            kind = next(iter(content))
            if kind in _GENERATED:
                return str(kind)
        return None


def card_access_entry() -> LdsFileConfig:
    """EF.CardAccess in a ``files`` list (content generated from ``pace``)."""
    return LdsFileConfig(
        fid=EF_CARD_ACCESS,
        sfi=SFI_CARD_ACCESS,
        label="EF.CardAccess",
        content={"card_access": "pace"},
        access=dict(CARD_ACCESS_RULES),
    )


def _lds(fid: int, label: str, content: dict[str, str], size: int | None = None) -> LdsFileConfig:
    return LdsFileConfig(fid=fid, sfi=fid & 0xFF, label=label, size=size, content=content)


def large_dg2_files() -> tuple[LdsFileConfig, ...]:
    """The earlier layout, kept for the benchmarks and ICAO 9303-11 Appendix D: the EF.COM of
    D.4, DG1, a synthetic 60 KB DG2 (its end needs READ BINARY B1) and an unsigned
    placeholder EF.SOD."""
    return (
        card_access_entry(),
        _lds(0x011E, "EF.COM", {"hex": to_hex(DEFAULT_EF_COM)}),
        _lds(0x0101, "EF.DG1", {"dg1": "mrz"}),
        _lds(0x0102, "EF.DG2", {"dg2": "synthetic"}, DG2_SIZE),
        _lds(0x011D, "EF.SOD", {"hex": to_hex(DEFAULT_EF_SOD)}),
    )


def _default_files() -> tuple[LdsFileConfig, ...]:
    lds = _lds

    # The default passport is issued (docs/passport.md): its DG2 is the face, below 32 KB.
    return (
        card_access_entry(),
        lds(0x011E, "EF.COM", {"com": "issued"}),
        lds(0x0101, "EF.DG1", {"dg1": "mrz"}),
        lds(0x0102, "EF.DG2", {"dg2": "photo"}),
        lds(0x010B, "EF.DG11", {"dg11": "issued"}),
        lds(0x010C, "EF.DG12", {"dg12": "issued"}),
        lds(0x010E, "EF.DG14", {"dg14": "issued"}),
        lds(0x010F, "EF.DG15", {"dg15": "issued"}),
        lds(0x011D, "EF.SOD", {"sod": "signed"}),
    )


@dataclass(frozen=True, kw_only=True)
class EpassportConfig:
    """The ePassport applet's profile section, configuration and saved file contents."""

    aid: bytes = EPASSPORT_AID
    multiselectable: bool = True
    mrz: Td3Mrz = field(default_factory=Td3Mrz)
    pace: PaceSettings = field(default_factory=PaceSettings)
    files: tuple[LdsFileConfig, ...] = field(default_factory=_default_files)
    issuance: IssuanceConfig = field(default_factory=IssuanceConfig)

    def issuer(self) -> Issuer:
        return Issuer(self.issuance, self.pace.pace_infos)


def default_config() -> dict[str, Any]:
    """The ePassport applet's section of the default profile (docs/simulator.md)."""
    return {"type": "epassport", **export(EpassportConfig())}


def large_dg2_config() -> dict[str, Any]:
    """An ePassport section with :func:`large_dg2_files` (benchmarks, Appendix D tests)."""
    return {"type": "epassport", **export(EpassportConfig(files=large_dg2_files()))}


@dataclass
class LdsFiles:
    """The application DF built from a ``files`` list, with what its export needs: the
    generated contents by FID and the declared sizes."""

    df: DedicatedFile
    generated: dict[int, str]
    sizes: dict[int, int | None]
    issuer: Issuer | None = None
    numbers: list[int] = field(default_factory=list)  # the data groups the list holds

    def data_groups(self) -> dict[int, bytes]:
        """The data groups' contents by number (FIDs 0101-0110, ICAO 9303-10 table 38)."""
        return {
            ef.fid - 0x0100: bytes(ef.data)
            for ef in self.df.children
            if isinstance(ef, ElementaryFile) and 0x0101 <= ef.fid <= 0x0110
        }

    def _need_issuer(self, kind: str) -> Issuer:
        if self.issuer is None:
            raise ConfigError("files", f"generated {kind} needs the ePassport's issuance section")
        return self.issuer

    def issued(self, kind: str) -> bytes:
        """The issued content ``kind``; "sod" over the data groups now in the DF."""
        issuer = self._need_issuer(kind)
        if kind == "sod":
            return issuer.sod(self.data_groups())
        content = issuer.content(kind, self.numbers)
        assert content is not None
        return content

    def _sign(self) -> None:
        """Fill the generated EF.SOD once every data group is in place."""
        for ef in self.df.children:
            if isinstance(ef, ElementaryFile) and self.generated.get(ef.fid) == "sod":
                ef.data = bytearray(self.issued("sod"))

    @classmethod
    def build(
        cls,
        entries: Sequence[LdsFileConfig],
        mrz: Td3Mrz,
        card_access: bytes,
        *,
        name: bytes,
        label: str,
        issuer: Issuer | None = None,
    ) -> LdsFiles:
        """The DF with its transparent EFs; EF.CardAccess is added when the list lacks it."""
        files = cls(DedicatedFile(None, name, label), {}, {}, issuer)
        files.numbers = sorted(e.fid - 0x0100 for e in entries if 0x0101 <= e.fid <= 0x0110)
        df = files.df
        for index, entry in enumerate(entries):
            where = f"files[{index}]"
            sfi = entry.sfi
            if df.child(entry.fid) is not None or (sfi is not None and df.ef_by_sfi(sfi)):
                raise ConfigError(where, "duplicate file identifier or SFI")
            kind = entry.generator()
            data = b"" if kind == "sod" else files._content(entry, kind, mrz, card_access, where)
            if kind is not None:
                files.generated[entry.fid] = kind
            files.sizes[entry.fid] = entry.size
            df.children.append(_ef(df, entry, data))
        files._sign()
        if df.child(EF_CARD_ACCESS) is None and df.ef_by_sfi(SFI_CARD_ACCESS) is None:
            df.children.append(_ef(df, card_access_entry(), card_access))
            files.generated[EF_CARD_ACCESS] = "card_access"
            files.sizes[EF_CARD_ACCESS] = None
        return files

    def _content(
        self, entry: LdsFileConfig, kind: str | None, mrz: Td3Mrz, card_access: bytes, where: str
    ) -> bytes:
        if kind in _ISSUED:
            return self.issued(kind)
        if kind == "dg2" and isinstance(entry.content, Mapping) and entry.content["dg2"] == "photo":
            return dg2_photo()
        if kind == "dg1":
            return dg1_content(mrz)
        if kind == "card_access":
            return card_access
        if kind == "dg2":
            if entry.size is None:
                raise ConfigError(where, "a generated dg2 needs its size")
            return dg2_content(entry.size)
        return decode_content(entry.content, entry.size, where)

    def export(self, mrz: Td3Mrz, card_access: bytes) -> tuple[LdsFileConfig, ...]:
        """The ``files`` list with the current contents (generated ones stay generated while
        unchanged, so a state file stays small)."""
        entries = []
        for ef in self.df.children:
            assert isinstance(ef, ElementaryFile)
            data = bytes(ef.data)
            kind = self.generated.get(ef.fid)
            size = len(data) if self.sizes.get(ef.fid) is not None else None
            content: object
            if kind == "dg1" and data == dg1_content(mrz):
                size, content = None, {"dg1": "mrz"}
            elif kind == "card_access" and data == card_access:
                size, content = None, {"card_access": "pace"}
            elif kind == "dg2" and data == dg2_photo():
                size, content = None, {"dg2": "photo"}
            elif kind == "dg2" and data == dg2_content(len(data)):
                size, content = len(data), {"dg2": "synthetic"}
            elif kind in (*_ISSUED, "sod") and data == self.issued(kind):
                size, content = None, {kind: "signed" if kind == "sod" else "issued"}
            else:
                content = encode_content(data)
            entries.append(
                LdsFileConfig(
                    fid=ef.fid,
                    sfi=ef.sfi,
                    label=ef.label,
                    size=size,
                    content=content,
                    access=ef.access.to_config(),
                )
            )
        return tuple(entries)


def _ef(df: DedicatedFile, entry: LdsFileConfig, data: bytes) -> ElementaryFile:
    access = entry.access
    if not isinstance(access, Mapping):
        raise ConfigError("access", "expected a mapping of operations to rules")
    return ElementaryFile(
        entry.fid,
        Structure.TRANSPARENT,
        df,
        access=FileAccess.from_config(access),
        sfi=entry.sfi,
        data=data,
        label=entry.label,
    )


__all__ = [
    "DEFAULT_CAN",
    "DEFAULT_PACE_INFOS",
    "EpassportConfig",
    "LdsFileConfig",
    "LdsFiles",
    "PaceInfoConfig",
    "PaceSettings",
    "card_access_entry",
    "default_config",
    "large_dg2_config",
    "large_dg2_files",
]
