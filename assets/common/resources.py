"""Resources: where the data folder is, the warehouse in it, and the settings file.

RECETTES_HOME (default ./var) is read when the definitions load; `recettes --home` sets it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from assets.common import heap
from assets.common.runs import tag_run
from assets.common.settings import Settings
from assets.common.settings_file import load_settings
from assets.common.warehouse import Warehouse

ASSOCIATION_ENV = "RECETTES_ASSOCIATION"  # the association's code, when several share one Dagster deployment
ASSOCIATION_TAG = "recettes/association"  # run tag: the association a run closes (one run at a time for each)
_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")


def association_code() -> str | None:
    """RECETTES_ASSOCIATION: the association's code in a deployment of several (docs/operations.md), lower case
    letters, digits and `_`, starting with a letter (it becomes an asset key prefix and a pool name); None for a
    deployment of one."""
    code = os.environ.get(ASSOCIATION_ENV, "").strip()
    if not code:
        return None
    if not _CODE.fullmatch(code):
        raise ValueError(
            f"{ASSOCIATION_ENV}={code!r} : code d'association attendu en minuscules, chiffres et « _ », commençant "
            "par une lettre (32 caractères au plus)"
        )
    return code


def pool_name(code: str | None) -> str:
    """The pool of every asset and check that writes an association's warehouse: one at a time, across runs."""
    return f"warehouse_{code}" if code else "warehouse"


POOL = pool_name(association_code())  # decided when the code location loads: one association per process
DATE_TAG = "recettes/date_emission"  # run tag: the issue date of the documents (AAAA-MM-JJ)
CONFIRM_TAG = "recettes/confirmer_date"  # run tag "oui": an unusual issue date is meant (docs/rules.md)
# run tag: the run validates every establishment it prepares, as this person, before issuing (`recettes run`)
VALIDATE_TAG = "recettes/valider_par"


def timestamp() -> dt.datetime:
    """When a record is written, to the second."""
    return dt.datetime.now().replace(microsecond=0)


def default_home() -> str:
    return str(Path(os.environ.get("RECETTES_HOME", "var")).resolve())


class HomeResource(dg.ConfigurableResource):
    """The data folder RECETTES_HOME and its parts (docs/contract.md "The data folder")."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)

    @property
    def entrees(self) -> Path:
        return self.root / "entrees"

    @property
    def sorties(self) -> Path:
        return self.root / "sorties"

    def settings(self) -> Settings:
        return load_settings(self.root / "parametrage.yaml")


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse (an embedded DuckDB file by default). Every asset and check that touches it goes
    through `transaction()`: one transaction per materialization, under an inter-process lock. For the run's
    length it also sets the garbage collector's thresholds (assets/common/heap.py)."""

    path: str
    lock_timeout_s: float = 900.0
    run_lock_timeout_s: float = 6 * 3600.0  # a run waits this long for another run of the association to end
    _gc_thresholds: tuple[int, int, int] | None = PrivateAttr(default=None)
    _run_lock: contextlib.ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # set up once per run, before any step (in-process executor): the run holds the association's run lock
        # from its first step to its last, wherever it was launched (not a sensor, which has no run)
        if context.run is not None:
            warehouse = self.get()
            if warehouse.run_in_progress() and context.log is not None:
                context.log.info("une autre clôture de cette association est en cours : ce run attend sa fin")
            self._run_lock = contextlib.ExitStack()
            self._run_lock.enter_context(warehouse.run_lock(self.run_lock_timeout_s))
        tag_run(context.instance, context.run)  # so that a run whose process dies can be recovered
        self._gc_thresholds = heap.for_run()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._gc_thresholds is not None:
            heap.restore(self._gc_thresholds)
            self._gc_thresholds = None
        if self._run_lock is not None:
            self._run_lock.close()
            self._run_lock = None

    def get(self) -> Warehouse:
        return Warehouse(self.path, self.lock_timeout_s)

    def transaction(self) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        return self.get().transaction()


def resources(home: str | None = None) -> dict[str, dg.ConfigurableResource]:
    root = home or default_home()
    return {
        "home": HomeResource(path=root),
        "warehouse": WarehouseResource(path=str(Path(root) / "entrepot.duckdb")),
    }
