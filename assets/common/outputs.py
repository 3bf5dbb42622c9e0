"""Writing output files safely: atomically (temporary name, then rename), owner-only, and with
spreadsheet formulas neutralised in text cells (DESIGN.md principle 4)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

_NUMBER = re.compile(r"^-?\d+(,\d+)?$")


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o600)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def cell(value: object) -> str:
    """One CSV cell: decimal comma, ISO dates, text that cannot run as a spreadsheet formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal | int):
        return str(value).replace(".", ",")
    if isinstance(value, float):
        raise TypeError("money and counts are never floats")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue()


def write_csv(target: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A `;`-separated UTF-8 CSV written atomically."""
    write_bytes(target, csv_text(header, rows).encode("utf-8"))


def french_amount(amount) -> str:
    """An amount as a French reader writes it in a sentence: 1\u202f234,56 (thin space, decimal comma)."""
    return f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",")
