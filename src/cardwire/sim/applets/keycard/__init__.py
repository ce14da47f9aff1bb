"""A Keycard-compatible applet (version 3.1, secure channel v1) for the simulated card.

Sources: Keycard docs (keycard.tech/docs/apdu, one page per command), the PyPI keycard SDK
0.4.0 where the docs are silent (INIT's retry counts), and docs/keycard.md. The channel codec
is cardwire.sm.keycard's, the same object the host uses.

Implemented (applet 3.1): SELECT (both states), INIT, PAIR, UNPAIR, OPEN SECURE CHANNEL,
MUTUALLY AUTHENTICATE, GET STATUS (application status, key path), VERIFY PIN, CHANGE PIN (PIN,
PUK, pairing secret), UNBLOCK PIN, LOAD KEY (key pair, extended key pair, BIP-39 seed), DERIVE
KEY, GENERATE MNEMONIC, REMOVE KEY, GENERATE KEY, SIGN (current key, derive, derive and make
current, PIN-less path), SET PINLESS PATH, EXPORT KEY, STORE DATA / GET DATA, FACTORY RESET,
IDENTIFY CARD.
Applet 4.x (``version: 0400`` in the profile, :func:`keycard_4x_profile`): Secure Channel V2
(``channel_v2``: no pairing, the Identity Certificate in SELECT, INIT inside the channel).
``commands_4x``: GET CHALLENGE, ECDH, EXPORT BIP85 and 4.x's SIGN (master only, BIP-340
Schnorr with a tweak). Not implemented: EXPORT LEE and the LEE seed.

The card's secure-channel key and instance UID are created with the card's random generator at
the first SELECT when the profile gives none, and are then kept in the state file.

Modules: ``settings`` (constants, defaults, profile parsing), ``state`` (the card-wide state
and the rules the commands share), ``applet`` (:class:`KeycardApplet`: SELECT, dispatch),
``channel``, ``channel_v2``, ``pin``, ``keys``, ``sign``, ``data``, ``commands_4x``, ``lee`` (the
commands, by job).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cardwire.sim.applets.keycard.applet import (
    KeycardApplet,
)
from cardwire.sim.applets.keycard.settings import (
    CAPABILITIES,
    CHANGE_PAIRING_SECRET,
    CHANGE_PIN,
    CHANGE_PUK,
    DEFAULT_PAIRING_SLOTS,
    DEFAULT_PIN,
    DEFAULT_PUK,
    DEFAULT_VERSION,
    DIGEST_LENGTH,
    GET_STATUS_APPLICATION,
    GET_STATUS_KEY_PATH,
    INS_CHANGE_PIN,
    INS_GENERATE_KEY,
    INS_GET_STATUS,
    INS_SIGN,
    INS_UNBLOCK_PIN,
    INS_VERIFY_PIN,
    INSTANCE_UID_LENGTH,
    PAIRING_MODES,
    PIN_LENGTH,
    PIN_REFERENCE,
    PIN_TRIES,
    PUK_LENGTH,
    PUK_REFERENCE,
    PUK_TRIES,
    SIGN_CURRENT_KEY,
    SIGN_ECDSA_SECP256K1,
    TAG_APPLICATION_STATUS,
    TAG_BOOLEAN,
    TAG_SIGNATURE_TEMPLATE,
    default_config,
)
from cardwire.sm.keycard import KEYCARD_AID

if TYPE_CHECKING:
    from cardwire.sim.profile import Profile


def keycard_4x_profile() -> Profile:
    """The default card with its Keycard applet as a 4.x applet (version 4.0, Secure Channel
    V2, the simulator test CA): ``cardwire.sim.profile.save(path, keycard_4x_profile())``."""
    from cardwire.sim.profile import default_profile

    profile = default_profile()
    applets = tuple(
        replace(spec, settings={**spec.settings, "version": "0400"})
        if spec.type == "keycard"
        else spec
        for spec in profile.applets
    )
    return replace(profile, applets=applets)


__all__ = [
    "CAPABILITIES",
    "CHANGE_PAIRING_SECRET",
    "CHANGE_PIN",
    "CHANGE_PUK",
    "DEFAULT_PAIRING_SLOTS",
    "DEFAULT_PIN",
    "DEFAULT_PUK",
    "DEFAULT_VERSION",
    "DIGEST_LENGTH",
    "GET_STATUS_APPLICATION",
    "GET_STATUS_KEY_PATH",
    "INSTANCE_UID_LENGTH",
    "INS_CHANGE_PIN",
    "INS_GENERATE_KEY",
    "INS_GET_STATUS",
    "INS_SIGN",
    "INS_UNBLOCK_PIN",
    "INS_VERIFY_PIN",
    "KEYCARD_AID",
    "PAIRING_MODES",
    "PIN_LENGTH",
    "PIN_REFERENCE",
    "PIN_TRIES",
    "PUK_LENGTH",
    "PUK_REFERENCE",
    "PUK_TRIES",
    "SIGN_CURRENT_KEY",
    "SIGN_ECDSA_SECP256K1",
    "TAG_APPLICATION_STATUS",
    "TAG_BOOLEAN",
    "TAG_SIGNATURE_TEMPLATE",
    "KeycardApplet",
    "default_config",
    "keycard_4x_profile",
]
