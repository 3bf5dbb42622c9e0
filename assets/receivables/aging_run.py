"""Receivables on the warehouse: the month's aged balance and DSO, with their files under
sorties/AAAA-MM/recouvrement/ (the pure computation: aging.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from assets.common.months import month_end
from assets.common.outputs import write_csv
from assets.common.warehouse import insert_frame, run_sql
from assets.receivables.aging import BUCKETS, OpenItem, aged_balance, dso_countback, total_row

AGED_HEADER = ["code_financeur", "nom", *BUCKETS, "total"]


@dataclass(frozen=True)
class AgingSummary:
    payers: int
    total: Decimal
    dso: Decimal | None


def age_month(con: duckdb.DuckDBPyConnection, sorties: Path, month: str) -> AgingSummary:
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
