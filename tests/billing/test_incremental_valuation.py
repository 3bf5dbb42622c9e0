"""The incremental valuation (only the pairs whose fingerprint changed are valued again) gives exactly what
valuing every open month again gives, and a change reaches only the months it applies to."""

import datetime as dt
import random
from pathlib import Path

import pytest

from assets.billing.valuation import store_valuation
from assets.common.warehouse import SCHEMA_DIR, run_sql
from tests.billing.case import Case, D, month_of_days

MONTHS = ("2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03")
LAST = MONTHS[-1]
RESIDENTS = {"000001": "E1", "000002": "E1", "000003": "E2", "000004": "E2", "000005": "E3", "000006": "E3"}


def association(tmp_path) -> Case:
    case = Case(tmp_path).payer("D66").payer("CPAM", "assurance_maladie")
    for code, type_ in (("E1", "FH"), ("E2", "MAS"), ("E3", "FAM")):
        case.establishment(code, type_).rate(code, "internat", D(2020, 1, 1), None, "150.00")
        case.rate(code, "semi_internat", D(2020, 1, 1), None, "80.00")
    for rid, etab in RESIDENTS.items():
        payer = "CPAM" if etab == "E2" else "D66"
        case.resident(rid).stay(rid, etab, D(2023, 6, 1)).decision(rid, payer, etab, D(2023, 6, 1))
        case.activity(etab, rid, month_of_days(D(2024, 10, 1), D(2025, 3, 31)))
    case.contribution("000001", D(2024, 1, 1), None, "310.00")
    return case


def snapshot(con) -> tuple[list, list, list]:
    return (
        con.execute("SELECT * FROM valued_days ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM due_lines ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM valued_months ORDER BY ALL").fetchall(),
    )


def incremental_and_full(case: Case) -> tuple[int, bool]:
    """Value incrementally (kept), then everything again in a transaction rolled back; the pairs valued
    again and whether both gave the same valued days and due lines."""
    with case.transaction() as con:
        pairs = store_valuation(con, case.settings, LAST).pairs
    incremental = snapshot(case.con)
    case.con.execute("BEGIN TRANSACTION")
    try:
        store_valuation(case.con, case.settings, LAST, force=True)
        full = snapshot(case.con)
    finally:
        case.con.execute("ROLLBACK")
    return pairs, incremental == full


def day(rng: random.Random) -> dt.date:
    month = rng.choice(MONTHS)
    return dt.date(int(month[:4]), int(month[5:]), rng.randint(1, 28))


