"""The finance director's monthly report (`rapports/direction.html`): one self-contained page (Plotly's
JavaScript embedded once, no external request) built from the CSV files of the month and of the months
before it, so that every figure ties to a file the cell can open. The occupancy it shows is written first
as `rapports/occupation.csv` from the month's valuation.

Residents are named only in the list of the largest late payers, where the director needs to know who.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import polars as pl

from assets.billing.prefacturation import held_state
from assets.common.months import add_months, month_end
from assets.common.outputs import CSV_ENCODING, french_amount, write_bytes, write_csv
from assets.common.warehouse import run_sql
from reports.charts import axis, chart_html, has_data, hover, money_ticks, number_ticks, percent_ticks
from reports.render import days_fr, environment, euro, month_fr, payer_type, percent_fr

ZERO = Decimal("0.00")
MONTH_FOLDER = re.compile(r"\d{4}-\d{2}")
LEVELS = {"relance1": "1re relance", "relance2": "2e relance", "mise_en_demeure": "Mise en demeure"}


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding=CSV_ENCODING, newline="") as f:  # the month's CSV files, with their byte order mark
        return list(csv.DictReader(f, delimiter=";"))


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ".")) if text else ZERO


def _percent(rate: str) -> str:
    """'0,9545' -> '95,5 %' (half up); '' -> '–'."""
    if not rate:
        return "–"
    value = (_money(rate) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value} %".replace(".", ",")


def _dso_days(value: Decimal) -> str:
    """A DSO as dso.csv writes it, with its one decimal, in French: Decimal('31.0') -> '31,0'."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.0", locale="fr_FR")


def write_occupancy(con: duckdb.DuckDBPyConnection, sorties: Path, month: str) -> Path:
    """rapports/occupation.csv: per establishment, places, billed days, occupancy (billed days ÷ (places ×
    days in the month)) and presence rate (days present ÷ days of activity)."""
    target = sorties / month / "rapports" / "occupation.csv"
    write_csv(
        target,
        ["code_etablissement", "nom", "places", "jours_factures", "taux_occupation", "jours_presents", "jours_activite",
         "taux_presence"],
        run_sql(con, "reporting/occupancy.sql", {"month": month}),
    )  # fmt: skip
    return target


def _column_total(path: Path, column: str) -> Decimal | None:
    """The sum of an amount column of one of our CSV files (decimal comma), exact; None when the file is not
    there. Polars reads the column alone: the register and the matches of a large month have thousands of
    rows, and the report reads twelve months of them."""
    if not path.exists():
        return None
    frame = pl.read_csv(path, separator=";", infer_schema=False, columns=[column])
    total = frame.select(pl.col(column).str.replace(",", ".", literal=True).cast(pl.Decimal(18, 2)).sum()).item()
    return Decimal(total or 0).quantize(ZERO)


def _rows_where(path: Path, column: str, value: str) -> list[dict]:
    """The rows of one of our CSV files whose `column` is `value` (an empty cell reads as None)."""
    if not path.exists():
        return []
    return pl.read_csv(path, separator=";", infer_schema=False).filter(pl.col(column) == value).to_dicts()


def _register_totals(path: Path, end: dt.date) -> tuple[Decimal, Decimal] | None:
    """factures/registre.csv's net total (credit notes are negative) and that of its documents dated after `end`,
    exact; None when the file is not there. One read of two columns."""
    if not path.exists():
        return None
    frame = pl.read_csv(path, separator=";", infer_schema=False, columns=["date_emission", "montant"])
    amount = pl.col("montant").str.replace(",", ".", literal=True).cast(pl.Decimal(18, 2))
    after = pl.col("date_emission") > end.isoformat()
    net, later = frame.select(amount.sum().alias("net"), amount.filter(after).sum().alias("later")).row(0)
    return Decimal(net or 0).quantize(ZERO), Decimal(later or 0).quantize(ZERO)


