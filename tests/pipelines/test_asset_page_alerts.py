"""A month materialized from the Assets page runs under Dagster's own asset job, not `cloture_mensuelle`: the
alert sensors watch every run of the code location that touches a month, so its failed controls reach
alertes.log as a close's do. Materialized without a validation, it numbers nothing."""

import logging

import dagster as dg
import pytest

from assets.common.partitions import partition_of
from assets.common.resources import DATE_TAG, resources
from demo.generator import close_date, generate, write_activity, write_referential, write_settings
from pipelines.definitions import build
from pipelines.sensors import alert_after_failed_close

pytestmark = pytest.mark.slow  # materializes a month through Dagster


def test_a_blocked_month_materialized_from_the_assets_page_is_alerted_by_the_sensor(tmp_path):
    demo = generate("demo", 66)
    home = tmp_path / "home"
    month = "2025-09"  # an establishment's extract has the same resident and day twice: activite_doublons
    write_settings(home, demo)
    write_referential(home, demo, close_date(month))
    write_activity(home, month, demo.activity[month])
    defs = build(str(home))
    with dg.DagsterInstance.ephemeral() as instance:

        def tick(cursor: str | None):
            with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources(str(home))) as ctx:
                return alert_after_failed_close.evaluate_tick(ctx)

        started = tick(None)  # the sensor's first tick only places its cursor, as under the daemon
        run = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key=partition_of(month),
            instance=instance,
            tags={DATE_TAG: close_date(month).isoformat()},
            raise_on_error=False,
        )
        assert not run.success and run.dagster_run.job_name == "__ASSET_JOB"
        assert not (home / "sorties" / month / "alertes.log").exists()  # nothing alerted by the run itself
        said = [r.user_message for r in instance.all_logs(run.run_id) if r.level == logging.ERROR]
        (blocked,) = [m for m in said if m.startswith("contrôle activite_doublons en échec (erreur, ")]
        assert "2 ligne(s) pour un même usager" in blocked and "\npremiers cas :\n| " in blocked  # said in the run
        ticked = tick(started.cursor)
        log = home / "sorties" / month / "alertes.log"
        alerts = log.read_text(encoding="utf-8").splitlines()
        assert alerts[0].endswith(f"clôture de {month} · run {run.run_id} · {len(alerts) - 2} alerte(s)")
        # the duplicates hold their establishment only; nobody validated the others: nothing is numbered
        assert any(a.startswith("ERREUR activite_doublons : 2 ligne(s) pour un même usager") for a in alerts)
        assert any(
            a.startswith(f"ÉCHEC D'ÉTAPE issued_documents : {month} : aucun établissement validé, rien n'est émis")
            for a in alerts
        )
        assert not (home / "sorties" / month / "factures" / "registre.csv").exists()
        tick(ticked.cursor)
        assert log.read_text(encoding="utf-8").splitlines() == alerts  # once only
