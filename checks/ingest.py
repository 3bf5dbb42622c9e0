"""Controls of the ingest stage (docs/rules.md "Controls and reconciliations"): inputs readable, rows set aside,
referential keys and periods, activity duplicates (B1), establishments billed per day without activity, activity
outside stays (B2), days not reported, capacity.

Each `control_*` function is plain (a DuckDB connection in, a ControlOutcome out); the asset checks at
the bottom run them, record the outcome and rewrite the month's controls file.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb
import polars as pl

from assets.common.controls import ERROR, WARNING, ControlOutcome, holding
from assets.common.months import month_bounds
from assets.common.partitions import month_of
from assets.common.resources import POOL, HomeResource, WarehouseResource
from assets.common.warehouse import query_frame, run_sql
from assets.ingest.activity import CODES
from assets.ingest.assets import activity_days, referential
from checks.expectations import Expectation, validate
from checks.wiring import REFERENTIAL, check_result, check_spec, examples, run_controls

INGEST = "ingest"


# --- the referential --------------------------------------------------------------------------------


def control_referential_files(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    bad = run_sql(con, "checks/referential_files_state.sql")
    never_loaded = not run_sql(con, "checks/referential_loaded.sql")[0][0]
    if bad:
        detail = " ; ".join(msg for _, _, msg in bad) + " — le référentiel précédent reste en place"
    else:
        detail = "référentiel jamais chargé" if never_loaded else "les sept fichiers sont lus"
    return ControlOutcome(
        "referentiel_fichiers_lisibles",
        REFERENTIAL,
        ERROR,
        not bad and not never_loaded,
        len(bad),
        detail,
        [{"fichier": f, "statut": s} for f, s, _ in bad],
    )


def control_quarantine(
    con: duckdb.DuckDBPyConnection, scope: str, month: str | None, name: str, stage: str, set_aside_blocks: bool = False
) -> ControlOutcome:
    """The rows set aside and the values ignored. `set_aside_blocks`: a row set aside is an error (a row of
    the referential left out drops its resident's or establishment's billing, and credits what was billed)."""
    rows = run_sql(con, "checks/quarantine_summary.sql", {"scope": scope, "month": month or ""})
    set_aside = sum(1 for r in rows if not r[4])
    kept = len(rows) - set_aside
    detail = (
        f"{set_aside} ligne(s) écartée(s), {kept} valeur(s) ignorée(s) sur des lignes conservées"
        if rows
        else "aucune ligne écartée"
    )
    examples = [{"fichier": p, "ligne": line, "colonne": c, "motif": reason} for p, line, c, reason, _ in rows[:5]]
    severity = ERROR if set_aside_blocks and set_aside else WARNING
    return ControlOutcome(name, stage, severity, not rows, len(rows), detail, examples)


def control_referential_keys(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    failures = []
    count = 0
    for table, column, label in (
        ("establishments", "code", "code_etablissement"),
        ("payers", "code", "code_financeur"),
        ("residents", "id", "id_usager"),
    ):
        frame = con.sql(f"SELECT {column}, src_line FROM {table} ORDER BY src_line").pl()  # noqa: S608
        (result,) = validate(frame, [Expectation("ExpectColumnValuesToBeUnique", {"column": column})])
        if not result.success:
            count += result.unexpected_count
            for i in result.unexpected_rows:
                failures.append(
                    {"table": table, "colonne": label, "valeur": frame[column][i], "ligne": frame["src_line"][i]}
                )
    detail = f"{count} ligne(s) partagent un identifiant" if count else "identifiants uniques"
    return ControlOutcome(
        "referentiel_identifiants_uniques", REFERENTIAL, ERROR, count == 0, count, detail, failures[:5]
    )


def _overlap(con: duckdb.DuckDBPyConnection, name: str, query: str, what: str) -> ControlOutcome:
    frame = query_frame(con, query)
    detail = f"{frame.height} chevauchement(s) de {what}" if frame.height else f"aucun chevauchement de {what}"
    return ControlOutcome(name, REFERENTIAL, ERROR, frame.is_empty(), frame.height, detail, examples(frame))


def control_rates_overlap(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    return _overlap(con, "tarifs_chevauchement", "checks/rates_overlap.sql", "périodes de tarif")


def control_stays_overlap(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    return _overlap(con, "sejours_chevauchement", "checks/stays_overlap.sql", "séjours")


def control_decisions_overlap(con: duckdb.DuckDBPyConnection) -> ControlOutcome:
    return _overlap(con, "prises_en_charge_chevauchement", "checks/decisions_overlap.sql", "prises en charge")


# --- a month's activity -----------------------------------------------------------------------------


def control_activity_files(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    bad = run_sql(con, "checks/activity_files_state.sql", {"month": month})
    files = run_sql(con, "ingest/month_summary.sql", {"month": month})[0][0]
    detail = " ; ".join(e for _, e in bad) if bad else f"{files} fichier(s) lu(s)"
    return ControlOutcome(
        "activite_fichiers_lisibles", INGEST, ERROR, not bad, len(bad), detail, [{"fichier": p} for p, _ in bad]
    )


def control_activity_expectations(con: duckdb.DuckDBPyConnection, month: str) -> list[ControlOutcome]:
    """B1 duplicates, and the stored rows' shape (codes, days inside the month), through GX."""
    frame = query_frame(con, "checks/month_activity.sql", {"month": month})
    # GX compares days as AAAAMMJJ integers (its pandas path rejects dates against bounds of another type)
    frame = frame.with_columns(pl.col("day").dt.strftime("%Y%m%d").cast(pl.Int32).alias("day_number"))
    first, last = month_bounds(month)
    unique, shape_code, shape_day = validate(
        frame,
        [
            Expectation(
                "ExpectCompoundColumnsToBeUnique", {"column_list": ["establishment_code", "resident_id", "day"]}
            ),
            Expectation("ExpectColumnValuesToBeInSet", {"column": "code", "value_set": list(CODES)}),
            Expectation(
                "ExpectColumnValuesToBeBetween",
                {"column": "day_number", "min_value": int(f"{first:%Y%m%d}"), "max_value": int(f"{last:%Y%m%d}")},
            ),
        ],
        examples=10,
    )
    columns = ["establishment_code", "resident_id", "day", "source_path", "source_line", "source_column"]
    dup_rows = frame[unique.unexpected_rows].select(columns) if unique.unexpected_rows else frame.head(0)
    held = frame.filter(pl.col("held"))
    held_etabs = sorted(held["establishment_code"].unique().to_list())
    duplicates = holding(
        ControlOutcome(
            "activite_doublons",
            INGEST,
            ERROR,
            unique.success,
            unique.unexpected_count,
            (
                f"{unique.unexpected_count} ligne(s) pour un même usager, établissement et jour ; "
                f"activité retenue pour {', '.join(held_etabs)} ({held.height} journée(s)) jusqu'à correction de "
                "l'extrait"
            )
            if not unique.success
            else "aucun doublon",
            examples(dup_rows),
        ),
        held_etabs,
    )
    bad_shape = shape_code.unexpected_count + shape_day.unexpected_count
    shape = ControlOutcome(
        "activite_conforme",
        INGEST,
        ERROR,
        shape_code.success and shape_day.success,
        bad_shape,
        f"{bad_shape} journée(s) enregistrée(s) avec un code ou une date hors norme"
        if bad_shape
        else f"{frame.height} journée(s) conformes",
        [],
    )
    return [duplicates, shape]


