"""The Security Domain's constants and its profile section: default configuration, key sets,
hex settings and the load file AIDs of the applet types (GlobalPlatform Card Specification v2.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cardwire.errors import ConfigError, UsageError
from cardwire.sim.applets.security_domain.scp02_session import Scp02Config
from cardwire.sim.applets.security_domain.scp11 import Scp11Config
from cardwire.sim.config_loader import check, export
from cardwire.sm.keycard.constants import KEYCARD_APPLET_AID, KEYCARD_PACKAGE_AID
from cardwire.sm.scp03 import (
    DEFAULT_KVN,
    DIVERSIFICATION_DATA_LENGTH,
    MAX_SEQUENCE_COUNTER,
    StaticKeys,
)

TYPE_NAME = "security-domain"
DEFAULT_AID = bytes.fromhex("A000000151000000")  # the GlobalPlatform ISD AID (RID A000000151)
CPLC_LENGTH = 42  # GPC H.6 (card production life cycle data): 42 bytes
MAX_KEY_SETS = 8
MAX_STATUS_CHUNK = 200  # plain GET STATUS bytes per answer (room for padding and R-MAC)
# GPC 11.1.2 tables 11-7..11-9: Security Domain, Card Lock, Card Terminate, Card Reset, CVM
# Management; Trusted Path .. Final Application; Receipt Generation (what an ISD usually holds).
ISD_PRIVILEGES = bytes.fromhex("9EFE80")
APPLICATION_PRIVILEGES = bytes(3)
SECURITY_DOMAIN_PRIVILEGE = 0x80  # GPC table 11-7, first byte b8
# GPC 11.8.3.2 table 11-76: PUT KEY status words beyond ISO 7816-4.
SW_ALGORITHM_NOT_SUPPORTED = 0x9484
SW_INVALID_KEY_CHECK_VALUE = 0x9485
AES_KEY_SIZES = (16, 24, 32)  # GP Card Spec 2.3 Amendment D 4.1.3: AES-128/192/256
# GPC 5.1.1 / table 11-5: card life cycle states as the ISD's GET STATUS reports them.
CARD_OP_READY, CARD_INITIALIZED, CARD_SECURED = 0x01, 0x07, 0x0F
CARD_LOCKED, CARD_TERMINATED = 0x7F, 0xFF
CARD_LIFE_CYCLES = (
    CARD_OP_READY,
    CARD_INITIALIZED,
    CARD_SECURED,
    CARD_LOCKED,
    CARD_TERMINATED,
)


# GPC 11.1.4 / 11.4.2: an executable load file (package) holds executable modules (applets); an
# instance is installed from a module under its own AID. Applet types with a published package
# are registered under its AIDs (Keycard: package A0000008040001, applet A000000804000101).
_PUBLISHED_LOAD_FILES = {"keycard": (KEYCARD_PACKAGE_AID, KEYCARD_APPLET_AID)}


def load_file_aid(applet_type: str) -> bytes:
    """The executable load file AID a built-in applet type is installed from: the published
    package AID, or F0 followed by the type name in ASCII (a proprietary AID, ISO 7816-5)."""
    published = _PUBLISHED_LOAD_FILES.get(applet_type)
    return published[0] if published else b"\xf0" + applet_type.encode("ascii")


def module_aid(applet_type: str) -> bytes:
    """The executable module AID in that load file: the published applet AID, or the load
    file AID (one module per proprietary load file)."""
    published = _PUBLISHED_LOAD_FILES.get(applet_type)
    return published[1] if published else load_file_aid(applet_type)


@dataclass(frozen=True, kw_only=True)
class KeySetConfig:
    """One SCP03 key set of the profile: its key version number and the three AES keys."""

    kvn: int = field(metadata={"hex_bytes": 1})
    enc: bytes = field(repr=False, metadata={"lengths": AES_KEY_SIZES})
    mac: bytes = field(repr=False, metadata={"lengths": AES_KEY_SIZES})
    dek: bytes = field(repr=False, metadata={"lengths": AES_KEY_SIZES})

    def keys(self) -> StaticKeys:
        return StaticKeys(self.enc, self.mac, self.dek, self.kvn)

    @classmethod
    def of(cls, keys: StaticKeys) -> KeySetConfig:
        return cls(kvn=keys.kvn, enc=keys.enc, mac=keys.mac, dek=keys.dek)


def _default_key_sets() -> tuple[KeySetConfig, ...]:
    return (KeySetConfig.of(StaticKeys.default(DEFAULT_KVN)),)


@dataclass(frozen=True, kw_only=True)
class LoadFileConfig:
    """One executable load file in the registry (GPC 9.1, 11.4.3): its AID and the AIDs of its
    executable modules (for a Java Card package: the package AID and its applets' AIDs)."""

    aid: bytes
    modules: tuple[bytes, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SecurityDomainConfig:
    """The Security Domain's profile section, configuration and saved state together."""

    aid: bytes = DEFAULT_AID
    key_sets: tuple[KeySetConfig, ...] = field(default_factory=_default_key_sets)
    # GP Card Spec 2.3 E.5.2.3 / SCP03 6.2.2: the counter is 3 bytes; 2^24 means exhausted.
    sequence_counter: int = field(default=0, metadata={"range": (0, MAX_SEQUENCE_COUNTER + 1)})
    pseudo_random: bool = False
    diversification_data: bytes = field(
        default=bytes(DIVERSIFICATION_DATA_LENGTH),
        metadata={"length": DIVERSIFICATION_DATA_LENGTH},
    )
    cplc: bytes = field(default=bytes(CPLC_LENGTH), metadata={"length": CPLC_LENGTH})
    # See diversified_key_sets: a template name, or "none" in a state already diversified.
    diversify: str | None = field(default=None, metadata={"omit_default": True})
    # SCP02 key sets (GP Card Spec Annex E), chosen by INITIALIZE UPDATE's key version.
    scp02: Scp02Config | None = field(default_factory=Scp02Config)
    # SCP11 keys 11/13/15 and the test PKI they come from (GP Amendment F; scp11.py).
    scp11: Scp11Config | None = field(default_factory=Scp11Config)
    # GPC 5.1.1 table 11-5: the card life cycle (01 OP_READY, 07 INITIALIZED, 0F SECURED, 7F
    # CARD_LOCKED, FF TERMINATED); a profile may start the card in OP_READY or INITIALIZED.
    # Always written: a state merged over an OP_READY profile must keep SECURED.
    card_life_cycle: int = field(default=CARD_SECURED, metadata={"hex_bytes": 1})
    # The executable load files; None: one per built-in applet type (load_file_aid), as a card
    # whose packages are in ROM. Written in full once a LOAD or DELETE changed them.
    load_files: tuple[LoadFileConfig, ...] | None = field(
        default=None, metadata={"omit_default": True}
    )
    # STORE DATA to the Security Domain (GPC 11.11): BER-TLV data objects GET DATA answers.
    data_objects: bytes = field(default=b"", metadata={"omit_default": True})

    def __post_init__(self) -> None:
        check(
            self.card_life_cycle in CARD_LIFE_CYCLES,
            "card_life_cycle",
            "expected one of " + ", ".join(f"{c:02X}" for c in CARD_LIFE_CYCLES),
        )
        check(
            1 <= len(self.key_sets) <= MAX_KEY_SETS,
            "key_sets",
            f"expected a list of 1 to {MAX_KEY_SETS} key sets",
        )
        check(
            len({k.kvn for k in self.key_sets}) == len(self.key_sets),
            "key_sets",
            "a key version number is used twice",
        )


def default_config() -> dict[str, Any]:
    """The Security Domain's section in the default profile (docs/simulator.md)."""
    return export(SecurityDomainConfig())


def diversified_key_sets(config: SecurityDomainConfig) -> list[StaticKeys]:
    """``diversify: kdf3`` in the profile: ``key_sets`` are master keys and the card holds the
    keys diversified with its ``diversification_data`` (``cardwire.sm.scp03`` KDF3,
    the GlobalPlatformPro KDF3 template), as a card personalised from a master key would. The
    exported state holds the diversified keys and ``diversify: none``, so a reload keeps them."""
    key_sets = [k.keys() for k in config.key_sets]
    if config.diversify is None:
        return key_sets
    data = config.diversification_data
    try:
        return [keys.diversified(data, config.diversify) for keys in key_sets]
    except UsageError as exc:
        raise ConfigError("diversify", str(exc)) from None