def headline(sorties: Path, month: str) -> dict[str, Decimal | None]:
    """The month's headline figures, each read from its file (None when the file is not there).

    `creances` is the aged balance at the month's last day; the month's closes issue its invoices after that
    day, so `creances_cloture` adds what they issued dated after it (the register's net total): what is owed
    once the close is done."""
    folder = sorties / month
    aged = _rows_where(folder / "recouvrement" / "balance_agee.csv", "code_financeur", "TOTAL")
    dso = [r for r in _rows(folder / "recouvrement" / "dso.csv") if r["mois"] == month and r["perimetre"] == "total"]
    register = _register_totals(folder / "factures" / "registre.csv", month_end(month))
    creances = _money(aged[0]["total"]) if aged else None
    return {
        "facture": register[0] if register else None,
        "encaisse": _column_total(folder / "lettrage" / "rapprochements.csv", "montant_affecte"),
        "creances": creances,
        "en_retard": _money(aged[0]["total"]) - _money(aged[0]["non_echu"]) if aged else None,
        "creances_cloture": creances + register[1] if creances is not None and register else None,
        "dso": _money(dso[0]["dso_jours"]) if dso and dso[0]["dso_jours"] else None,
    }


def first_month(sorties: Path, month: str) -> str:
    """The association's first closed month up to `month`: the earliest month folder with a register of
    invoices or reports (the charts' series start there rather than with empty months)."""
    closed = [
        p.name
        for p in sorties.iterdir()
        if MONTH_FOLDER.fullmatch(p.name) and ((p / "factures" / "registre.csv").exists() or (p / "rapports").is_dir())
    ] if sorties.is_dir() else []  # fmt: skip
    return min([*closed, month])


def _chart(title: str, source: str, empty: str, html: str | None = None) -> dict[str, str | None]:
    """One chart of the page: its title, the file its figures come from, and its Plotly HTML, or when it has
    nothing to draw, the sentence that says so."""
    return {"title": title, "source": source, "empty": empty, "html": html}


def _billed_chart(by_etab: dict[str, dict[str, Decimal]], types: list[str]) -> dict[str, str | None]:
    import plotly.graph_objects as go

    chart = _chart(
        "Facturé par établissement et type de financeur",
        "factures/registre.csv",
        "Aucune facture émise à cette clôture.",
    )
    etabs = sorted(by_etab)
    if not has_data(by_etab[e].get(t) for e in etabs for t in types):
        return chart
    bars = [
        go.Bar(name=payer_type(t), x=etabs, y=[float(by_etab[e].get(t, ZERO)) for e in etabs],
               **hover([euro(by_etab[e].get(t, ZERO)) for e in etabs]))
        for t in types
    ]  # fmt: skip
    stacks = [sum((v for v in by_etab[e].values() if v > 0), ZERO) for e in etabs]
    stacks += [sum((v for v in by_etab[e].values() if v < 0), ZERO) for e in etabs]
    return {**chart, "html": chart_html(go.Figure(bars, layout={"barmode": "relative"}), axis(stacks, money_ticks))}


def _occupancy_chart(months: list[str], occupancy: dict[str, list[dict]]) -> dict[str, str | None]:
    import plotly.graph_objects as go

    chart = _chart(
        "Taux d'occupation par mois (journées facturées ÷ places × jours)",
        "rapports/occupation.csv de chaque mois",
        "Aucun taux d'occupation sur la période.",
    )
    etabs = sorted({r["code_etablissement"] for rows in occupancy.values() for r in rows})
    rates = {e: [_rate(occupancy[m], e) for m in months] for e in etabs}
    rates = {e: texts for e, texts in rates.items() if any(texts)}
    if not rates:
        return chart
    labels = [month_fr(m) for m in months]
    lines = [
        go.Scatter(name=e, x=labels, y=[float(_money(t)) if t else None for t in texts], mode="lines+markers",
                   **hover([_percent(t) if t else None for t in texts]))
        for e, texts in rates.items()
    ]  # fmt: skip
    values = [_money(t) for texts in rates.values() for t in texts if t]
    return {**chart, "html": chart_html(go.Figure(lines), axis(values, percent_ticks, zero=False, pad=0.03))}


def _rate(rows: list[dict], etab: str) -> str:
    """An establishment's occupancy rate in a month's rapports/occupation.csv, as written ('' when none)."""
    return next((r["taux_occupation"] for r in rows if r["code_etablissement"] == etab and r["taux_occupation"]), "")


