"""A compressed CSV file is checked while it inflates (hub.decompress.Inflation): the pieces
follow the growing temp file and come out as they would from the whole file, the report is
the plain file's, and a stream that breaks or passes the size limit mid-way is still the
answer, with no temp file left behind."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hub.compile import compile_plan
from hub.decompress import Inflation
from hub.engine import map_columns
from hub.errors import UnreadableInput
from hub.inputs import ReadOptions, prepare
from hub.pieces import plan
from hub.readers import Source, read_header
from hub.registry import entry_for
from hub.runner import SignsOut, run_csv
from hub.validate import validate
from tests.core.orders_data import Order, body_of, order_rows, write_orders


class LazyFile:
    """A real file that grows only as far as its reader asks, and says it is complete only
    when asked for more than there is: the latest a writer can tell (hub.pieces.Growing)."""

    def __init__(self, path: Path, data: bytes, step: int) -> None:
        self.path, self._data, self._step = path, data, step
        self.written, self.done = 0, False
        path.write_bytes(b"")

    def wait_for(self, size: int) -> tuple[int, bool]:
        with self.path.open("ab") as out:
            while self.written < size:
                if self.written == len(self._data):
                    self.done = True
                    break
                out.write(self._data[self.written:self.written + self._step])
                self.written = min(self.written + self._step, len(self._data))
        return self.written, self.done


def _pieces(path: Path, start: int, piece_bytes: int, growing: LazyFile | None = None
            ) -> list[tuple[int, bytes, bool]]:
    out = []
    for piece in plan(path, start, piece_bytes, growing=growing):
        out.append((piece.start, bytes(piece.data), piece.last))
        piece.release()
    return out


@pytest.mark.parametrize("tail", [b"", b"\n"])
@pytest.mark.parametrize("step", [1, 7, 64, 10_000])
def test_pieces_of_a_growing_file_are_the_whole_files(tmp_path, step, tail):
    """Cut after the last line break, longer than a piece when one record is, the last one
    marked: the same pieces whatever the writer's pace."""
    lines = [b"h1,h2"] + [b"%d,%s" % (i, b"x" * (i % 13)) for i in range(300)]
    lines.insert(150, b"long," + b"y" * 500)  # one record longer than a piece
    data = b"\n".join(lines) + tail
    whole = tmp_path / "whole.csv"
    whole.write_bytes(data)
    want = _pieces(whole, 6, 100)
    assert want[-1][2] and not any(last for _, _, last in want[:-1])
    assert b"".join(d for _, d, _ in want) == data[6:]
    growing = LazyFile(tmp_path / "growing.csv", data, step)
    assert _pieces(growing.path, 6, 100, growing) == want


def test_a_growing_file_that_ends_at_a_piece_boundary_ends_there(tmp_path):
    data = b"a\n" + b"1234567\n" * 4
    growing = LazyFile(tmp_path / "g.csv", data, 8)
    got = _pieces(growing.path, 2, 16, growing)
    assert [(s, len(d), last) for s, d, last in got] == [(2, 16, False), (18, 16, True)]


def test_a_run_over_a_growing_file_checks_all_of_it(tmp_path, orders_csv):
    """The run's pieces follow the file to its end, and the report is the whole file's."""
    entry = entry_for("orders", Order)
    data = orders_csv.read_bytes()

    def run(path: Path, growing: LazyFile | None) -> tuple[object, ...]:
        plan_ = compile_plan(entry)
        header = read_header(path)
        cmap = map_columns(plan_, header)
        signs = SignsOut(1 << 20)
        src = Source(path=path, name="orders.csv", format="csv", bytes=len(data))
        total = run_csv(plan_, cmap, src, header, (), None, piece_bytes=64 << 10, signs=signs,
                        growing=growing)
        return (total.rows, total.error_count, total.invalid_rows,
                [item.model_dump() for item in total.detail], signs.signs)

    want = run(orders_csv, None)
    assert want[0] == 149_999 and want[1] > 100
    growing = LazyFile(tmp_path / "growing.csv", data, 10_007)
    growing.wait_for(2 << 20)  # what prepare waits for before the run
    assert run(growing.path, growing) == want
    assert growing.done


def test_inflation_is_followed_and_ends_whole(tmp_path):
    data = b"".join(b"%08d,some text\n" % i for i in range(400_000))  # ~7 MB
    src = tmp_path / "f.csv.gz"
    src.write_bytes(gzip.compress(data, compresslevel=1))
    inflation = Inflation(src, "gzip", name="f.csv.gz", directory=tmp_path)
    try:
        there, whole = inflation.wait_for(1 << 20)
        assert there >= 1 << 20 or whole
        assert inflation.wait() == len(data)
        assert inflation.wait_for(1 << 40) == (len(data), True)
        assert inflation.path.read_bytes() == data
    finally:
        inflation.close()
    assert not inflation.path.exists()


def _letters(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "abcdefghij"))


@pytest.fixture(scope="module")
def orders_csv(tmp_path_factory) -> Path:
    """~5.4 MB of orders: past the head ``prepare`` waits for, so the run is under way when
    a stream cut or a limit is met."""
    rows = order_rows(300)  # every kind of bad cell, then plain rows with a bad one now and then
    rows += [[str(i) if i % 1009 else "x", "ab"[i % 2], str(i), _letters(i) + "@x.com",
              str(i % 9 + 1) if i % 997 else "0", "say \"hi\"" if i % 5 else ""]
             for i in range(301, 150_000)]
    return write_orders(tmp_path_factory.mktemp("orders") / "orders.csv", rows)


