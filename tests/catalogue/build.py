"""The catalogue of bad and odd inputs: generated, each with the outcome dvh must give.

Every case names the file to write, its bytes, the schema, extra CLI flags (and the matching
query parameters for an upload), the exit code, and the (type, loc-prefix, line) items that
must be in the report or the one-line error. The same catalogue runs through the CLI and
through a real server (tests/catalogue/test_catalogue.py).

Run ``python -m tests.catalogue.build DIR`` to look at the files.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER = ("order_id,customer_email,country,quantity,unit_price,status,order_date,shipped_at,"
          "note,discount")
FIELDS = HEADER.split(",")


def row(i: int, **over: str) -> str:
    values = {"order_id": str(i), "customer_email": f"c{i}@example.com", "country": "DE",
              "quantity": "2", "unit_price": "9.99", "status": "paid",
              "order_date": "2026-11-02", "shipped_at": "", "note": "", "discount": ""}
    values.update(over)
    return ",".join(values[f] for f in FIELDS)


def csv_text(n: int = 3, *, eol: str = "\n", extra: list[str] | None = None) -> str:
    lines = [HEADER, *(row(i) for i in range(1, n + 1)), *(extra or [])]
    return eol.join(lines) + eol


def good(n: int = 3) -> bytes:
    return csv_text(n).encode()


@dataclass
class Case:
    name: str  # file name (the extension matters)
    data: bytes
    exit: int
    expect: list[tuple[str, tuple[Any, ...], int | None]] = field(default_factory=list)
    schema: str = "orders"
    flags: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    http: int | None = None  # status over HTTP when not implied by ``exit``
    content_type: str | None = None

    @property
    def status(self) -> int:
        if self.http is not None:
            return self.http
        return {0: 200, 1: 422, 3: 400}[self.exit]


def _parquet(table_dict: dict[str, Any], **kw: Any) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table(table_dict), buf, **kw)
    return buf.getvalue()


def _orders_columns(n: int = 3) -> dict[str, Any]:
    import datetime as dt

    return {
        "order_id": list(range(1, n + 1)),
        "customer_email": [f"c{i}@example.com" for i in range(1, n + 1)],
        "country": ["DE"] * n, "quantity": [2] * n, "unit_price": [9.99] * n,
        "status": ["paid"] * n, "order_date": [dt.date(2026, 11, 2)] * n,
    }


def _big_with_bad_utf8() -> bytes:
    lines = [HEADER.encode()]
    for i in range(1, 40_001):
        note = b"caf\xe9" if i == 25_000 else b""
        lines.append(row(i, note="NOTE").encode().replace(b"NOTE", note))
    return b"\n".join(lines) + b"\n"


def cases() -> list[Case]:
    import pyarrow as pa

    bomb = gzip.compress(b"0" * (64 << 20), compresslevel=9)
    cols = _orders_columns()
    nested = dict(cols, quantity=pa.array([[1], [2], [3]]))
    dict_cols = dict(cols, status=pa.array(["paid"] * 3).dictionary_encode())
    ts_cols = dict(cols, shipped_at=pa.array([0, 1, 2], pa.timestamp("us", tz="UTC")))
    small_ints = dict(cols, quantity=pa.array([1, 2, 3], pa.int8()),
                      unit_price=pa.array([1.5, 2.5, 3.5], pa.float32()))
    no_qty = {k: v for k, v in cols.items() if k != "quantity"}
    c = Case
    return [
        # --- ragged rows and headers
        c("ragged_too_many.csv", csv_text(extra=[row(4) + ",x"]).encode(), 1,
          [("too_many_cells", ("rows", 3), 5)]),
        c("ragged_too_few.csv", csv_text(extra=["5,a@example.com,DE"]).encode(), 1,
          [("too_few_cells", ("rows", 3), 5)]),
        c("duplicate_header.csv", (HEADER + ",quantity\n" + row(1) + ",7\n").encode(), 1,
          [("duplicate_header", ("columns", "quantity"), 1)]),
        c("blank_header.csv", (HEADER + ",\n" + row(1) + ",x\n").encode(), 1,
          [("blank_header", ("columns", 10), 1)]),
        c("header_only.csv", (HEADER + "\n").encode(), 1, [("too_few_rows", ("rows",), None)]),
        c("header_only_payments.csv", b"Payment ID,order_id,attempt,amount,currency,captured\n",
          0, schema="payments"),
        c("empty.csv", b"", 3, [("empty_file", (), None)]),
        c("blank_lines_only.csv", b"\n\n\n", 3, [("empty_file", (), None)]),
        # --- not CSV at all
        c("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 3,
          [("binary_content", (), None)]),
        c("random.csv", bytes((i * 37 + 11) % 256 for i in range(4096)), 3,
          [("binary_content", (), None)]),
        c("parquet_named.csv", _parquet(cols), 3, [("format_mismatch", (), None)]),
        c("csv_named.parquet", good(), 3, [("format_mismatch", (), None)]),
        # --- broken text
        c("unterminated_quote.csv", (csv_text(2) + row(3, note='"never closed') + "\n" +
                                     row(4) + "\n" + row(5) + "\n").encode(), 1,
          [("unterminated_quote", ("rows", 2), 4)]),
        c("nul_bytes.csv", csv_text(2).encode() + row(3, note="a\x00b").encode() + b"\n", 1,
          [("nul_character", ("rows", 2, "note"), 4)]),
        c("invalid_utf8_middle.csv", _big_with_bad_utf8(), 1,
          [("invalid_encoding", ("rows", 24_999, "note"), 25_001)]),
        c("huge_cell.csv", (csv_text(2) + row(3, note="x" * (3 << 20)) + "\n" + row(4) + "\n"
                            ).encode(), 1, [("cell_too_large", ("rows", 2), 4)]),
        c("latin1_without_flag.csv", csv_text(1).encode() + row(2, note="caf\xe9").encode(
            "latin-1") + b"\n", 1, [("invalid_encoding", ("rows", 1, "note"), 3)]),
        # --- Parquet problems
        c("truncated.parquet", _parquet(cols)[:-40], 3, [("corrupt_parquet", (), None)]),
        c("corrupt.parquet", b"PAR1" + b"\x00garbage" * 50 + b"PAR1", 3,
          [("corrupt_parquet", (), None)]),
        c("missing_column.parquet", _parquet(no_qty), 1,
          [("missing", ("columns", "quantity"), None)]),
        c("nested_column.parquet", _parquet(nested), 1,
          [("nested_column", ("columns", "quantity"), None)]),
        # --- compression
        c("corrupt.csv.gz", gzip.compress(good())[:30] + b"\x00" * 20, 3,
          [("corrupt_compression", (), None)]),
        c("bomb.csv.gz", bomb, 3, [("decompression_limit", (), None)],
          flags=["--max-decompressed-bytes", str(16 << 20)],
          params={"max_decompressed_bytes": 16 << 20}),
        c("good.csv.gz", gzip.compress(good()), 0),
        c("good.csv.bz2", bz2.compress(good()), 0),
        c("good.csv.xz", lzma.compress(good()), 0),
        c("good.csv.zst", _zstd(good()), 0),
        c("bad_rows.csv.gz", gzip.compress(csv_text(extra=[row(4, quantity="x")]).encode()), 1,
          [("int_parsing", ("rows", 3, "quantity"), 5)]),
        # --- dialects, line ends, encodings
        c("semicolon.csv", good().replace(b",", b";"), 0),
        c("tabs.tsv", good().replace(b",", b"\t"), 0),
        c("pipes.csv", good().replace(b",", b"|"), 0),
        c("forced_delimiter.csv", good().replace(b",", b";"), 0, flags=["--delimiter", ";"],
          params={"delimiter": ";"}),
        c("crlf.csv", csv_text(eol="\r\n").encode(), 0),
        c("cr_only.csv", csv_text(eol="\r").encode(), 0),
        c("cr_only_bad.csv", csv_text(eol="\r", extra=[row(4, status="lost")]).encode(), 1,
          [("literal_error", ("rows", 3, "status"), 5)]),
        c("bom.csv", b"\xef\xbb\xbf" + good(), 0),
        c("utf16.csv", csv_text().encode("utf-16"), 0),
        c("latin1.csv", csv_text(1).encode() + row(2, note="caf\xe9").encode("latin-1") + b"\n",
          0, flags=["--encoding", "latin-1"], params={"encoding": "latin-1"}),
        c("cp1252.csv", csv_text(1).encode() + row(2, note="\u201cquoted\u201d").encode(
            "cp1252") + b"\n", 0, flags=["--encoding", "cp1252"], params={"encoding": "cp1252"}),
        c("no_header.csv", good().split(b"\n", 1)[1], 0, flags=["--no-header"],
          params={"header": "false"}),
        c("quoted_fields.csv", (csv_text(1) + row(2, note='"a, ""quoted"" note"') + "\n"
                                ).encode(), 0),
        c("quoted_newline_then_error.csv", (csv_text(1) + row(2, note='"two\nlines"') + "\n" +
                                            row(3, quantity="0") + "\n").encode(), 1,
          [("greater_than_equal", ("rows", 2, "quantity"), 5)]),
        c("blank_lines_between.csv", (HEADER + "\n" + row(1) + "\n\n" + row(2, quantity="x") +
                                      "\n").encode(), 1,
          [("int_parsing", ("rows", 1, "quantity"), 4)]),
        c("padded_values.csv", csv_text(1, extra=[row(2, quantity=" 3 ")]).encode(), 0),
        c("namibia.csv", csv_text(1, extra=[row(2, country="NA")]).encode(), 0),
        c("null_token.csv", csv_text(1, extra=[row(2, discount="NA")]).encode(), 0,
          flags=["--null-token", "NA"], params={"null_token": "NA"}),
        c("null_token_missing.csv", csv_text(1, extra=[row(2, discount="NA")]).encode(), 1,
          [("float_parsing", ("rows", 1, "discount"), 3)]),
        c("extra_column.csv", (HEADER + ",coupon\n" + row(1) + ",X\n").encode(), 1,
          [("extra_forbidden", ("columns", "coupon"), None)]),
        c("missing_column.csv", (HEADER.replace(",quantity", "") + "\n" +
                                 row(1).replace(",2,9.99", ",9.99") + "\n").encode(), 1,
          [("missing", ("columns", "quantity"), None)]),
        c("reordered.csv", _reorder(good()), 0),
        # --- Parquet that must be accepted
        c("dictionary.parquet", _parquet(dict_cols), 0),
        c("timestamp_tz.parquet", _parquet(ts_cols), 0),
        c("small_types.parquet", _parquet(small_ints), 0),
        c("snappy_multi_group.parquet", _parquet(_orders_columns(50), row_group_size=7), 0),
    ]


def _reorder(data: bytes) -> bytes:
    lines = data.decode().splitlines()
    out = [",".join(reversed(line.split(","))) for line in lines]
    return ("\n".join(out) + "\n").encode()


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def write_all(directory: Path) -> list[tuple[Case, Path]]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for case in cases():
        path = directory / case.name
        path.write_bytes(case.data)
        out.append((case, path))
    return out


if __name__ == "__main__":
    for case, path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "catalogue")):
        print(f"{path}  exit {case.exit}  {case.expect}")
