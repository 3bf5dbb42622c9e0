"""Receivables on the warehouse: the month's aged balance and DSO, the phone log, and the dunning of the
close (reminders appended, calls and holds of the month), with their files under sorties/AAAA-MM/recouvrement/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from assets.common.csvfile import (
    Reject,
    UnreadableFile,
    decode,
    has_utf8_accents,
    parse_csv_text,
    read_table,
    sha256_of,
)
from assets.common.fields import BadValue, identifier_key, parse_amount, parse_choice, parse_date
from assets.common.inputs import read_table_input
from assets.common.months import month_end
from assets.common.outputs import write_csv
from assets.common.warehouse import insert_frame, run_sql
from assets.common.workbook import is_workbook
from assets.ingest.loading import payer_codes, quarantine_frame
from assets.payments.lettrage import receipts_after
from assets.receivables.aging import BUCKETS, OpenItem, aged_balance, dso_countback, total_row
from assets.receivables.dunning import ZERO, Call, Issued, OpenInvoice, plan_dunning

CALLS = "relances/appels.csv"
RESULTS = ("promesse", "litige", "injoignable", "deja_paye", "autre")
AGED_HEADER = ["code_financeur", "nom", *BUCKETS, "total"]


@dataclass
class AgingSummary:
    payers: int
    total: Decimal
    dso: Decimal | None


def age_month(con, sorties: Path, month: str) -> AgingSummary:
    """The aged balance at the month's end per payer and per establishment, and the DSO overall and per
    payer type; replaces the month's rows and writes balance_agee.csv, balance_agee_etablissements.csv,
    dso.csv and dossiers_en_instruction.csv (the pending funding files holding billed days, by age)."""
    end = month_end(month)
    run_sql(con, "receivables/clear_month.sql", {"month": month})
    rows = run_sql(con, "receivables/open_at.sql", {"end": end, "month": month})
    by_payer = aged_balance([OpenItem(p, n, due, amount) for p, _, n, due, amount in rows], end)
    by_etab = aged_balance([OpenItem(e or "(crédits)", n, due, amount) for _, e, n, due, amount in rows], end)
    records = []
    for scope, aged in (("payeur", by_payer), ("etablissement", by_etab)):
        for row in [*aged, total_row(aged)]:
            records.append((month, scope, row.payer_code, *row.buckets.values(), row.total))
    insert_frame(
        con,
        "aged_balance",
        pl.DataFrame(
            records,
            schema={"month": pl.String, "scope": pl.String, "code": pl.String}
            | {b: pl.Decimal(18, 2) for b in (*BUCKETS, "total")},
            orient="row",
        ),
    )
    types = dict(run_sql(con, "receivables/payer_types.sql"))
    billed_rows = run_sql(con, "receivables/billed_by_month.sql", {"end": end})
    dso_rows = []
    for scope in ["total", *sorted({t for _, t, _ in billed_rows})]:
        billed: dict[str, Decimal] = {}
        for m, payer_type, amount in billed_rows:
            if scope in ("total", payer_type):
                billed[m] = billed.get(m, Decimal("0")) + amount
        owed = sum((r.total for r in by_payer if scope == "total" or types.get(r.payer_code) == scope), Decimal("0.00"))
        dso_rows.append((month, scope, owed, dso_countback(owed, sorted(billed.items(), reverse=True))))
    insert_frame(
        con,
        "dso",
        pl.DataFrame(
            dso_rows,
            schema={"month": pl.String, "scope": pl.String, "receivables": pl.Decimal(18, 2), "days": pl.Decimal(8, 1)},
            orient="row",
        ),
    )
    folder = sorties / month / "recouvrement"
    write_csv(
        folder / "balance_agee.csv",
        AGED_HEADER,
        run_sql(con, "receivables/aged_rows.sql", {"month": month, "scope": "payeur"}),
    )
    write_csv(
        folder / "balance_agee_etablissements.csv",
        ["code_etablissement", "nom", *BUCKETS, "total"],
        run_sql(con, "receivables/aged_rows.sql", {"month": month, "scope": "etablissement"}),
    )
    pending = run_sql(con, "receivables/pending_files.sql", {"end": end})
    write_csv(
        folder / "dossiers_en_instruction.csv",
        ["code_financeur", "code_etablissement", "id_usager", "depuis", "age_jours", "mois", "journees"]
        + ["montant_retenu", "alerte_90_jours"],
        [(*row[:-1], "oui" if row[-1] else "non") for row in pending],
    )
    write_csv(
        folder / "dso.csv",
        ["mois", "perimetre", "creances", "dso_jours"],
        run_sql(con, "receivables/dso_rows.sql", {"month": month}),
    )
    return AgingSummary(len(by_payer), total_row(by_payer).total, dso_rows[0][3])


CALL_COLUMNS = {"date", "cible", "resultat"}
CALL_LOG_SCHEMA = {
    "day": pl.Date,
    "target": pl.String,
    "speaker": pl.String,
    "result": pl.String,
    "promise_date": pl.Date,
    "promised": pl.Decimal(18, 2),
    "comment": pl.String,
    "source_line": pl.Int32,
}


@dataclass(frozen=True)
class _Appended:
    """A phone log that only adds lines to the content call_log was read from (call_log_source)."""

    header: str  # the log's first line
    text: str  # what follows the content read before, decoded as it was
    encoding: str
    offset: int  # a line of `header` + `text` is this many lines further in the log


def _appended(con, data: bytes) -> _Appended | None:
    """The lines added at the end of the log since call_log was read from it; None when anything else
    changed (a line edited or removed, another encoding, a file read with rejected rows), which reads the
    log whole."""
    known = run_sql(con, "receivables/call_log_source.sql")
    if not known:
        return None
    sha256, size, encoding, lines, header = known[0]
    if len(data) < size or data[size - 1 : size] != b"\n" or sha256_of(data[:size]) != sha256:
        return None
    added = data[size:]
    if b"\x00" in added or (b"\r" in added and added.count(b"\r") != added.count(b"\r\n")):
        return None
    if encoding != "utf-8" and has_utf8_accents(added):
        return None  # lines in UTF-8 added to a log in Windows-1252: read whole, each line in its own (`decode`)
    try:
        text = added.decode(encoding)
    except (UnicodeDecodeError, LookupError):  # LookupError: a log of lines in two encodings (csvfile.MIXED)
        return None  # decoded whole, the log may change encoding: read it whole as `decode` does
    return _Appended(header, text, encoding, lines - 1)


def _source(data: bytes, header: str, encoding: str, columns: list[str]) -> dict:
    """What call_log_source keeps of a log read without rejects, for the next reading to start where this
    one ended; `keep` is false when it could not (no line end at the end, a lone carriage return, a header
    on two lines)."""
    header = header.rstrip("\r")
    keep = (
        data.endswith(b"\n")
        and data.count(b"\r") == data.count(b"\r\n")
        and parse_csv_text(header + "\n", CALLS, CALL_COLUMNS).columns == columns
    )
    return {
        "keep": keep,
        "sha256": sha256_of(data),
        "size_bytes": len(data),
        "encoding": encoding,
        "lines": data.count(b"\n"),
        "header": header,
    }


NO_SOURCE = {"keep": False, "sha256": None, "size_bytes": None, "encoding": None, "lines": None, "header": None}


def load_calls(con, entrees: Path, month: str, now: dt.datetime) -> tuple[list[Call], int]:
    """relances/appels.csv as it is now into call_log; bad rows set aside with line and column (scope
    `relances`). The cell appends to its log: when the file only adds lines to what call_log was read from,
    those lines alone are parsed (the log of a large association's second year has 23,000 calls)."""
    calls: list[Call] = []
    rejects: list[Reject] = []
    rows = []
    appended, source = None, None
    refused: UnreadableFile | None = None
    name, header = CALLS, None
    try:
        # the log, or a workbook in its place; a link, a special or a huge file, two versions: refused by name
        found = read_table_input(entrees, CALLS)
        name, data = found if found else (CALLS, None)
    except UnreadableFile as exc:
        data, refused = b"", exc
    workbook = is_workbook(name)  # read whole each time: only a CSV log is read from where it was left
    if data is not None:
        record = {"path": name, "kind": "relances", "month": month, "sha256": "-", "now": now}
        record.update(size_bytes=len(data), status="lu", same_as=None, encoding=None, error=None)
        try:
            if refused is not None:
                raise refused
            record["sha256"] = sha256_of(data)
            appended = None if workbook else _appended(con, data)
            if appended:
                encoding, offset, header = appended.encoding, appended.offset, appended.header
                try:
                    table = parse_csv_text(f"{header}\n{appended.text}", CALLS, CALL_COLUMNS, encoding)
                except UnreadableFile:
                    appended = None  # said again below with the line of the whole file
            codes = payer_codes(con)
            if appended:
                # each under its payer's stored code, a call logged before the referential knew the payer too
                calls = [_named(Call(*row), codes) for row in run_sql(con, "receivables/calls.sql")]
            elif workbook:
                table, offset = read_table(data, name, CALL_COLUMNS), 0
                encoding = table.encoding
            else:
                content, encoding = decode(data, CALLS)
                table, offset = parse_csv_text(content, CALLS, CALL_COLUMNS, encoding), 0
                header = content.split("\n", 1)[0]
            rejects.extend(dataclasses.replace(r, line=r.line + offset) if r.line else r for r in table.rejects)
            for line_no, cells in table.rows:
                line_no += offset
                fields = (
                    ("date", parse_date, True),
                    ("resultat", lambda v: parse_choice(v, RESULTS), True),
                    ("date_promesse", parse_date, False),
                    ("montant_promis", parse_amount, False),
                )
                values, problem = {}, None
                for column, parse, required in fields:
                    text = cells.get(column, "")
                    try:
                        values[column] = parse(text) if (text or required) else None
                    except BadValue as exc:
                        problem = Reject(name, line_no, column, text, str(exc))
                        break
                if problem is None and not cells["cible"].strip():
                    problem = Reject(name, line_no, "cible", "", "cible vide (un numéro de facture ou un code payeur)")
                if problem:
                    rejects.append(problem)
                    continue
                target = cells["cible"].strip().upper()
                target = codes.get(identifier_key(target), target)  # U123: the payer stored as U000123
                calls.append(
                    Call(values["date"], target, values["resultat"], values["date_promesse"], values["montant_promis"])
                )
                speaker, comment = cells.get("interlocuteur", ""), cells.get("commentaire", "")
                promise, promised = values["date_promesse"], values["montant_promis"]
                rows.append((values["date"], target, speaker, values["resultat"], promise, promised, comment, line_no))
            record.update(encoding=encoding, rows_read=len(calls), rows_rejected=len(rejects))
            if not rejects and header is not None:
                source = _source(data, header, encoding, table.columns)
        except UnreadableFile as exc:
            record.update(status="illisible", error=str(exc), rows_read=0, rows_rejected=1)
            rejects = [Reject(name, None, None, None, str(exc))]
            calls, rows, appended = [], [], None
        run_sql(con, "ingest/register_file.sql", record)
    if not appended:
        run_sql(con, "receivables/clear_call_log.sql")
    run_sql(con, "receivables/set_call_log_source.sql", source or NO_SOURCE)
    insert_frame(con, "call_log", pl.DataFrame(rows, schema=CALL_LOG_SCHEMA, orient="row"))
    insert_frame(con, "quarantine", quarantine_frame(rejects, "relances", month, now))
    return calls, len(rejects)


def _named(call: Call, codes: dict[str, str]) -> Call:
    """`call` with its target written as the payer code stored (`U123` for `U000123`), else as it is."""
    target = codes.get(identifier_key(call.target), call.target)
    return call if target == call.target else dataclasses.replace(call, target=target)


@dataclass
class DunningSummary:
    reminders: int
    invoices: int
    calls: int
    holds: int
    contentieux: int
    rejected_calls: int
    skipped_for: str = ""  # a later month was closed: this month's dunning is left as it was


def run_dunning(
    con, settings, entrees: Path, sorties: Path, month: str, on: dt.date, now: dt.datetime
) -> DunningSummary:
    """Plan the day's dunning after matching, append the reminders (none twice), record the month's calls
    and holds, and write relances.csv, appels_a_passer.csv and contentieux.csv. A month closed again after
    a later one sends nothing: its reminders, calls and files stay as its own close left them."""
    later = run_sql(con, "receivables/later_closes.sql", {"month": month})[0][0]
    if later:
        # re-running an old month must not send today's reminders in its name: dunning is the latest close's
        return DunningSummary(0, 0, 0, 0, 0, 0, skipped_for=later)
    run_sql(con, "receivables/clear_plan.sql", {"month": month})
    calls, rejected = load_calls(con, entrees, month, now)
    invoices, owed_back = [], {}
    for row in run_sql(con, "receivables/open_invoices.sql", {"on": on}):
        if row[5] > 0:
            invoices.append(OpenInvoice(*row))
        else:
            owed_back[row[1]] = owed_back.get(row[1], ZERO) - row[5]
    # planned against what earlier months sent: a close run again plans its month as it did (the calls its
    # reminders ask for included) and appends only what it did not send yet
    issued, sent_now = [], set()
    for number, level, day, run_month in run_sql(con, "receivables/issued.sql"):
        if run_month == month:
            sent_now.add((number, level))
        else:
            issued.append(Issued(number, level, day))
    con.execute("DROP TABLE dunning_invoices")
    queued = {p for (p,) in run_sql(con, "receivables/queued_payers.sql", {"on": on})}
    paid, payers = receipts_after(con, month, on)  # received since the month's end, matched next month
    queued |= payers
    credits = dict(run_sql(con, "receivables/credits.sql", {"on": on}))
    for payer, amount in owed_back.items():  # an invoice below 0 covers the payer's others, as a credit
        credits[payer] = credits.get(payer, ZERO) + amount
    plan = plan_dunning(invoices, settings.relances, calls, issued, queued, on, credits, paid)
    seq = run_sql(con, "receivables/next_seq.sql")[0][0]
    amounts = {i.number: (i.payer_code, i.open_amount) for i in invoices}
    channels = {(n, r.level): " ".join(r.channels) for r in plan.reminders for n in r.numbers}
    new = [
        (seq + k, amounts[x.number][0], x.number, x.level, x.day, channels.get((x.number, x.level), ""),
         amounts[x.number][1], month)
        for k, x in enumerate((x for x in plan.issued() if (x.number, x.level) not in sent_now), start=1)
    ]  # fmt: skip
    insert_frame(
        con,
        "reminders",
        pl.DataFrame(
            new,
            schema={
                "seq": pl.Int64,
                "payer_code": pl.String,
                "number": pl.String,
                "level": pl.String,
                "day": pl.Date,
                "channels": pl.String,
                "amount": pl.Decimal(18, 2),
                "run_month": pl.String,
            },
            orient="row",
        ),
    )
    insert_frame(
        con,
        "call_tasks",
        pl.DataFrame(
            [
                (month, k, c.payer_code, " ".join(c.numbers), c.amount, c.oldest_due, c.reason)
                for k, c in enumerate(plan.calls, start=1)
            ],
            schema={
                "month": pl.String,
                "rank": pl.Int32,
                "payer_code": pl.String,
                "numbers": pl.String,
                "amount": pl.Decimal(18, 2),
                "oldest_due": pl.Date,
                "reason": pl.String,
            },
            orient="row",
        ),
    )
    insert_frame(
        con,
        "dunning_holds",
        pl.DataFrame(
            [(month, h.number, h.payer_code, h.reason) for h in plan.holds],
            schema={"month": pl.String, "number": pl.String, "payer_code": pl.String, "reason": pl.String},
            orient="row",
        ),
    )
    folder = sorties / month / "recouvrement"
    write_csv(
        folder / "relances.csv",
        ["date", "code_financeur", "niveau", "canaux", "factures", "montant"],
        run_sql(con, "receivables/month_reminders.sql", {"month": month}),
    )
    write_csv(
        folder / "appels_a_passer.csv",
        [
            "rang",
            "code_financeur",
            "nom",
            "montant",
            "echeance_la_plus_ancienne",
            "factures",
            "motif",
            "appels_precedents",
        ],
        run_sql(con, "receivables/call_list.sql", {"month": month}),
    )
    write_csv(
        folder / "contentieux.csv",
        ["numero", "code_financeur", "montant_du", "jours_de_retard", "motif"],
        run_sql(con, "receivables/director_list.sql", {"month": month, "on": on}),
    )
    return DunningSummary(
        len({(r.payer_code, r.level) for r in plan.reminders}),
        sum(len(r.numbers) for r in plan.reminders),
        len(plan.calls),
        len(plan.holds),
        len(plan.contentieux),
        rejected,
    )
