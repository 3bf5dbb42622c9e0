"""Reading the payment inputs into the warehouse: bank statements (`entrees/banque/`), manual receipts
(`entrees/encaissements/`) and the manual matching decisions (`entrees/relances/lettrage_manuel.csv`).

Plain functions over an open DuckDB connection, called inside the asset's single transaction. Every file
is registered by content; a content already read is not read again. Each bank line is stored once under
its stable id, whatever the number of files or overlapping statements it appears in. A malformed bank
file is refused whole, with the record and position of the problem, and the other files still load.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from assets.common.csvfile import Reject, UnreadableFile, escaped, read_table, sha256_of
from assets.common.fields import BadValue, parse_amount
from assets.common.inputs import list_inputs, read_table_input
from assets.common.warehouse import insert_frame, run_sql
from assets.common.workbook import TABLE_SUFFIXES, refused_type
from assets.ingest.loading import payer_codes, quarantine_frame
from assets.payments.camt import CamtError, parse_camt
from assets.payments.cfonb import CfonbError, parse_cfonb120
from assets.payments.manual import ReceiptKey, file_keys, parse_manual_receipts, piece_line_key, stored_key
from assets.payments.matching_records import Decision
from assets.payments.statements import BankLine, Statement

if TYPE_CHECKING:
    from polars._typing import SchemaDict

BANK_SUFFIXES = {".xml": "camt", ".txt": "cfonb", ".cfo": "cfonb", ".cfonb": "cfonb"}
DECISIONS = "relances/lettrage_manuel.csv"
CENT = Decimal("0.01")

LINE_SCHEMA: SchemaDict = {
    "line_id": pl.String,
    "source": pl.String,
    "path": pl.String,
    "record": pl.Int32,
    "account": pl.String,
    "currency": pl.String,
    "booking_date": pl.Date,
    "value_date": pl.Date,
    "amount": pl.Decimal(18, 2),
    "label": pl.String,
    "reference": pl.String,
    "details": pl.String,
    "entry_number": pl.String,
    "interbank_code": pl.String,
    "reject_code": pl.String,
    "end_to_end_id": pl.String,
    "debtor_name": pl.String,
    "debtor_iban": pl.String,
    "mode": pl.String,
    "payer_hint": pl.String,
    "reversal": pl.Boolean,
    "read_month": pl.String,
    "read_at": pl.Datetime("us"),
}
STATEMENT_SCHEMA: SchemaDict = {
    "sha256": pl.String,
    "path": pl.String,
    "rank": pl.Int32,
    "account": pl.String,
    "currency": pl.String,
    "opening_date": pl.Date,
    "opening_balance": pl.Decimal(18, 2),
    "closing_date": pl.Date,
    "closing_balance": pl.Decimal(18, 2),
    "movements": pl.Decimal(18, 2),
    "line_count": pl.Int32,
    "has_balances": pl.Boolean,
    "read_month": pl.String,
}


@dataclass
class BankSummary:
    files: int = 0
    read: int = 0  # files read at this close (new content)
    duplicates: int = 0  # same content as a file already read
    unreadable: dict[str, str] = field(default_factory=dict)
    statements: int = 0
    lines_read: int = 0
    lines_new: int = 0
    lines_known: int = 0  # already stored from another file or an overlapping statement
    not_booked: int = 0
    rejected: int = 0


def _name_from_details(line: BankLine) -> str:
    """CFONB gives the payer's name in a 05 record qualified NPY."""
    return next((text for qualifier, text in line.details if qualifier == "NPY" and text), "")


def _row(line: BankLine, source: str, path: str, month: str, now: dt.datetime, mode: str = "") -> dict:
    return {
        "line_id": line.line_id,
        "source": source,
        "path": path,
        "record": line.record,
        "account": line.account,
        "currency": line.currency,
        "booking_date": line.booking_date,
        "value_date": line.value_date,
        "amount": line.amount,
        "label": line.label,
        "reference": line.reference,
        "details": " | ".join(f"{q}: {t}" for q, t in line.details),
        "entry_number": line.entry_number,
        "interbank_code": line.interbank_code,
        "reject_code": line.reject_code,
        "end_to_end_id": line.end_to_end_id,
        "debtor_name": line.debtor_name or _name_from_details(line),
        "debtor_iban": line.debtor_iban.replace(" ", "").upper(),
        "mode": mode,
        "payer_hint": line.debtor_name if source == "encaissements" else "",
        "reversal": line.reversal or (line.amount < 0 and bool(line.reject_code)),
        "read_month": month,
        "read_at": now,
    }


def parse_bank_file(data: bytes, name: str) -> list[Statement]:
    """The statements of one bank file, by its extension; CamtError / CfonbError name what is wrong."""
    kind = BANK_SUFFIXES[Path(name).suffix.lower()]
    statements = parse_camt(data, name) if kind == "camt" else parse_cfonb120(data, name)
    for rank, statement in enumerate(statements, start=1):
        for line in statement.lines:
            if line.amount != line.amount.quantize(CENT):
                raise UnreadableFile(
                    f"{name} : relevé {rank}, ligne {line.record} : montant {line.amount} à plus de deux décimales"
                )
        for balance in (statement.opening_balance, statement.closing_balance):
            if balance is not None and balance != balance.quantize(CENT):
                raise UnreadableFile(f"{name} : relevé {rank} : solde {balance} à plus de deux décimales")
    return statements