def control_activity_missing(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    """An establishment billed per day with stays in the month and no readable activity for it is held, never
    billed at zero: error, holding that establishment alone (the others are issued)."""
    first, last = month_bounds(month)
    frame = query_frame(con, "checks/activity_missing.sql", {"month": month, "first": first, "last": last})
    codes = ", ".join(frame["establishment_code"].to_list())
    unreadable = [p for p, _ in run_sql(con, "checks/activity_files_state.sql", {"month": month})]
    said = f" ; extrait(s) illisible(s) du mois : {', '.join(unreadable)}" if unreadable and frame.height else ""
    outcome = ControlOutcome(
        "activite_manquante",
        INGEST,
        ERROR,
        frame.is_empty(),
        frame.height,
        f"{frame.height} établissement(s) au prix de journée avec des séjours dans le mois et aucune activité "
        f"lisible : {codes} ; retenu(s), rien n'est facturé (extrait absent, illisible ou entièrement écarté)"
        f"{said}"
        if frame.height
        else "chaque établissement au prix de journée ayant des séjours dans le mois a son activité",
        examples(frame),
    )
    return holding(outcome, frame["establishment_code"].to_list())


def control_outside_stay(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    frame = query_frame(con, "checks/activity_outside_stay.sql", {"month": month})
    return ControlOutcome(
        "activite_hors_sejour",
        INGEST,
        WARNING,
        frame.is_empty(),
        frame.height,
        f"{frame.height} journée(s) d'activité hors de tout séjour, non facturées"
        if frame.height
        else "toute l'activité est couverte par un séjour",
        examples(frame.select("establishment_code", "resident_id", "day", "source_path", "source_line")),
    )


def control_days_not_reported(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    first, last = month_bounds(month)
    frame = query_frame(con, "checks/days_not_reported.sql", {"month": month, "first": first, "last": last})
    total = int(frame["days_missing"].sum()) if frame.height else 0
    return ControlOutcome(
        "jours_non_renseignes",
        INGEST,
        WARNING,
        total == 0,
        total,
        f"{total} journée(s) de séjour sans ligne d'activité ({frame.height} usager(s))"
        if total
        else "chaque journée de séjour est renseignée",
        examples(frame),
    )


def control_capacity(con: duckdb.DuckDBPyConnection, month: str) -> ControlOutcome:
    frame = query_frame(con, "checks/over_capacity.sql", {"month": month})
    return ControlOutcome(
        "capacite_depassee",
        INGEST,
        WARNING,
        frame.is_empty(),
        frame.height,
        f"{frame.height} jour(s) où les présents dépassent la capacité"
        if frame.height
        else "capacité respectée chaque jour",
        examples(frame),
    )


def month_activity_outcomes(con: duckdb.DuckDBPyConnection, month: str) -> list[ControlOutcome]:
    """The activity controls of one month's stored activity, in the order of ACTIVITY_CHECKS."""
    return [
        control_activity_files(con, month),
        control_quarantine(con, "activite", month, "activite_lignes_rejetees", INGEST),
        *control_activity_expectations(con, month),
        control_activity_missing(con, month),
        control_outside_stay(con, month),
        control_days_not_reported(con, month),
        control_capacity(con, month),
    ]


def with_rereads(outcome: ControlOutcome, month: str, rereads: list[tuple[str, str, ControlOutcome]]) -> ControlOutcome:
    """`outcome` of the close's own month joined with the same control on the earlier months it read again
    (`rereads`: month, the extracts that made it read again, outcome): failed if any failed, their counts added,
    each finding of an earlier month said with its month and extracts, its examples marked with their month. The
    readable-files control names every month read again, passed or not."""
    said = [
        f"extrait corrigé de {earlier} ({paths}) : {other.detail}"
        for earlier, paths, other in rereads
        if not other.passed or other.control == "activite_fichiers_lisibles"
    ]
    if not said:
        return outcome
    rows = [{"mois": month, **row} for row in outcome.examples]
    for earlier, _, other in rereads:
        rows += [{"mois": earlier, **row} for row in other.examples]
    values = [outcome.value, *(other.value for _, _, other in rereads)]
    failing = [o for o in (outcome, *(other for _, _, other in rereads)) if not o.passed]
    # held establishments: those of every failing month, when each names its own (else the month stops)
    held = (
        tuple(sorted({e for o in failing for e in o.establishments})) if all(o.establishments for o in failing) else ()
    )
    return ControlOutcome(
        outcome.control,
        outcome.stage,
        outcome.severity,
        outcome.passed and all(other.passed for _, _, other in rereads),
        sum(v for v in values if isinstance(v, int)) if all(isinstance(v, int) for v in values) else outcome.value,
        " ; ".join([f"{month} : {outcome.detail}", *said]),
        rows,
        held,
    )


def activity_outcomes(con: duckdb.DuckDBPyConnection, month: str) -> list[ControlOutcome]:
    """The activity controls of a close of `month`: on its own month, and, as at their first reading, on the
    earlier months whose corrected extracts it read again (docs/rules.md B12), which they name."""
    outcomes = month_activity_outcomes(con, month)
    rereads = run_sql(con, "checks/activity_rereads.sql", {"month": month})
    if not rereads:
        return outcomes
    earlier = [(e, paths, month_activity_outcomes(con, e)) for e, paths in rereads]
    return [
        with_rereads(outcome, month, [(e, paths, others[i]) for e, paths, others in earlier])
        for i, outcome in enumerate(outcomes)
    ]


# --- Dagster wiring ---------------------------------------------------------------------------------


def _run_month(context: dg.AssetCheckExecutionContext) -> str | None:
    return month_of(context.run.tags["dagster/partition"]) if "dagster/partition" in context.run.tags else None


def _referential_checks(con: duckdb.DuckDBPyConnection) -> list[ControlOutcome]:
    files = control_referential_files(con)
    quarantine = control_quarantine(
        con, "referentiel", None, "referentiel_lignes_rejetees", REFERENTIAL, set_aside_blocks=True
    )
    mandates = control_quarantine(con, "mandats", None, "mandats_lignes_rejetees", REFERENTIAL)
    forecasts = control_quarantine(con, "previsions", None, "previsions_lignes_rejetees", REFERENTIAL)
    if not files.passed and not run_sql(con, "checks/referential_loaded.sql")[0][1]:
        return [files, quarantine, mandates, forecasts]  # nothing loaded yet: the other controls would say nothing
    return [
        files,
        quarantine,
        mandates,
        forecasts,
        control_referential_keys(con),
        control_rates_overlap(con),
        control_decisions_overlap(con),
        control_stays_overlap(con),
    ]


REFERENTIAL_CHECKS = (
    "referentiel_fichiers_lisibles",
    "referentiel_lignes_rejetees",
    "mandats_lignes_rejetees",
    "previsions_lignes_rejetees",
    "referentiel_identifiants_uniques",
    "tarifs_chevauchement",
    "prises_en_charge_chevauchement",
    "sejours_chevauchement",
)
ACTIVITY_CHECKS = (
    "activite_fichiers_lisibles",
    "activite_lignes_rejetees",
    "activite_doublons",
    "activite_conforme",
    "activite_manquante",
    "activite_hors_sejour",
    "jours_non_renseignes",
    "capacite_depassee",
)
_BLOCKING = {
    "referentiel_fichiers_lisibles",
    "referentiel_lignes_rejetees",  # as an error only for a row set aside, not for an optional value ignored
    "referentiel_identifiants_uniques",
    "tarifs_chevauchement",
    "prises_en_charge_chevauchement",
    "sejours_chevauchement",
    "activite_fichiers_lisibles",
    "activite_doublons",
    "activite_conforme",
    "activite_manquante",
}


@dg.multi_asset_check(
    specs=[check_spec(name, referential, blocking=name in _BLOCKING) for name in REFERENTIAL_CHECKS],
    pool=POOL,
)
def referential_controls(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """Controls of the referential: files readable and complete, rows set aside, unique identifiers,
    overlapping rates (B3) and funding decisions (B4)."""
    outcomes = run_controls(home, warehouse, _run_month(context), _referential_checks)
    evaluated = {o.control for o in outcomes}
    for outcome in outcomes:
        yield check_result(outcome, context)
    for name in REFERENTIAL_CHECKS:
        if name not in evaluated:
            yield dg.AssetCheckResult(
                check_name=name,
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description="non évalué : aucun référentiel chargé",
            )


@dg.multi_asset_check(
    specs=[check_spec(name, activity_days, blocking=name in _BLOCKING) for name in ACTIVITY_CHECKS],
    pool=POOL,
)
def activity_controls(
    context: dg.AssetCheckExecutionContext, home: HomeResource, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """Controls of the month's activity: extracts readable, rows set aside, duplicates (B1, blocking), an
    establishment billed per day without activity (blocking), activity outside stays (B2), days of stays not
    reported, presence above capacity."""
    month = month_of(context.partition_key)
    for outcome in run_controls(home, warehouse, month, lambda con: activity_outcomes(con, month)):
        yield check_result(outcome, context)
