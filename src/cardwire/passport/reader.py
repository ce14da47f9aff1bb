"""The inspection of an eMRTD over a card: access, reading, then the checks (ICAO Doc 9303-11).

:func:`inspect_passport` runs the whole inspection on a :class:`~cardwire.card.CardCommands`;
the I/O is in :func:`establish_access` and :func:`read_ef`; what the files mean is decided by
the sans-IO :func:`evaluate`.

- Access (9303-11 4.2, the order npa-tool and JMRTD use): right after reset EF.CardAccess is read
  from the master file by its SFI 1C; when it offers PACE, PACE runs at the chip level (password
  CAN or MRZ) and the eMRTD application is then selected under secure messaging (the PACE session
  stays: docs/secure-messaging.md, "SELECT and secure sessions"); otherwise the application is
  selected and BAC runs (MRZ only). A chip without EF.CardAccess in the MF but inside the
  application (some older chips) is tried there too.
- Reading: EF.COM, then every data group it lists, then EF.SOD; each file's length is read
  from its TLV header, then chunks of 223 bytes (short APDUs under SM) or 4 KB with extended
  length; READ BINARY B1 past 32767 (:func:`cardwire.commands.read_binary`). DG3 and DG4
  answer 6982 without Extended Access Control (BSI TR-03110) and are reported unreadable.
- Checks: Passive Authentication (:mod:`cardwire.passport.passive`); Active Authentication
  (:mod:`cardwire.passport.active`) when DG15 is present; Chip Authentication
  (:mod:`cardwire.passport.chip_auth`) when DG14 has a chip key. AA and CA mean something only
  when DG15's / DG14's hash passed (else "failed" with that reason).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography import x509

from cardwire import commands
from cardwire.card import CardCommands
from cardwire.errors import DecodeError, StatusError, UsageError
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.pace import open_pace, read_card_access, select_application
from cardwire.passport.active import (
    CHALLENGE_LENGTH,
    internal_authenticate,
    verify_active_authentication,
)
from cardwire.passport.chip_auth import chip_authentication
from cardwire.passport.lds import (
    EAC_PROTECTED,
    FID_COM,
    FID_SOD,
    FaceImage,
    dg14_content,
    dg_fid,
    parse_com,
    parse_dg1,
    parse_dg2,
    parse_dg11,
    parse_dg12,
    parse_dg15,
)
from cardwire.passport.mrz import Mrz
from cardwire.passport.passive import PassiveResult, Verdict, passive_authentication
from cardwire.passport.security_infos import Dg14, parse_dg14_infos
from cardwire.passport.sod import parse_sod
from cardwire.sw import SW

EPASSPORT_AID = bytes.fromhex("A0000002471001")  # ICAO 9303-10: LDS1 eMRTD application
SHORT_CHUNK, EXTENDED_CHUNK = 0xDF, 0x1000
PASSED, FAILED, NOT_SUPPORTED = "passed", "failed", "not supported"
Progress = Callable[[str, int, int], None]  # (file name, bytes read, total)


@dataclass
class Inspection:
    """What the inspection found; ``files`` holds the raw files by name (EF.COM, DG1, ...)."""

    access: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    mrz: Mrz | None = None
    faces: list[FaceImage] = field(default_factory=list)
    details: dict[str, dict[str, str]] = field(default_factory=dict)  # DG11, DG12
    dg14: Dg14 | None = None
    passive: PassiveResult | None = None
    active: Verdict | None = None  # None: not supported
    chip: Verdict | None = None
    problems: list[str] = field(default_factory=list)  # files that did not parse

    @property
    def data_groups(self) -> dict[int, bytes]:
        return {int(k[2:]): v for k, v in self.files.items() if k.startswith("DG")}

    @property
    def passed(self) -> bool:
        """Every check that could run passed."""
        verdicts = [v for v in (self.active, self.chip) if v is not None]
        pa_ok = self.passive is not None and self.passive.passed
        return pa_ok and all(v.ok for v in verdicts) and not self.problems


def _pace_offered(card: CardCommands) -> bool:
    try:
        return bool(read_card_access(card))
    except (StatusError, DecodeError):
        return False  # no EF.CardAccess here


def establish_access(card: CardCommands, password: str, kind: str) -> str:
    """Open secure messaging to the eMRTD application: "PACE" or "BAC" (9303-11 4.2)."""
    if _pace_offered(card):  # EF.CardAccess in the MF, read right after reset (9303-10 4.7)
        open_pace(card, password, kind=kind)  # chip-level PACE
        select_application(card, EPASSPORT_AID)  # under SM, answered under SM (9303-11 4.2)
        return "PACE"
    select_application(card, EPASSPORT_AID)
    if _pace_offered(card):  # an older chip with EF.CardAccess only inside the application
        open_pace(card, password, kind=kind)
        return "PACE"
    if kind != "mrz":
        raise UsageError("the chip offers no PACE, and BAC needs the MRZ (--mrz)")
    open_bac(card, password)
    return "BAC"


def read_ef(card: CardCommands, fid: int, name: str, progress: Progress | None = None) -> bytes:
    """SELECT the EF and read it whole: its length from the TLV header, then in chunks."""
    card.send(commands.select_fid(fid, fci=commands.SelectReturn.NONE))
    head = card.read_binary(0, 4)
    total = _header_total(head)
    limits = getattr(card, "limits", None)  # a Card knows; a Channel shares its card's
    chunk = EXTENDED_CHUNK if limits is not None and limits.extended else SHORT_CHUNK
    data = bytearray(head[:total])
    while len(data) < total:
        data += card.read_binary(len(data), min(chunk, total - len(data)))
        if progress is not None:
            progress(name, len(data), total)
    return bytes(data)


def _header_total(head: bytes) -> int:
    # ISO/IEC 7816-4 5.2 / X.690: one tag byte (LDS templates), then the length octets.
    if len(head) < 2:
        raise DecodeError("the file is shorter than a TLV header", 0)
    length = head[1]
    if length < 0x80:
        return 2 + length
    count = length & 0x7F
    return 2 + count + int.from_bytes(head[2 : 2 + count], "big")


def read_passport(
    card: CardCommands, password: str, kind: str, progress: Progress | None = None
) -> Inspection:
    """Access, then read EF.COM, the data groups it lists and EF.SOD."""
    found = Inspection(access=establish_access(card, password, kind))
    found.files["EF.COM"] = read_ef(card, FID_COM, "EF.COM", progress)
    for number in parse_com(found.files["EF.COM"]).data_groups:
        name = f"DG{number}"
        try:
            found.files[name] = read_ef(card, dg_fid(number), name, progress)
        except StatusError as exc:
            if exc.sw != SW.SECURITY_STATUS_NOT_SATISFIED:
                raise
            why = "protected by Extended Access Control" if number in EAC_PROTECTED else "6982"
            found.unreadable[name] = why
    found.files["EF.SOD"] = read_ef(card, FID_SOD, "EF.SOD", progress)
    return found


def evaluate(
    found: Inspection,
    trusted: Sequence[x509.Certificate] | None,
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> None:
    """Parse the files and run Passive Authentication (sans-IO)."""
    parsers: Mapping[str, Callable[[bytes], None]] = {
        "DG1": lambda d: setattr(found, "mrz", parse_dg1(d)),
        "DG2": lambda d: setattr(found, "faces", parse_dg2(d)),
        "DG11": lambda d: found.details.__setitem__("DG11", parse_dg11(d)),
        "DG12": lambda d: found.details.__setitem__("DG12", parse_dg12(d)),
        "DG14": lambda d: setattr(found, "dg14", parse_dg14_infos(dg14_content(d))),
    }
    for name, parse in parsers.items():
        if name in found.files:
            try:
                parse(found.files[name])
            except DecodeError as exc:
                found.problems.append(f"{name}: {exc}")
    sod = parse_sod(found.files["EF.SOD"])
    found.passive = passive_authentication(sod, found.data_groups, trusted, crls=crls)


def _hash_failure(found: Inspection, name: str) -> str | None:
    """Why a check resting on ``name`` cannot mean anything, or None when its hash passed."""
    hashes = found.passive.hashes if found.passive else {}
    if not hashes.get(name, False):
        return f"{name} failed its hash check (Passive Authentication)"
    return None


def active_authentication(
    card: CardCommands, found: Inspection, rng: Callable[[int], bytes]
) -> None:
    """AA with a random challenge when DG15 is present (9303-11 6.1)."""
    if "DG15" not in found.files:
        return
    challenge = rng(CHALLENGE_LENGTH)
    answer = card.send(internal_authenticate(challenge), check=False)
    if answer.sw != SW.SUCCESS:
        found.active = Verdict(False, f"INTERNAL AUTHENTICATE answered {answer.sw:04X}")
        return
    algorithm = found.dg14.aa_algorithm if found.dg14 else None
    verdict = verify_active_authentication(
        parse_dg15(found.files["DG15"]), challenge, answer.data, algorithm
    )
    broken = _hash_failure(found, "DG15")
    found.active = Verdict(False, broken) if broken and verdict.ok else verdict


def chip_authentication_step(card: CardCommands, found: Inspection) -> None:
    """CA v1 with DG14's key (9303-11 6.2); its verdict means something only when DG14's hash
    passed."""
    if found.dg14 is None:
        return
    found.chip = chip_authentication(card, found.dg14, commands.read_binary(0, ne=4))
    broken = _hash_failure(found, "DG14")
    if broken and found.chip is not None and found.chip.ok:
        found.chip = Verdict(False, broken)


def inspect_passport(
    card: CardCommands,
    password: str,
    kind: str = "mrz",
    *,
    trusted: Sequence[x509.Certificate] | None = None,
    crls: Sequence[x509.CertificateRevocationList] = (),
    progress: Progress | None = None,
    rng: Callable[[int], bytes] = os.urandom,
) -> Inspection:
    """The whole inspection: access, read, parse, Passive and Active Authentication."""
    found = read_passport(card, password, kind, progress)
    evaluate(found, trusted, crls)
    active_authentication(card, found, rng)
    chip_authentication_step(card, found)
    return found


__all__ = [
    "FAILED",
    "NOT_SUPPORTED",
    "PASSED",
    "Inspection",
    "establish_access",
    "evaluate",
    "inspect_passport",
    "read_ef",
    "read_passport",
]
