"""The test PKI's ICAO master list (Doc 9303-12 9): the test CSCA and another State's test CSCA
in a CscaMasterList, signed by the test Master List Signer (``cardwire sim csca --master-list``).

Broken lists, for testing readers (docs/passport.md): ``tampered`` changes one byte of the
list after it was signed (messageDigest no longer matches), ``foreign_signer`` signs it with
a Master List Signer issued by a CSCA of the same name that the list does not hold.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from cryptography.hazmat.primitives import serialization

from cardwire.passport.master_list import ID_CSCA_MASTER_LIST
from cardwire.passport.sod import build_signed_data, signed_attributes
from cardwire.sim.applets.epassport.pki import (
    SIGNING_TIME,
    KeyType,
    csca_certificate,
    master_list_signer,
)
from cardwire.tlv import tlv

BrokenList = Literal["tampered", "foreign_signer"]
OTHER_STATE = "another State"  # the seed of the second CSCA in the list


def csca_master_list(cscas: Collection[bytes]) -> bytes:
    """CscaMasterList { version v0, certList SET OF Certificate } (9303-12 9), DER: the SET OF
    in encoding order (X.690 11.6)."""
    return tlv(0x30, b"\x02\x01\x00" + tlv(0x31, b"".join(sorted(cscas))))


def master_list(seed: str, key_type: KeyType = "ec", broken: Collection[BrokenList] = ()) -> bytes:
    """The signed master list (DER ContentInfo), signed 2025-01-01 like the SOD."""
    cscas = [
        csca_certificate(name, key_type).public_bytes(serialization.Encoding.DER)
        for name in (seed, OTHER_STATE)
    ]
    econtent = csca_master_list(cscas)
    attributes = signed_attributes(econtent, "sha256", SIGNING_TIME, ID_CSCA_MASTER_LIST)
    signer = master_list_signer(seed, key_type, foreign="foreign_signer" in broken)
    cms = signer.cms_signer(attributes)
    if "tampered" in broken:
        # One byte inside the last certificate's signature, after signing.
        econtent = econtent[:-3] + bytes([econtent[-3] ^ 0x01]) + econtent[-2:]
    return build_signed_data(ID_CSCA_MASTER_LIST, econtent, attributes, cms)


__all__ = ["OTHER_STATE", "BrokenList", "csca_master_list", "master_list"]
