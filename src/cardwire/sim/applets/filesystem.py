"""The ISO/IEC 7816-4 file-system applet: files, records, PINs and a symmetric key.

Commands (ISO/IEC 7816-4:2020 clause 11): SELECT (11.2.2), READ/UPDATE/ERASE BINARY (11.3.3,
11.3.5, 11.3.7, even and odd INS), READ RECORD(S), UPDATE RECORD, APPEND RECORD, ERASE RECORD(S)
(11.4.3, 11.4.5, 11.4.7, 11.4.8), VERIFY (11.5.6), CHANGE REFERENCE DATA (11.5.7), RESET RETRY
COUNTER (11.5.10), GET CHALLENGE (11.5.3), INTERNAL AUTHENTICATE (11.5.4), EXTERNAL AUTHENTICATE
(11.5.5). Anything else answers 6D00.

Card-wide state (the file tree, PIN values and counters, keys) lives in the applet and is
exported with :meth:`FileSystemApplet.export_state`; per-channel state (current DF and EF,
record pointers, verified PINs, authenticated keys, last challenge) lives in
:class:`ChannelState` (ISO/IEC 7816-4:2020 5.4.2: each logical channel has its own current
files and security status).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from cardwire.apdu import Command, Response
from cardwire.crypto.cmac import aes_cmac
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim.access import Operation, SecurityStatus
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.fs import (
    MF_FID,
    DedicatedFile,
    ElementaryFile,
    File,
    build_tree,
    decode_content,
    fci,
    fcp,
    fmd,
    tree_to_config,
)
from cardwire.sim.pin import ReferenceData, pins_from_config, pins_to_config
from cardwire.sw import SW
from cardwire.tlv import Tlv, parse, tlv

DEFAULT_AID = bytes.fromhex("F0636172647769726500")  # F0 "cardwire" 00
TAG_OFFSET = 0x54  # offset data object (ISO/IEC 7816-4:2020 11.3.3, odd INS)
TAG_DISCRETIONARY = 0x53  # discretionary data, wraps odd-INS binary data
CHALLENGE_LENGTHS = (8, 16)
AES_KEY_LENGTHS = {"aes-128": 16, "aes-192": 24, "aes-256": 32}
CMAC_LENGTH = 16
_SETTINGS = ("multiselectable", "mf", "pins", "keys")


@dataclass(eq=False)
class ChannelState:
    """What the file-system applet remembers for one logical channel."""

    current_df: DedicatedFile
    current_ef: ElementaryFile | None = None
    record_pointers: dict[int, int] = field(default_factory=dict)  # id(EF) -> record number
    verified: set[int] = field(default_factory=set)
    authenticated: set[int] = field(default_factory=set)
    challenge: bytes | None = None

    def clear_security(self) -> None:
        self.verified.clear()
        self.authenticated.clear()
        self.challenge = None


@dataclass(frozen=True, slots=True)
class SymmetricKey:
    """A card key for INTERNAL/EXTERNAL AUTHENTICATE (AES-CMAC challenge-response)."""

    reference: int
    algorithm: str
    value: bytes = field(repr=False)


Handler = Callable[[ChannelContext, ChannelState, Command], Response]


class FileSystemApplet(Applet):
    """An ISO/IEC 7816-4 card application with an MF/DF/EF tree, PINs and a key."""

    def __init__(
        self,
        aid: bytes,
        mf: DedicatedFile,
        pins: Mapping[int, ReferenceData],
        keys: Mapping[int, SymmetricKey],
        *,
        multiselectable: bool = True,
    ) -> None:
        self.aid = aid
        self.mf = mf
        self.pins = dict(pins)
        self.keys = dict(keys)
        self.multiselectable = multiselectable
        self._handlers: dict[int, Handler] = {
            0xA4: self._select,
            0xB0: self._read_binary,
            0xB1: self._read_binary,
            0xD6: self._update_binary,
            0xD7: self._update_binary,
            0x0E: self._erase_binary,
            0x0F: self._erase_binary,
            0xB2: self._read_record,
            0xDC: self._update_record,
            0xE2: self._append_record,
            0x0C: self._erase_record,
            0x20: self._verify,
            0x24: self._change_reference_data,
            0x2C: self._reset_retry_counter,
            0x84: self._get_challenge,
            0x88: self._internal_authenticate,
            0x82: self._external_authenticate,
        }

    # --- configuration ----------------------------------------------------------------------

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Self:
        """Build the applet from its profile section (configuration merged with saved state)."""
        unknown = sorted(set(config) - {"type", "aid", *_SETTINGS})
        if unknown:
            raise UsageError(f"{unknown[0]}: unknown key for a filesystem applet")
        aid_text = config.get("aid")
        aid = DEFAULT_AID if aid_text is None else parse_hex(str(aid_text))
        multiselectable = config.get("multiselectable", True)
        if not isinstance(multiselectable, bool):
            raise UsageError("multiselectable: expected true or false")
        mf = build_tree(config.get("mf", {"fid": "3F00", "files": []}))
        pins = pins_from_config(config.get("pins", []))
        keys = _build_keys(config.get("keys", []))
        return cls(aid, mf, pins, keys, multiselectable=multiselectable)

    def export_state(self) -> dict[str, Any]:
        """The profile section with current file contents, PIN values and counters."""
        keys = [
            {"reference": k.reference, "algorithm": k.algorithm, "value": {"hex": to_hex(k.value)}}
            for k in sorted(self.keys.values(), key=lambda k: k.reference)
        ]
        return {
            "type": "filesystem",
            "aid": to_hex(self.aid),
            "multiselectable": self.multiselectable,
            "mf": tree_to_config(self.mf),
            "pins": pins_to_config(self.pins),
            "keys": keys,
        }

    # --- the Applet contract ----------------------------------------------------------------

    def new_channel_state(self) -> ChannelState:
        return ChannelState(current_df=self.mf)

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        """Selected by AID: the MF becomes the current DF; answer as SELECT P2 asks."""
        state = self._state(ctx)
        state.current_df, state.current_ef = self.mf, None
        return Response(_select_answer(command.p2 & 0x0C, self.mf, self.aid))

    def deselect(self, ctx: ChannelContext) -> None:
        if isinstance(ctx.state, ChannelState):
            ctx.state.clear_security()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.cla & 0x80:
            raise CardStatus(SW.CLA_NOT_SUPPORTED)  # interindustry commands only
        handler = self._handlers.get(command.ins)
        if handler is None:
            raise CardStatus(SW.INS_NOT_SUPPORTED)
        return handler(ctx, self._state(ctx), command)

    def _state(self, ctx: ChannelContext) -> ChannelState:
        if not isinstance(ctx.state, ChannelState):
            ctx.state = self.new_channel_state()
        return ctx.state

    # --- SELECT (ISO/IEC 7816-4:2020 11.2.2, table 63 for P1 and table 64 for P2) ------------

    def _select(self, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
        p1, p2, data = command.p1, command.p2, command.data
        if p2 & 0xF0:
            raise CardStatus(SW.INCORRECT_P1_P2)
        answer, occurrence = p2 & 0x0C, p2 & 0x03
        if occurrence and p1 != 0x04:
            raise CardStatus(SW.INCORRECT_P1_P2)  # occurrences apply to DF names only
        target: File
        if p1 == 0x00:
            target = self._select_any(state, data)
        elif p1 in (0x01, 0x02):
            child = state.current_df.child(_one_fid(data))
            wanted = DedicatedFile if p1 == 0x01 else ElementaryFile
            if not isinstance(child, wanted):
                raise CardStatus(SW.FILE_NOT_FOUND)
            target = child
        elif p1 == 0x03:
            if data:
                raise CardStatus(SW.WRONG_LENGTH)
            if state.current_df.parent is None:
                raise CardStatus(SW.FILE_NOT_FOUND)  # the MF has no parent
            target = state.current_df.parent
        elif p1 == 0x04:
            target = self._select_by_name(state, data, occurrence)
        elif p1 in (0x08, 0x09):
            target = _follow_path(self.mf if p1 == 0x08 else state.current_df, data)
        else:
            raise CardStatus(SW.INCORRECT_P1_P2)
        _make_current(state, target)
        if isinstance(target, ElementaryFile):
            state.record_pointers.pop(id(target), None)  # a selected EF has no current record
        return Response(_select_answer(answer, target, None))

    def _select_any(self, state: ChannelState, data: bytes) -> File:
        """P1 = 00: MF for no data or 3F00; else a FID among the children of the current DF,
        the parent DF and the children of the parent DF (ISO/IEC 7816-4:2020 11.2.2)."""
        if not data:
            return self.mf
        fid = _one_fid(data)
        if fid == MF_FID:
            return self.mf
        df = state.current_df
        found = df.child(fid)
        if found is None and df.parent is not None:
            parent = df.parent
            found = parent if parent.fid == fid else parent.child(fid)
        if found is None:
            raise CardStatus(SW.FILE_NOT_FOUND)
        return found

    def _select_by_name(self, state: ChannelState, name: bytes, occurrence: int) -> File:
        """P1 = 04: a DF whose name starts with ``name``; P2 b2-b1 first/last/next/previous."""
        if not 1 <= len(name) <= 16:
            raise CardStatus(SW.WRONG_LENGTH)
        matches = [df for df in self.mf.walk() if df.name is not None and df.name.startswith(name)]
        if not matches:
            raise CardStatus(SW.FILE_NOT_FOUND)
        here = matches.index(state.current_df) if state.current_df in matches else None
        if occurrence == 0b00:
            return matches[0]
        if occurrence == 0b01:
            return matches[-1]
        if occurrence == 0b10:
            position = 0 if here is None else here + 1
        else:
            position = len(matches) - 1 if here is None else here - 1
        if not 0 <= position < len(matches):
            raise CardStatus(SW.FILE_NOT_FOUND)
        return matches[position]

    # --- binary commands (ISO/IEC 7816-4:2020 11.3) -----------------------------------------

    def _binary_target(
        self, state: ChannelState, command: Command
    ) -> tuple[ElementaryFile, int | None, bytes]:
        """The EF, the offset (even INS; None for odd INS where DO 54 carries it) and the odd-INS
        data objects' raw bytes."""
        p1, p2 = command.p1, command.p2
        if command.ins & 1:
            # Odd INS (11.3.3): if the first eleven bits of P1-P2 are 0 and P2 b5-b1 is neither
            # 00000 nor 11111, P2 b5-b1 is an SFI; otherwise P1-P2 is a FID, 0000 the current EF.
            sfi = p2 & 0x1F
            if p1 == 0 and p2 & 0xE0 == 0 and sfi not in (0, 0x1F):
                return self._ef_by_sfi(state, sfi), None, command.data
            fid = p1 << 8 | p2
            if fid == 0:
                return _current_ef(state), None, command.data
            child = state.current_df.child(fid)
            if child is None:
                raise CardStatus(SW.FILE_NOT_FOUND)
            if not isinstance(child, ElementaryFile):
                raise CardStatus(SW.COMMAND_INCOMPATIBLE_WITH_FILE)
            return child, None, command.data
        # Even INS: P1 b8 = 1 -> b7-b6 = 00, b5-b1 SFI, P2 offset 0-255; else 15-bit offset.
        if p1 & 0x80:
            if p1 & 0x60:
                raise CardStatus(SW.INCORRECT_P1_P2)
            return self._ef_by_sfi(state, p1 & 0x1F), p2, command.data
        return _current_ef(state), p1 << 8 | p2, command.data

    def _ef_by_sfi(self, state: ChannelState, sfi: int) -> ElementaryFile:
        if not 1 <= sfi <= 30:
            raise CardStatus(SW.INCORRECT_P1_P2)
        ef = state.current_df.ef_by_sfi(sfi)
        if ef is None:
            raise CardStatus(SW.FILE_NOT_FOUND)
        return ef

    def _read_binary(self, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
        ef, offset, data = self._binary_target(state, command)
        _require_structure(ef, transparent=True)
        self._check_access(ctx, state, ef, Operation.READ)
        if offset is not None:
            if data:
                raise CardStatus(SW.WRONG_LENGTH)  # READ BINARY B0 has no data field
            content = ef.read(offset, command.ne)
            body = content
            short = len(content) < command.ne
        else:
            offsets = _offsets(data, allowed=1)
            start = offsets[0] if offsets else 0
            content, short = _read_wrapped(ef, start, command.ne)
            body = tlv(TAG_DISCRETIONARY, content) if command.ne else b""
        _make_current(state, ef)
        # ISO/IEC 7816-4:2020 table 6: 6282 "end of file reached before reading Ne bytes"
        return Response(body, SW.END_OF_FILE if short else SW.SUCCESS)

    def _update_binary(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        ef, offset, data = self._binary_target(state, command)
        _require_structure(ef, transparent=True)
        self._check_access(ctx, state, ef, Operation.UPDATE)
        if offset is None:
            # Odd INS (11.3.5): DO 54 offset, then DO 53 with the bytes to write.
            objects = _objects(data)
            if [o.tag for o in objects] != [TAG_OFFSET, TAG_DISCRETIONARY]:
                raise CardStatus(SW.INCORRECT_DATA)
            offset, data = _offset_value(objects[0]), objects[1].value
        if not data:
            raise CardStatus(SW.WRONG_LENGTH)
        ef.update(offset, data)
        _make_current(state, ef)
        ctx.card.commit()
        return Response()

    def _erase_binary(self, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
        ef, offset, data = self._binary_target(state, command)
        _require_structure(ef, transparent=True)
        self._check_access(ctx, state, ef, Operation.ERASE)
        end: int | None
        if offset is None:
            # Odd INS (11.3.7): no DO 54 erases the whole EF; one gives the start; a second
            # gives the first offset not erased.
            offsets = _offsets(data, allowed=2)
            start = offsets[0] if offsets else 0
            end = offsets[1] if len(offsets) == 2 else None
        else:
            # Even INS: P1-P2 start; an optional 2-byte data field is the first offset not erased.
            if len(data) not in (0, 2):
                raise CardStatus(SW.WRONG_LENGTH)
            start = offset
            end = int.from_bytes(data, "big") if data else None
        ef.erase(start, end)
        _make_current(state, ef)
        ctx.card.commit()
        return Response()

    # --- record commands (ISO/IEC 7816-4:2020 11.4) -----------------------------------------

    def _record_ef(self, state: ChannelState, p2: int) -> ElementaryFile:
        """P2 b8-b4: 00000 the current EF, 11111 RFU, else an SFI (11.4.2)."""
        sfi = p2 >> 3
        if sfi == 0x1F:
            raise CardStatus(SW.INCORRECT_P1_P2)
        ef = _current_ef(state) if sfi == 0 else self._ef_by_sfi(state, sfi)
        _require_structure(ef, transparent=False)
        return ef

    def _read_record(self, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
        p1, p2 = command.p1, command.p2
        if command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        if p1 == 0xFF:
            raise CardStatus(SW.INCORRECT_P1_P2)  # 11.4.2: record number FF is RFU
        ef = self._record_ef(state, p2)
        self._check_access(ctx, state, ef, Operation.READ)
        mode = p2 & 0x07
        pointers = state.record_pointers
        if mode == 0b100:  # record P1 (00: the current record)
            number = p1 or _current_record(state, ef)
            body = ef.record(number)
            pointers[id(ef)] = number
        elif mode in (0b101, 0b110):  # all records from P1 to the last / from the last to P1
            first = p1 or _current_record(state, ef)
            ef.record(first)
            numbers = range(first, ef.record_count + 1)
            if mode == 0b110:
                numbers = numbers[::-1]
            # Records are not SIMPLE-TLV objects here: they are concatenated (documented).
            body = b"".join(ef.record(n) for n in numbers)
        elif mode == 0b111:
            raise CardStatus(SW.INCORRECT_P1_P2)
        else:  # b3 = 0: record identifier P1 (00: any), first / last / next / previous
            number = _find_record(ef, p1, mode, pointers.get(id(ef)))
            body = ef.record(number)
            pointers[id(ef)] = number
        _make_current(state, ef)
        return Response(body)

    def _update_record(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        p1, p2 = command.p1, command.p2
        ef = self._record_ef(state, p2)
        self._check_access(ctx, state, ef, Operation.UPDATE)
        mode = p2 & 0x07
        if mode == 0b100:
            number = p1 or _current_record(state, ef)
        elif mode <= 0b011 and p1 == 0:  # first / last / next / previous record
            number = _find_record(ef, 0, mode, state.record_pointers.get(id(ef)))
        else:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if not command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        ef.update_record(number, command.data)
        state.record_pointers[id(ef)] = number
        _make_current(state, ef)
        ctx.card.commit()
        return Response()

    def _append_record(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        if command.p1 != 0 or command.p2 & 0x07:
            raise CardStatus(SW.INCORRECT_P1_P2)  # 11.4.7: P1 = 00, P2 b3-b1 = 000
        ef = self._record_ef(state, command.p2)
        self._check_access(ctx, state, ef, Operation.APPEND)
        if not command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        number = ef.append_record(command.data)
        _make_current(state, ef)
        state.record_pointers[id(ef)] = number  # the new record becomes the current record
        ctx.card.commit()
        return Response()

    def _erase_record(self, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
        # 11.4.8: P1 record number (00: current record); P2 b8-b4 SFI, b3-b1 100 "record P1",
        # 101 "records from P1 up to the last"; no data field.
        p1, p2 = command.p1, command.p2
        mode = p2 & 0x07
        if mode not in (0b100, 0b101) or p1 == 0xFF:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        ef = self._record_ef(state, p2)
        self._check_access(ctx, state, ef, Operation.ERASE)
        first = p1 or _current_record(state, ef)
        ef.record(first)
        last = first if mode == 0b100 else ef.record_count
        for number in range(first, last + 1):
            ef.erase_record(number)
        _make_current(state, ef)
        ctx.card.commit()
        return Response()

    def _check_access(
        self, ctx: ChannelContext, state: ChannelState, ef: ElementaryFile, op: Operation
    ) -> None:
        status = SecurityStatus(
            frozenset(state.verified), frozenset(state.authenticated), ctx.secured
        )
        denial = ef.access.rule(op).denial(status)
        if denial is not None:
            raise CardStatus(denial)

    # --- reference data (ISO/IEC 7816-4:2020 11.5.6, 11.5.7, 11.5.10) -----------------------

    def _pin(self, p2: int) -> ReferenceData:
        # P2: b8 = 0 global / 1 specific reference data, b5-b1 number; the profile's reference
        # is the whole P2 byte.
        pin = self.pins.get(p2)
        if pin is None:
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)  # 6A88
        return pin

    def _verify(self, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
        p1, p2, data = command.p1, command.p2, command.data
        if p1 == 0xFF:
            # 11.5.6: P1 = FF with no data resets the verification status of the reference.
            if data:
                raise CardStatus(SW.WRONG_LENGTH)
            self._pin(p2)
            state.verified.discard(p2)
            return Response()
        if p1 != 0x00:
            raise CardStatus(SW.INCORRECT_P1_P2)
        pin = self._pin(p2)
        if not data:
            # 11.5.6: no data field asks for the verification status: 9000 when verified on
            # this channel, else 63Cx (tries left) or 6983 (blocked).
            if p2 in state.verified:
                return Response()
            raise CardStatus(pin.status_sw())
        try:
            pin.check(data, ctx.card.commit)
        except CardStatus:
            state.verified.discard(p2)
            raise
        state.verified.add(p2)
        return Response()

    def _change_reference_data(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        p1, p2, data = command.p1, command.p2, command.data
        if p1 not in (0x00, 0x01):
            raise CardStatus(SW.INCORRECT_P1_P2)
        pin = self._pin(p2)
        if p1 == 0x00:
            # P1 = 00: current value || new value; the card splits at the current length.
            old, new = data[: pin.length], data[pin.length :]
            if len(data) <= pin.length or not pin.fits(new):
                raise CardStatus(SW.INCORRECT_DATA)
            pin.check(old, ctx.card.commit)
        else:
            # P1 = 01: new value only, allowed once the reference is verified on this channel.
            if p2 not in state.verified:
                raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
            if pin.blocked:
                raise CardStatus(SW.AUTHENTICATION_METHOD_BLOCKED)
            new = data
            if not pin.fits(new):
                raise CardStatus(SW.INCORRECT_DATA)
        pin.set_value(new)
        ctx.card.commit()
        state.verified.add(p2)
        return Response()

    def _reset_retry_counter(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        p1, p2, data = command.p1, command.p2, command.data
        if p1 not in (0x00, 0x01):
            raise CardStatus(SW.INCORRECT_P1_P2)  # 02 and 03 (no PUK) are not offered
        target = self._pin(p2)
        if target.unblocked_by is None or target.unblocked_by not in self.pins:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        puk = self.pins[target.unblocked_by]
        if p1 == 0x00:  # PUK || new PIN
            given, new = data[: puk.length], data[puk.length :]
            if len(data) <= puk.length or not target.fits(new):
                raise CardStatus(SW.INCORRECT_DATA)
        else:  # PUK only
            given, new = data, b""
        puk.check(given, ctx.card.commit)
        if new:
            target.set_value(new)
        target.reset_counter()
        ctx.card.commit()
        return Response()

    # --- challenge and authentication (ISO/IEC 7816-4:2020 11.5.3-11.5.5) --------------------

    def _get_challenge(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        if command.p1 or command.p2:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if command.data or command.ne not in CHALLENGE_LENGTHS:
            raise CardStatus(SW.WRONG_LENGTH)
        state.challenge = ctx.card.random(command.ne)
        return Response(state.challenge)

    def _key(self, command: Command) -> SymmetricKey:
        if command.p1 != 0x00:
            raise CardStatus(SW.INCORRECT_P1_P2)  # algorithm implicitly known
        key = self.keys.get(command.p2)
        if key is None:
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
        return key

    def _internal_authenticate(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        key = self._key(command)
        if not command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        return Response(aes_cmac(key.value, command.data))

    def _external_authenticate(
        self, ctx: ChannelContext, state: ChannelState, command: Command
    ) -> Response:
        key = self._key(command)
        if len(command.data) != CMAC_LENGTH:
            raise CardStatus(SW.WRONG_LENGTH)
        challenge, state.challenge = state.challenge, None  # single use, whatever the outcome
        if challenge is None:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # 6985: no challenge
        expected = aes_cmac(key.value, challenge)
        if not hmac.compare_digest(expected, command.data):
            state.authenticated.discard(key.reference)
            raise CardStatus(SW.VERIFICATION_FAILED)  # 6300
        state.authenticated.add(key.reference)
        return Response()


# --- helpers ----------------------------------------------------------------------------------


def _select_answer(kind: int, target: File, df_name: bytes | None) -> bytes:
    """SELECT P2 b4-b3: 00 FCI, 01 FCP, 10 FMD, 11 no response data (table 64)."""
    if kind == 0x00:
        return fci(target, df_name)
    if kind == 0x04:
        return fcp(target, df_name)
    if kind == 0x08:
        return fmd(target)
    return b""


def _one_fid(data: bytes) -> int:
    if len(data) != 2:
        raise CardStatus(SW.WRONG_LENGTH)
    return int.from_bytes(data, "big")


def _follow_path(start: DedicatedFile, data: bytes) -> File:
    """P1 = 08 / 09: FIDs from the MF (MF excluded) or from the current DF (itself excluded)."""
    if not data or len(data) % 2:
        raise CardStatus(SW.WRONG_LENGTH)
    node: File = start
    for i in range(0, len(data), 2):
        if not isinstance(node, DedicatedFile):
            raise CardStatus(SW.FILE_NOT_FOUND)  # an EF in the middle of a path
        child = node.child(int.from_bytes(data[i : i + 2], "big"))
        if child is None:
            raise CardStatus(SW.FILE_NOT_FOUND)
        node = child
    return node


def _make_current(state: ChannelState, file: File) -> None:
    """A DF becomes the current DF with no current EF; an EF becomes the current EF and its
    parent the current DF (ISO/IEC 7816-4:2020 7.3: current structures)."""
    if isinstance(file, DedicatedFile):
        state.current_df, state.current_ef = file, None
        return
    assert file.parent is not None
    state.current_df, state.current_ef = file.parent, file


def _current_ef(state: ChannelState) -> ElementaryFile:
    if state.current_ef is None:
        raise CardStatus(SW.COMMAND_NOT_ALLOWED_NO_CURRENT_EF)  # 6986
    return state.current_ef


def _require_structure(ef: ElementaryFile, *, transparent: bool) -> None:
    if ef.structure.is_record == transparent:
        raise CardStatus(SW.COMMAND_INCOMPATIBLE_WITH_FILE)  # 6981


def _current_record(state: ChannelState, ef: ElementaryFile) -> int:
    number = state.record_pointers.get(id(ef))
    if number is None:
        raise CardStatus(SW.RECORD_NOT_FOUND)  # no current record
    return number


def _find_record(ef: ElementaryFile, identifier: int, mode: int, pointer: int | None) -> int:
    """First (00), last (01), next (10) or previous (11) record whose identifier (its first byte)
    is ``identifier``; 00 matches any record (ISO/IEC 7816-4:2020 11.4.2)."""
    numbers = [
        n
        for n in range(1, ef.record_count + 1)
        if identifier == 0 or ef.records[n - 1][:1] == bytes((identifier,))
    ]
    if mode == 0b10 and pointer is not None:
        numbers = [n for n in numbers if n > pointer]
    elif mode == 0b11 and pointer is not None:
        numbers = [n for n in numbers if n < pointer]
    if not numbers:
        raise CardStatus(SW.RECORD_NOT_FOUND)
    return numbers[0] if mode in (0b00, 0b10) else numbers[-1]


def _objects(data: bytes) -> tuple[Tlv, ...]:
    try:
        return parse(data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None


def _offset_value(node: Tlv) -> int:
    if node.tag != TAG_OFFSET or not 1 <= len(node.value) <= 3:
        raise CardStatus(SW.INCORRECT_DATA)
    return int.from_bytes(node.value, "big")


def _offsets(data: bytes, *, allowed: int) -> list[int]:
    """The values of up to ``allowed`` offset data objects (tag 54) making up ``data``."""
    objects = _objects(data)
    if len(objects) > allowed:
        raise CardStatus(SW.INCORRECT_DATA)
    return [_offset_value(o) for o in objects]


def _wrapped_size(n: int) -> int:
    """Bytes of ``53 L <n bytes>``: one tag byte, a minimal BER-TLV length, the value."""
    length_size = 1 if n < 0x80 else 1 + (n.bit_length() + 7) // 8
    return 1 + length_size + n


def _read_wrapped(ef: ElementaryFile, start: int, ne: int) -> tuple[bytes, bool]:
    """Odd-INS READ BINARY: the response is DO 53 holding the bytes, so at most Ne bytes of
    response in all. Returns the bytes and whether the end of the EF cut the answer short."""
    available = ef.read(start, len(ef.data))
    if ne == 0:
        return b"", False
    n = min(len(available), ne)
    while n > 0 and _wrapped_size(n) > ne:
        n -= 1
    return available[:n], n == len(available) and _wrapped_size(n) < ne


def _build_keys(entries: object) -> dict[int, SymmetricKey]:
    if not isinstance(entries, list):
        raise UsageError("keys: expected a list")
    keys: dict[int, SymmetricKey] = {}
    for i, entry in enumerate(entries):
        where = f"keys[{i}]"
        if not isinstance(entry, Mapping):
            raise UsageError(f"{where}: expected a mapping")
        reference = _number(entry, "reference", where)
        algorithm = str(entry.get("algorithm", "aes-128")).lower()
        value = decode_content(entry.get("value"), None, f"{where}.value")
        if AES_KEY_LENGTHS.get(algorithm) != len(value) or reference in keys:
            raise UsageError(f"{where}: a unique reference and an AES key of the stated length")
        keys[reference] = SymmetricKey(reference, algorithm, value)
    return keys


def _number(entry: Mapping[str, Any], key: str, where: str) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise UsageError(f"{where}.{key}: expected a number")
    return value


def _ascii_records(*texts: str) -> list[dict[str, str]]:
    return [{"text": t} for t in texts]


def default_config() -> dict[str, Any]:
    """The file-system applet's section of the default profile (docs/simulator.md)."""
    read_always_update_pin = {"read": "always", "update": "pin:1", "append": "pin:1"}
    return {
        "type": "filesystem",
        "aid": to_hex(DEFAULT_AID),
        "multiselectable": True,
        "mf": {
            "fid": "3F00",
            "files": [
                {
                    "fid": "2F00",
                    "type": "transparent",
                    "content": {"text": "cardwire simulated card"},
                    "access": {"read": "always", "update": "never"},
                },
                {
                    "fid": "5000",
                    "type": "df",
                    "name": "F0636172647769726501",
                    "label": "cardwire demo application 1",
                    "files": [
                        {
                            "fid": "5001",
                            "type": "transparent",
                            "sfi": 1,
                            "content": {"text": "Hello from the cardwire card."},
                            "access": {"read": "always", "update": "pin:1"},
                        },
                        {
                            "fid": "5002",
                            "type": "linear-fixed",
                            "sfi": 2,
                            "record_size": 16,
                            "max_records": 4,
                            "records": [{"hex": f"{n:02X}" * 16} for n in range(1, 5)],
                            "access": read_always_update_pin,
                        },
                        {
                            "fid": "5003",
                            "type": "transparent",
                            "sfi": 3,
                            "content": {"text": "top secret: 42"},
                            "access": {"read": "pin:1", "update": "pin:1"},
                        },
                        {
                            "fid": "5004",
                            "type": "cyclic",
                            "sfi": 4,
                            "record_size": 8,
                            "max_records": 5,
                            "records": [{"hex": "00" * 8} for _ in range(5)],
                            "access": read_always_update_pin,
                        },
                        {
                            "fid": "5005",
                            "type": "linear-variable",
                            "sfi": 5,
                            "records": _ascii_records("one", "two", "three"),
                            "access": {
                                "read": "always",
                                "update": "always",
                                "append": "always",
                                "erase": "always",
                            },
                        },
                        {
                            "fid": "5006",
                            "type": "transparent",
                            "sfi": 6,
                            "size": 40000,
                            "content": {"pattern": {"modulus": 251}},
                            "access": {"read": "always", "update": "never"},
                        },
                        {
                            "fid": "5007",
                            "type": "transparent",
                            "sfi": 7,
                            "content": {"text": "protected by secure messaging"},
                            "access": {"read": "sm", "update": "never"},
                        },
                        {
                            "fid": "5008",
                            "type": "transparent",
                            "sfi": 8,
                            "size": 64,
                            "access": {"read": "always", "update": "always", "erase": "always"},
                        },
                    ],
                },
                {
                    "fid": "6000",
                    "type": "df",
                    "name": "F0636172647769726502",
                    "label": "cardwire demo application 2",
                    "files": [
                        {
                            "fid": "6001",
                            "type": "transparent",
                            "sfi": 1,
                            "content": {"text": "second application"},
                            "access": {"read": "always", "update": "pin:1"},
                        },
                    ],
                },
            ],
        },
        "pins": [
            {
                "reference": 1,
                "name": "PIN",
                "value": {"text": "1234"},
                "max_tries": 3,
                "tries_left": 3,
                "min_length": 4,
                "max_length": 8,
                "unblocked_by": 2,
            },
            {
                "reference": 2,
                "name": "PUK",
                "value": {"text": "12345678"},
                "max_tries": 10,
                "tries_left": 10,
                "min_length": 8,
                "max_length": 8,
            },
        ],
        "keys": [
            {
                "reference": 1,
                "algorithm": "aes-128",
                "value": {"hex": "000102030405060708090A0B0C0D0E0F"},
            }
        ],
    }
