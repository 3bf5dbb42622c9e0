"""The reports on activity (docs/rules.md "Monthly reports"), written by the close of a month beside the
director's report:

- `rapports/activite.csv`: each establishment's days realised against its forecast (assets/billing/forecast.py),
  the month and the year to date, with a total over the establishments that have a forecast;
- `rapports/annee_AAAA.csv` and `.html`: the year so far per establishment, payer and month: days billed,
  invoiced, adjusted (by month of service) and received (by month of receipt), occupancy against forecast;
- `rapports/etablissements/<code>.html`: one page per establishment for its director and the operator in charge:
  its activity and billing of the month against forecast, the rows of its extracts set aside or warned (file,
  line, reason: what to correct and send back), its days not reported, its held files, its residents' overdue
  amounts by identifier (no name: the page is printed and passed on).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2

from assets.billing.forecast import Activity, activity, period
from assets.billing.prefacturation import checklist
from assets.common.months import days_in, month_bounds, month_end
from assets.common.outputs import CSV_ENCODING, french_amount, write_bytes, write_csv
from assets.common.warehouse import run_sql
from reports.render import days_fr, environment, percent_fr

ZERO = Decimal("0.00")
PAYER_TYPES = {"departement": "département", "assurance_maladie": "assurance maladie", "usager": "usagers",
               "autre": "autre"}  # fmt: skip
ACTIVITY_HEADER = [
    "code_etablissement", "nom", "places", "journees_mois", "previsions_mois", "ecart_mois", "journees_cumul",
    "previsions_cumul", "ecart_journees", "ecart_pct", "tarif", "ecart_euros", "projection_annuelle",
    "journees_previsionnelles", "taux_occupation_cumul", "taux_occupation_cible", "journees_en_attente",
    "sous_activite",
]  # fmt: skip
YEAR_HEADER = [
    "code_etablissement", "code_financeur", "type_financeur", "mois", "jours_factures", "facture",
    "regularisations", "encaissements",
]  # fmt: skip


@dataclass(frozen=True)
class Total:
    """The establishments that have a forecast, summed."""

    month_days: int
    forecast_month: Decimal
    year_days: int
    forecast_to_date: Decimal
    gap_days: Decimal
    gap_euros: Decimal
    projection: Decimal
    forecast: int

    @property
    def gap_share(self) -> Decimal | None:
        return (self.gap_days / self.forecast_to_date).quantize(Decimal("0.0001")) if self.forecast_to_date else None


def total(rows: list[Activity]) -> Total | None:
    with_forecast = [r for r in rows if r.forecast is not None]
    if not with_forecast:
        return None
    return Total(
        sum(r.month_days for r in with_forecast),
        sum((r.forecast_month or ZERO for r in with_forecast), ZERO),
        sum(r.year_days for r in with_forecast),
        sum((r.forecast_to_date or ZERO for r in with_forecast), ZERO),
        sum((r.gap_days or ZERO for r in with_forecast), ZERO),
        sum((r.gap_euros or ZERO for r in with_forecast), ZERO),
        sum((r.projection for r in with_forecast), Decimal(0)),
        sum(r.forecast or 0 for r in with_forecast),
    )


def _share_percent(share: Decimal | None) -> Decimal | None:
    return None if share is None else (share * 100).quantize(Decimal("0.01"))


def write_activity_csv(sorties: Path, month: str, rows: list[Activity], threshold: Decimal) -> Path:
    """rapports/activite.csv: one row per establishment, then TOTAL (the establishments with a forecast)."""
    records = [
        [r.code, r.name, r.places, r.month_days, r.forecast_month, r.gap_month, r.year_days, r.forecast_to_date,
         r.gap_days, _share_percent(r.gap_share), r.rate, r.gap_euros,
         r.projection if r.forecast is not None else None, r.forecast,
         _share_percent(r.occupancy), r.target, r.held_days,
         ("oui" if r.under(threshold) else "non") if r.forecast is not None else ""]
        for r in rows
    ]  # fmt: skip
    t = total(rows)
    if t:
        records.append(
            ["TOTAL", "établissements avec prévision", None, t.month_days, t.forecast_month,
             t.month_days - t.forecast_month, t.year_days, t.forecast_to_date, t.gap_days,
             _share_percent(t.gap_share), None, t.gap_euros, t.projection, t.forecast, None, None, None, ""]
        )  # fmt: skip
    target = sorties / month / "rapports" / "activite.csv"
    write_csv(target, ACTIVITY_HEADER, records)
    return target


def activity_view(rows: list[Activity], threshold: Decimal) -> dict:
    """What the templates show of the activity against forecast (numbers left to the filters)."""
    return {
        "rows": [{"a": r, "under": r.under(threshold)} for r in rows],
        "total": total(rows),
        "threshold": threshold,
        "forecasts": any(r.forecast is not None for r in rows),
        "covered": rows[0].covered if rows else 0,
        "in_year": rows[0].in_year if rows else 0,
    }


def _env() -> jinja2.Environment:
    env = environment()
    env.filters.update(fr=french_amount, days=days_fr, percent=percent_fr, money=lambda t: Decimal(t.replace(",", ".")))
    return env


def write_year(con: duckdb.DuckDBPyConnection, sorties: Path, month: str, rows: list[Activity]) -> Path:
    """rapports/annee_AAAA.csv and rapports/annee_AAAA.html, the year so far up to `month`."""
    ((first,),) = run_sql(con, "reporting/first_valued_month.sql")
    since, _, _ = period(month, first)
    year = month[:4]
    records = run_sql(con, "reporting/year_rows.sql", {"month": month, "since": since})
    folder = sorties / month / "rapports"
    write_csv(folder / f"annee_{year}.csv", YEAR_HEADER, records)
    months = [m for (m,) in run_sql(con, "reporting/year_months.sql", {"since": since, "month": month})]
    by_etab: dict[str, dict] = {}
    names = {r.code: r.name for r in rows}
    occupancy = {(c, m): (days, rate) for c, m, days, rate in run_sql(con, "reporting/year_occupancy.sql",
                                                                    {"since": since, "month": month})}  # fmt: skip
    for etab, payer, payer_type, m, days, billed, adjusted, received in records:
        e = by_etab.setdefault(etab, {"months": {}, "payers": defaultdict(lambda: [0, ZERO, ZERO, ZERO])})
        line = e["months"].setdefault(m, [0, ZERO, ZERO, ZERO])
        key = PAYER_TYPES["usager"] if payer_type == "usager" else payer
        for target in (line, e["payers"][key]):
            target[0] += days
            target[1] += billed
            target[2] += adjusted
            target[3] += received
    activity_by_code = {r.code: r for r in rows}
    etabs = [
        {
            "code": code,
            "name": names.get(code, ""),
            "activity": activity_by_code.get(code),
            "months": [
                {"month": m, "figures": by_etab.get(code, {}).get("months", {}).get(m, [0, ZERO, ZERO, ZERO]),
                 "days": occupancy.get((code, m), (0, None))[0],
                 "occupancy": occupancy.get((code, m), (0, None))[1],
                 "forecast": _month_forecast(activity_by_code.get(code), m)}
                for m in months
            ],
            "payers": sorted(by_etab.get(code, {}).get("payers", {}).items()),
        }
        for code in sorted(set(by_etab) | set(names))
    ]  # fmt: skip
    html = _env().get_template("annee.html").render(year=year, month=month, since=since, etabs=etabs)
    target = folder / f"annee_{year}.html"
    write_bytes(target, html.encode("utf-8"))
    return target


def _month_forecast(row: Activity | None, month: str) -> Decimal | None:
    if row is None or row.forecast is None:
        return None
    return (Decimal(row.forecast * days_in(month)) / row.in_year).quantize(Decimal("0.01"))


def _rows_by(path: Path, column: str) -> dict[str, list[dict]]:
    """The rows of a CSV the close wrote, by the value of `column` (read once for every establishment: read
    again for each, the 500 pages of a 30,000-resident association took 18 s)."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    if path.exists():
        with path.open(encoding=CSV_ENCODING, newline="") as f:
            for row in csv.DictReader(f, delimiter=";"):
                grouped[row[column]].append(row)
    return grouped