def _receivables_chart(months: list[str], heads: dict[str, dict[str, Decimal | None]]) -> dict[str, str | None]:
    import plotly.graph_objects as go

    chart = _chart(
        "Créances à la fin de chaque mois et à sa clôture",
        "recouvrement/balance_agee.csv (ligne TOTAL) et factures/registre.csv de chaque mois",
        "Aucune créance sur la période.",
    )
    labels = [month_fr(m) for m in months]
    series = {key: [heads[m][key] for m in months] for key in ("creances", "en_retard", "creances_cloture")}
    if not has_data(v for values in series.values() for v in values):
        return chart

    def values(key: str, name: str) -> dict:
        amounts = series[key]
        return {
            "name": name, "x": labels, "y": [None if v is None else float(v) for v in amounts],
            **hover([None if v is None else euro(v) for v in amounts]),
        }  # fmt: skip

    traces = [
        go.Bar(**values("creances", "Créances à la fin du mois")),
        go.Bar(**values("en_retard", "dont échues")),
        go.Scatter(**values("creances_cloture", "Créances à la clôture"), mode="markers", marker={"size": 10}),
    ]
    yaxis = axis([v for values in series.values() for v in values], money_ticks, pad=0.03)
    return {**chart, "html": chart_html(go.Figure(traces), yaxis)}


def _dso_chart(months: list[str], heads: dict[str, dict[str, Decimal | None]]) -> dict[str, str | None]:
    import plotly.graph_objects as go

    chart = _chart(
        "DSO, méthode countback (jours)",
        "recouvrement/dso.csv de chaque mois",
        "Aucun DSO calculé sur la période.",
    )
    days = [heads[m]["dso"] for m in months]
    if not has_data(days):
        return chart
    line = go.Scatter(
        name="DSO", x=[month_fr(m) for m in months], y=[None if d is None else float(d) for d in days],
        mode="lines+markers", **hover([None if d is None else f"{_dso_days(d)}\u00a0j" for d in days]),
    )  # fmt: skip
    return {**chart, "html": chart_html(go.Figure([line]), axis(days, number_ticks, pad=0.03))}


