"""Retention of the outputs: month folders older than `conservation.annees` years are removed whole."""

import datetime as dt

import pytest

from assets.reporting.retention import expired, purge_outputs


@pytest.mark.parametrize(
    ("month", "as_of", "years", "gone"),
    [
        ("2014-11", dt.date(2024, 11, 30), 10, False),  # ended 2014-11-30: ten years are over on 2024-12-01
        ("2014-11", dt.date(2024, 12, 1), 10, True),
        ("2014-12", dt.date(2024, 12, 31), 10, False),  # December: the year after
        ("2014-12", dt.date(2025, 1, 1), 10, True),
        ("2024-02", dt.date(2025, 3, 1), 1, True),
        ("2024-02", dt.date(2025, 2, 28), 1, False),
    ],
)
def test_a_month_expires_the_day_its_end_is_that_many_years_old(month, as_of, years, gone):
    assert expired(month, as_of, years) is gone


def test_expired_month_folders_are_removed_with_their_files_and_the_index_rewritten(tmp_path):
    sorties = tmp_path / "sorties"
    for month in ("2014-10", "2014-11", "2014-12", "2024-11"):
        (sorties / month / "factures").mkdir(parents=True)
        (sorties / month / "factures" / "registre.csv").write_text("numero;type\n")
    (sorties / "notes").mkdir()  # not a month: left alone
    removed = purge_outputs(sorties, dt.date(2024, 12, 5), 10)
    assert removed == ["2014-10", "2014-11"]
    assert sorted(p.name for p in sorties.iterdir()) == ["2014-12", "2024-11", "index.html", "notes"]
    index = (sorties / "index.html").read_text(encoding="utf-8")
    assert "2014-12/factures/registre.csv" in index and "2014-11" not in index
    assert purge_outputs(sorties, dt.date(2024, 12, 5), 10) == []  # a re-run removes nothing more