def load_bank_inputs(con: duckdb.DuckDBPyConnection, entrees: Path, month: str, now: dt.datetime) -> BankSummary:
    """Read the bank statements and manual receipts now in entrees/ (new contents only) and store their
    new lines; `bank_files` lists the month's files and what became of them."""
    summary = BankSummary()
    run_sql(con, "payments/clear_month_files.sql", {"month": month})
    known = {sha: path for sha, path in run_sql(con, "payments/read_files.sql")}
    stored: dict[str, tuple] = {}  # line id -> (amount, date): the lines stored that this run's files name
    rows: list[dict] = []
    statements: list[dict] = []
    codes: dict[str, str] | None = None  # read once a receipts file is: the payer codes and receipts stored
    receipts_stored: dict[ReceiptKey, str] = {}
    inputs = [("banque", x) for x in list_inputs(entrees, "banque", BANK_SUFFIXES)]
    inputs += [("encaissements", x) for x in list_inputs(entrees, "encaissements", None)]  # CSV or workbooks
    for source, entry in inputs:
        name = entry.path
        summary.files += 1
        record = {"path": name, "kind": source, "month": month, "sha256": "-", "size_bytes": 0, "status": "lu"}
        record["month_status"] = "lu"
        record.update(same_as=None, encoding=None, rows_read=None, rows_rejected=None, error=None, now=now)
        file_rejects: list[Reject] = []
        try:
            refused = refused_type(name, "la liste des encaissements") if entry.refused is None else None
            if source == "encaissements" and refused:  # a scanned cheque, a lock file…: named, never skipped
                raise UnreadableFile(refused)
            data = entry.read()  # a link or a special file is refused by name, unopened
            sha = sha256_of(data)
            record.update(sha256=sha, size_bytes=len(data))
            if not data or data.isspace():  # said so, not a "doublon" of another empty file
                raise UnreadableFile(f"{name} : fichier vide")
            if sha in known:
                if known[sha] == name:
                    record["month_status"] = "deja_lu"  # the registry keeps it as read
                else:
                    record.update(status="doublon", month_status="doublon", same_as=known[sha])
                summary.duplicates += known[sha] != name
            else:
                known[sha] = name
                summary.read += 1
                if source == "banque":
                    parsed = parse_bank_file(data, name)
                    lines = []
                    for rank, s in enumerate(parsed, start=1):
                        statements.append(_statement_row(s, sha, name, rank, month))
                        booked = [x for x in s.lines if x.status == "BOOK"]
                        summary.not_booked += len(s.lines) - len(booked)
                        lines += [_row(x, source, name, month, now) for x in booked]
                    summary.statements += len(parsed)
                else:
                    if codes is None:
                        codes, receipts_stored = payer_codes(con), manual_receipts(con)
                    receipts, file_rejects = parse_manual_receipts(data, name, codes)
                    lines = [_row(x, source, name, month, now, mode=x.label) for x in receipts]
                    for row, key in zip(lines, file_keys(receipts), strict=True):
                        # a receipt already stored under another spelling is that receipt (its id first made)
                        row["line_id"] = receipts_stored.setdefault(key, row["line_id"])
                summary.lines_read += len(lines)
                ids = [row["line_id"] for row in lines if row["line_id"] not in stored]
                stored.update((i, (a, d)) for i, a, d in run_sql(con, "payments/stored_lines.sql", {"ids": ids}))
                for row in lines:
                    if row["line_id"] in stored:
                        if stored[row["line_id"]] != (row["amount"], row["booking_date"]):
                            file_rejects.append(
                                Reject(
                                    name,
                                    row["record"],
                                    "id_ligne_bancaire",
                                    row["line_id"],
                                    "ligne déjà enregistrée sous cet identifiant avec une autre date ou un autre "
                                    "montant : non reprise (une correction se saisit en ligne de contre-passation)",
                                )
                            )
                        else:
                            summary.lines_known += 1
                        continue
                    stored[row["line_id"]] = (row["amount"], row["booking_date"])
                    rows.append(row)
                record.update(rows_read=len(lines), rows_rejected=len(file_rejects))
        except (OSError, UnreadableFile, CamtError, CfonbError) as exc:
            # one line whatever the file's name: it reaches the controls, the close summary and the alerts
            said = str(exc) if not isinstance(exc, OSError) else f"{name} : illisible ({exc.strerror or exc})"
            message = escaped(said)
            if known.get(record["sha256"]) == name and record["month_status"] == "lu":
                del known[record["sha256"]]  # a copy of it is unreadable too, not its "doublon"
            record.update(status="illisible", month_status="illisible", error=message)
            summary.unreadable[name] = message
            file_rejects = [Reject(name, None, None, None, message)]
        if record["month_status"] in ("lu", "illisible"):
            run_sql(con, "payments/clear_file_quarantine.sql", {"month": month, "path": name})
            insert_frame(con, "quarantine", quarantine_frame(file_rejects, "banque", month, now))
            summary.rejected += len(file_rejects)
        if record["month_status"] != "deja_lu":
            run_sql(con, "ingest/register_file.sql", record)
        run_sql(con, "payments/bank_file_state.sql", record)
    summary.lines_new = insert_frame(con, "bank_lines", pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row"))
    insert_frame(con, "bank_statements", pl.DataFrame(statements, schema=STATEMENT_SCHEMA, orient="row"))
    return summary


def manual_receipts(con: duckdb.DuckDBPyConnection) -> dict[ReceiptKey, str]:
    """The manual receipts stored, by their `receipt_key`: their ids, made from the spelling first read (the
    first one stored of a key an earlier version stored twice)."""
    receipts: dict[ReceiptKey, str] = {}
    for line_id, *cells in run_sql(con, "payments/manual_receipts.sql"):
        receipts.setdefault(stored_key(line_id, *cells), line_id)
    return receipts


def _statement_row(s: Statement, sha: str, name: str, rank: int, month: str) -> dict:
    return {
        "sha256": sha,
        "path": name,
        "rank": rank,
        "account": s.account,
        "currency": s.currency,
        "opening_date": s.opening_date,
        "opening_balance": s.opening_balance,
        "closing_date": s.closing_date,
        "closing_balance": s.closing_balance,
        "movements": s.movements,
        "line_count": len(s.lines),
        "has_balances": s.has_balances and s.closing_balance is not None,
        "read_month": month,
    }


def load_decisions(
    con: duckdb.DuckDBPyConnection, entrees: Path, month: str, now: dt.datetime
) -> tuple[list[Decision], int]:
    """relances/lettrage_manuel.csv as it is now (the file is the reference: a removed row is no longer a
    decision; an emptied file removes them all). Rows with a bad amount are set aside. A missing or
    unreadable file keeps the decisions last read: applied decisions are never undone by accident."""
    for suffix in TABLE_SUFFIXES:  # the rows set aside from the file, whichever was read last
        run_sql(con, "payments/clear_file_quarantine.sql", {"month": month, "path": DECISIONS[:-4] + suffix})
    decisions: list[Decision] = []
    rejects: list[Reject] = []
    record = {"path": DECISIONS, "kind": "lettrage", "month": month, "sha256": "-", "now": now}
    record.update(size_bytes=0, status="lu", same_as=None, encoding=None, error=None)
    receipts: dict[ReceiptKey, str] | None = None
    name = DECISIONS
    try:
        # the file, or a workbook in its place; a link, a special or a huge file, two versions: refused by name
        found = read_table_input(entrees, DECISIONS)
        if found is None:
            # a removed file is not "no decision": the decisions last read stay (an emptied file removes them)
            return _last_decisions(con), 0
        name, data = found
        record.update(path=name, sha256=sha256_of(data), size_bytes=len(data))
        table = read_table(data, name, {"id_ligne_bancaire", "numero_facture", "montant"})
        record["encoding"] = table.encoding
        rejects.extend(table.rejects)
        for line_no, cells in table.rows:
            line_id, number, amount_text = cells["id_ligne_bancaire"], cells["numero_facture"], cells["montant"]
            if not line_id:
                rejects.append(Reject(name, line_no, "id_ligne_bancaire", "", "identifiant de ligne vide"))
                continue
            try:
                amount = parse_amount(amount_text) if amount_text else None
            except BadValue as exc:
                rejects.append(Reject(name, line_no, "montant", amount_text, str(exc)))
                continue
            key = piece_line_key(line_id)
            if key is not None:  # a receipt named by its piece number, whatever the zeros the operator wrote
                receipts = receipts if receipts is not None else manual_receipts(con)
                line_id = receipts.get(key, line_id)
            decisions.append(Decision(line_id, number.upper(), amount, line_no))
        record.update(rows_read=len(decisions), rows_rejected=len(rejects))
        run_sql(con, "payments/replace_decisions.sql")
        frame = pl.DataFrame(
            [(d.line_id, d.number, d.amount, d.source_line) for d in decisions],
            schema={"line_id": pl.String, "number": pl.String, "amount": pl.Decimal(18, 2), "source_line": pl.Int32},
            orient="row",
        )
        insert_frame(con, "manual_decisions", frame)
    except UnreadableFile as exc:
        # keep the decisions last read: applied ones must not be undone because the file is broken
        record.update(status="illisible", error=str(exc))
        rejects = [Reject(name, None, None, None, str(exc))]
        decisions = _last_decisions(con)
    run_sql(con, "ingest/register_file.sql", record | {"rows_read": len(decisions), "rows_rejected": len(rejects)})
    insert_frame(con, "quarantine", quarantine_frame(rejects, "lettrage", month, now))
    return decisions, len(rejects)


def _last_decisions(con: duckdb.DuckDBPyConnection) -> list[Decision]:
    return [
        Decision(line_id, number or "", amount, source_line)
        for line_id, number, amount, source_line in run_sql(con, "payments/decisions.sql")
    ]
