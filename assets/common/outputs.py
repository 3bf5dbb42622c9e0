"""Writing output files safely: atomically (temporary name, then rename), owner-only, and with
spreadsheet formulas neutralised in text cells (docs/architecture.md, principle 4)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

_NUMBER = re.compile(r"^-?\d+(,\d+)?$")


class OutputError(OSError):
    """An output file could not be written (disk full, read-only folder, no permission); the file it would
    have replaced is untouched and no partial file is left under its name."""

    def __str__(self) -> str:
        return str(self.strerror)


_REASONS = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota disque atteint",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
}


def make_dirs(folder: Path) -> None:
    """Create `folder` and its missing parents, each owner-only (Path.mkdir gives parents the umask's mode)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            os.mkdir(path, 0o700)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it only if the block succeeds. A failure to write
    (disk full, read-only folder) raises OutputError naming the file, and leaves no temporary file."""
    tmp_path: Path | None = None
    try:
        make_dirs(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp_path = Path(tmp)
        yield tmp_path
        os.chmod(tmp_path, 0o600)
        os.replace(tmp_path, target)
    except OSError as exc:
        if isinstance(exc, OutputError) or exc.errno not in _REASONS:
            raise
        raise OutputError(
            exc.errno, f"{target} : écriture impossible ({_REASONS[exc.errno]}) ; le fichier précédent est conservé"
        ) from exc
    finally:
        if tmp_path is not None:
            with contextlib.suppress(OSError):
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


# The CSV files people open are opened by a double click in a French Excel, which reads a file without a byte
# order mark in the system's code page (Windows-1252): "Léa" shows as "LÃ©a". With the mark, Excel reads UTF-8,
# and so do Python (`utf-8-sig`), Polars, LibreOffice and the accounting software. The FEC, which the
# accounting software imports, keeps the encoding of its settings (`fec.encodage`).
CSV_ENCODING = "utf-8-sig"


def write_csv(target: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A `;`-separated CSV in UTF-8 with a byte order mark (`CSV_ENCODING`), written atomically."""
    write_bytes(target, csv_text(header, rows).encode(CSV_ENCODING))


def french_amount(amount: Decimal | int) -> str:
    """An amount as a French reader writes it in a sentence: 1\u202f234,56 (thin space, decimal comma)."""
    return f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",")
