"""GET STATUS on the Security Domain (GPC 11.4) and the registry views it answers from: the
ISD with the card life cycle, the applications, the executable load files and their modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError
from cardwire.gp import (
    STATUS_NEXT,
    STATUS_TLV,
    SW_MORE_STATUS,
    TAG_AID,
    LifeCycle,
    RegistryData,
    StatusScope,
)
from cardwire.sim.applet import AppletRegistry, CardStatus, ChannelContext, RegistryEntry
from cardwire.sim.applets.inert import TYPE_NAME as INERT
from cardwire.sim.applets.security_domain.settings import (
    APPLICATION_PRIVILEGES,
    ISD_PRIVILEGES,
    MAX_STATUS_CHUNK,
    TYPE_NAME,
    LoadFileConfig,
    load_file_aid,
    module_aid,
)
from cardwire.sw import SW
from cardwire.tlv import parse

if TYPE_CHECKING:
    from cardwire.sim.applets.security_domain.applet import SdChannelState, SecurityDomainApplet


def load_files(sd: SecurityDomainApplet, ctx: ChannelContext) -> list[LoadFileConfig]:
    """The executable load files on the card: the Security Domain's list once a LOAD or DELETE
    changed it, else one per built-in applet type (the card's ROM packages)."""
    if sd.load_files is not None:
        return list(sd.load_files)
    return [
        LoadFileConfig(aid=load_file_aid(name), modules=(module_aid(name),))
        for name in built_in_types(sd.registry(ctx))
    ]


def built_in_types(registry: AppletRegistry) -> list[str]:
    """The applet types with a package on the card (not the SD, not the inert type)."""
    return [name for name in registry.applet_types() if name not in (TYPE_NAME, INERT)]


def entry_load_file(entry: RegistryEntry) -> bytes:
    """The load file an instance came from: recorded by the instance (inert), else its type's."""
    return entry.load_file if entry.load_file is not None else load_file_aid(entry.applet_type)


def get_status(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, command: Command
) -> Response:
    # GPC 11.4.2.2: only the tagged format (P2 b2 = 1) is offered; b1 = next occurrence.
    if command.p2 & ~STATUS_NEXT != STATUS_TLV:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if command.p2 & STATUS_NEXT:
        pending, state.status_pending = state.status_pending, None
        if pending is None or pending[0] != command.p1:
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
        return _chunk(state, command.p1, pending[1])
    state.status_pending = None
    try:
        scope = StatusScope(command.p1)
    except ValueError:
        raise CardStatus(SW.INCORRECT_P1_P2) from None
    prefix = _search_prefix(command.data)
    entries = [e for e in _entries(sd, ctx, scope) if e.aid.startswith(prefix)]
    if not entries:
        raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)  # GPC 11.4.3: no matching entry
    return _chunk(state, command.p1, b"".join(e.encode() for e in entries))


def _search_prefix(data: bytes) -> bytes:
    # GPC 11.4.2.3: search criteria; the simulator supports 4F (AID, possibly partial).
    try:
        nodes = parse(data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    if len(nodes) != 1 or nodes[0].tag != TAG_AID:
        raise CardStatus(SW.INCORRECT_DATA)
    return nodes[0].value


def _entries(
    sd: SecurityDomainApplet, ctx: ChannelContext, scope: StatusScope
) -> list[RegistryData]:
    if scope is StatusScope.ISSUER_SECURITY_DOMAIN:
        # GPC 11.4.3.1: the ISD's entry carries the card life cycle state (table 11-5).
        return [RegistryData(sd.aid, sd.card_life_cycle, ISD_PRIVILEGES)]
    if scope is StatusScope.APPLICATIONS:
        return [
            application_data(sd, entry)
            for entry in sd.registry(ctx).entries()
            if entry.aid != sd.aid
        ]
    with_modules = scope is StatusScope.LOAD_FILES_AND_MODULES
    return [
        RegistryData(
            item.aid,
            LifeCycle.LOADED,
            associated_sd=sd.aid,
            modules=item.modules if with_modules else (),
        )
        for item in load_files(sd, ctx)
    ]


def application_data(sd: SecurityDomainApplet, entry: RegistryEntry) -> RegistryData:
    return RegistryData(
        entry.aid,
        LifeCycle.LOCKED if entry.locked else LifeCycle.SELECTABLE,
        APPLICATION_PRIVILEGES,
        load_file=entry_load_file(entry),
        associated_sd=sd.aid,
    )


def _chunk(state: SdChannelState, p1: int, data: bytes) -> Response:
    # GPC 11.4.3: whole entries per answer; 6310 says more data is available and GET STATUS
    # with P2 b1 = 1 (same P1 and search criteria) continues, the way GlobalPlatformPro
    # GPSession.getConcatenatedStatus reads it.
    cut = 0
    for node in parse(data):
        size = len(node.encode())
        if cut and cut + size > MAX_STATUS_CHUNK:
            break
        cut += size
    if cut < len(data):
        state.status_pending = (p1, data[cut:])
        return Response(data[:cut], SW_MORE_STATUS)
    return Response(data)
