"""Card content management on the Security Domain: INSTALL (GPC 11.5: for load, for install and
make selectable, for personalization), LOAD (GPC 11.6) and DELETE (GPC 11.2) of applications
and executable load files.

The simulator cannot run Java Card bytecode: a loaded CAP file is kept as a load file with its
modules (the Applet component's AIDs), and an instance can be installed from it: when its
package AID names a built-in applet type (``settings.load_file_aid``) that type runs, else the
instance is inert (``cardwire.sim.applets.inert``: selectable, 6A81 to everything else).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cardwire.apdu import Command, Response
from cardwire.cap import parse_load_file_data_block
from cardwire.errors import DecodeError, UsageError
from cardwire.gp import INSTALL_AND_MAKE_SELECTABLE, InstallData, delete_target
from cardwire.gp_content import (
    INSTALL_FOR_LOAD,
    INSTALL_FOR_PERSONALIZATION,
    LAST_BLOCK,
    InstallForLoad,
    personalization_target,
)
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.inert import TYPE_NAME as INERT
from cardwire.sim.applets.security_domain.key_deletion import (
    is_key_deletion,
    key_sets_after_deletion,
    key_sets_left,
    names_key_set,
)
from cardwire.sim.applets.security_domain.settings import (
    SECURITY_DOMAIN_PRIVILEGE,
    LoadFileConfig,
    load_file_aid,
)
from cardwire.sim.applets.security_domain.status import (
    built_in_types,
    entry_load_file,
    load_files,
)
from cardwire.sw import SW

if TYPE_CHECKING:
    from cardwire.sim.applets.security_domain.applet import SdChannelState, SecurityDomainApplet

# GPC 11.5.2.3.1 / C.2: the load file data block hash is SHA-1 (20 bytes) or SHA-256 (32).
_HASHES = {20: "sha1", 32: "sha256"}
MAX_LOAD_FILE = 0x10000  # the simulator keeps at most 64 KiB per load file


@dataclass(eq=False)
class PendingLoad:
    """An INSTALL [for load] waiting for its LOAD blocks."""

    aid: bytes
    hash: bytes
    blocks: bytearray = field(default_factory=bytearray)
    next_block: int = 0


def install(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, command: Command
) -> Response:
    # GPC 11.5.2.1 table 11-41: P1 02 for load, 0C for install and make selectable, 20 for
    # personalization (the simulator offers these three); P2 = 00.
    if command.p2 != 0x00:
        raise CardStatus(SW.INCORRECT_P1_P2)
    state.loading = None
    try:
        if command.p1 == INSTALL_FOR_LOAD:
            return _install_for_load(sd, ctx, state, InstallForLoad.decode(command.data))
        if command.p1 == INSTALL_AND_MAKE_SELECTABLE:
            return _install_instance(sd, ctx, InstallData.decode(command.data))
        if command.p1 == INSTALL_FOR_PERSONALIZATION:
            aid = personalization_target(command.data)
            if aid not in {e.aid for e in sd.registry(ctx).entries()} or aid == sd.aid:
                raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
            state.personalizing, state.store_next_block = aid, 0
            return Response(b"\x00")
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    raise CardStatus(SW.INCORRECT_P1_P2)


def _install_for_load(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, data: InstallForLoad
) -> Response:
    # GPC 11.5.2.3.1: the load file AID is new; the SD is this one (or left empty); the hash,
    # when present, is checked once the last block arrived.
    if not 5 <= len(data.load_file) <= 16 or data.security_domain not in (b"", sd.aid):
        raise CardStatus(SW.INCORRECT_DATA)
    if data.hash and len(data.hash) not in _HASHES:
        raise CardStatus(SW.INCORRECT_DATA)
    if any(item.aid == data.load_file for item in load_files(sd, ctx)):
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # the load file is on the card
    state.loading = PendingLoad(data.load_file, data.hash)
    return Response(b"\x00")  # GPC 11.5.3.1: one byte 00


def load(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, command: Command
) -> Response:
    pending = state.loading
    # GPC 11.6.2: LOAD follows INSTALL [for load]; blocks are numbered from 00 in sequence.
    if pending is None:
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    if command.p1 & ~LAST_BLOCK or command.p2 != pending.next_block:
        state.loading = None
        raise CardStatus(SW.INCORRECT_P1_P2)
    pending.blocks += command.data
    pending.next_block += 1
    if len(pending.blocks) > MAX_LOAD_FILE:
        state.loading = None
        raise CardStatus(SW.NOT_ENOUGH_MEMORY)
    if not command.p1 & LAST_BLOCK:
        return Response()
    state.loading = None
    try:
        package, applets, code = parse_load_file_data_block(bytes(pending.blocks))
    except (DecodeError, UsageError):
        raise CardStatus(SW.INCORRECT_DATA) from None
    if pending.hash:  # GPC C.2: the hash over the load file data block (without C4)
        digest = hashlib.new(_HASHES[len(pending.hash)], code).digest()
        if not hmac.compare_digest(digest, pending.hash):
            raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
    if package != pending.aid:  # GPC 11.6: the load file is the package named in INSTALL
        raise CardStatus(SW.INCORRECT_DATA)
    sd.load_files = [*load_files(sd, ctx), LoadFileConfig(aid=package, modules=applets)]
    ctx.card.commit()
    return Response(b"\x00")  # GPC 11.6.3.1


def _install_instance(sd: SecurityDomainApplet, ctx: ChannelContext, data: InstallData) -> Response:
    # GPC 11.5.2.3.2: privileges are one or three bytes; the simulator installs applications,
    # not Security Domains.
    if len(data.privileges) not in (1, 3) or data.privileges[0] & SECURITY_DOMAIN_PRIVILEGE:
        raise CardStatus(SW.INCORRECT_DATA)
    registry = sd.registry(ctx)
    item = next((f for f in load_files(sd, ctx) if f.aid == data.load_file), None)
    if item is None or data.module not in item.modules:
        raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)  # GPC 11.5.3: load file not found
    types = {load_file_aid(name): name for name in built_in_types(registry)}
    applet_type = types.get(data.load_file)
    if applet_type is None:
        # No built-in applet behind this package: the simulator cannot run its bytecode, so
        # the instance is an inert one that records its load file and module (GPC 9.1).
        settings = {"load_file": data.load_file.hex().upper(), "module": data.module.hex().upper()}
        registry.install(INERT, data.aid, settings)
    else:
        registry.install(applet_type, data.aid)
    ctx.card.commit()
    return Response(b"\x00")  # GPC 11.5.3.1: the response data field is one byte 00


def delete(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, command: Command
) -> Response:
    if command.p1 == 0x00 and is_key_deletion(command.data):  # GPC 11.2.2.3.2: D0/D2
        if sd.scp11 is not None and sd.scp11.store.delete(command.data):  # D0 an SCP11 KID
            ctx.card.commit()
            return Response(b"\x00")
        # The session of a deleted key set goes on: its keys are session keys (docs/scp03.md).
        if sd.scp02 is not None and names_key_set(sd.scp02.key_sets, command.data):
            sd.scp02.key_sets = key_sets_left(sd.scp02.key_sets, command.p2, command.data)
        else:
            sd.key_sets = key_sets_after_deletion(sd.key_sets, command.p2, command.data)
        ctx.card.commit()
        return Response(b"\x00")  # GPC 11.2.3.1
    # GPC 11.2.2.1: P1 = 00 (last or only command); P2 b8 = delete related objects.
    if command.p1 != 0x00 or command.p2 not in (0x00, 0x80):
        raise CardStatus(SW.INCORRECT_P1_P2)
    try:
        aid = delete_target(command.data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    if aid == sd.aid:
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # the ISD stays
    registry = sd.registry(ctx)
    files = load_files(sd, ctx)
    item = next((f for f in files if f.aid == aid), None)
    if item is None:
        registry.delete(aid)  # an application (6A88 when there is none)
        ctx.card.commit()
        return Response(b"\x00")  # GPC 11.2.3.1: the response data field is one byte 00
    # GPC 11.2.2.1: a load file goes with its instances only when P2 b8 asks for it; else
    # instances still on the card make the deletion fail (6985).
    instances = [e.aid for e in registry.entries() if entry_load_file(e) == aid]
    if instances and not command.p2 & 0x80:
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    for instance in instances:
        if instance != sd.aid:
            registry.delete(instance)
    sd.load_files = [f for f in files if f.aid != aid]
    ctx.card.commit()
    return Response(b"\x00")
