"""The benchmark harness's logic (benchmarks/harness.py, report.py and the floors' work).

Nothing here asserts a time: a fake clock drives the measuring loop, and the floors are checked
to compute the same bytes as the library, so that a floor never does less work than the
protocol needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.__main__ import main, wanted
from benchmarks.harness import (
    Batch,
    Contender,
    Role,
    Row,
    RowResult,
    Settings,
    calibrate,
    measure,
    median_ratio,
    meets,
    rotation,
)
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import floor_crypto as fc
from benchmarks import report, rows_session
from cardwire.card import Card
from cardwire.crypto.block import Aes, TripleDes
from cardwire.crypto.cmac import AesCmacKey
from cardwire.crypto.retail_mac import RetailMacKey


class FakeClock:
    """A clock that advances only when a batch says how long it took."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def spend(self, seconds: float) -> None:
        self.now += seconds


def timed(clock: FakeClock, per_item: float, log: list[tuple[str, int]], name: str) -> Contender:
    """A contender whose batch of n items takes n * per_item fake seconds."""

    def prepare(items: int) -> Batch:
        def batch() -> None:
            log.append((name, items))
            clock.spend(items * per_item)

        return batch

    return Contender(Role.CARDWIRE if name == "cardwire" else Role.FLOOR, name, prepare)


# --- pure helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerators", "denominators", "expected"),
    [
        ([1.0], [2.0], 0.5),
        ([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 2.0),
        ([10.0, 1.0, 4.0], [5.0, 1.0, 1.0], 2.0),  # ratios 2, 1, 4: median 2
        ([2.0, 2.0], [1.0, 4.0], 1.25),  # ratios 2 and 0.5: mean of the middle two
    ],
)
def test_median_ratio(numerators: list[float], denominators: list[float], expected: float) -> None:
    assert median_ratio(numerators, denominators) == pytest.approx(expected)


@pytest.mark.parametrize(("a", "b"), [([], []), ([1.0], [1.0, 2.0])])
def test_median_ratio_needs_pairs(a: list[float], b: list[float]) -> None:
    with pytest.raises(ValueError, match="same length"):
        median_ratio(a, b)


@pytest.mark.parametrize(
    ("ratio", "target", "expected"),
    [(0.5, 0.5, True), (0.49, 0.5, False), (None, 0.5, None), (0.7, None, None)],
)
def test_meets(ratio: float | None, target: float | None, expected: bool | None) -> None:
    assert meets(ratio, target) is expected


@given(st.integers(1, 6), st.integers(0, 50))
def test_rotation_is_a_permutation_starting_in_turn(count: int, repetition: int) -> None:
    order = rotation(count, repetition)
    assert sorted(order) == list(range(count))
    assert order[0] == repetition % count


def test_rotation_gives_each_contender_the_first_place_equally() -> None:
    firsts = [rotation(3, r)[0] for r in range(9)]
    assert [firsts.count(i) for i in range(3)] == [3, 3, 3]