def director_context(con: duckdb.DuckDBPyConnection, sorties: Path, month: str) -> dict:
    folder = sorties / month
    start = first_month(sorties, month)
    months = [m for m in (add_months(month, -k) for k in range(11, -1, -1)) if m >= start]
    heads = {m: headline(sorties, m) for m in {*months, add_months(month, -1), add_months(month, -12)}}
    now, before, last_year = heads[month], heads[add_months(month, -1)], heads[add_months(month, -12)]
    cards = []
    for key, label, unit, note in (
        ("facture", "Facturé à la clôture", "€", ""),
        ("encaisse", "Encaissements affectés", "€", ""),
        ("dso", "DSO (jours)", "j", ""),
        ("creances", "Créances à la fin du mois", "€", ""),
        ("en_retard", "dont échues", "€", ""),
        ("creances_cloture", "Créances à la clôture", "€", "émissions de la clôture comprises"),
    ):
        cards.append(
            {"key": key, "label": label, "unit": unit, "note": note, "value": now[key], "month": before[key],
             "year": last_year[key]}
        )  # fmt: skip
    types = dict(run_sql(con, "receivables/payer_types.sql"))
    registre = _rows(folder / "factures" / "registre.csv")
    by_etab: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in registre:
        by_etab[r["code_etablissement"]][types.get(r["code_financeur"], "autre")] += _money(r["montant"])
    payer_types = sorted({t for v in by_etab.values() for t in v})
    occupancy = {m: _rows(sorties / m / "rapports" / "occupation.csv") for m in months}
    aged = _rows(folder / "recouvrement" / "balance_agee.csv")
    total = next((r for r in aged if r["code_financeur"] == "TOTAL"), None)
    late = sorted(
        (r for r in aged if r["code_financeur"] != "TOTAL"),
        key=lambda r: _money(r["total"]) - _money(r["non_echu"]),
        reverse=True,
    )
    top = [
        {"code": r["code_financeur"], "name": r["nom"], "over90": _money(r["plus_90"]),
         "late": _money(r["total"]) - _money(r["non_echu"])}
        for r in late[:10]
        if _money(r["total"]) - _money(r["non_echu"]) > 0
    ]  # fmt: skip
    reminders = _rows(folder / "recouvrement" / "relances.csv")
    pipeline = [
        {"level": label, "count": sum(1 for r in reminders if r["niveau"] == code),
         "amount": sum((_money(r["montant"]) for r in reminders if r["niveau"] == code), ZERO)}
        for code, label in LEVELS.items()
    ]  # fmt: skip
    contentieux = _rows(folder / "recouvrement" / "contentieux.csv")
    pending = _rows(folder / "recouvrement" / "dossiers_en_instruction.csv")
    adjustments = [r for r in registre if r["nature"] in ("complementaire", "avoir")]
    controls = _rows(folder / "controles" / "controles.csv")
    checklist = _rows(folder / "prefacturation" / "etablissements.csv")
    debits = _rows(folder / "tresorerie" / "prelevements.csv")
    refunds = _rows(folder / "tresorerie" / "remboursements.csv")
    write_offs = _rows(folder / "tresorerie" / "non_valeurs.csv")
    return {
        "treasury": {
            "debits": (len(debits), sum((_money(r["montant"]) for r in debits), ZERO)),
            "refunds": refunds,
            "refunded": sum((_money(r["montant"]) for r in refunds), ZERO),
            "write_offs": write_offs,
            "written_off": sum((_money(r["montant"]) for r in write_offs), ZERO),
        },
        "held": [(r["code_etablissement"], r["etat"]) for r in checklist if held_state(r["etat"])],
        "month": month,
        "cards": cards,
        "charts": [
            _billed_chart(by_etab, payer_types),
            _occupancy_chart(months, occupancy),
            _receivables_chart(months, heads),
            _dso_chart(months, heads),
        ],
        "occupancy": [
            {
                "code": r["code_etablissement"],
                "name": r["nom"],
                "places": int(r["places"]) if r["places"] else None,
                "billed": int(r["jours_factures"]) if r["jours_factures"] else None,
                "occupancy": _percent(r["taux_occupation"]),
                "presence": _percent(r["taux_presence"]),
            }
            for r in occupancy[month]
        ],  # fmt: skip
        "by_etab": [(e, dict(by_etab[e]), sum(by_etab[e].values(), ZERO)) for e in sorted(by_etab)],
        "payer_types": payer_types,
        "billed_total": sum((_money(r["montant"]) for r in registre), ZERO),
        "aged_total": {k: _money(v) for k, v in total.items() if k not in ("code_financeur", "nom")} if total else None,
        "top": top,
        "pipeline": pipeline,
        "calls": len(_rows(folder / "recouvrement" / "appels_a_passer.csv")),
        "contentieux": [r for r in contentieux if r["motif"] == "contentieux"],
        "disputes": [r for r in contentieux if r["motif"] == "litige"],
        "contentieux_amount": sum((_money(r["montant_du"]) for r in contentieux if r["motif"] == "contentieux"), ZERO),
        "pending_count": len(pending),
        "pending_amount": sum((_money(r["montant_retenu"]) for r in pending), ZERO),
        "pending_old": sum(1 for r in pending if r["alerte_90_jours"] == "oui"),
        "adjustments": {
            "complementaire": (
                sum(1 for r in adjustments if r["nature"] == "complementaire"),
                sum((_money(r["montant"]) for r in adjustments if r["nature"] == "complementaire"), ZERO),
            ),
            "avoir": (
                sum(1 for r in adjustments if r["nature"] == "avoir"),
                sum((_money(r["montant"]) for r in adjustments if r["nature"] == "avoir"), ZERO),
            ),
        },  # fmt: skip
        "controls": {
            "errors": sum(1 for r in controls if r["statut"] == "echec" and r["severite"] == "erreur"),
            "warnings": [r["controle"] for r in controls if r["statut"] == "echec" and r["severite"] != "erreur"],
            "total": len(controls),
        },
        "generated": dt.date.today(),
    }


def write_director_report(
    con: duckdb.DuckDBPyConnection, sorties: Path, month: str, activity: dict
) -> tuple[Path, int]:
    """Write rapports/occupation.csv then rapports/direction.html (with `activity`, the activity against
    forecast of assets/reporting/activity_reports.py); returns the page and its size."""
    import plotly.offline

    write_occupancy(con, sorties, month)
    env = environment()
    env.filters.update(fr=french_amount, days=days_fr, percent=percent_fr)
    env.filters.update(fr_csv=lambda text: french_amount(_money(text)), dso=_dso_days)  # fr_csv: a CSV file's amount
    html = env.get_template("direction.html").render(
        **director_context(con, sorties, month), activity=activity, link="", plotlyjs=plotly.offline.get_plotlyjs()
    )
    target = sorties / month / "rapports" / "direction.html"
    data = html.encode("utf-8")
    write_bytes(target, data)
    return target, len(data)
