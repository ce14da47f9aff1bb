"""Short-Weierstrass elliptic-curve arithmetic over prime fields (y^2 = x^3 + ax + b mod p).

PACE's Generic Mapping needs point addition (G~ = s*G + H, ICAO Doc 9303-11 4.4.3.3.1) and
scalar multiplication by a point other than the standard generator, neither of which
``cryptography`` exposes. This module implements both in plain Python:

- Jacobian projective coordinates (X, Y, Z) for x = X/Z^2, y = Y/Z^3 (SEC 1 v2 / "Guide to
  Elliptic Curve Cryptography" 3.2.2), with the general doubling formula (any ``a``).
- Scalar multiplication by a Montgomery ladder with a fixed number of steps (the bit length
  of the group order): one addition and one doubling per bit, whatever the bit.

**Not constant-time.** The ladder's shape is fixed, but its time still depends on the scalar:
Python integer arithmetic takes time that depends on the operands' values, the additions and
doublings return early while a ladder register is the point at infinity (so the leading zero
bits of the scalar are cheaper), ``r[bit]`` indexes memory with a secret bit, and the final
``pow(z, -1, p)`` is a variable-time inversion. Every multiplication PACE Generic Mapping does
here involves a secret (ICAO Doc 9303-11 4.4.3.3.1): the mapping key pair (x * G, x * Y),
the nonce (s * G, s being what the password protects), and the ephemeral key pair on the mapped
generator and its shared secret. So a process that can time or watch the caches of many PACE
runs on the same machine could learn bits of the nonce (an offline check of the password) or of
the session keys. That matters for the host side on a shared or hostile machine; the simulated
card is a test tool. A host that needs side-channel resistance should run PACE with an
implementation hardened for it (a card reader's PACE, or a constant-time library).
- Points travel as uncompressed octet strings 04 || X || Y (SEC 1 v2 2.3.3 / BSI TR-03111
  3.2.1), with both coordinates the byte length of p. Decoding checks that the point is on the
  curve (SEC 1 v2 3.2.2.1 public key validation; all curves here have cofactor 1, so a point on
  the curve other than infinity lies in the group of order n).

Curve parameters come from their published definitions: brainpoolP256r1/384r1/512r1 from
RFC 5639 sections 3.4, 3.6 and 3.7; NIST P-256/384/521 from FIPS 186-4 D.1.2.3-D.1.2.5 (the
same values as SEC 2 v2 2.4.2, 2.5.1, 2.6.1 and RFC 5114 2.6-2.8). The tests check them against
``cryptography``'s implementations of the same curves.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import DecodeError, UsageError

UNCOMPRESSED = 0x04  # SEC 1 v2 2.3.3: the uncompressed point form indicator


@dataclass(frozen=True, slots=True)
class Point:
    """An affine point other than the point at infinity (which functions return as ``None``)."""

    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Curve:
    """Domain parameters of a short-Weierstrass curve over GF(p) (SEC 1 v2 3.1.1)."""

    name: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int  # order of the generator
    h: int = 1  # cofactor

    @property
    def generator(self) -> Point:
        return Point(self.gx, self.gy)

    @property
    def coordinate_size(self) -> int:
        """Byte length of a field element (SEC 1 v2 2.3.5: ceil(log2(p) / 8))."""
        return (self.p.bit_length() + 7) // 8

    @property
    def order_size(self) -> int:
        """Byte length of a scalar below n."""
        return (self.n.bit_length() + 7) // 8

    @property
    def point_size(self) -> int:
        """Length of an uncompressed point: 1 + 2 * coordinate size."""
        return 1 + 2 * self.coordinate_size

    def __repr__(self) -> str:
        return f"Curve({self.name})"


# --- curve parameters ------------------------------------------------------------------------

# RFC 5639 3.4 (brainpoolP256r1)
BRAINPOOL_P256R1 = Curve(
    "brainpoolP256r1",
    p=0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
    a=0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
    b=0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
    gx=0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
    gy=0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
    n=0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
)

# RFC 5639 3.6 (brainpoolP384r1)
BRAINPOOL_P384R1 = Curve(
    "brainpoolP384r1",
    p=int(
        "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123"
        "ACD3A729901D1A71874700133107EC53",
        16,
    ),
    a=int(
        "7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F"
        "8AA5814A503AD4EB04A8C7DD22CE2826",
        16,
    ),
    b=int(
        "04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D5"
        "7CB4390295DBC9943AB78696FA504C11",
        16,
    ),
    gx=int(
        "1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8"
        "E826E03436D646AAEF87B2E247D4AF1E",
        16,
    ),
    gy=int(
        "8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF9912928"
        "0E4646217791811142820341263C5315",
        16,
    ),
    n=int(
        "8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7"
        "CF3AB6AF6B7FC3103B883202E9046565",
        16,
    ),
)

# RFC 5639 3.7 (brainpoolP512r1)
BRAINPOOL_P512R1 = Curve(
    "brainpoolP512r1",
    p=int(
        "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330871"
        "7D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
        16,
    ),
    a=int(
        "7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC"
        "2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
        16,
    ),
    b=int(
        "3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A7"
        "2BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
        16,
    ),
    gx=int(
        "81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098E"
        "FF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
        16,
    ),
    gy=int(
        "7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111"
        "B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
        16,
    ),
    n=int(
        "AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870"
        "553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069",
        16,
    ),
)

# FIPS 186-4 D.1.2.3 (P-256; RFC 5114 2.6); a = p - 3
_P256 = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
NIST_P256 = Curve(
    "secp256r1",
    p=_P256,
    a=_P256 - 3,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
)

# FIPS 186-4 D.1.2.4 (P-384; RFC 5114 2.7): p = 2^384 - 2^128 - 2^96 + 2^32 - 1
_P384 = 2**384 - 2**128 - 2**96 + 2**32 - 1
NIST_P384 = Curve(
    "secp384r1",
    p=_P384,
    a=_P384 - 3,
    b=int(
        "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875A"
        "C656398D8A2ED19D2A85C8EDD3EC2AEF",
        16,
    ),
    gx=int(
        "AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A38"
        "5502F25DBF55296C3A545E3872760AB7",
        16,
    ),
    gy=int(
        "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C0"
        "0A60B1CE1D7E819D7A431D7C90EA0E5F",
        16,
    ),
    n=int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
)

# FIPS 186-4 D.1.2.5 (P-521; RFC 5114 2.8): p = 2^521 - 1
_P521 = 2**521 - 1
NIST_P521 = Curve(
    "secp521r1",
    p=_P521,
    a=_P521 - 3,
    b=int(
        "0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF1"
        "09E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B50"
        "3F00",
        16,
    ),
    gx=int(
        "00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D"
        "3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5"
        "BD66",
        16,
    ),
    gy=int(
        "011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E"
        "662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD1"
        "6650",
        16,
    ),
    n=int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "FFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E9138"
        "6409",
        16,
    ),
)

CURVES = {
    curve.name: curve
    for curve in (
        BRAINPOOL_P256R1,
        BRAINPOOL_P384R1,
        BRAINPOOL_P512R1,
        NIST_P256,
        NIST_P384,
        NIST_P521,
    )
}


# --- arithmetic ------------------------------------------------------------------------------

_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


def is_on_curve(curve: Curve, point: Point) -> bool:
    """Whether ``point`` has coordinates in [0, p-1] and satisfies the curve equation."""
    p = curve.p
    x, y = point.x, point.y
    if not (0 <= x < p and 0 <= y < p):
        return False
    return (y * y - (x * x * x + curve.a * x + curve.b)) % p == 0


def _to_jacobian(point: Point | None) -> _Jacobian:
    return _INFINITY if point is None else (point.x, point.y, 1)


def _to_affine(curve: Curve, point: _Jacobian) -> Point | None:
    x, y, z = point
    if z % curve.p == 0:
        return None
    p = curve.p
    z_inv = pow(z, -1, p)
    z_inv2 = z_inv * z_inv % p
    return Point(x * z_inv2 % p, y * z_inv2 * z_inv % p)


def _double(curve: Curve, point: _Jacobian) -> _Jacobian:
    x1, y1, z1 = point
    p = curve.p
    if z1 == 0 or y1 == 0:
        return _INFINITY
    yy = y1 * y1 % p
    zz = z1 * z1 % p
    s = 4 * x1 * yy % p
    m = (3 * x1 * x1 + curve.a * zz * zz) % p
    x3 = (m * m - 2 * s) % p
    y3 = (m * (s - x3) - 8 * yy * yy) % p
    z3 = 2 * y1 * z1 % p
    return (x3, y3, z3)


def _add(curve: Curve, left: _Jacobian, right: _Jacobian) -> _Jacobian:
    x1, y1, z1 = left
    x2, y2, z2 = right
    if z1 == 0:
        return right
    if z2 == 0:
        return left
    p = curve.p
    z1z1 = z1 * z1 % p
    z2z2 = z2 * z2 % p
    u1 = x1 * z2z2 % p
    u2 = x2 * z1z1 % p
    s1 = y1 * z2 * z2z2 % p
    s2 = y2 * z1 * z1z1 % p
    h = (u2 - u1) % p
    r = (s2 - s1) % p
    if h == 0:
        return _double(curve, left) if r == 0 else _INFINITY
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - s1 * hhh) % p
    z3 = z1 * z2 * h % p
    return (x3, y3, z3)


def add(curve: Curve, left: Point | None, right: Point | None) -> Point | None:
    """``left + right`` (``None`` is the point at infinity)."""
    return _to_affine(curve, _add(curve, _to_jacobian(left), _to_jacobian(right)))


def double(curve: Curve, point: Point | None) -> Point | None:
    """``2 * point``."""
    return _to_affine(curve, _double(curve, _to_jacobian(point)))


def negate(curve: Curve, point: Point | None) -> Point | None:
    """``-point``: (x, p - y)."""
    if point is None:
        return None
    return Point(point.x, (-point.y) % curve.p)


def multiply(curve: Curve, scalar: int, point: Point | None) -> Point | None:
    """``scalar * point`` for a point of the group of order n (scalar reduced mod n).

    Montgomery ladder: R0 = O, R1 = P; for each bit from the top, one addition and one
    doubling, whatever the bit (Joye and Yen, "The Montgomery Powering Ladder", CHES 2002).
    """
    if scalar < 0:
        raise UsageError("the scalar must not be negative")
    k = scalar % curve.n
    r = [_INFINITY, _to_jacobian(point)]
    for i in reversed(range(curve.n.bit_length())):
        bit = (k >> i) & 1
        r[1 - bit] = _add(curve, r[0], r[1])
        r[bit] = _double(curve, r[bit])
    return _to_affine(curve, r[0])


# --- encoding --------------------------------------------------------------------------------


def encode_point(curve: Curve, point: Point) -> bytes:
    """The uncompressed encoding 04 || X || Y (SEC 1 v2 2.3.3)."""
    size = curve.coordinate_size
    return bytes((UNCOMPRESSED,)) + point.x.to_bytes(size, "big") + point.y.to_bytes(size, "big")


def decode_point(curve: Curve, data: bytes) -> Point:
    """A point on ``curve`` from its uncompressed encoding; :class:`DecodeError` when the
    encoding is malformed or the point is not on the curve (SEC 1 v2 2.3.4 and 3.2.2.1)."""
    size = curve.coordinate_size
    if len(data) != 1 + 2 * size:
        raise DecodeError(
            f"an uncompressed {curve.name} point is {1 + 2 * size} bytes, got {len(data)}", 0
        )
    if data[0] != UNCOMPRESSED:
        raise DecodeError(f"expected the uncompressed point form 04, got {data[0]:02X}", 0)
    point = Point(
        int.from_bytes(data[1 : 1 + size], "big"), int.from_bytes(data[1 + size :], "big")
    )
    if not is_on_curve(curve, point):
        raise DecodeError(f"the point is not on {curve.name}", 1)
    return point


def field_element_bytes(curve: Curve, value: int) -> bytes:
    """A field element as an octet string of the length of p (SEC 1 v2 2.3.5)."""
    return value.to_bytes(curve.coordinate_size, "big")


__all__ = [
    "BRAINPOOL_P256R1",
    "BRAINPOOL_P384R1",
    "BRAINPOOL_P512R1",
    "CURVES",
    "NIST_P256",
    "NIST_P384",
    "NIST_P521",
    "Curve",
    "Point",
    "add",
    "decode_point",
    "double",
    "encode_point",
    "field_element_bytes",
    "is_on_curve",
    "multiply",
    "negate",
]
