"""PACE command bytes, data object tags and sizes (ICAO Doc 9303 Part 11, 4.4.4 and 9.4.2)."""

from __future__ import annotations

# ICAO 9303-11 4.4.4 / ISO 7816-4: command bytes
INS_MSE = 0x22
INS_GENERAL_AUTHENTICATE = 0x86
MSE_SET_AT_P1 = 0xC1  # "set for mutual authentication" (computation, decipherment, ...)
MSE_SET_AT_P2 = 0xA4  # control reference template for authentication (AT)
CLA_CHAINING = 0x10  # 9303-11 4.4.4.2: GA steps 1-3 are sent as a command chain

# 9303-11 4.4.4.1, MSE:Set AT data objects
TAG_PROTOCOL = 0x80
TAG_PASSWORD_REFERENCE = 0x83
TAG_PARAMETER_ID = 0x84
TAG_CHAT = 0x7F4C  # certificate holder authorization template (eID terminals; ignored here)
TAG_AUXILIARY_DATA = 0x67  # eID auxiliary data (ignored here)

# 9303-11 4.4.4.2, GENERAL AUTHENTICATE dynamic authentication data
TAG_DYNAMIC_AUTHENTICATION_DATA = 0x7C
TAG_ENCRYPTED_NONCE = 0x80
TAG_MAPPING_DATA_IFD = 0x81
TAG_MAPPING_DATA_IC = 0x82
TAG_EPHEMERAL_KEY_IFD = 0x83
TAG_EPHEMERAL_KEY_IC = 0x84
TAG_TOKEN_IFD = 0x85
TAG_TOKEN_IC = 0x86
TAG_CAR_1 = 0x87  # most recent certification authority reference (for Terminal Authentication)
TAG_CAR_2 = 0x88  # previous certification authority reference

# 9303-11 9.4.2, public key data objects inside the authentication token input
TAG_PUBLIC_KEY = 0x7F49
TAG_OID = 0x06
TAG_DH_PUBLIC_VALUE = 0x84
TAG_EC_PUBLIC_POINT = 0x86

TOKEN_LENGTH = 8  # 9303-11 4.4.3.4 / 9.8.3: 8-byte MACs
NONCE_LENGTH = 16  # 9303-11 4.4.3.1: a multiple of the block size (16 suits 3DES and AES)