@pytest.mark.parametrize("bad", [{"repetitions": 0}, {"sample_seconds": 0.0}])
def test_settings_refuse_empty_measurements(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Settings(**bad)  # type: ignore[arg-type]


# --- calibration and measuring with a fake clock ------------------------------------------


def test_calibrate_sizes_a_batch_to_the_sample_time() -> None:
    clock = FakeClock()
    contender = timed(clock, 1e-5, [], "cardwire")
    items = calibrate(contender.prepare, Settings(sample_seconds=0.04), clock)
    assert items == 4000  # 4000 items x 10 us = 40 ms


def test_calibrate_respects_the_item_cap() -> None:
    clock = FakeClock()
    contender = timed(clock, 1e-12, [], "cardwire")
    assert calibrate(contender.prepare, Settings(max_items=500), clock) == 500


def test_measure_alternates_uses_one_batch_size_and_computes_ratios() -> None:
    clock = FakeClock()
    log: list[tuple[str, int]] = []
    row = Row(
        family="test",
        name="row",
        variant="16 B",
        unit="rounds/s",
        contenders=(
            timed(clock, 2e-5, log, "cardwire"),  # 50k items/s
            timed(clock, 1e-5, log, "floor"),  # 100k items/s
        ),
        target_floor=0.45,
    )
    result = measure(row, Settings(repetitions=4, sample_seconds=0.02), clock)
    timed_runs = log[-8:]  # after calibration and warm-up: 4 repetitions x 2 contenders
    assert [name for name, _ in timed_runs] == ["cardwire", "floor", "floor", "cardwire"] * 2
    assert len({items for _, items in timed_runs}) == 1
    assert result.items_per_batch == timed_runs[0][1] == 1000  # sized on the slower contender
    assert result.median("cardwire") == pytest.approx(50_000)
    assert result.ratio(Role.FLOOR) == pytest.approx(0.5)
    assert result.ratio(Role.PEER) is None
    assert result.verdict() == "ok"


def test_measure_scales_rates_by_units_per_item() -> None:
    clock = FakeClock()
    row = Row(
        "test",
        "file",
        "60 KiB",
        "MB/s",
        (timed(clock, 1e-3, [], "cardwire"),),
        units_per_item=0.06,
    )
    result = measure(row, Settings(repetitions=2, sample_seconds=0.01), clock)
    assert result.median("cardwire") == pytest.approx(60.0)  # 1000 reads/s x 0.06 MB


def test_measure_refuses_duplicate_names() -> None:
    clock = FakeClock()
    twin = timed(clock, 1e-5, [], "cardwire")
    with pytest.raises(ValueError, match="unique"):
        measure(Row("t", "r", "v", "u", (twin, twin)), Settings(repetitions=1), clock)


def result_with(rates: dict[str, list[float]], roles: dict[str, Role], **extra: float) -> RowResult:
    return RowResult("f", "n", "v", "u", 10, rates, roles, **extra)  # type: ignore[arg-type]


def test_verdict_below_when_either_target_is_missed() -> None:
    result = result_with(
        {"cardwire": [1.0], "floor": [2.0], "peer": [1.0]},
        {"cardwire": Role.CARDWIRE, "floor": Role.FLOOR, "peer": Role.PEER},
        target_floor=0.6,
        target_peer=1.0,
    )
    assert result.verdict() == "below"
    assert result_with({"cardwire": [1.0]}, {"cardwire": Role.CARDWIRE}).verdict() == ""


def test_json_document_holds_the_same_figures_as_the_table() -> None:
    result = result_with(
        {"cardwire": [3.0, 1.0, 2.0], "floor": [4.0, 4.0, 4.0], "yubikit": [1.0, 1.0, 1.0]},
        {"cardwire": Role.CARDWIRE, "floor": Role.FLOOR, "yubikit": Role.PEER},
        target_floor=0.5,
    )
    machine = {"date": "d", "cpu": "c", "cores": 2, "platform": "p", "python": "3.11"}
    machine |= {"openssl": "o", "packages": {"cardwire": "0.1.0"}, "load_average_1min": 0.1}
    settings = Settings(repetitions=3)
    document = json.loads(json.dumps(report.to_json([result], settings, machine)))
    row = document["rows"][0]
    assert row["contenders"]["cardwire"]["median"] == 2.0
    assert row["ratio_to_floor"] == 0.5
    assert row["ratio_to_peer"] == 2.0
    assert row["peer"] == "yubikit"
    cells = report.table_rows([result])[0]
    assert cells[2] == "2 u" and cells[4] == "0.50 (>= 0.5)" and cells[7] == "2.00"
    assert "| n | v | 2 u |" in report.markdown([result], settings, machine)


def test_a_skipped_row_shows_its_reason() -> None:
    skipped = result_with({}, {})
    object.__setattr__(skipped, "note", "not measured: no pcscd")
    assert report.table_rows([skipped])[0][2] == "not measured: no pcscd"


@pytest.mark.parametrize(
    ("value", "text"), [(0.5, "0.5"), (999.0, "999"), (12_345.0, "12.3k"), (2.5e6, "2.5M")]
)
def test_rate_text(value: float, text: str) -> None:
    assert report.rate_text(value) == text


@pytest.mark.parametrize(
    ("text", "only", "expected"),
    [
        ("ISO SM AES-128", [], True),
        ("ISO SM AES-128", ["keycard"], False),
        ("Keycard channel v1", ["SCP03", "keycard"], True),
    ],
)
def test_only_filter(text: str, only: list[str], expected: bool) -> None:
    assert wanted(text, only) is expected


# --- the floors do the protocol's whole crypto, byte for byte -----------------------------


MESSAGES = st.lists(
    st.tuples(st.binary(min_size=16, max_size=16), st.integers(1, 12)), min_size=1, max_size=4
)


@given(MESSAGES, st.data())
def test_floor_cbc_equals_the_library(
    messages: list[tuple[bytes, int]], data: st.DataObject
) -> None:
    # One library object serves several messages with their own IVs, as in a session: each
    # must equal CBC on a fresh context (the floor's form).
    key = bytes(range(16))
    floor, library = fc.aes(key), Aes(key)
    for iv, blocks in messages:
        plain = data.draw(st.binary(min_size=16 * blocks, max_size=16 * blocks))
        cryptogram = floor.cbc_encrypt(iv, plain)
        assert library.encrypt_cbc(iv, plain) == cryptogram
        assert library.decrypt_cbc(iv, cryptogram) == floor.cbc_decrypt(iv, cryptogram) == plain
        assert floor.ecb(iv) == library.encrypt_block(iv)


@given(st.lists(st.integers(1, 8), min_size=1, max_size=4), st.data())
def test_floor_3des_and_retail_mac_equal_the_library(sizes: list[int], data: st.DataObject) -> None:
    key = bytes.fromhex("AB94FDECF2674FDFB9B391F85D7F76F2")  # any 16-byte two-key 3DES key
    floor, library = fc.tdes(key), TripleDes(key)
    floor_mac, library_mac = fc.FloorRetailMac(key), RetailMacKey(key)
    for blocks in sizes:  # one library object, several messages
        plain = data.draw(st.binary(min_size=8 * blocks, max_size=8 * blocks))
        assert floor.cbc_encrypt(bytes(8), plain) == library.encrypt_cbc(bytes(8), plain)
        assert floor_mac.mac(plain) == library_mac.mac(plain)


def test_floor_cmac_equals_the_library() -> None:
    key = bytes(range(16))
    assert fc.FloorCmac(key).mac(b"cardwire") == AesCmacKey(key).mac(b"cardwire")


@pytest.mark.parametrize(
    ("size", "block", "padded"), [(0, 16, 16), (15, 16, 16), (16, 16, 32), (7, 8, 8), (8, 8, 16)]
)
def test_padded_size(size: int, block: int, padded: int) -> None:
    assert fc.padded_size(size, block) == padded


@pytest.mark.parametrize(
    ("value", "size"), [(0, 2), (127, 129), (128, 131), (255, 258), (256, 260)]
)
def test_tlv_size(value: int, size: int) -> None:
    assert fc.tlv_size(value) == size


# --- the session rows' bookkeeping --------------------------------------------------------


def test_largest_short_chunk_fits_one_short_answer() -> None:
    chunk = rows_session.largest_short_chunk()

    def answer_size(n: int) -> int:
        return fc.tlv_size(1 + fc.padded_size(n, 16)) + 4 + 10  # DO87, DO99, DO8E

    assert answer_size(chunk) <= 256 < answer_size(chunk + 1)


def test_message_costs_of_a_recorded_read() -> None:
    def read(card: Card) -> object:
        return card.read_binary(0, 16)

    costs = rows_session.message_costs(rows_session.recorded(read), 16)
    # One protected READ BINARY: the command has no data (MAC over SSC, header, DO97 padded
    # to 48 bytes); the answer has 16 bytes padded to 32 in DO87, MAC over SSC || DO87 || DO99.
    assert costs == [
        rows_session.Message(cryptogram=0, mac_input=48),
        rows_session.Message(cryptogram=32, mac_input=fc.padded_size(16 + 35 + 4, 16)),
    ]


# --- the command --------------------------------------------------------------------------


def test_the_command_writes_json_and_markdown(tmp_path: Path) -> None:
    out, table = tmp_path / "latest.json", tmp_path / "table.md"
    argv = ["--quick", "--no-pcsc", "--only", "BER-TLV", "--json", str(out)]
    assert main([*argv, "--markdown", str(table)]) == 0
    document = json.loads(out.read_text())
    assert [row["name"] for row in document["rows"]] == ["BER-TLV deep parse (4 levels)"]
    assert document["settings"]["repetitions"] == 3
    assert document["machine"]["cores"] and document["machine"]["python"]
    assert len(document["rows"][0]["contenders"]["cardwire"]["rates"]) == 3
    assert "| BER-TLV deep parse (4 levels) |" in table.read_text()