def _orders_gz(tmp_path: Path, plain: Path) -> tuple[Path, bytes]:
    data = plain.read_bytes()
    gz = tmp_path / "orders.csv.gz"
    gz.write_bytes(gzip.compress(data, compresslevel=1))
    return gz, data


LATE = {
    "plain": lambda data: data,
    # the streaming reader takes over at a late piece: it must read the whole file
    "quoted line break": lambda data: _late(data, b',"line\nbreak"\n'),
    # a NUL byte: the fast path's signs send the file to the careful reader
    "nul byte": lambda data: _late(data, b",nul\x00\n"),
}


def _late(data: bytes, ending: bytes) -> bytes:
    """``data`` with one row near its end given a note that ends as ``ending`` says."""
    at = data.rindex(b"\n", 0, len(data) - 1000)
    prev = data.rindex(b"\n", 0, at)
    row = data[prev + 1:at].rsplit(b",", 1)[0]
    return data[:prev + 1] + row + ending + data[at + 1:]


@pytest.mark.parametrize("shape", sorted(LATE))
def test_a_compressed_file_checked_as_it_inflates_gets_the_plain_files_report(tmp_path,
                                                                               orders_csv,
                                                                               shape):
    plain = tmp_path / "orders.csv"
    plain.write_bytes(LATE[shape](orders_csv.read_bytes()))
    gz, _ = _orders_gz(tmp_path, plain)
    schema = entry_for("orders", Order)
    temps = tmp_path / "temps"
    temps.mkdir()
    want = validate(plain, schema, max_errors=0, piece_bytes=256 << 10)
    got = validate(gz, schema, max_errors=0, piece_bytes=256 << 10, temp_dir=temps)
    assert want.error_count > 100 and want.rows == 149_999
    assert body_of(got) == body_of(want)
    assert got.source.sha256 != want.source.sha256  # the file as given: the compressed one
    assert list(temps.iterdir()) == []


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_stream_cut_mid_way_is_refused_not_reported(tmp_path, orders_csv, keep):
    """The pieces already checked do not make a report of half a file."""
    gz, _ = _orders_gz(tmp_path, orders_csv)
    blob = gz.read_bytes()
    gz.write_bytes(blob[:int(len(blob) * keep)])
    temps = tmp_path / "temps"
    temps.mkdir()
    with pytest.raises(UnreadableInput) as exc:
        validate(gz, entry_for("orders", Order), piece_bytes=256 << 10, temp_dir=temps)
    assert exc.value.kind == "corrupt_compression"
    assert "orders.csv.gz" in str(exc.value)
    assert list(temps.iterdir()) == []


def test_the_size_limit_reached_mid_way_is_refused_not_reported(tmp_path, orders_csv):
    gz, data = _orders_gz(tmp_path, orders_csv)
    limit = len(data) * 3 // 4
    assert limit > 2 << 20  # past the head prepare waits for: the run is under way
    temps = tmp_path / "temps"
    temps.mkdir()
    with pytest.raises(UnreadableInput) as exc:
        validate(gz, entry_for("orders", Order), piece_bytes=256 << 10, temp_dir=temps,
                 options=ReadOptions(max_decompressed_bytes=limit))
    assert exc.value.kind == "decompression_limit"
    assert list(temps.iterdir()) == []


def test_cleanup_stops_an_inflation_under_way(tmp_path):
    """A run that ends early (a bad header, say) leaves no thread writing and no temp file."""
    data = b"a,b\n" + os.urandom(1 << 16).hex().encode() * 300  # ~39 MB of text
    gz = tmp_path / "big.csv.gz"
    gz.write_bytes(gzip.compress(data, compresslevel=1))
    temps = tmp_path / "temps"
    temps.mkdir()
    prepared = prepare(gz, gz.name, ReadOptions(), temp_dir=temps, follow=True)
    inflation = prepared.inflation
    assert inflation is not None
    assert inflation.wait_for(0)[0] >= 2 << 20  # the head is there
    prepared.cleanup()
    assert list(temps.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "dvh-inflate"]
    try:
        inflation.wait()
    except UnreadableInput as exc:  # stopped before the end (the usual case)
        assert "stopped" in str(exc)


def test_prepare_without_follow_returns_the_whole_file(tmp_path):
    data = b"a,b\n" + b"1,2\n" * 1_000_000
    gz = tmp_path / "f.csv.gz"
    gz.write_bytes(gzip.compress(data, compresslevel=1))
    prepared = prepare(gz, gz.name, ReadOptions(), temp_dir=tmp_path)
    try:
        assert prepared.path.read_bytes() == data
    finally:
        prepared.cleanup()
    assert not prepared.path.exists()


def test_a_full_disk_while_inflating_is_said_as_such(tmp_path, orders_csv):
    """Not "corrupt gzip data": the stream is fine, its copy could not be written. A real
    file-size limit (RLIMIT_FSIZE) in a child process stands in for the full disk."""
    gz, data = _orders_gz(tmp_path, orders_csv)
    assert len(data) > 4 << 20
    code = f"""
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (3 << 20, 3 << 20))
from hub.errors import UnreadableInput
from hub.registry import entry_for
from hub.validate import validate
from tests.core.orders_data import Order
try:
    validate(Path({str(gz)!r}), entry_for("orders", Order), temp_dir=Path({str(tmp_path)!r}))
except UnreadableInput as exc:
    print(exc.kind, exc, sep="|")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parents[2], timeout=120)
    assert out.returncode == 0, out.stderr
    kind, message = out.stdout.strip().split("|")
    assert kind != "corrupt_compression"
    assert message.startswith("orders.csv.gz: cannot write its decompressed copy (")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv.gz"]
