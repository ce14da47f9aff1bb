"""Cryptographic primitives for cardwire (the only package that imports ``cryptography``).

Import each primitive from its module (there is no second path through this package):
``block`` (AES, 3DES), ``cmac`` (AES-CMAC), ``retail_mac`` (ISO 9797-1 MAC algorithm 3),
``padding`` (ISO 7816-4 padding), ``des_parity``, ``kdf_icao`` (ICAO 9303-11 9.7.1),
``kdf_sp800108`` (NIST SP 800-108 counter mode, SCP03), ``dh_groups``, ``ec_arith`` (PACE),
``secp256k1`` (Keycard).
"""
