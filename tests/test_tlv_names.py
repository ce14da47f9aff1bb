"""Tag-name dictionaries: chosen by name or by the first tag, never merged."""

from __future__ import annotations

import pytest

from cardwire import tlv_names
from cardwire.errors import UsageError


def test_the_same_tag_has_a_name_per_context() -> None:
    assert tlv_names.named("gp")[0x66] == "card data"
    assert tlv_names.named("ICAO")[0x66] == "DG6"
    assert tlv_names.named("iso7816")[0x6F] == "FCI template"
    assert tlv_names.named("keycard")[0xA4] == "application info template"


@pytest.mark.parametrize(
    ("tag", "name"),
    [(0x62, "iso7816"), (0xE3, "gp"), (0x9F7F, "gp"), (0x77, "icao"), (0xA3, "keycard")],
)
def test_guess_by_first_tag(tag: int, name: str) -> None:
    assert tlv_names.guess(tag) == name


def test_unknown_first_tag_is_iso_and_unknown_name_is_a_usage_error() -> None:
    assert tlv_names.guess(0x9A) == "iso7816"
    with pytest.raises(UsageError, match="known: iso7816, gp, icao, keycard"):
        tlv_names.named("emv")
