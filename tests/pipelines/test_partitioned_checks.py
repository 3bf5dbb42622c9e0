"""Each month has its own check results: a close records its checks for its partition, and closing the next
month adds that month's results without replacing the month before's (the history the UI shows per month).
The referential's checks, unpartitioned, run in every month's run."""

import dagster as dg
import pytest
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from assets.common.partitions import partition_of
from demo.generator import close_date, generate, write_activity, write_referential, write_settings
from pipelines.close import close_month
from pipelines.definitions import build

pytestmark = pytest.mark.slow  # closes months through Dagster

FIRST, SECOND = "2024-11", "2024-12"
MONTH_CHECKS = [
    dg.AssetCheckKey(dg.AssetKey("activity_days"), "activite_doublons"),
    dg.AssetCheckKey(dg.AssetKey("activity_days"), "mois_precedents_clotures"),
    dg.AssetCheckKey(dg.AssetKey("issued_documents"), "numerotation_continue"),
    dg.AssetCheckKey(dg.AssetKey("entry_file"), "fec_conforme"),
]
REFERENTIAL_CHECK = dg.AssetCheckKey(dg.AssetKey("referential"), "tarifs_chevauchement")


def latest(instance: dg.DagsterInstance, key: dg.AssetCheckKey, month: str | None):
    partition = PartitionKeyFilter(key=partition_of(month) if month else None)
    return instance.event_log_storage.get_latest_asset_check_execution_by_key([key], partition_filter=partition)[key]


def test_every_month_bound_check_is_partitioned_as_its_asset(tmp_path):
    (tmp_path / "entrees" / "activite" / FIRST).mkdir(parents=True)
    graph = build(str(tmp_path)).resolve_asset_graph()
    for key in graph.asset_check_keys:
        asset = graph.get(key.asset_key)
        assert graph.get_check_spec(key).partitions_def == asset.partitions_def, key
    assert graph.get_check_spec(MONTH_CHECKS[0]).partitions_def.get_first_partition_key() == partition_of(FIRST)
    assert graph.get_check_spec(REFERENTIAL_CHECK).partitions_def is None


def test_closing_the_next_month_keeps_the_check_results_of_the_month_before(tmp_path):
    demo = generate("demo", 66)
    home = tmp_path / "home"
    write_settings(home, demo)
    write_referential(home, demo, close_date(SECOND))
    for month in (FIRST, SECOND):
        write_activity(home, month, demo.activity[month])
    with dg.DagsterInstance.ephemeral() as instance:
        first = close_month(home, FIRST, close_date(FIRST), instance=instance)
        assert (first.exit_code, first.failed_controls, first.errors) == (0, [], [])
        before = {key: latest(instance, key, FIRST) for key in MONTH_CHECKS}
        second = close_month(home, SECOND, close_date(SECOND), instance=instance)
        assert (second.exit_code, second.failed_controls, second.errors) == (0, [], [])

        for key in MONTH_CHECKS:
            of_first, of_second = latest(instance, key, FIRST), latest(instance, key, SECOND)
            assert (of_first.run_id, of_first.partition) == (first.run_id, partition_of(FIRST)), key
            assert (of_second.run_id, of_second.partition) == (second.run_id, partition_of(SECOND)), key
            assert of_first.id == before[key].id  # the first month's result is still its own
            assert of_first.status == of_second.status == AssetCheckExecutionRecordStatus.SUCCEEDED
            history = instance.event_log_storage.get_asset_check_execution_history(
                key, limit=10, partition_filter=PartitionKeyFilter(key=partition_of(FIRST))
            )
            assert [r.run_id for r in history] == [first.run_id]
        # a month's own detail stays with its partition
        order = MONTH_CHECKS[1]
        details = [
            latest(instance, order, m).event.dagster_event.event_specific_data.metadata["detail"].value
            for m in (FIRST, SECOND)
        ]
        assert details == ["premier mois clôturé", f"les mois depuis le premier ({FIRST}) sont clôturés"]

        info = instance.event_log_storage.get_asset_check_partition_info(
            [MONTH_CHECKS[0]], partition_keys=[partition_of(FIRST), partition_of(SECOND)]
        )
        assert {(i.partition_key, i.latest_planned_run_id) for i in info} == {
            (partition_of(FIRST), first.run_id),
            (partition_of(SECOND), second.run_id),
        }

        # the referential's checks are unpartitioned: one result, the latest run's
        referential = latest(instance, REFERENTIAL_CHECK, None)
        assert (referential.run_id, referential.partition) == (second.run_id, None)
