"""docs/rules.md B11, B12 and "Invoices": first billing, re-runs, adjustments, credit notes, numbering."""

from decimal import Decimal

import pytest

from assets.billing.issuing import IssueDateError
from assets.ingest.loading import load_activity
from checks.billing import control_valuation_vs_documents
from tests.billing.case import NOW, Case, D, month_of_days

M = Decimal


def association(tmp_path, delay=None):
    case = (
        Case(tmp_path)
        .establishment("FH01", "FH")
        .payer("D66", "departement", delay=delay)
        .rate("FH01", "internat", D(2025, 1, 1), D(2025, 12, 31), "150.00")
    )
    for rid in ("000001", "000002"):
        case.resident(rid).stay(rid, "FH01", D(2024, 1, 1)).decision(rid, "D66", "FH01", D(2024, 1, 1))
    case.contribution("000001", D(2025, 1, 1), None, "310.00")
    for month_first, month_last in ((D(2025, 1, 1), D(2025, 1, 31)), (D(2025, 2, 1), D(2025, 2, 28))):
        case.activity("FH01", "000001", month_of_days(month_first, month_last))
        case.activity("FH01", "000002", month_of_days(month_first, month_first.replace(day=10)))
    return case


def test_first_billing_one_invoice_per_payer_and_per_resident_who_owes(tmp_path):
    case = association(tmp_path, delay=45)
    summary = case.issue("2025-01", D(2025, 2, 5))
    assert (summary.invoices, summary.credit_notes, summary.invoiced) == (2, 0, M("6150.00"))
    assert case.documents() == [
        (
            "F2025-000001",
            "facture",
            "initiale",
            "2025-01",
            "D66",
            "FH01",
            M("5840.00"),
            None,
            D(2025, 2, 5),
            D(2025, 3, 22),
        ),
        (
            "F2025-000002",
            "facture",
            "initiale",
            "2025-01",
            "U000001",
            "FH01",
            M("310.00"),
            None,
            D(2025, 2, 5),
            D(2025, 3, 7),
        ),
    ]
    assert case.lines("F2025-000001") == [
        ("000001", "presence", 31, M("150.00"), M("4650.00")),
        ("000001", "participation_usager", 1, M("-310.00"), M("-310.00")),
        ("000002", "presence", 10, M("150.00"), M("1500.00")),
    ]
    assert case.lines("F2025-000002") == [("000001", "participation_frais_hebergement", 1, M("310.00"), M("310.00"))]


