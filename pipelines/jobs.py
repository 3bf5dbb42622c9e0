"""Jobs: the month close in its three steps (docs/rules.md "Validation before issuing").

- `preparation_mensuelle`: referential, activity, valuation, controls and the pré-facturation; no number given;
- `validation_mensuelle`: a person validates the prepared month, some establishments or all, with their name and
  the issue date (its config), recording the fingerprint of what was prepared;
- `cloture_mensuelle`: every asset of the month; its émission issues the validated establishments unchanged
  since their validation, and holds the others.
"""

import datetime as dt

import dagster as dg

from assets.billing.validation import ValidationError, validate
from assets.common.partitions import month_of, months
from assets.common.resources import ASSOCIATION_TAG, WarehouseResource, timestamp
from pipelines.close import CLOSE_MONTH_JOB as CLOSE_MONTH
from pipelines.close import PREPARE_MONTH_JOB as PREPARE_MONTH

VALIDATE_MONTH = "validation_mensuelle"

PREPARED = ("referential", "activity_days", "valued_days", "prefacturation")  # the préparation's assets


def association_tags(code: str | None) -> dict[str, str]:
    """The tag every run of an association carries in a deployment of several (one run at a time for each)."""
    return {ASSOCIATION_TAG: code} if code else {}


def month_jobs(code: str | None = None) -> list:
    """The close and the préparation of an association's month (`code`: its asset key prefix and run tag)."""
    prefix = [code] if code else []
    return [
        dg.define_asset_job(
            CLOSE_MONTH,
            selection=dg.AssetSelection.all(),
            description="Émission et clôture d'un mois : facturation des établissements validés (les autres sont "
            "retenus), encaissements, comptabilité, recouvrement et rapports.",
            executor_def=dg.in_process_executor,
            tags=association_tags(code),
        ),
        dg.define_asset_job(
            PREPARE_MONTH,
            selection=dg.AssetSelection.assets(*(dg.AssetKey([*prefix, name]) for name in PREPARED)),
            description="Préparation d'un mois : référentiel, activité, valorisation, contrôles et pré-facturation "
            "(sorties/AAAA-MM/prefacturation/) ; aucun numéro n'est donné.",
            executor_def=dg.in_process_executor,
            tags=association_tags(code),
        ),
    ]


class ValidationConfig(dg.Config):
    """What the person validating gives: their name, the issue date, the establishments (none: all)."""

    par: str
    date_emission: str
    etablissements: list[str] = []
    confirmer: bool = False


@dg.op(description="Valide la pré-facturation du mois : nom, date d'émission, établissements (vide : tous).")
def validate_prepared_month(
    context: dg.OpExecutionContext, config: ValidationConfig, warehouse: WarehouseResource
) -> None:
    month = month_of(context.partition_key)
    try:
        when = dt.date.fromisoformat(config.date_emission)
    except ValueError:
        raise dg.Failure(f"date_emission : date attendue au format AAAA-MM-JJ, lu : {config.date_emission!r}") from None
    try:
        with warehouse.transaction() as con:
            done = validate(con, month, config.etablissements or None, config.par, when, config.confirmer, timestamp())
    except ValidationError as exc:
        raise dg.Failure(f"validation refusée : {exc}") from None
    for code, why in sorted(done.refused.items()):
        context.log.error(f"{month} : {code} non validé — {why}")
    context.log.info(
        f"{month} : validé(s) par {config.par} pour une émission au {when:%d/%m/%Y} : "
        f"{', '.join(done.validated) or 'aucun'} ; lancez maintenant cloture_mensuelle pour ce mois"
    )
    if not done.validated:
        raise dg.Failure(f"{month} : aucun établissement validé")


def validation_job(partitions: dg.PartitionsDefinition = months, code: str | None = None) -> dg.JobDefinition:
    """The validation job over the data folder's months (`pipelines.definitions.build` gives them)."""

    @dg.job(
        name=VALIDATE_MONTH,
        partitions_def=partitions,
        description="Validation d'un mois préparé, par établissement ou pour tous, avec le nom et la date d'émission.",
        executor_def=dg.in_process_executor,
        tags=association_tags(code),
    )
    def validate_month() -> None:
        validate_prepared_month()

    return validate_month
