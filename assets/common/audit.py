"""The audit trail: every issued document, allocation and exported entry line, and every unlock of an
exported month, sealed by a hash chained to the record before it (schema 8, sql/audit/).

`seal` runs inside the transaction that records the items, so an item is never recorded without its seal.
`verify` recomputes everything from the warehouse: the chain itself (each hash from the one before), each
sealed item against its current content, items recorded without a seal, sealed items gone, and the chain
heads written to `sorties/AAAA-MM/controles/chaine_audit.txt` at each close. Those files leave the warehouse
with the month's outputs: a chain rewritten whole inside the warehouse no longer matches them. What verify
checks comes from the chain, not from a flag of the warehouse: the entries of every month exported and not
unlocked by a sealed unlock are checked, whatever `accounting_exports.locked` says now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

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
)
ANCHOR = Path("controles") / "chaine_audit.txt"


def link(previous: str, kind: str, item: str, content_hash: str) -> str:
    return hashlib.sha256(f"{previous}|{kind}|{item}|{content_hash}".encode()).hexdigest()


def head(con) -> tuple[int, str]:
    seq, last = run_sql(con, "audit/head.sql")[0]
    return int(seq), last


def seal(con, now: dt.datetime) -> tuple[int, str]:
    """Seal every item recorded and not sealed yet, in a fixed order (the entry lines by month: every line of
    a locked month none of whose lines is sealed since its last unlock); returns the new head (seq, hash)."""
    seq, previous = head(con)
    rows = []
    for kind, query, _ in KINDS:
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


@dataclasses.dataclass
class Verification:
    records: int = 0
    sealed: dict[str, int] = dataclasses.field(default_factory=dict)  # items the chain holds in force, per kind
    found: dict[str, int] = dataclasses.field(default_factory=dict)  # items found in the warehouse, per kind
    anchors: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(con, sorties: Path | None = None, limit: int = 50) -> Verification:
    """Recompute the chain and every seal; at most `limit` problems are listed per kind of check."""
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
    sealed = _in_force(chain)
    locked = {month for (month,) in run_sql(con, "audit/locked_months.sql")}
    for month in sorted({item.split(":")[0] for item in sealed["ecriture"]}):
        if month not in locked:
            out.problems.append(f"verrouillage {month} : mois marqué déverrouillé sans déverrouillage scellé")
    for kind, query, label in KINDS:
        current = dict(run_sql(con, query, {"all": True}))
        out.sealed[kind], out.found[kind] = len(sealed[kind]), len(current)
        found = []
        for item, content_hash in current.items():
            if item not in sealed[kind]:
                found.append(f"{label} {item} : présent dans l'entrepôt sans avoir été scellé")
            elif sealed[kind][item] != content_hash:
                found.append(f"{label} {item} : modifié depuis son scellement")
        found += [f"{label} {item} : scellé mais absent de l'entrepôt" for item in sealed[kind] if item not in current]
        out.problems += found[:limit] + ([f"… et {len(found) - limit} autre(s)"] if len(found) > limit else [])
    if sorties is not None:
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
    """Per kind, each item's latest sealed content. An unlock sealed releases its month: the entry lines sealed
    before it are no longer in force (the month is sealed again when it is exported anew)."""
    unlocked: dict[str, int] = {}
    for seq, kind, item, *_ in chain:
        if kind == "deverrouillage":
            unlocked[item.split(":")[0]] = seq
    sealed: dict[str, dict[str, str]] = {kind: {} for kind, _, _ in KINDS}
    for seq, kind, item, content_hash, _, _ in chain:
        if kind == "ecriture" and seq < unlocked.get(item.split(":")[0], 0):
            continue
        sealed[kind][item] = content_hash
    return sealed
