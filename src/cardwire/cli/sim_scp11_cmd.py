"""``cardwire sim scp11-credentials OUTDIR [--profile FILE]``: export the simulated Security
Domain's SCP11 test PKI, so a host (``cardwire scp11 --variant a``, ``gp --scp 11a``, yubikit)
can open SCP11a/c against ``--sim`` (docs/scp11.md, "The simulator's test PKI").

Written: ``ca.pem`` (the test CA: it signs the SD certificate, and the card checks the OCE chain
against it, the CA-KLOC key of Amendment F 3.2), ``sd-cert.pem`` (the SD's certificate, what GET
DATA BF21 returns after the CA), ``oce-cert.pem`` and ``oce-key.pem`` (SK.OCE.ECKA, PKCS#8). These
are test keys derived from the profile's seed: never personalise a real card with them."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cardwire.cli.sim_cmd import sim
from cardwire.cli.target import profile_option
from cardwire.errors import UsageError
from cardwire.sim import profile as profiles
from cardwire.sim.applets.security_domain.scp11 import Scp11Config, Scp11TestPki
from cardwire.sim.applets.security_domain.settings import SecurityDomainConfig
from cardwire.sim.config_loader import load


def scp11_config_of(profile: profiles.Profile) -> Scp11Config:
    """The ``scp11`` part of the profile's Security Domain section."""
    for spec in profile.applets:
        if spec.type == "security-domain":
            config = load(SecurityDomainConfig, dict(spec.settings), "security-domain")
            if config.scp11 is None:
                raise UsageError("the profile's Security Domain has no scp11 section")
            return config.scp11
    raise UsageError("the profile has no security-domain applet")


def credential_files(pki: Scp11TestPki) -> dict[str, bytes]:
    """The files ``scp11-credentials`` writes, by name."""

    def pem(certificate: x509.Certificate) -> bytes:
        return certificate.public_bytes(serialization.Encoding.PEM)

    oce_key = pki.oce_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {
        "ca.pem": pem(pki.ca_certificate),
        "sd-cert.pem": pem(pki.sd_certificate),
        "oce-cert.pem": pem(pki.oce_certificate),
        "oce-key.pem": oce_key,
    }


@sim.command("scp11-credentials")
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@profile_option("The card profile whose Security Domain to export for (default: built-in card).")
def scp11_credentials(outdir: Path, profile: Path | None) -> None:
    """Write the simulated Security Domain's SCP11 test CA, SD certificate and OCE key and
    certificate (PEM) to OUTDIR.

    \b
    Example:
      cardwire sim scp11-credentials oce
      cardwire scp11 --variant a --oce-key oce/oce-key.pem --oce-cert oce/oce-cert.pem \\
        send --sim 80F28002024F0000
    """
    card = profiles.load(profile) if profile is not None else profiles.default_profile()
    files = credential_files(Scp11TestPki(scp11_config_of(card)))
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (outdir / name).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write to {outdir}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {', '.join(files)} to {outdir} (test keys: never use them on a real card)")
