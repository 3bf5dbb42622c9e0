"""A demo home closed from the UI plays the demo as `recettes demo` does: after the first month's close through
the job, the sensor `demo_after_close` writes the payers' bank statements, the cell's decisions, the calls and
the accounting department's ledger of the next month, the same bytes as `play` writes for the same seed after
the same close, and only once."""

import dagster as dg
import pytest

from assets.common.partitions import partition_of
from assets.common.resources import DATE_TAG, VALIDATE_TAG, resources
from assets.payments.camt import parse_camt
from assets.payments.cfonb import parse_cfonb120
from demo.generator import close_date, generate
from demo.run import STATE, Demo, play, prepare
from pipelines.close import close_month
from pipelines.definitions import build
from pipelines.jobs import CLOSE_MONTH
from pipelines.sensors import demo_after_close

pytestmark = pytest.mark.slow  # closes a month twice through Dagster

FIRST, NEXT = "2024-11", "2024-12"


def inputs(home):
    """Every input file the demo's people write, by path under entrees/ (the activity aside: both homes have it)."""
    return {
        str(p.relative_to(home / "entrees")): p.read_bytes()
        for p in sorted((home / "entrees").rglob("*"))
        if p.is_file() and p.relative_to(home / "entrees").parts[0] != "activite"
    }


class Stopped:
    exit_code = 0


def by_command(home):
    """A home driven by `play` as `recettes demo --mois 2`: its inputs as they stand before the second close."""
    demo = Demo.create(home, generate("demo", 66), 66)
    before_next = {}
    with dg.DagsterInstance.ephemeral() as instance:

        def close(month):
            if month == NEXT:
                before_next.update(inputs(home))
                return Stopped()
            return close_month(home, month, close_date(month), instance=instance)

        for month, result in play(demo, [FIRST, NEXT], close):
            assert result.exit_code == 0, (result.failed_controls, result.errors)
            if month == NEXT:
                break
    return before_next


def payments(files):
    """The bank lines of the next month's statements: (count, total) per file."""
    out = {}
    for name, parse in (
        (f"banque/releve_principal_{NEXT}.xml", parse_camt),
        (f"banque/releve_secondaire_{NEXT}.cfo", parse_cfonb120),
    ):
        lines = [line for s in parse(files[name], name) for line in s.lines]
        out[name] = (len(lines), sum(line.amount for line in lines if line.amount > 0))
    return out


def test_the_sensor_plays_the_demo_after_a_close_from_the_ui_as_the_command_does(tmp_path):
    expected = by_command(tmp_path / "commande")

    home = tmp_path / "ui"
    prepare(home, generate("demo", 66), 66)  # as `recettes generate`
    assert (home / STATE).is_file()
    defs = build(str(home))
    with dg.DagsterInstance.ephemeral() as instance:

        def tick(cursor):
            with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources(str(home))) as ctx:
                return demo_after_close.evaluate_tick(ctx)

        started = tick(None)  # the first tick only places the cursor, as under the daemon
        run = defs.resolve_job_def(CLOSE_MONTH).execute_in_process(
            partition_key=partition_of(FIRST),
            instance=instance,
            tags={DATE_TAG: close_date(FIRST).isoformat(), VALIDATE_TAG: "Claire Martin"},
        )
        assert run.success
        assert f"banque/releve_principal_{NEXT}.xml" not in inputs(home)  # the close itself writes no input
        ticked = tick(started.cursor)
        written = inputs(home)
        state = (home / STATE).read_bytes()

        # the next month's bank statements hold the payments of the invoices just issued, as `play` writes them
        assert payments(written) == payments(expected)
        count, received = payments(written)[f"banque/releve_principal_{NEXT}.xml"]
        assert count > 2 and received > 0  # not only the bank's fees: the residents' debits and cheques
        assert written.keys() == expected.keys()
        assert {name for name in written if written[name] != expected[name]} == set()

        # once only: a later tick sees no new run, and the same run evaluated again finds it done
        assert not tick(ticked.cursor).run_requests
        success = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)[0].dagster_event
        with dg.build_run_status_sensor_context(
            sensor_name="demo_after_close",
            dagster_event=success,
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(run.run_id),
            resources=resources(str(home)),
        ) as context:
            assert (
                demo_after_close(context).skip_message
                == f"démonstration : {FIRST} déjà suivi des paiements et des appels"
            )
        assert inputs(home) == written and (home / STATE).read_bytes() == state
