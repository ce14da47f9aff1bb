"""Known answers for LEE mode: the Keycard applet's own test, keycard-tech/status-keycard
``src/test/java/im/status/keycard/KeycardTest.java`` ``leeKeysTest`` at a61616a (2026-08-19):
the BIP-39 seed of WORDS (empty passphrase) loaded with LOAD KEY P1 04, then at m/43'/60' the
EXPORT KEY public key and the EXPORT LEE NSK and VSK."""

from __future__ import annotations

from cardwire.crypto.bip32 import HARDENED

WORDS = "fan empower output between game genius forest bulk party small arm shuffle"
PATH = (HARDENED | 43, HARDENED | 60)  # m/43'/60'
EXPECTED_PUBLIC = (
    "045bdbe46824409ae66c960f4a204ac66adc1646dcfa56a5b455629f99b95a6430"
    "12390c799fb8a1f5e9140dfe9f6088ab1ded90f496c9d8832df501e3c8e9c45f"
)
EXPECTED_NSK = "a44386392e2112c8c46a7f8378b4c3163011a76664a2b1d23e25a6f35ef90739"
EXPECTED_VSK = (
    "d06cc239011a56c8aecec0579b884227d637496a6e3e8f27d70e170f2ec3fa0d"
    "97dc323114bb420ef3061010446a9b4cf321ebc895ac8b7f261e3fbcaef79a67"
)
