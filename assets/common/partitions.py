"""The monthly partitioning shared by every month-bound asset and its checks (a partition = a month of service).

A data folder's partitions run from the association's first month to the last complete month:

- the first month is `premier_mois` of `parametrage.yaml` when set, else the first month folder of
  `entrees/activite/` (AAAA-MM); a data folder with neither starts at the last complete month;
- the last is the month before today's (Paris time): a month in progress cannot be closed, and « Latest » in
  the UI is the last month that can.

`months` is the partitioning of the data folder the process runs on (RECETTES_HOME, read at import): the
assets and checks are declared with it. `pipelines.definitions.build(home)` gives them the partitioning of
the data folder it builds (`months_for(home)`): the same object when it is that folder.

A check takes its asset's partitioning (checks/wiring.py `asset_check`, `check_spec`): a month-bound asset's
checks have one result per month, with its own history; the referential's are unpartitioned, run in every
month's run.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets.common.months import add_months, month_key
from assets.common.resources import default_home
from assets.common.settings_file import SettingsError, load_settings

TIMEZONE = "Europe/Paris"  # the month ends at midnight in France, not in UTC
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def month_of(partition_key: str) -> str:
    """'2025-03-01' (Dagster's key) -> '2025-03' (the warehouse's and the folders' month)."""
    return partition_key[:7]


def partition_of(month: str) -> str:
    return f"{month}-01"


def first_activity_month(entrees: Path) -> str | None:
    """The first month folder of `entrees/activite/` (AAAA-MM), if any."""
    folder = entrees / "activite"
    try:
        names = [p.name for p in folder.iterdir() if _MONTH.fullmatch(p.name)] if folder.is_dir() else []
    except OSError:
        return None
    return min(names) if names else None


def configured_first_month(home: Path, strict: bool = False) -> str | None:
    """`premier_mois` of the settings, when set. `strict`: a missing or invalid settings file is a SettingsError;
    otherwise it is passed over (loading the definitions must not fail on it: the close then stops with its
    message)."""
    path = home / "parametrage.yaml"
    try:
        return load_settings(path).premier_mois
    except SettingsError:
        if strict:
            raise
        return None


def current_month(now: dt.datetime | None = None) -> str:
    """The month in progress, in France."""
    return month_key((now or dt.datetime.now(ZoneInfo(TIMEZONE))).date())


def last_complete_month(now: dt.datetime | None = None) -> str:
    return add_months(current_month(now), -1)


def association_first_month(home: Path) -> str | None:
    """The association's first month, when known: `premier_mois` of the settings, else its first activity."""
    return configured_first_month(home) or first_activity_month(home / "entrees")


def first_month(home: Path, strict: bool = False) -> tuple[str, str]:
    """(the first month of the data folder's partitions, where it comes from: the operator is told)."""
    configured = configured_first_month(home, strict)
    if configured:
        return configured, "premier_mois de parametrage.yaml"
    found = first_activity_month(home / "entrees")
    if found:
        return found, "premier dossier de entrees/activite/"
    return last_complete_month(), "aucun mois dans entrees/activite/ ni premier_mois dans parametrage.yaml"


def months_for(home: Path | str) -> dg.MonthlyPartitionsDefinition:
    """The months of a data folder: from its first month to the last complete one (end_offset=0: a month's
    partition exists once the month has ended)."""
    first, _ = first_month(Path(home))
    return dg.MonthlyPartitionsDefinition(start_date=partition_of(first), end_offset=0, timezone=TIMEZONE)


def refused_month(home: Path, month: str, now: dt.datetime | None = None) -> str | None:
    """Why `month` cannot be closed in this data folder (in French), or None: a month in progress or to come,
    or a month before the association's first. A missing or invalid settings file is a SettingsError."""
    last = last_complete_month(now)
    if month > last:
        state = "est en cours" if month == current_month(now) else "n'a pas commencé"
        return f"{month} {state} : un mois se clôture une fois terminé (dernier mois clôturable : {last})"
    first, source = first_month(home, strict=True)
    if month < first:
        return f"{month} précède le premier mois de l'association, {first} ({source})"
    return None


months = months_for(default_home())
