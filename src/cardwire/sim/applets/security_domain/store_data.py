"""STORE DATA on the Security Domain (GPC 11.11): personalization data in DGI or BER-TLV blocks.

Data for the Security Domain itself (no INSTALL [for personalization] before it) must be BER-TLV
data objects; they are kept and GET DATA answers them (IIN 42, CIN 45, card capability 67...).
Data for an application (after INSTALL [for personalization] named it, GPC 11.5.2.3.4) is
checked for its structure and acknowledged: the built-in applets take no personalization
data, so the simulator does not keep it (docs/gp.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError
from cardwire.gp_content import LAST_BLOCK, DataFormat, parse_dgis
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sw import SW
from cardwire.tlv import parse

if TYPE_CHECKING:
    from cardwire.sim.applets.security_domain.applet import SdChannelState, SecurityDomainApplet

_FORMAT_BITS = 0x18  # GPC 11.11.2.1 table 11-89: P1 b5-b4, the data structure
_MAX_DATA_OBJECTS = 4096
_TAG_KEY_REFERENCE_TEMPLATE = 0xA6  # A6 {83 KID KVN}: data about an SCP11 key (scp11_keys.py)


def store_data(
    sd: SecurityDomainApplet, ctx: ChannelContext, state: SdChannelState, command: Command
) -> Response:
    # GPC 11.11.2.1: P1 b8 = last block, b7-b6 encryption (not offered: 00), b5-b4 format;
    # GPC 11.11.2.2: P2 = block number, from 00 in sequence.
    if command.p1 & ~(LAST_BLOCK | _FORMAT_BITS) or command.p2 != state.store_next_block:
        raise CardStatus(SW.INCORRECT_P1_P2)
    try:
        data_format = DataFormat(command.p1 & _FORMAT_BITS)
    except ValueError:
        raise CardStatus(SW.INCORRECT_P1_P2) from None
    try:
        if data_format is DataFormat.DGI:
            parse_dgis(command.data)
        elif data_format is DataFormat.BER_TLV or state.personalizing is None:
            parse(command.data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    if state.personalizing is None:
        if data_format is DataFormat.DGI:
            raise CardStatus(SW.INCORRECT_P1_P2)  # the simulated ISD keeps BER-TLV objects
        nodes = parse(command.data)
        if sd.scp11 is not None and nodes and nodes[0].tag == _TAG_KEY_REFERENCE_TEMPLATE:
            # Amendment F: what belongs to an SCP11 key (chain, CA issuer, allowlist).
            sd.scp11.store.store_data(nodes)
            ctx.card.commit()
            return _next_block(state, command)
        kept = {node.tag: node.encode() for node in parse(sd.data_objects)}
        kept.update({node.tag: node.encode() for node in parse(command.data)})
        objects = b"".join(kept.values())
        if len(objects) > _MAX_DATA_OBJECTS:
            raise CardStatus(SW.NOT_ENOUGH_MEMORY)
        sd.data_objects = objects
        ctx.card.commit()
    return _next_block(state, command)


def _next_block(state: SdChannelState, command: Command) -> Response:
    state.store_next_block = 0 if command.p1 & LAST_BLOCK else state.store_next_block + 1
    if command.p1 & LAST_BLOCK:
        state.personalizing = None
    return Response()
