"""The group's view (docs/operations.md "Several associations"): a federation's associations, each a data folder
of its own, side by side for a month: billed, received, receivables and DSO at the month's end, activity
against forecast, the amounts held for pending funding files; per association and in total, as
`groupe/AAAA-MM/groupe.csv` and one self-contained page `groupe.html`.

Each association's warehouse is attached read-only (DuckDB `ATTACH … (READ_ONLY)`), never written: its figures
are those its own closes recorded. A warehouse a close is writing cannot be attached (DuckDB's one writer per
file): the association is listed as unavailable, with why, and left out of the total, which says so.

The group is described by `groupe.yaml`:

    associations:
      - {code: asso66, home: /srv/recettes/asso66}
      - {code: asso11, home: /srv/recettes/asso11}
    sorties: /srv/recettes/groupe      # optional: default `groupe/` beside groupe.yaml
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

from assets.billing.forecast import activity
from assets.common.outputs import french_amount, write_bytes, write_csv
from assets.common.settings_file import SettingsError, load_settings
from assets.common.warehouse import run_sql
from reports.render import days_fr, environment, percent_fr

ZERO = Decimal("0.00")
CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
HEADER = [
    "code_association", "nom", "etat", "facture", "encaisse", "creances_fin_de_mois", "dso_jours", "journees_cumul",
    "previsions_cumul", "ecart_journees", "ecart_euros", "montant_retenu",
]  # fmt: skip


class GroupError(ValueError):
    """groupe.yaml cannot be used: the message names the file and what is wrong."""


@dataclass(frozen=True)
class Member:
    code: str
    home: Path


@dataclass(frozen=True)
class Group:
    path: Path  # groupe.yaml
    members: list[Member]
    sorties: Path


def read_group(path: Path) -> Group:
    """groupe.yaml: at least one association, each a unique code (lower case, as RECETTES_ASSOCIATION) and an
    existing data folder."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GroupError(f"{path} : illisible ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("associations"), list) or not data["associations"]:
        raise GroupError(f"{path} : clé « associations » attendue, une liste d'au moins une association")
    members: list[Member] = []
    for i, item in enumerate(data["associations"], 1):
        if not isinstance(item, dict) or set(item) != {"code", "home"}:
            raise GroupError(f"{path} : association n° {i} : clés « code » et « home » attendues")
        code, home = str(item["code"]), (path.parent / str(item["home"])).resolve()
        if not CODE.fullmatch(code):
            raise GroupError(f"{path} : association n° {i} : code {code!r} en minuscules, chiffres et « _ »")
        if any(m.code == code for m in members):
            raise GroupError(f"{path} : association n° {i} : code {code} déjà donné")
        if not (home / "parametrage.yaml").is_file():
            raise GroupError(f"{path} : association {code} : {home}/parametrage.yaml introuvable")
        members.append(Member(code, home))
    unknown = set(data) - {"associations", "sorties"}
    if unknown:
        raise GroupError(f"{path} : clé(s) inconnue(s) : {', '.join(sorted(map(str, unknown)))}")
    sorties = (path.parent / str(data.get("sorties") or "groupe")).resolve()
    return Group(path.resolve(), members, sorties)


@dataclass(frozen=True)
class Figures:
    code: str
    name: str
    state: str  # clôturé, non clôturé, indisponible : …
    billed: Decimal = ZERO
    received: Decimal = ZERO
    receivables: Decimal | None = None
    dso: Decimal | None = None
    year_days: int = 0
    forecast_to_date: Decimal | None = None
    gap_days: Decimal | None = None
    gap_euros: Decimal | None = None
    held: Decimal = ZERO

    @property
    def counted(self) -> bool:
        return self.state == "clôturé"


def association_figures(member: Member, month: str) -> Figures:
    """One association's figures for `month`, from its warehouse attached read-only."""
    try:
        name = load_settings(member.home / "parametrage.yaml").association.nom
    except SettingsError as exc:
        return Figures(member.code, "", f"indisponible : {exc}")
    path = member.home / "entrepot.duckdb"
    if not path.exists():
        return Figures(member.code, name, "indisponible : aucun entrepôt (aucun mois clôturé)")
    con = duckdb.connect()
    try:
        try:
            con.execute(f"ATTACH '{_quoted(path)}' AS association (READ_ONLY)")
        except duckdb.Error as exc:  # a close is writing it: DuckDB's lock
            why = "clôture en cours, relancez le rapport" if "lock" in str(exc).lower() else str(exc).splitlines()[0]
            return Figures(member.code, name, f"indisponible : {why}")
        con.execute("USE association")
        ((billed, received, receivables, dso, held, closed),) = run_sql(con, "reporting/group_figures.sql",
                                                                          {"month": month})  # fmt: skip
        if not closed:
            return Figures(member.code, name, "non clôturé")
        rows = [r for r in activity(con, month) if r.forecast is not None]
        return Figures(
            member.code, name, "clôturé", billed, received, receivables, dso,
            sum(r.year_days for r in rows),
            sum((r.forecast_to_date or ZERO for r in rows), ZERO) if rows else None,
            sum((r.gap_days or ZERO for r in rows), ZERO) if rows else None,
            sum((r.gap_euros or ZERO for r in rows), ZERO) if rows else None,
            held,
        )  # fmt: skip
    finally:
        con.close()


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def total(figures: list[Figures]) -> Figures:
    """The associations whose month is closed, added up (DSO is not additive: none)."""
    kept = [f for f in figures if f.counted]

    def add(values: list[Decimal | None]) -> Decimal | None:
        known = [v for v in values if v is not None]
        return sum(known, ZERO) if known else None

    return Figures(
        "TOTAL", f"{len(kept)} association(s) sur {len(figures)}", "",
        sum((f.billed for f in kept), ZERO), sum((f.received for f in kept), ZERO),
        add([f.receivables for f in kept]), None, sum(f.year_days for f in kept),
        add([f.forecast_to_date for f in kept]), add([f.gap_days for f in kept]), add([f.gap_euros for f in kept]),
        sum((f.held for f in kept), ZERO),
    )  # fmt: skip


def _tenth(value: Decimal) -> str:
    """A DSO as its close computed it, to the tenth of a day: Decimal('41.2') -> '41,2'."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.0", locale="fr_FR")


def write_group_report(group: Group, month: str) -> tuple[Path, list[Figures]]:
    """groupe/AAAA-MM/groupe.csv and groupe.html; returns the page and every association's figures."""
    figures = [association_figures(m, month) for m in group.members]
    folder = group.sorties / month
    sums = total(figures)
    write_csv(
        folder / "groupe.csv",
        HEADER,
        [
            [f.code, f.name, f.state, f.billed, f.received, f.receivables, f.dso, f.year_days, f.forecast_to_date,
             f.gap_days, f.gap_euros, f.held]
            for f in [*figures, sums]
        ],
    )  # fmt: skip
    env = environment()
    env.filters.update(fr=french_amount, days=days_fr, percent=percent_fr, dso=_tenth)
    html = env.get_template("groupe.html").render(month=month, figures=figures, total=sums)
    target = folder / "groupe.html"
    write_bytes(target, html.encode("utf-8"))
    return target, figures