def test_rerunning_with_unchanged_data_issues_nothing(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    again = case.issue("2025-01", D(2025, 2, 5))
    assert again.documents == 0 and len(case.documents()) == 2
    case.issue("2025-02", D(2025, 3, 5))
    assert [d[0] for d in case.documents()] == ["F2025-000001", "F2025-000002", "F2025-000003", "F2025-000004"]
    assert case.issue("2025-02", D(2025, 3, 5)).documents == 0


def test_a_higher_definitive_rate_gives_complementary_invoices_for_past_months(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    case.issue("2025-02", D(2025, 3, 5))
    case.execute("UPDATE rates SET daily_rate = 152.40")
    case.activity("FH01", "000001", month_of_days(D(2025, 3, 1), D(2025, 3, 31)))
    summary = case.issue("2025-03", D(2025, 4, 5))
    docs = case.documents()[4:]
    assert [(d[0], d[2], d[3], d[4], d[6], d[7]) for d in docs] == [
        ("F2025-000005", "complementaire", "2025-01", "D66", M("98.40"), "F2025-000001"),  # 41 days x 2,40
        ("F2025-000006", "complementaire", "2025-02", "D66", M("91.20"), "F2025-000003"),  # 38 days x 2,40
        ("F2025-000007", "initiale", "2025-03", "D66", M("4414.40"), None),  # 31 x 152,40 - 310
        ("F2025-000008", "initiale", "2025-03", "U000001", M("310.00"), None),
    ]
    assert case.lines("F2025-000005") == [
        ("000001", "presence", 31, M("152.40"), M("4724.40")),
        ("000001", "presence", -31, M("150.00"), M("-4650.00")),
        ("000002", "presence", 10, M("152.40"), M("1524.00")),
        ("000002", "presence", -10, M("150.00"), M("-1500.00")),
    ]
    assert summary.invoices == 4


def test_a_lower_rate_gives_credit_notes_naming_the_invoice_they_correct(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    case.execute("UPDATE rates SET daily_rate = 149.00")
    summary = case.issue("2025-01", D(2025, 2, 20))
    assert (summary.invoices, summary.credit_notes, summary.credited) == (0, 1, M("-41.00"))
    (credit,) = case.documents()[2:]
    assert credit[:8] == ("A2025-000001", "avoir", "avoir", "2025-01", "D66", "FH01", M("-41.00"), "F2025-000001")
    assert case.lines("A2025-000001") == [
        ("000001", "presence", -31, M("150.00"), M("-4650.00")),
        ("000001", "presence", 31, M("149.00"), M("4619.00")),
        ("000002", "presence", -10, M("150.00"), M("-1500.00")),
        ("000002", "presence", 10, M("149.00"), M("1490.00")),
    ]


def test_a_resident_leaving_a_month_already_billed_gets_a_credit_note(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    case.execute("UPDATE stays SET exit_date = DATE '2025-01-06' WHERE resident_id = '000002'")
    case.issue("2025-01", D(2025, 2, 6))
    (credit,) = case.documents()[2:]
    assert (credit[0], credit[6], credit[7]) == ("A2025-000001", M("-750.00"), "F2025-000001")
    assert case.lines("A2025-000001") == [("000002", "presence", -5, M("150.00"), M("-750.00"))]


def test_a_month_billed_then_held_keeps_what_was_issued_until_its_extract_is_corrected(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    issued = case.documents()
    folder = tmp_path / "entrees" / "activite" / "2025-01"
    folder.mkdir(parents=True)
    extract = ["code_etablissement;id_usager;date;code"] + [f"FH01;000001;2025-01-{d:02d};P" for d in range(1, 32)]
    # January's extract dropped again, 000002's days left out and one of 000001's days twice: held (B1)
    (folder / "fh01.csv").write_text("\n".join([*extract, "FH01;000001;2025-01-03;P"]) + "\n", encoding="utf-8")
    with case.transaction() as con:
        assert load_activity(con, tmp_path / "entrees", "2025-01", NOW).held == 32
    summary = case.issue("2025-02", D(2025, 3, 5))
    assert (summary.credit_notes, [d for d in case.documents() if d[3] == "2025-01"]) == (0, issued)
    # corrected: 000002 left at the end of December, his 10 January days are credited
    (folder / "fh01.csv").write_text("\n".join(extract) + "\n", encoding="utf-8")
    with case.transaction() as con:
        assert load_activity(con, tmp_path / "entrees", "2025-01", NOW).held == 0
    summary = case.issue("2025-02", D(2025, 3, 6))
    assert [(d[0], d[3], d[6], d[7]) for d in case.documents() if d[1] == "avoir"] == [
        ("A2025-000001", "2025-01", M("-1500.00"), "F2025-000001")
    ]
    # dropped again saved as a workbook: unreadable, the days in force stay too
    (folder / "fh01.csv").write_bytes(b"PK\x03\x04" + b"x" * 100)
    with case.transaction() as con:
        assert list(load_activity(con, tmp_path / "entrees", "2025-01", NOW).unreadable) == [
            "activite/2025-01/fh01.csv"
        ]
    assert case.issue("2025-02", D(2025, 3, 7)).documents == 0


def test_a_credit_note_corrects_the_residents_invoices_latest_first_each_down_to_zero(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 2, 5))
    case.execute("UPDATE rates SET daily_rate = 152.40")  # 41 days x 2.40: a complementary invoice
    case.issue("2025-01", D(2025, 2, 6))
    assert [(d[0], d[2], d[6]) for d in case.documents()][2:] == [("F2025-000003", "complementaire", M("98.40"))]
    # 000002 left on 6 January: 5 days x 152.40 credited, more than the 24.00 the complementary invoice bills him:
    # that one down to 0, the rest off the first invoice, and the credit note names both, latest first
    case.execute("UPDATE stays SET exit_date = DATE '2025-01-06' WHERE resident_id = '000002'")
    case.issue("2025-01", D(2025, 2, 7))
    (credit,) = [d for d in case.documents() if d[1] == "avoir"]
    assert (credit[0], credit[6], credit[7]) == ("A2025-000001", M("-762.00"), "F2025-000003,F2025-000001")
    assert case.corrections("A2025-000001") == [
        ("F2025-000003", "000002", M("-24.00")),
        ("F2025-000001", "000002", M("-738.00")),
    ]
    # every day 2.00 less: 000001's 62.00 comes off the complementary invoice (it bills him 74.40), 000002's 10.00
    # off the first one (the complementary one bills him nothing any more): one credit note per invoice corrected
    case.execute("UPDATE rates SET daily_rate = 150.40")
    case.issue("2025-01", D(2025, 2, 8))
    later = [(d[0], d[6], d[7]) for d in case.documents() if d[1] == "avoir"][1:]
    assert later == [("A2025-000002", M("-10.00"), "F2025-000001"), ("A2025-000003", M("-62.00"), "F2025-000003")]
    assert case.corrections("A2025-000002") == [("F2025-000001", "000002", M("-10.00"))]
    assert case.corrections("A2025-000003") == [("F2025-000003", "000001", M("-62.00"))]
    # no invoice below 0: the first bills 000001 4,340.00 and 000002 752.00; the complementary one 12.40
    assert case.open_amounts() == [("F2025-000001", M("5092.00")), ("F2025-000002", M("310.00")),
                                   ("F2025-000003", M("12.40"))]  # fmt: skip


def test_credit_notes_share_out_what_is_owed_less_latest_first():
    from assets.billing.issuing import corrections

    invoices = [(2025, 1, "F2025-000001", M("100.00")), (2025, 7, "F2025-000007", M("30.00")),
                (2025, 4, "F2025-000004", M("0.00")), (2026, 2, "F2026-000002", M("50.00"))]  # fmt: skip
    assert corrections(invoices, M("20.00")) == [("F2026-000002", M("20.00"))]
    assert corrections(invoices, M("50.00")) == [("F2026-000002", M("50.00"))]
    assert corrections(invoices, M("95.50")) == [("F2026-000002", M("50.00")), ("F2025-000007", M("30.00")),
                                                 ("F2025-000001", M("15.50"))]  # fmt: skip
    # more than they all bill (an invoice left below 0 before credit notes were shared out): the latest takes it
    assert corrections(invoices, M("190.00")) == [("F2026-000002", M("60.00")), ("F2025-000007", M("30.00")),
                                                  ("F2025-000001", M("100.00"))]  # fmt: skip
    with pytest.raises(ValueError, match="aucune facture"):
        corrections([], M("1.00"))


def test_a_pending_file_granted_months_later_bills_all_its_months_at_once(tmp_path):
    case = association(tmp_path)
    case.execute("UPDATE funding_decisions SET status = 'en_instruction' WHERE resident_id = '000002'")
    case.issue("2025-01", D(2025, 2, 5))
    case.issue("2025-02", D(2025, 3, 5))
    assert {line[0] for d in case.documents() for line in case.lines(d[0])} == {"000001"}
    case.execute("UPDATE funding_decisions SET status = 'accordee' WHERE resident_id = '000002'")
    case.issue("2025-02", D(2025, 3, 20))
    late = case.documents()[4:]
    assert [(d[0], d[2], d[3], d[6], d[7]) for d in late] == [
        ("F2025-000005", "complementaire", "2025-01", M("1500.00"), "F2025-000001"),
        ("F2025-000006", "complementaire", "2025-02", M("1500.00"), "F2025-000003"),
    ]


def test_a_resident_whose_contribution_takes_all_the_departements_amount_keeps_his_lines(tmp_path):
    # B9: 2 days present, 300.00; his contribution (6,000.00 x 2 / 31 = 387.10) is capped at 300.00
    case = association(tmp_path)
    case.execute("UPDATE contributions SET monthly_amount = 6000.00")
    case.execute("DELETE FROM activity_days WHERE resident_id = '000001' AND day BETWEEN '2025-01-03' AND '2025-01-31'")
    case.issue("2025-01", D(2025, 2, 5))
    assert [(d[0], d[4], d[6]) for d in case.documents()] == [
        ("F2025-000001", "D66", M("1500.00")),
        ("F2025-000002", "U000001", M("300.00")),
    ]
    assert case.lines("F2025-000001") == [
        ("000001", "presence", 2, M("150.00"), M("300.00")),
        ("000001", "participation_usager", 1, M("-300.00"), M("-300.00")),
        ("000002", "presence", 10, M("150.00"), M("1500.00")),
    ]
    with case.transaction() as con:
        assert control_valuation_vs_documents(con, "2025-01", "2023-02", "2025-01").passed
    # alone in the establishment: the département's invoice would total 0, none is issued, and none is missing
    case.execute("DELETE FROM activity_days WHERE resident_id = '000002' AND month = '2025-02'")
    case.execute("DELETE FROM activity_days WHERE resident_id = '000001' AND month = '2025-02' AND day > '2025-02-02'")
    case.issue("2025-02", D(2025, 3, 5))
    february = [(d[0], d[4], d[6]) for d in case.documents() if d[3] == "2025-02"]
    assert february == [("F2025-000003", "U000001", M("300.00"))]
    with case.transaction() as con:
        assert control_valuation_vs_documents(con, "2025-02", "2023-03", "2025-02").passed


def test_a_capped_resident_granted_after_the_others_were_billed_needs_no_document_of_the_departement(tmp_path):
    case = association(tmp_path)
    case.execute("UPDATE contributions SET monthly_amount = 6000.00")
    case.execute("DELETE FROM activity_days WHERE resident_id = '000001' AND day BETWEEN '2025-01-03' AND '2025-01-31'")
    case.execute("UPDATE funding_decisions SET status = 'en_instruction' WHERE resident_id = '000001'")
    case.issue("2025-01", D(2025, 2, 5))  # his file pending: the département is billed for 000002 alone
    case.execute("UPDATE funding_decisions SET status = 'accordee' WHERE resident_id = '000001'")
    for day in (6, 7):  # granted: he owes 300.00 of contribution, the département nothing more; again: nothing
        case.issue("2025-01", D(2025, 2, day))
        assert [(d[0], d[4], d[6]) for d in case.documents()] == [
            ("F2025-000001", "D66", M("1500.00")),
            ("F2025-000002", "U000001", M("300.00")),
        ]
        with case.transaction() as con:
            assert control_valuation_vs_documents(con, "2025-01", "2023-02", "2025-01").passed


def test_a_refused_file_bills_the_resident(tmp_path):
    case = association(tmp_path)
    case.execute("UPDATE funding_decisions SET status = 'refusee' WHERE resident_id = '000002'")
    case.issue("2025-01", D(2025, 2, 5))
    resident_invoices = [d for d in case.documents() if d[4] == "U000002"]
    assert [(d[2], d[6]) for d in resident_invoices] == [("initiale", M("1500.00"))]


def test_numbers_are_per_series_and_calendar_year_and_never_go_back_in_time(tmp_path):
    case = association(tmp_path)
    case.issue("2025-01", D(2025, 12, 30))
    case.execute("UPDATE rates SET daily_rate = 140.00")
    case.issue("2025-01", D(2026, 1, 2))
    assert [d[0] for d in case.documents()] == ["F2025-000001", "F2025-000002", "A2026-000001"]
    case.execute("UPDATE rates SET daily_rate = 139.00")
    with pytest.raises(IssueDateError) as err:
        case.issue("2025-01", D(2026, 1, 1))
    assert str(err.value) == (
        "date d'émission 01/01/2026 antérieure à celle du dernier document de la série A2026 "
        "(02/01/2026) : la numérotation doit rester chronologique"
    )
    assert len(case.documents()) == 3  # nothing was issued
    # a run with invoices only is held to the invoices' last date, not the credit notes'
    case.execute("UPDATE rates SET daily_rate = 141.00")
    case.issue("2025-01", D(2026, 1, 1))
    new = [(d[0], d[6], d[8]) for d in case.documents() if d[0].startswith("F2026")]
    assert new == [("F2026-000001", M("41.00"), D(2026, 1, 1))]


def test_a_document_whose_total_is_zero_is_not_issued(tmp_path):
    case = association(tmp_path)
    case.execute("UPDATE activity_days SET code = 'F' WHERE resident_id = '000002'")
    case.execute("DELETE FROM contributions")
    case.issue("2025-01", D(2025, 2, 5))
    assert [(d[4], d[6]) for d in case.documents()] == [("D66", M("4650.00"))]


def test_issuing_compares_only_the_pairs_valued_again_and_keeps_them_until_it_has_issued(tmp_path):
    from assets.billing.issuing import issue
    from tests.billing.case import NOW

    case = association(tmp_path)
    pending = "SELECT month, establishment_code FROM issue_pending ORDER BY ALL"
    case.value("2025-02")
    assert case.con.execute(pending).fetchall() == [("2025-01", "FH01"), ("2025-02", "FH01")]
    with pytest.raises(IssueDateError), case.transaction() as con:  # the issue fails: nothing is lost
        con.execute("INSERT INTO documents (number, series, year, seq, type, nature, issue_date, due_date, "
                    "service_month, establishment_code, payer_code, payer_type, amount, run_month, payer_name, "
                    "issued_at) VALUES ('F2025-000009', 'F', 2025, 9, 'facture', 'initiale', DATE '2025-12-01', "
                    "DATE '2025-12-31', '2024-01', 'X', 'D66', 'departement', 0, '2024-01', 'x', now())")  # fmt: skip
        issue(con, case.settings, "2025-02", D(2025, 3, 5), NOW)
    assert case.con.execute(pending).fetchall() == [("2025-01", "FH01"), ("2025-02", "FH01")]
    with case.transaction() as con:
        assert issue(con, case.settings, "2025-02", D(2025, 3, 5), NOW).invoices == 4
    assert case.con.execute(pending).fetchall() == []
    # a pair nobody valued again is not compared: what is due there can only change through the valuation
    case.execute("UPDATE due_lines SET amount = amount + 1 WHERE month = '2025-01'")
    with case.transaction() as con:
        assert issue(con, case.settings, "2025-02", D(2025, 3, 5), NOW).documents == 0
    case.execute("INSERT INTO issue_pending VALUES ('2025-01', 'FH01')")
    with case.transaction() as con:
        again = issue(con, case.settings, "2025-02", D(2025, 3, 5), NOW)
    assert (again.documents, again.invoiced) == (2, M("4.00"))  # the département's and the resident's


def test_an_issue_date_before_the_months_end_or_over_60_days_after_it_is_unusual():
    from assets.billing.issuing import unusual_issue_date

    assert unusual_issue_date("2025-01", D(2025, 1, 30)) == (
        "date d'émission 30/01/2025 antérieure à la fin du mois 2025-01 (31/01/2025)"
    )
    assert unusual_issue_date("2025-01", D(2025, 1, 31)) is None  # the month's last day: its services given
    assert unusual_issue_date("2025-01", D(2025, 4, 1)) is None  # 60 days after
    assert unusual_issue_date("2025-01", D(2025, 4, 2)) == (
        "date d'émission 02/04/2025 plus de 60 jours après la fin du mois 2025-01 (31/01/2025)"
    )
    assert unusual_issue_date("2024-02", D(2024, 2, 29)) is None  # leap year


def test_the_issue_date_control_blocks_an_unusual_date_unless_confirmed_and_an_earlier_one_always():
    from checks.billing import control_issue_date

    usual = control_issue_date("2025-01", D(2025, 2, 5), False, None)
    assert (usual.control, usual.passed, usual.value, usual.detail) == (
        "date_emission",
        True,
        0,
        "date d'émission 05/02/2025",
    )
    late = control_issue_date("2025-01", D(2026, 12, 7), False, None)
    assert (late.passed, late.value) == (False, 1)
    assert late.detail == (
        "date d'émission 07/12/2026 plus de 60 jours après la fin du mois 2025-01 (31/01/2025) : rien n'est émis ; "
        "donnez la date voulue (étiquette recettes/date_emission, --date-emission) ou confirmez celle-ci "
        "(étiquette recettes/confirmer_date = oui, --confirmer)"
    )
    confirmed = control_issue_date("2025-01", D(2026, 12, 7), True, None)
    assert (confirmed.passed, confirmed.detail) == (
        True,
        "date d'émission 07/12/2026 plus de 60 jours après la fin du mois 2025-01 (31/01/2025) : confirmée",
    )
    earlier = "date d'émission 01/02/2025 antérieure à celle du dernier document de la série F2025 (05/02/2025)"
    refused = control_issue_date("2025-01", D(2025, 2, 1), True, earlier)  # confirmation does not lift it
    assert (refused.passed, refused.value, refused.detail) == (False, 1, earlier)