def change(case: Case, rng: random.Random) -> str:
    """One random change of the referential or the activity, as the months' files bring them."""
    rid = rng.choice(sorted(RESIDENTS))
    etab = RESIDENTS[rid]
    when = day(rng)
    kind = rng.choice(
        ["exit", "reentry", "mode", "new_rate", "rate_price", "decision_end", "decision_status", "new_decision",
         "contribution", "contribution_end", "absence", "hospital", "drop_day", "fjh_payer"]
    )  # fmt: skip
    price, length, status = rng.randint(140, 190), rng.randint(0, 70), rng.choice(["refusee", "en_instruction"])
    statements = {
        "exit": [("UPDATE stays SET exit_date = ? WHERE resident_id = ? AND exit_date IS NULL", [when, rid])],
        "reentry": [("INSERT INTO stays VALUES (?, ?, ?, NULL, 'internat', 900)", [rid, etab, when])],
        "mode": [("UPDATE stays SET mode = 'semi_internat' WHERE resident_id = ?", [rid])],
        "new_rate": [
            (
                "UPDATE rates SET end_date = ?::DATE - 1 WHERE establishment_code = ? AND end_date IS NULL "
                "AND rate_mode = 'internat'",
                [when, etab],
            ),
            ("INSERT INTO rates VALUES (?, 'internat', ?, NULL, ? + 0.25, 'definitif', 901)", [etab, when, price]),
        ],
        "rate_price": [
            (
                "UPDATE rates SET daily_rate = daily_rate + 1 WHERE establishment_code = ? AND start_date <= ?",
                [etab, when],
            )
        ],
        "decision_end": [("UPDATE funding_decisions SET end_date = ? WHERE resident_id = ?", [when, rid])],
        "decision_status": [
            (
                "UPDATE funding_decisions SET status = ? WHERE resident_id = ? "
                "AND start_date = (SELECT max(start_date) FROM funding_decisions WHERE resident_id = ?)",
                [status, rid, rid],
            )
        ],
        "new_decision": [
            (
                "INSERT INTO funding_decisions VALUES (?, 'D66', ?, ?, NULL, 'accordee', ?, ?, 902)",
                [rid, etab, when, f"DEC-N{rid}", f"ENG-{when:%m}"],
            )
        ],
        "contribution": [("INSERT INTO contributions VALUES (?, ?, NULL, 255.50, 903)", [rid, when])],
        "contribution_end": [("UPDATE contributions SET end_date = ? WHERE resident_id = ?", [when, rid])],
        "absence": [
            (
                "UPDATE activity_days SET code = 'C' WHERE resident_id = ? AND day BETWEEN ? AND ?::DATE + ?",
                [rid, when, when, length // 2],
            )
        ],
        "hospital": [
            (
                "UPDATE activity_days SET code = 'H' WHERE resident_id = ? AND day BETWEEN ? AND ?::DATE + ?",
                [rid, when, when, length],
            )
        ],
        "drop_day": [("DELETE FROM activity_days WHERE resident_id = ? AND day = ?", [rid, when])],
        "fjh_payer": [("UPDATE payers SET type = 'autre' WHERE code = 'CPAM'", [])],
    }[kind]
    for query, params in statements:
        case.execute(query, params)
    return f"{kind} {rid} {when}"


@pytest.mark.slow  # property-based examples, each valuing a warehouse twice
def test_the_incremental_valuation_equals_valuing_everything_again_after_random_changes(tmp_path):
    seed = 2
    rng = random.Random(seed)
    case = association(tmp_path)
    pairs, same = incremental_and_full(case)
    assert (pairs, same) == (len(MONTHS) * 3, True)
    done = []
    for _ in range(30):
        done.append(change(case, rng))
        pairs, same = incremental_and_full(case)
        assert same, (seed, done)
    assert incremental_and_full(case) == (0, True)  # nothing changed since


def test_a_change_revalues_only_the_months_it_reaches(tmp_path):
    case = association(tmp_path)
    assert incremental_and_full(case) == (18, True)
    # the yearly rate: the old one ended the day before, the new one from 1 March, in one establishment
    case.execute("UPDATE rates SET end_date = DATE '2025-02-28' WHERE establishment_code = 'E1' AND end_date IS NULL")
    case.execute("INSERT INTO rates VALUES ('E1', 'internat', DATE '2025-03-01', NULL, 155.00, 'definitif', 99)")
    assert incremental_and_full(case) == (1, True)  # E1's March
    case.execute("UPDATE stays SET exit_date = DATE '2025-02-10' WHERE resident_id = '000003'")
    assert incremental_and_full(case) == (2, True)  # E2's February and March
    case.execute("INSERT INTO funding_decisions VALUES ('000005', 'D66', 'E3', DATE '2025-01-15', NULL, "
                 "'accordee', 'DEC-2', 'ENG-2', 98)")  # fmt: skip
    assert incremental_and_full(case) == (3, True)  # E3's January to March
    case.execute("UPDATE contributions SET monthly_amount = 320.00")
    assert incremental_and_full(case) == (6, True)  # E1's six months: the contribution runs over all of them
    case.execute("UPDATE activity_days SET code = 'H' WHERE resident_id = '000002' AND day = DATE '2024-12-31'")
    assert incremental_and_full(case) == (4, True)  # E1's December and after: the episode counters look back
    case.execute("INSERT INTO stays VALUES ('000001', 'E1', DATE '2023-06-01', NULL, 'internat', 97)")
    assert incremental_and_full(case) == (6, True)  # a line given twice (which the controls refuse)
    case.execute("UPDATE stays SET mode = 'semi_internat' WHERE resident_id = '000001'")
    assert incremental_and_full(case) == (6, True)  # both lines changed: two equal hashes do not cancel out
    case.execute("UPDATE establishments SET billing = 'dotation' WHERE code = 'E3'")
    assert incremental_and_full(case) == (6, True)  # the establishment's own row: all its months


REFERENCE = Path(__file__).parent / "reference"


def year_to_date_as_read_from_every_valued_day(con) -> None:
    """The counts kept per establishment and month (valued_months) are those of the valued days, as the
    schema's backfill counts them; and the year to date read from them is what reading every valued day gave
    (the queries as they were, in tests/billing/reference/), month by month."""
    backfill = (SCHEMA_DIR / "021_valued_months.sql").read_text(encoding="utf-8")
    counted = backfill[backfill.index("SELECT month") :].rstrip().rstrip(";")
    assert (
        con.execute("SELECT * FROM valued_months ORDER BY ALL").fetchall()
        == con.execute(
            f"SELECT * FROM ({counted}) ORDER BY ALL"  # noqa: S608
        ).fetchall()
    )
    per_payer = (
        "SELECT establishment_code, payer_code, month, count(DISTINCT resident_id || day) FROM valued_days "
        "WHERE state = 'facture' GROUP BY ALL ORDER BY ALL"
    )
    assert (
        con.execute(per_payer).fetchall()
        == con.execute(
            "SELECT establishment_code, payer_code, month, billed_days FROM valued_months "
            "WHERE grain = 1 AND billed_days > 0 ORDER BY ALL"
        ).fetchall()
    )
    for since, month in (("2024-10", "2024-12"), ("2025-01", "2025-01"), ("2025-01", "2025-03")):
        params = {"month": month, "since": since, "year": int(month[:4])}
        reference = (REFERENCE / "activity_year_from_valued_days.sql").read_text(encoding="utf-8")
        assert run_sql(con, "reporting/activity_year.sql", params) == con.execute(reference, params).fetchall()
        reference = (REFERENCE / "year_occupancy_from_valued_days.sql").read_text(encoding="utf-8")
        period = {"month": month, "since": since}
        assert run_sql(con, "reporting/year_occupancy.sql", period) == con.execute(reference, period).fetchall()


def test_the_year_to_date_reads_the_counts_kept_when_valued_as_it_read_every_valued_day(tmp_path):
    case = association(tmp_path)
    case.execute("INSERT INTO forecasts VALUES ('E1', 2025, 1000, 0.95, 1)")
    with case.transaction() as con:
        store_valuation(con, case.settings, LAST)
    year_to_date_as_read_from_every_valued_day(case.con)
    # held days, hospital days, a stay given twice, an establishment funded by an
    # allocation (its days present count), each valued again incrementally
    changes = [
        "UPDATE funding_decisions SET status = 'en_instruction' WHERE resident_id = '000004'",
        "UPDATE activity_days SET code = 'H' WHERE resident_id = '000002' AND day BETWEEN DATE '2025-01-03' "
        "AND DATE '2025-01-20'",
        "INSERT INTO stays VALUES ('000001', 'E1', DATE '2023-06-01', NULL, 'internat', 97)",
        "UPDATE establishments SET billing = 'dotation' WHERE code = 'E3'",
    ]
    for change in changes:
        case.execute(change)
        with case.transaction() as con:
            store_valuation(con, case.settings, LAST)
        year_to_date_as_read_from_every_valued_day(case.con)
    assert case.con.execute("SELECT count(*) FROM valued_months WHERE held_days > 0").fetchone()[0] > 0
