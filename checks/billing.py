"""Controls of the billing stage (docs/rules.md "Controls and reconciliations"): days without a rate (B3), activity vs
valuation, the issue date, the public payers' SIRETs, the business rules of the Factur-X XML of the documents about
to be issued and the mass credit notes, valuation vs documents ("réciprocité activité / facturation"), numbering,
document totals, the Factur-X files. All error-level: the first six block issuing, the others block the month's
files. Two warnings: the establishments the émission held, and those running under their activity forecast."""

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.billing.assets import invoice_documents, issue_date_confirmed, issued_documents, tagged_date, valued_days
from assets.billing.forecast import activity, under_activity
from assets.billing.issuing import Draft, unusual_issue_date
from assets.billing.validation import drafting_date, waiting_confirmed, waiting_issue_date
from assets.billing.valuation import open_months
from assets.common.controls import ERROR, WARNING, ControlOutcome, holding
from assets.common.months import month_end
from assets.common.partitions import month_of
from assets.common.resources import POOL, HomeResource, WarehouseResource, timestamp
from assets.common.settings import Settings
from assets.common.warehouse import insert_frame, query_frame, run_sql, sql
from checks.closing import control_mass_credits
from checks.wiring import asset_check, check_result, check_spec, examples, run_controls

BILLING = "facturation"


def _outcome(name: str, frame: pl.DataFrame, ok: str, failed: str, value: int | None = None) -> ControlOutcome:
    count = frame.height if value is None else value
    return ControlOutcome(
        name, BILLING, ERROR, frame.is_empty(), count, failed.format(n=count) if count else ok, examples(frame)
    )


def control_days_without_rate(con: duckdb.DuckDBPyConnection, first_month: str, last_month: str) -> ControlOutcome:
    frame = query_frame(
        con, "checks/billing/days_without_rate.sql", {"first_month": first_month, "last_month": last_month}
    )
    outcome = _outcome(
        "jours_sans_tarif",
        frame,
        "chaque journée facturable a un tarif",
        "{n} journée(s) facturable(s) sans tarif : l'émission est bloquée",
    )
    return holding(outcome, set(frame["establishment_code"].to_list()))


