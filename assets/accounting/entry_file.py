"""A month's entry file: building its entries from the warehouse, exporting it in the FEC layout, and the
period lock (docs/rules.md "Accounting entries").

The file of month m carries every item dated up to the end of m that no file carries yet: the documents
issued and the receipts booked in m, and late items of locked months (dated on the first day of m, their
piece date keeping their own date). Entry numbers run per journal and year, continuous and chronological
from one file to the next. Exporting a month locks it: its entries and its file never change again, and a
re-run of the month changes nothing, until the accountant unlocks it (`recettes unlock`, with a reason;
only the last exported month can be unlocked, since the numbers of the files after it follow its own).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from assets.accounting.entries import (
    ZERO,
    Corrected,
    Document,
    Entry,
    Receipt,
    Share,
    WriteOff,
    bank_entry,
    move_entry,
    number_entries,
    refund_entry,
    sales_entry,
    write_off_entry,
)
from assets.accounting.fec import MAX_BYTES as FEC_MAX_BYTES
from assets.accounting.fec import FecError, FecLine, read_general_ledger, write_fec
from assets.accounting.lettering import file_name as lettering_file
from assets.accounting.lettering import list_letters, write_lettering
from assets.accounting.reciprocity import OurLine, reciprocity
from assets.common.csvfile import Reject, escaped
from assets.common.inputs import list_inputs
from assets.common.months import month_bounds, month_end
from assets.common.outputs import write_bytes, write_csv
from assets.common.settings import Settings
from assets.common.warehouse import insert_frame, run_sql
from assets.ingest.loading import quarantine_frame

if TYPE_CHECKING:
    from polars._typing import SchemaDict

ENTRY_SCHEMA: SchemaDict = {
    "export_month": pl.String,
    "journal": pl.String,
    "journal_label": pl.String,
    "entry_num": pl.String,
    "line_no": pl.Int32,
    "entry_date": pl.Date,
    "account": pl.String,
    "account_label": pl.String,
    "aux": pl.String,
    "aux_label": pl.String,
    "piece_ref": pl.String,
    "piece_date": pl.Date,
    "label": pl.String,
    "debit": pl.Decimal(18, 2),
    "credit": pl.Decimal(18, 2),
    "letter": pl.String,
    "letter_date": pl.Date,
    "valid_date": pl.Date,
    "kind": pl.String,
    "source": pl.String,
    "invoice": pl.String,
}


class LockError(ValueError):
    """An unlock that would break the files after it."""


@dataclass
class EntriesSummary:
    locked: bool
    documents: int = 0
    receipts: int = 0
    transfers: int = 0
    write_offs: int = 0
    refunds: int = 0
    lines: int = 0
    letters: int = 0  # letter events the month's lettering file lists


def file_name(month: str) -> str:
    return f"comptabilite/ecritures_{month}.txt"


def is_locked(con: duckdb.DuckDBPyConnection, month: str) -> bool:
    return bool(run_sql(con, "accounting/month_locked.sql", {"month": month})[0][0])


def build_entries(
    con: duckdb.DuckDBPyConnection, settings: Settings, month: str, valid_date: dt.date
) -> EntriesSummary:
    """Rebuild the entries of an open month (a locked one is left as it is)."""
    if is_locked(con, month):
        return EntriesSummary(locked=True)
    run_sql(con, "accounting/clear_month.sql", {"month": month})
    start, end = month_bounds(month)
    entries: list[Entry] = []
    summary = EntriesSummary(locked=False)
    docs = [Document(*row) for row in run_sql(con, "accounting/documents_to_enter.sql", {"end": end})]
    corrected: dict[str, list[Corrected]] = defaultdict(list)
    credits = sorted(d.number for d in docs if d.type == "avoir")
    for number, *correction in run_sql(con, "accounting/corrections_to_enter.sql", {"numbers": credits}):
        corrected[number].append(Corrected(*correction))
    for doc in docs:
        doc = dataclasses.replace(doc, corrections=tuple(corrected.get(doc.number, ())))
        entries.append(sales_entry(doc, settings, max(doc.issue_date, start)))
        summary.documents += 1
    shares: dict[str, list[Share]] = {}
    for line_id, payer, name, aux, amount, letter, settled, invoice in run_sql(
        con, "accounting/line_shares.sql", {"end": end}
    ):
        shares.setdefault(line_id, []).append(Share(payer, name, aux, amount, letter or "", settled, invoice))
    names = {code: (name, aux) for code, name, aux in run_sql(con, "accounting/payer_names.sql")}
    for line_id, day, amount, mode, payer in run_sql(con, "accounting/receipts_to_enter.sql", {"end": end}):
        own = sorted(shares.get(line_id, []), key=lambda s: (s.payer_code, s.invoice))
        rest = amount - sum((s.amount for s in own), ZERO)
        if rest and payer in names:  # the payer it is known to come from keeps the rest as credit
            own.append(Share(payer, names[payer][0], names[payer][1], rest))
        entries.append(bank_entry(Receipt(line_id, day, amount, mode, tuple(own)), settings, max(day, start)))
        summary.receipts += 1
    for entry in moved_receipts(con, settings, month, names, max(start, min(end, valid_date))):
        entries.append(entry)
        summary.transfers += 1
    for key, number, day, amount, payer, name, aux, letter, settled in run_sql(
        con, "accounting/write_offs_to_enter.sql", {"end": end}
    ):
        share = Share(payer, name, aux, amount, letter or "", settled, number)
        entries.append(write_off_entry(WriteOff(key, number, day, amount, share), settings, max(day, start)))
        summary.write_offs += 1
    for refund_id, day, amount, payer, name, aux in run_sql(con, "accounting/refunds_to_enter.sql", {"end": end}):
        entries.append(refund_entry(refund_id, day, Share(payer, name, aux, amount), settings, max(day, start)))
        summary.refunds += 1
    last = {(j, y): n for j, y, n in run_sql(con, "accounting/last_numbers.sql", {"month": month})}
    rows = []
    safe = functools.partial(fec_text, separator=settings.fec.separateur, encoding=settings.fec.encodage)
    for line_no, (entry, x) in enumerate(number_entries(entries, last, valid_date), start=1):
        kind, source = entry.kind, entry.source
        rows.append(
            {
                "export_month": month,
                "journal": x.journal_code,
                "journal_label": x.journal_lib,
                "entry_num": x.ecriture_num,
                "line_no": line_no,
                "entry_date": x.ecriture_date,
                "account": x.compte_num,
                "account_label": safe(x.compte_lib),
                "aux": safe(x.comp_aux_num),
                "aux_label": safe(x.comp_aux_lib),
                "piece_ref": safe(x.piece_ref),
                "piece_date": x.piece_date,
                "label": safe(x.ecriture_lib),
                "debit": x.debit,
                "credit": x.credit,
                "letter": x.ecriture_let,
                "letter_date": x.date_let,
                "valid_date": x.valid_date,
                "kind": kind,
                "source": source,
                "invoice": x.invoice if x.compte_num == settings.comptes.clients else None,
            }
        )
    summary.lines = insert_frame(con, "entries", pl.DataFrame(rows, schema=ENTRY_SCHEMA, orient="row"))
    summary.letters = list_letters(con, settings, month)
    return summary


def moved_receipts(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    month: str,
    names: dict[str, tuple[str, str]],
    entry_date: dt.date,
) -> list[Entry]:
    """The entries moving the receipts an earlier file entered and that were placed differently since: what
    their entries gave each payer's account for each invoice against what the allocations give it now, the rest
    kept by the payer it is known to come from, as when a receipt is first entered (else on the waiting account,
    as is a receipt a decision says is not ours)."""
    params = {"end": month_end(month), "month": month, "waiting": settings.comptes.attente}
    params["clients"] = settings.comptes.clients
    payer_of = {aux: code for code, (_, aux) in names.items()}
    days: dict[str, dt.date] = {}
    entered: dict[str, dict[tuple[str, str], Share]] = {}
    now: dict[str, list[Share]] = {}
    for line_id, day, aux, invoice, before, after, letter, settled in run_sql(
        con, "accounting/moved_receipts.sql", params
    ):
        days[line_id] = day
        if aux:  # the waiting account's part is what is left
            who = payer_of.get(aux, aux)
            name = names.get(who, (aux, aux))[0]
            entered.setdefault(line_id, {})[(aux, invoice)] = Share(who, name, aux, before, invoice=invoice)
            now.setdefault(line_id, []).append(Share(who, name, aux, after, letter, settled, invoice))
    out = []
    for line_id, day in days.items():
        entry = move_entry(line_id, day, entered.get(line_id, {}), now.get(line_id, []), settings, entry_date)
        if entry:
            out.append(entry)
    return out


@functools.lru_cache(maxsize=65536)  # a month's 27,000 lines repeat their accounts, names and labels
def fec_text(text: str, separator: str, encoding: str) -> str:
    """A text as the entry file can carry it: no separator, tab or line break (a name or a piece number read
    from an input file may hold one), and each character the file's encoding lacks replaced by its closest
    letters (’ → ', ā → a) or by « ? », so that a name never blocks the month's export."""
    text = re.sub(r"\s*[\t\r\n" + re.escape(separator) + r"]+\s*", " ", text or "").strip()
    try:
        text.encode(encoding)
        return text  # every character encodes: the usual case, without looking at each one
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        if _encodes(char, encoding):
            out.append(char)
        else:
            near = unicodedata.normalize("NFKD", _QUOTES.get(char, char))
            out.append("".join(c for c in near if _encodes(c, encoding)) or "?")
    return "".join(out)


_QUOTES = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "..."}


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def month_lines(con: duckdb.DuckDBPyConnection, month: str) -> list[FecLine]:
    names = (
        "journal_code journal_lib ecriture_num ecriture_date compte_num compte_lib comp_aux_num comp_aux_lib "
        "piece_ref piece_date ecriture_lib debit credit ecriture_let date_let valid_date"
    ).split()
    return [
        FecLine(**dict(zip(names, row, strict=True)))
        for row in run_sql(con, "accounting/month_entries.sql", {"month": month})
    ]


def export_month(
    con: duckdb.DuckDBPyConnection, settings: Settings, sorties: Path, month: str, now: dt.datetime
) -> tuple[Path, int, bool]:
    """Write sorties/AAAA-MM/comptabilite/ecritures_AAAA-MM.txt (FEC layout, validated before it is
    written) and the month's lettering file beside it, and lock the month. A locked month's files are written
    again only if they went missing, from its stored entries: the same bytes. Returns (path, lines, written
    now)."""
    path = sorties / month / file_name(month)
    locked = is_locked(con, month)
    if locked and path.exists():
        if not (sorties / month / lettering_file(month)).exists():
            write_lettering(con, settings, sorties, month)
        return path, 0, False
    lines = month_lines(con, month)
    data = write_fec(lines, settings.fec.separateur, settings.fec.encodage, name=path.name)
    write_bytes(path, data)
    write_lettering(con, settings, sorties, month)
    entries = len({x.ecriture_num for x in lines})
    run_sql(
        con,
        "accounting/record_export.sql",
        {
            "month": month,
            "path": str(Path(month) / file_name(month)),
            "sha256": hashlib.sha256(data).hexdigest(),
            "entries": entries,
            "lines": len(lines),
            "now": now,
        },
    )
    return path, len(lines), True


def unlock(con: duckdb.DuckDBPyConnection, month: str, reason: str, now: dt.datetime) -> None:
    """Unlock an exported month for the accountant, recording why; its entries are rebuilt and its file
    written again at its next close."""
    if not reason.strip():
        raise LockError("un motif est obligatoire pour déverrouiller un mois")
    if not is_locked(con, month):
        raise LockError(f"{month} n'est pas verrouillé")
    later = [m for (m,) in run_sql(con, "accounting/later_exports.sql", {"month": month})]
    if later:
        raise LockError(
            f"{month} ne peut être déverrouillé : {', '.join(later)} exporté(s) après lui (leurs numéros d'écriture "
            f"suivent les siens) ; déverrouiller d'abord {later[-1]}"
        )
    run_sql(con, "accounting/unlock.sql", {"month": month, "reason": reason.strip(), "now": now})


@dataclass(frozen=True)
class ReciprocitySummary:
    ledger: str  # the file read back ("" when there is none)
    on: dt.date | None
    payers: int = 0  # payers compared
    differences: int = 0
    unreadable: dict[str, str] | None = None


def check_reciprocity(
    con: duckdb.DuckDBPyConnection, settings: Settings, entrees: Path, sorties: Path, month: str, now: dt.datetime
) -> ReciprocitySummary:
    """Read back the general ledgers of entrees/comptabilite/*.txt (the latest by its last date), compare each
    payer's 411 balance with ours on that date (not after the month's end), record and write
    sorties/AAAA-MM/comptabilite/reciprocite.csv."""

    run_sql(con, "accounting/clear_reciprocity.sql", {"month": month})
    ledgers, unreadable = [], {}
    for export in list_inputs(entrees, "comptabilite", {".txt"}):
        name = export.path
        record = {"path": name, "kind": "comptabilite", "month": month, "sha256": "-", "size_bytes": 0, "now": now}
        record.update(status="lu", same_as=None, encoding=None, rows_read=None, rows_rejected=None, error=None)
        try:
            data = export.read(FEC_MAX_BYTES, FecError)  # a link, a special or a huge file is refused, unread
            record.update(sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))
            ledger = read_general_ledger(data, name, settings.comptes.clients)
            record.update(encoding=ledger.encoding, rows_read=ledger.rows, rows_rejected=0)
            if ledger.last_date:
                ledgers.append((ledger.last_date, name, ledger))
        except (OSError, FecError) as exc:
            # one line whatever the file's name: it reaches the controls, the close summary and the alerts
            said = str(exc) if isinstance(exc, FecError) else f"{name} : illisible ({exc.strerror or exc})"
            message = escaped(said)
            unreadable[name] = message
            record.update(status="illisible", error=message)
        run_sql(con, "ingest/register_file.sql", record)
    rejects = [Reject(name, None, None, None, message) for name, message in unreadable.items()]
    insert_frame(con, "quarantine", quarantine_frame(rejects, "comptabilite", month, now))
    header = [
        "code_auxiliaire",
        "nom",
        "solde_comptabilite",
        "solde_recettes",
        "ecart",
        "explication",
        "date",
        "fichier",
    ]
    target = sorties / month / "comptabilite" / "reciprocite.csv"
    if not ledgers:
        write_csv(target, header, [])
        return ReciprocitySummary("", None, unreadable=unreadable)
    latest, name, ledger = max(ledgers, key=lambda x: (x[0], x[1]))
    on = min(latest, month_end(month))
    payers = {x.comp_aux_num for x in ledger.lines}
    # balances first, the lines that explain a difference only for the accounts that differ
    clients = settings.comptes.clients
    ours = dict(run_sql(con, "accounting/our_clients_balances.sql", {"clients": clients, "on": on}))
    theirs: dict[str, Decimal] = defaultdict(Decimal)
    for x in ledger.lines:
        if x.ecriture_date and x.ecriture_date <= on:
            theirs[x.comp_aux_num] += (x.debit or 0) - (x.credit or 0)
    differ = {aux for aux in theirs.keys() | ours.keys() if theirs.get(aux, 0) != ours.get(aux, 0)}
    explained = dataclasses.replace(ledger, lines=[x for x in ledger.lines if x.comp_aux_num in differ])
    params = {"clients": clients, "auxes": sorted(differ)}
    ours_lines = [OurLine(*row) for row in run_sql(con, "accounting/our_clients_lines.sql", params)]
    differences = reciprocity(explained, ours_lines, clients, on)
    frame = pl.DataFrame(
        [
            (month, name, on, d.aux, d.name, d.ledger, d.ours, " ; ".join(d.explanations) or "inexpliqué")
            for d in differences
        ],
        schema={
            "month": pl.String,
            "ledger_path": pl.String,
            "on_date": pl.Date,
            "aux": pl.String,
            "name": pl.String,
            "ledger": pl.Decimal(18, 2),
            "ours": pl.Decimal(18, 2),
            "explanations": pl.String,
        },
        orient="row",
    )
    insert_frame(con, "reciprocity", frame)
    write_csv(target, header, run_sql(con, "accounting/month_reciprocity.sql", {"month": month}))
    return ReciprocitySummary(name, on, len(payers | ours.keys()), len(differences), unreadable)