def write_establishment_pages(
    con: duckdb.DuckDBPyConnection, sorties: Path, month: str, rows: list[Activity], threshold: Decimal
) -> list[Path]:
    """rapports/etablissements/<code>.html for every establishment of the referential."""
    folder = sorties / month
    first, last = month_bounds(month)
    rejects = defaultdict(list)
    for etab, path, line, column, reason, kept in run_sql(con, "reporting/establishment_rejects.sql", {"month": month}):
        rejects[etab].append({"path": path, "line": line, "column": column, "reason": reason, "kept": kept})
    outside = defaultdict(list)
    for etab, resident, day, code, path, line in run_sql(con, "checks/activity_outside_stay.sql", {"month": month}):
        outside[etab].append({"resident": resident, "day": day, "code": code, "path": path, "line": line})
    missing = defaultdict(list)
    params = {"month": month, "first": first, "last": last}
    for etab, resident, count, first_day in run_sql(con, "checks/days_not_reported.sql", params):
        missing[etab].append({"resident": resident, "days": count, "first": first_day})
    types = dict(run_sql(con, "receivables/payer_types.sql"))
    overdue: dict[str, dict[str, tuple[int, Decimal, dt.date]]] = defaultdict(dict)  # count, amount, oldest due
    end = month_end(month)
    for payer, etab, _, due, amount in run_sql(con, "receivables/open_at.sql", {"end": end, "month": month}):
        if types.get(payer) == "usager" and due < end and amount > 0:
            count, owed, oldest = overdue[etab].get(payer[1:], (0, ZERO, due))
            overdue[etab][payer[1:]] = (count + 1, owed + amount, min(due, oldest))
    states = {r["establishment_code"]: r["state"] for r in checklist(con, month)}
    env = _env()
    registered = _rows_by(folder / "factures" / "registre.csv", "code_etablissement")
    held = _rows_by(folder / "factures" / "en_attente.csv", "code_etablissement")
    written = []
    for r in rows:
        documents = registered.get(r.code, [])
        billed: dict[str, list] = defaultdict(lambda: [0, ZERO])
        for d in documents:
            kind = PAYER_TYPES.get(types.get(d["code_financeur"], "autre"), "autre")
            billed[kind][0] += 1
            billed[kind][1] += Decimal(d["montant"].replace(",", "."))
        page = env.get_template("etablissement.html").render(
            month=month,
            a=r,
            under=r.under(threshold),
            threshold=threshold,
            state=states.get(r.code, ""),
            billed=sorted(billed.items()),
            billed_total=sum((v[1] for v in billed.values()), ZERO),
            rejects=rejects.get(r.code, []),
            outside=outside.get(r.code, []),
            missing=missing.get(r.code, []),
            held=held.get(r.code, []),
            overdue=sorted(overdue.get(r.code, {}).items(), key=lambda kv: (-kv[1][1], kv[0])),
        )
        target = folder / "rapports" / "etablissements" / f"{r.code}.html"
        write_bytes(target, page.encode("utf-8"))
        written.append(target)
    return written


def write_activity_reports(con: duckdb.DuckDBPyConnection, sorties: Path, month: str, threshold: Decimal) -> dict:
    """The three reports; returns what the director's report shows of the activity against forecast."""
    rows = activity(con, month)
    write_activity_csv(sorties, month, rows, threshold)
    write_year(con, sorties, month, rows)
    write_establishment_pages(con, sorties, month, rows, threshold)
    return activity_view(rows, threshold)