def control_activity_vs_valuation(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    frame = query_frame(con, "checks/billing/activity_vs_valuation.sql", {"month": month})
    outcome = _outcome(
        "activite_valorisation",
        frame,
        "chaque journée d'activité est facturée, en attente ou non facturée avec un motif",
        "{n} établissement(s) où activité et valorisation ne concordent pas",
    )
    return holding(outcome, set(frame["establishment_code"].to_list()))


def control_valuation_vs_documents(
    con: duckdb.DuckDBPyConnection, month: str, first_month: str, last_month: str
) -> ControlOutcome:
    per_resident = query_frame(
        con, "checks/billing/valuation_vs_documents.sql", {"first_month": first_month, "last_month": last_month}
    )
    per_etab = query_frame(con, "checks/billing/billed_days_vs_documents.sql", {"month": month})
    count = per_resident.height + per_etab.height
    outcome = ControlOutcome(
        "valorisation_facturation",
        BILLING,
        ERROR,
        count == 0,
        count,
        "dû et émis concordent (journées et montants, par financeur, établissement, usager et mois)"
        if count == 0
        else f"{per_resident.height} écart(s) dû/émis par usager, {per_etab.height} écart(s) de journées "
        "facturées par établissement",
        examples(per_resident) + examples(per_etab),
    )
    return outcome


def control_numbering(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    frame = query_frame(con, "checks/billing/numbering.sql")
    return _outcome(
        "numerotation_continue", frame, "numérotation continue et chronologique", "{n} rupture(s) de numérotation"
    )


def control_document_totals(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    frame = query_frame(con, "checks/billing/document_totals.sql")
    return _outcome(
        "totaux_documents",
        frame,
        "chaque total de document est la somme de ses lignes",
        "{n} document(s) au total incohérent",
    )


def drafted_close(
    con: duckdb.DuckDBPyConnection, settings: Settings, month: str, when: dt.date, now: dt.datetime
) -> Draft | str:
    """What the close of `month` on `when` would issue (`issuing.draft`, read-only), or the issuing's own
    refusal of that date (its message)."""
    from assets.billing.issuing import IssueDateError, draft

    try:
        return draft(con, settings, month, when, now)
    except IssueDateError as exc:
        return str(exc)


# the payers that take Factur-X whatever they are given: without a SIRET they would get plain PDFs that the
# public invoicing portal does not take (`facturx_xml.is_public` needs the SIRET)
FACTURX_PAYER_TYPES = ("departement", "assurance_maladie")


def control_public_payer_siret(con: duckdb.DuckDBPyConnection, documents: list[dict]) -> ControlOutcome:
    """Before issuing: every département and assurance maladie the close would issue `documents` to has a
    usable SIRET (Factur-X identifies the buyer by it); one absent, or set aside as unreadable from
    financeurs.csv, is named with the file's line and reason, and blocks issuing. Rows: code_financeur;
    documents; siret."""
    missing: dict[str, int] = {}
    for doc in documents:
        if doc["payer_type"] in FACTURX_PAYER_TYPES and not (doc["payer_siret"] or "").strip():
            missing[doc["payer_code"]] = missing.get(doc["payer_code"], 0) + 1
    rows = []
    for code, line, path, reason in run_sql(con, "checks/billing/payer_siret_set_aside.sql", {"codes": list(missing)}):
        said = f"écarté ({reason}), {path} ligne {line}" if reason else f"absent, referentiel/financeurs ligne {line}"
        rows.append({"code_financeur": code, "documents": missing[code], "siret": said})
    detail = (
        f"{len(rows)} financeur(s) public(s) sans SIRET utilisable, à qui la clôture émettrait "
        f"{sum(missing.values())} document(s) sans Factur-X : "
        + " ; ".join(f"{r['code_financeur']} : SIRET {r['siret']}" for r in rows[:5])
        + " — l'émission est bloquée jusqu'à la correction de financeurs"
        if rows
        else "chaque département et assurance maladie à facturer a un SIRET"
    )
    return ControlOutcome("financeurs_publics_siret", BILLING, ERROR, not rows, len(rows), detail, rows[:5])


PASSED_SCHEMA = pl.Schema(
    {
        "sha256": pl.String(),
        "rules": pl.String(),
        "number": pl.String(),
        "month": pl.String(),
        "warnings": pl.List(pl.String()),
        "recorded_at": pl.Datetime("us"),
    }
)


def control_facturx_rules(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    month: str,
    when: dt.date,
    now: dt.datetime,
    drafted: Draft | str | None = None,
) -> ControlOutcome:
    """Before issuing: the Factur-X XML of every document a close of `month` on `when` would issue to a public
    payer (`issuing.draft`, read-only, numbered as it would be) passes the XSD and the EN 16931, Factur-X and
    French rules that apply (`schematron`); a fatal failure fails the control and holds the establishments of
    the documents concerned.
    Rows: numero; regle; texte (identifiers only: the texts of the rules name no resident)."""
    from assets.billing.facturx_xml import facturx_data, facturx_xml, is_public, original_numbers
    from assets.billing.schematron import (
        NOT_APPLICABLE,
        WARNING,
        digest,
        distinct,
        rules_version,
        start_validating,
        validate_all,
    )

    drafted = drafted_close(con, settings, month, when, now) if drafted is None else drafted
    if isinstance(drafted, str):  # the issuing refuses this date itself, with this message
        return ControlOutcome("facturx_regles", BILLING, ERROR, True, 0, f"non évalué : {drafted}")
    public = [d for d in drafted.documents if is_public(d["payer_type"], d["payer_siret"])]
    start_validating(len(public))  # the workers start and compile the rules while the XML is built
    lines: dict[str, list[dict]] = {}
    for line in drafted.lines:
        lines.setdefault(line["number"], []).append(line)
    named = sorted({n for d in public for n in original_numbers(d)})
    dates = dict(run_sql(con, "checks/billing/invoice_issue_dates.sql", {"numbers": named})) if named else {}
    association = settings.association.model_dump()
    rows: list[dict] = []
    warnings: set[str] = set()
    built: dict[str, bytes] = {}
    refused: dict[str, str] = {}  # an XML the schema refuses, or the rules cannot read, blocks as a fatal rule
    for doc in public:
        try:
            built[doc["number"]] = facturx_xml(
                facturx_data(doc, lines.get(doc["number"], []), association, settings.mention_tva, dates)
            )
        except Exception as exc:
            refused[doc["number"]] = _schema_error(exc)
    # the same bytes under the same rules passed already (a préparation on the same issue date, a close run again):
    # their verdict and warnings are recorded; the others are checked, on the rendering workers
    version, digests = rules_version(), {number: digest(xml) for number, xml in built.items()}
    known = dict(
        run_sql(con, "checks/billing/facturx_rules_passed.sql", {"rules": version, "digests": list(digests.values())})
    )
    todo = [number for number in built if digests[number] not in known]
    checked = dict(zip(todo, validate_all([built[n] for n in todo]), strict=True))
    passed: list[dict] = []
    for doc in public:
        number = doc["number"]
        if number in built and number not in checked:
            warnings.update(known[digests[number]])
            continue
        failures = checked.get(number, [])
        if isinstance(failures, str):
            refused[number], failures = _schema_error(ValueError(failures)), []
        if number in refused:
            rows.append({"numero": number, "regle": "XSD", "texte": refused[number]})
            continue
        named_rules: set[str] = set()  # a rule of EN 16931 is in the Factur-X rule set too: one row
        warned: set[str] = set()
        for failure in distinct(failures):
            if failure.blocking and failure.rule not in named_rules:
                named_rules.add(failure.rule)
                rows.append({"numero": number, "regle": failure.rule, "texte": failure.text[:300]})
            elif failure.applies and failure.flag == WARNING:
                warned.add(failure.rule)
        warnings |= warned
        if not named_rules:
            passed.append(
                {"sha256": digests[number], "rules": version, "number": number, "month": month}
                | {"warnings": sorted(warned), "recorded_at": now}
            )
    if passed:
        insert_frame(con, "facturx_rules_passed", pl.DataFrame(passed, schema=PASSED_SCHEMA))
    # a passing detail says the same whatever is left to issue: a close run again after an interruption, which
    # issued already, writes the controls of an uninterrupted close (the rules set aside are those that never
    # apply, whichever documents show them)
    notes = f" ; avertissement(s) : {', '.join(sorted(warnings))}" if warnings else ""
    notes += " ; règles françaises non applicables écartées : " + ", ".join(
        sorted({rule.split("_")[0] for rule in NOT_APPLICABLE})
    )
    if rows:
        first = rows[0]
        detail = (
            f"{len({r['numero'] for r in rows})} document(s) Factur-X à émettre enfreignent une règle bloquante, "
            f"l'émission est bloquée : {first['numero']} : {first['regle']} : {first['texte']}{notes}"
        )
    else:
        detail = "documents Factur-X à émettre conformes aux règles EN 16931, Factur-X et françaises applicables"
        detail += notes
    outcome = ControlOutcome("facturx_regles", BILLING, ERROR, not rows, len(rows), detail, rows[:5])
    establishments = {d["number"]: d["establishment_code"] for d in public}
    return holding(outcome, {establishments[r["numero"]] for r in rows})  # the others' documents are sound


def _schema_error(exc: Exception) -> str:
    """The XSD's refusal without the value it quotes (a line's label holds a resident's name): the element
    and the line."""
    element = re.search(r"Element '(?:\{[^}]*\})?([\w:]+)'", str(exc))
    line = re.search(r"line (\d+)", str(exc))
    where = f" : élément {element.group(1)}" if element else ""
    return f"XML refusé par le schéma Factur-X EN 16931{where}{f', ligne {line.group(1)}' if line else ''}"


def control_issue_date(
    month: str, when: dt.date | None, confirmed: bool, drafted: Draft | str, issued_before: bool = False
) -> ControlOutcome:
    """Before issuing: the issue date (the run's, or the validation's) suits the month
    (`issuing.unusual_issue_date`) or is confirmed (`--confirmer`, tag `recettes/confirmer_date`, or at the
    validation); and it is not earlier than the last document of its series, which no confirmation lifts (the
    numbering stays chronological). A préparation has no issue date yet: it is given at the validation."""
    if isinstance(drafted, str):
        return ControlOutcome("date_emission", BILLING, ERROR, False, 1, drafted)
    if when is None:
        return ControlOutcome(
            "date_emission", BILLING, ERROR, True, 0, "pas encore de date d'émission : elle est donnée à la validation"
        )
    said = f"date d'émission {when:%d/%m/%Y}"
    unusual = unusual_issue_date(month, when)
    if unusual is None:
        return ControlOutcome("date_emission", BILLING, ERROR, True, 0, said)
    if issued_before and when > month_end(month):  # its adjustments: the 60 days concern the first émission
        return ControlOutcome("date_emission", BILLING, ERROR, True, 0, f"{said} : mois déjà émis, régularisations")
    if confirmed:
        return ControlOutcome("date_emission", BILLING, ERROR, True, 0, f"{unusual} : confirmée")
    return ControlOutcome(
        "date_emission",
        BILLING,
        ERROR,
        False,
        1,
        f"{unusual} : rien n'est émis ; donnez la date voulue (étiquette recettes/date_emission, "
        f"--date-emission) ou confirmez celle-ci (étiquette recettes/confirmer_date = oui, --confirmer)",
    )


VALUATION_CHECKS = (
    "jours_sans_tarif",
    "activite_valorisation",
    "date_emission",
    "financeurs_publics_siret",
    "facturx_regles",
    "avoirs_massifs",
)
DOCUMENT_CHECKS = ("valorisation_facturation", "numerotation_continue", "totaux_documents")


def _draft_controls(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    month: str,
    date: dt.date | None,
    when: dt.date,
    confirmed: bool,
    now: dt.datetime,
) -> list[ControlOutcome]:
    """The controls of what the close would issue, on one draft of it dated `when`: the issue date given
    (`date`, None before any validation), the payers' SIRETs, the Factur-X rules, the mass credit notes."""
    drafted = drafted_close(con, settings, month, when, now)
    if isinstance(drafted, str):  # the issuing refuses this date itself, with this message
        siret = ControlOutcome("financeurs_publics_siret", BILLING, ERROR, True, 0, f"non évalué : {drafted}")
    else:
        siret = control_public_payer_siret(con, drafted.documents)
    return [
        control_issue_date(
            month, date, confirmed, drafted, bool(run_sql(con, "billing/month_issued.sql", {"month": month})[0][0])
        ),
        siret,
        control_facturx_rules(con, settings, month, when, now, drafted),
        control_mass_credits(con, settings, month, drafted),
    ]


@dg.multi_asset_check(
    specs=[check_spec(name, valued_days, blocking=True) for name in VALUATION_CHECKS],
    pool=POOL,
)
def valuation_controls(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """Before issuing: every billable day has a rate (B3), every activity day of the month is valued once,
    billed, held or not billed with a reason, the issue date suits the month or is confirmed, every département
    and assurance maladie to bill has a SIRET, the Factur-X XML of each document the close would issue to a
    public payer breaks no fatal business rule (issued on the run's issue date), and no payer would receive mass
    credit notes (docs/rules.md "Validation before issuing")."""
    month = month_of(context.partition_key)
    settings = home.settings()
    first_month, last_month = open_months(month, settings)
    given, now = tagged_date(context), timestamp()

    def controls(con: duckdb.DuckDBPyConnection) -> list[ControlOutcome]:
        # the issue date: the run's (`recettes run`), else the one of the validations waiting to be issued;
        # a préparation has none yet, and its draft is dated as late as the series allow
        date = given or waiting_issue_date(con, month)
        confirmed = issue_date_confirmed(context) or waiting_confirmed(con, month)
        return [
            control_days_without_rate(con, first_month, last_month),
            control_activity_vs_valuation(con, month),
            *_draft_controls(con, settings, month, date, drafting_date(con, month, date), confirmed, now),
        ]

    outcomes = run_controls(home, warehouse, month, controls)
    for outcome in outcomes:
        yield check_result(outcome, context)


@dg.multi_asset_check(
    specs=[check_spec(name, issued_documents, blocking=True) for name in DOCUMENT_CHECKS],
    pool=POOL,
)
def document_controls(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """After issuing: what is due equals what was issued, numbers run without gap in date order, and each
    document's total is the sum of its lines."""
    month = month_of(context.partition_key)
    first_month, last_month = open_months(month, home.settings())
    outcomes = run_controls(
        home,
        warehouse,
        month,
        lambda con: [
            control_valuation_vs_documents(con, month, first_month, last_month),
            control_numbering(con),
            control_document_totals(con),
        ],
    )
    for outcome in outcomes:
        yield check_result(outcome, context)


def control_held_establishments(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    """After the émission: the establishments left unissued, with why (held by a control, not validated, changed
    since their validation), from the month's checklist. A warning: the others went out, and these are issued at
    a later validation. Rows: code_etablissement; etat."""
    from assets.billing.prefacturation import checklist, held_state

    rows = [
        {"code_etablissement": r["establishment_code"], "etat": r["state"]}
        for r in checklist(con, month)
        if held_state(r["state"])
    ]
    detail = (
        f"{len(rows)} établissement(s) retenu(s), rien d'émis pour eux : "
        + " ; ".join(f"{r['code_etablissement']} ({r['etat']})" for r in rows)
        if rows
        else "chaque établissement ayant des documents à émettre a été émis"
    )
    return ControlOutcome("etablissements_retenus", BILLING, WARNING, not rows, len(rows), detail, rows[:20])


@asset_check(asset=issued_documents, name="etablissements_retenus", pool=POOL)
def held_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """The establishments the émission held, named with why."""
    month = month_of(context.partition_key)
    (outcome,) = run_controls(home, warehouse, month, lambda con: [control_held_establishments(con, month)])
    return check_result(outcome, context)


def control_under_activity(con: duckdb.DuckDBPyConnection, settings: Settings, month: str) -> ControlOutcome:
    """The establishments whose days realised from the year's start fall more than `rapports.seuil_sous_activite`
    % under their forecast prorated (docs/rules.md "Monthly reports"): a warning for the director, never a hold.
    Rows: code_etablissement; journees; previsions; ecart_pct."""
    threshold = settings.rapports.seuil_sous_activite
    rows = [
        {"code_etablissement": r.code, "journees": r.year_days, "previsions": str(r.forecast_to_date),
         "ecart_pct": f"{(r.gap_share or 0) * 100:.2f}".replace(".", ",")}
        for r in under_activity(activity(con, month), threshold)
    ]  # fmt: skip
    detail = (
        f"{len(rows)} établissement(s) à plus de {threshold} % sous leurs journées prévisionnelles depuis le début "
        "de l'année : " + " ; ".join(f"{r['code_etablissement']} ({r['ecart_pct']} %)" for r in rows)
        if rows
        else f"aucun établissement à plus de {threshold} % sous ses journées prévisionnelles"
    )
    return ControlOutcome("activite_sous_prevision", BILLING, WARNING, not rows, len(rows), detail, rows[:20])


@asset_check(asset=valued_days, name="activite_sous_prevision", pool=POOL)
def under_activity_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """The establishments running under their activity forecast, year to date."""
    month, settings = month_of(context.partition_key), home.settings()
    (outcome,) = run_controls(home, warehouse, month, lambda con: [control_under_activity(con, settings, month)])
    return check_result(outcome, context)


def control_facturx(
    con: duckdb.DuckDBPyConnection, sorties: Path, month: str, public_numbers: set[str]
) -> ControlOutcome:
    """Every public payer's document of the month is a Factur-X PDF whose XML passes the XSD and states
    the document's number, type and amount due, and whose PDF/A metadata agree (Info and XMP, PDF/A-3b).
    (Its business rules were checked before it was embedded: `facturx_xml.embed_facturx`.)"""
    from assets.billing.facturx_xml import read_facturx
    from assets.billing.pdfa_metadata import pdfa_problems

    problems = []
    rows = con.execute(sql("checks/billing/facturx_files.sql"), {"month": month}).fetchall()
    for number, doc_type, amount, path in rows:
        try:
            data = (sorties / path).read_bytes()
            terms = read_facturx(data)
            said = (terms.get("BT-1"), terms.get("BT-3"), terms.get("BT-115"))
            expected = (number, "381" if doc_type == "avoir" else "380", f"{abs(amount):.2f}")
            if said != expected:
                problems.append({"numero": number, "probleme": f"le XML dit {said}, attendu {expected}"})
            elif metadata := pdfa_problems(data):
                problems.append({"numero": number, "probleme": f"PDF/A : {'; '.join(metadata)}"[:200]})
        except Exception as exc:  # an unreadable or invalid file fails this control, whatever the cause
            problems.append({"numero": number, "probleme": str(exc)[:200]})
    for number in sorted(public_numbers - {r[0] for r in rows}):
        problems.append({"numero": number, "probleme": "pas de fichier Factur-X"})
    return ControlOutcome(
        "facturx_valide",
        BILLING,
        ERROR,
        not problems,
        len(problems),
        f"{len(rows)} fichier(s) Factur-X conformes au schéma EN 16931, métadonnées PDF/A concordantes"
        if not problems
        else f"{len(problems)} document(s) de payeur public sans Factur-X valide",
        problems[:5],
    )


@asset_check(asset=invoice_documents, name="facturx_valide", blocking=True, pool=POOL)
def facturx_control(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Every invoice and credit note to a public payer carries Factur-X XML valid against its schema."""
    from assets.billing.facturx_xml import is_public

    month = month_of(context.partition_key)

    def controls(con: duckdb.DuckDBPyConnection) -> list[ControlOutcome]:
        public = {n for n, t, s in run_sql(con, "checks/billing/month_payers.sql", {"month": month}) if is_public(t, s)}
        return [control_facturx(con, home.sorties, month, public)]

    (outcome,) = run_controls(home, warehouse, month, controls)
    return check_result(outcome, context)
