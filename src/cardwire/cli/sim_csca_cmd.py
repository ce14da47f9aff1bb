"""``cardwire sim csca OUT [--master-list] [--profile FILE]``: export the simulated ePassport's
test CSCA certificate (PEM), or an ICAO master list holding it (DER, 9303-12 9), so a reader
(``cardwire passport read --csca``, OpenSSL, JMRTD) can verify the SOD the simulator signs
(docs/passport.md, "The simulator's PKI")."""

from __future__ import annotations

from pathlib import Path

import click

from cardwire.cli.sim_cmd import sim
from cardwire.cli.target import profile_option
from cardwire.errors import UsageError
from cardwire.sim import profile as profiles
from cardwire.sim.applets.epassport.issuance import IssuanceConfig
from cardwire.sim.applets.epassport.master_list import master_list
from cardwire.sim.applets.epassport.pki import csca_pem
from cardwire.sim.config_loader import load


def issuance_of(profile: profiles.Profile) -> IssuanceConfig:
    """The ``issuance`` section of the profile's first ePassport applet."""
    for spec in profile.applets:
        if spec.type == "epassport":
            section = spec.settings.get("issuance", {})
            return load(IssuanceConfig, section, "issuance")
    raise UsageError("the profile has no epassport applet")


@sim.command("csca")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--master-list",
    "as_master_list",
    is_flag=True,
    help="Write an ICAO master list (DER) holding the CSCA, signed by the test Master List Signer.",
)
@profile_option("The card profile whose passport to export for (default: the built-in card).")
def csca(out: Path, as_master_list: bool, profile: Path | None) -> None:
    """Write the test CSCA certificate (PEM) that signs the simulated passport's DS.

    \b
    Example:
      cardwire sim csca csca.pem
      cardwire passport read --sim --mrz 'L898902C<,690806,940623' --csca csca.pem
      cardwire sim csca --master-list csca.ml
    """
    card = profiles.load(profile) if profile is not None else profiles.default_profile()
    issuance = issuance_of(card)
    if as_master_list:
        data, what = master_list(issuance.seed, issuance.key_type), "master list"
    else:
        data, what = csca_pem(issuance.seed, issuance.key_type), "CSCA certificate"
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
    click.echo(f"wrote the test {what} to {out}")
