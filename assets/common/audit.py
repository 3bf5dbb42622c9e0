"""The audit trail: every issued document, allocation, bank line and exported entry line, every lock and unlock
of an exported month, and every file that leaves with a month (registers, matching and lettering files, the
entries file, each document's PDF), sealed by a hash chained to the record before it (schemas 8 and 15,
sql/audit/).

`seal` runs inside the transaction that records the items, so an item is never recorded without its seal; an
output file's writer records its hash (`record_file`, or `document_files` and `accounting_exports`) in the
transaction that writes it. `verify` recomputes everything: the chain itself (each hash from the one before),
each sealed item against its current content in the warehouse, each sealed file against the file in sorties/,
items recorded without a seal, sealed items gone, and the chain heads written to
`sorties/AAAA-MM/controles/chaine_audit.txt` at each close. Those files leave the warehouse with the month's
outputs: a chain rewritten whole inside the warehouse no longer matches them. What verify checks comes from the
chain, not from a flag of the warehouse: the entries of every month exported and not unlocked by a sealed
unlock are checked, whatever `accounting_exports.locked` says now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Collection
from pathlib import Path

import duckdb
import polars as pl

from assets.common.outputs import write_bytes
from assets.common.warehouse import insert_frame, run_sql

GENESIS = "0" * 64
# kind, query under sql/audit/, what an item is called in a report
KINDS = (
    ("document", "audit/documents.sql", "document"),
    ("affectation", "audit/allocations.sql", "affectation"),
    ("deverrouillage", "audit/unlocks.sql", "déverrouillage"),
    ("ecriture", "audit/entries.sql", "écriture"),
    ("verrouillage", "audit/locks.sql", "verrouillage"),
    ("ligne_bancaire", "audit/bank_lines.sql", "ligne bancaire"),
    ("pdf", "audit/pdfs.sql", "PDF"),
    ("fichier", "audit/files.sql", "fichier"),
)
FILES = ("pdf", "fichier")  # items are paths under sorties/, checked against the files there
# sealed from schema 15 on: until the first seal after an upgrade, those recorded before are "antérieur"
SINCE_15 = ("verrouillage", "ligne_bancaire", "pdf", "fichier")
UPGRADE = "mise_a_niveau"  # the record schema 15 adds to an existing chain
ANCHOR = Path("controles") / "chaine_audit.txt"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# the files of a month folder that are sealed when written, their kind, and whether a warehouse kept their hash
# before schema 15 (document_files, accounting_exports): one found unsealed in a warehouse sealed before is
# "antérieur" if nothing kept its hash then, an alteration otherwise
TRACKED = (
    ("factures/registre.csv", "fichier", False),
    ("factures/lignes.csv", "fichier", False),
    ("factures/*.pdf", "pdf", True),
    ("lettrage/rapprochements.csv", "fichier", False),
    ("comptabilite/ecritures_*.txt", "fichier", True),
    ("comptabilite/lettrage_*.csv", "fichier", False),
)
LABELS = {kind: label for kind, _, label in KINDS}


def link(previous: str, kind: str, item: str, content_hash: str) -> str:
    return hashlib.sha256(f"{previous}|{kind}|{item}|{content_hash}".encode()).hexdigest()


def head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    seq, last, _ = run_sql(con, "audit/head.sql")[0]
    return int(seq), last


def file_hash(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def record_file(con: duckdb.DuckDBPyConnection, sorties: Path, path: Path) -> None:
    """Record the hash of an output file just written, by its path under sorties/, in the writer's transaction;
    the seal of that transaction chains it (a file written again with the same bytes adds nothing)."""
    run_sql(con, "audit/record_file.sql", {"path": path.relative_to(sorties).as_posix(), "sha256": file_hash(path)})


def seal(con: duckdb.DuckDBPyConnection, now: dt.datetime, kinds: Collection[str] | None = None) -> tuple[int, str]:
    """Seal every item recorded and not sealed yet, in a fixed order (the entry lines by month: every line of
    a locked month none of whose lines is sealed since its last unlock); returns the new head (seq, hash).
    `kinds`: only those, the ones the transaction records (each kind's query reads all its table at each
    seal: 0.05 to 0.1 s for a large association's bank lines or PDFs); the first seal after schema 15's
    upgrade seals every kind."""
    seq, previous, last = run_sql(con, "audit/head.sql")[0]
    rows = []
    for kind, query, _ in KINDS:
        if kinds is not None and kind not in kinds and last != UPGRADE:
            continue
        for item, content_hash in run_sql(con, query, {"all": False}):
            seq += 1
            current = link(previous, kind, item, content_hash)
            rows.append((seq, kind, item, content_hash, previous, current, now))
            previous = current
    if rows:
        columns = ["seq", "kind", "item", "content_hash", "previous", "hash", "sealed_at"]
        insert_frame(con, "audit_chain", pl.DataFrame(rows, schema=columns, orient="row"))
    return seq, previous


def write_anchor(sorties: Path, month: str, position: tuple[int, str]) -> None:
    """The chain's head after the month's close, for `verify` to find again (`seq;hash`)."""
    seq, current = position
    write_bytes(sorties / month / ANCHOR, f"enregistrement;empreinte\n{seq};{current}\n".encode())


def latest_issue_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The latest issue date of the warehouse: the retention of outputs counts from the close's issue date."""
    return run_sql(con, "audit/latest_issue_date.sql")[0][0]


@dataclasses.dataclass
class Verification:
    records: int = 0
    sealed: dict[str, int] = dataclasses.field(default_factory=dict)  # items the chain holds in force, per kind
    found: dict[str, int] = dataclasses.field(default_factory=dict)  # items found: warehouse rows, files on disk
    anchors: int = 0
    retained: dict[str, int] = dataclasses.field(default_factory=dict)  # month -> sealed files removed by retention
    earlier: list[str] = dataclasses.field(default_factory=list)  # recorded before schema 15, not sealed
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _capped(found: list[str], limit: int) -> list[str]:
    return found[:limit] + ([f"… et {len(found) - limit} autre(s)"] if len(found) > limit else [])


def verify(
    con: duckdb.DuckDBPyConnection,
    sorties: Path | None = None,
    limit: int = 50,
    retained: Callable[[str], bool] | None = None,
) -> Verification:
    """Recompute the chain and every seal; at most `limit` problems are listed per kind of check. `retained(m)`:
    whether the retention of outputs removes month m's folder (a sealed file gone with its month's folder is
    then counted as removed by retention, not reported)."""
    out = Verification()
    chain = run_sql(con, "audit/chain.sql")
    out.records = len(chain)
    broken: list[str] = []
    previous, hashes = GENESIS, {}
    expected = 1
    for seq, kind, item, content_hash, prev, current in chain:
        if seq > expected:
            missing = (
                f"enregistrement n° {expected} manquant"
                if seq == expected + 1
                else f"enregistrements n° {expected} à {seq - 1} manquants"
            )
            broken.append(f"chaîne : {missing} (suivant : n° {seq})")
        elif seq < expected:
            broken.append(f"chaîne : enregistrement n° {seq} en double")
        expected = seq + 1
        if prev != previous:
            broken.append(f"chaîne : l'enregistrement n° {seq} ({kind} {item}) ne suit pas le précédent")
        if link(prev, kind, item, content_hash) != current:
            broken.append(f"chaîne : l'empreinte de l'enregistrement n° {seq} ({kind} {item}) a été modifiée")
        previous, hashes[seq] = current, current
    out.problems += broken[:limit]
    # until the first seal after schema 15, what it seals was recorded before it: "non scellé (antérieur)"
    upgraded = any(kind == UPGRADE for _, kind, *_ in chain)
    pending = bool(chain) and chain[-1][1] == UPGRADE
    sealed = _in_force(chain)
    locked = {month for (month,) in run_sql(con, "audit/locked_months.sql")}
    released = set()  # months the chain holds exported that the warehouse marks unlocked
    for month in sorted({item.split(":")[0] for kind in ("ecriture", "verrouillage") for item in sealed[kind]}):
        if month not in locked:
            released.add(month)
            out.problems.append(f"verrouillage {month} : mois marqué déverrouillé sans déverrouillage scellé")
    for kind, query, label in KINDS:
        current = dict(run_sql(con, query, {"all": True}))
        out.sealed[kind], out.found[kind] = len(sealed[kind]), len(current)
        found = []
        for item, content_hash in current.items():
            if item not in sealed[kind]:
                if pending and kind in SINCE_15:
                    out.earlier.append(f"{label} {item}")
                else:
                    found.append(f"{label} {item} : présent dans l'entrepôt sans avoir été scellé")
            elif sealed[kind][item] != content_hash:
                found.append(f"{label} {item} : modifié depuis son scellement")
        found += [
            f"{label} {item} : scellé mais absent de l'entrepôt"
            for item in sealed[kind]
            if item not in current and not (kind == "verrouillage" and item.split(":")[0] in released)
        ]
        out.problems += _capped(found, limit)
    if sorties is not None:
        found_files = _check_files(out, {kind: sealed[kind] for kind in FILES}, sorties, upgraded, retained, limit)
        out.found.update(found_files)
        for anchor in sorted(sorties.glob(f"*/{ANCHOR}")):
            out.anchors += 1
            for line in anchor.read_text(encoding="utf-8").splitlines()[1:]:
                seq_text, _, value = line.partition(";")
                if not seq_text.isdigit() or hashes.get(int(seq_text)) != value:
                    out.problems.append(
                        f"{anchor.relative_to(sorties)} : la tête de chaîne n° {seq_text} ne se retrouve pas "
                        "dans l'entrepôt"
                    )
    return out


def _in_force(chain: list[tuple]) -> dict[str, dict[str, str]]:
    """Per kind, each item's latest sealed content. An unlock sealed releases its month: the entry lines and the
    lock sealed before it are no longer in force (the month is sealed again when it is exported anew)."""
    unlocked: dict[str, int] = {}
    for seq, kind, item, *_ in chain:
        if kind == "deverrouillage":
            unlocked[item.split(":")[0]] = seq
    sealed: dict[str, dict[str, str]] = {kind: {} for kind, _, _ in KINDS}
    for seq, kind, item, content_hash, _, _ in chain:
        if kind not in sealed:
            continue  # the record of an upgrade
        if kind in ("ecriture", "verrouillage") and seq < unlocked.get(item.split(":")[0], 0):
            continue
        sealed[kind][item] = content_hash
    return sealed


def _check_files(
    out: Verification,
    sealed: dict[str, dict[str, str]],
    sorties: Path,
    upgraded: bool,
    retained: Callable[[str], bool] | None,
    limit: int,
) -> dict[str, int]:
    """Each sealed file against its latest seal, and each file of sorties/ that should be sealed; returns how
    many sealed files of each kind were found in sorties/."""
    found, problems, earlier = dict.fromkeys(sealed, 0), [], set(out.earlier)
    paths_of = {content: path for files in sealed.values() for path, content in files.items()}
    for kind, files in sealed.items():
        for path, content in sorted(files.items()):
            target, month = sorties / path, path.split("/")[0]
            if target.is_file():
                found[kind] += 1
                actual = file_hash(target)
                if actual == content:
                    continue
                other = paths_of.get(actual)
                problems.append(
                    f"{LABELS[kind]} {path} : remplacé par une copie de {other}"
                    if other
                    else f"{LABELS[kind]} {path} : modifié depuis son scellement"
                )
            elif retained is not None and not (sorties / month).exists() and retained(month):
                out.retained[month] = out.retained.get(month, 0) + 1
            else:
                problems.append(f"{LABELS[kind]} {path} : scellé mais absent de sorties/")
    for folder in sorted(p for p in sorties.iterdir() if p.is_dir() and _MONTH.match(p.name)):
        for pattern, kind, kept in TRACKED:
            for target in sorted(folder.glob(pattern)):
                path = target.relative_to(sorties).as_posix()
                name = f"{LABELS[kind]} {path}"
                if path in sealed[kind] or not target.is_file() or name in earlier:
                    continue
                if upgraded and not kept:  # written before schema 15 (a file of a locked month is not written again)
                    out.earlier.append(name)
                else:
                    problems.append(f"{name} : présent dans sorties/ sans avoir été scellé")
    out.problems += _capped(problems, limit)
    return found
