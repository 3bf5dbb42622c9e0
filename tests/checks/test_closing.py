"""What must hold before a month issues (checks/closing.py): months in order, everything billed still in the
referential, no mass credit notes."""

from decimal import Decimal

from assets.common.settings_file import parse_settings
from checks.billing import drafted_close
from checks.closing import control_billed_missing, control_mass_credits, months_to_close_first
from tests.billing.case import NOW, Case, D, month_of_days
from tests.conftest import SETTINGS

M = Decimal


def test_the_months_to_close_first_run_from_the_first_one_closed():
    assert months_to_close_first([], None, "2025-03") == ("2025-03", [])
    assert months_to_close_first([], "2025-01", "2025-03") == ("2025-01", ["2025-01", "2025-02"])
    assert months_to_close_first(["2024-11", "2024-12"], "2024-11", "2025-01") == ("2024-11", [])
    assert months_to_close_first(["2024-11", "2024-12"], "2024-11", "2025-02") == ("2024-11", ["2025-01"])
    assert months_to_close_first(["2024-11", "2025-01"], "2024-11", "2024-12") == ("2024-11", [])  # again
    assert months_to_close_first(["2024-11"], "2024-10", "2024-10") == ("2024-11", ["2024-10"])  # too late


def association(tmp_path, settings=SETTINGS):
    case = (
        Case(tmp_path, settings)
        .establishment("FH01", "FH")
        .payer("D66", "departement")
        .rate("FH01", "internat", D(2025, 1, 1), None, "150.00")
    )
    for rid in ("000001", "000002"):
        case.resident(rid).stay(rid, "FH01", D(2024, 1, 1)).decision(rid, "D66", "FH01", D(2024, 1, 1))
        for first, last in ((D(2025, 1, 1), D(2025, 1, 31)), (D(2025, 2, 1), D(2025, 2, 28))):
            case.activity("FH01", rid, month_of_days(first, last))
    case.issue("2025-01", D(2025, 2, 5))  # D66: 9,300.00
    return case


def test_a_resident_payer_or_stay_billed_and_gone_from_the_referential_is_named(tmp_path):
    case = association(tmp_path)
    with case.transaction() as con:
        assert control_billed_missing(con, "2024-01").passed
    case.execute("UPDATE residents SET id = '2' WHERE id = '000002'")  # its zeros lost
    case.execute("DELETE FROM stays WHERE resident_id = '000001'")
    with case.transaction() as con:
        outcome = control_billed_missing(con, "2024-01")
        later = control_billed_missing(con, "2025-02")  # the months a close of March 2027 recomputes, say
    assert (outcome.control, outcome.severity, outcome.passed, outcome.value) == (
        "factures_sans_referentiel",
        "erreur",
        False,
        2,
    )
    assert outcome.examples == [
        {"absent": "sejour", "identifiant": "000001", "etablissement": "FH01"},
        {"absent": "usager", "identifiant": "000002", "etablissement": "FH01"},
    ]
    assert outcome.detail.startswith("2 usager(s), financeur(s) ou séjour(s) facturé(s) absent(s) du référentiel")
    assert later.passed  # January is before the months looked at
    case.execute("DELETE FROM payers")
    with case.transaction() as con:
        assert control_billed_missing(con, "2024-01").examples[0] == {
            "absent": "financeur",
            "identifiant": "D66",
            "etablissement": "FH01",
        }


def test_credit_notes_above_both_a_share_of_last_months_billing_and_an_amount_are_held(tmp_path):
    case = association(tmp_path, SETTINGS + "avoirs_massifs: {part: 20, montant: '1000.00'}\n")
    case.issue("2025-02", D(2025, 3, 5))  # February: 8,400.00
    case.execute("UPDATE stays SET exit_date = DATE '2025-02-15' WHERE resident_id = '000002'")
    case.value("2025-02")
    with case.transaction() as con:  # 14 days of February credited back: 2,100.00, 25 % of January's 9,300.00
        held = control_mass_credits(con, case.settings, "2025-02", drafted_close(con, case.settings, "2025-02",
                                                                                 D(2025, 3, 6), NOW))  # fmt: skip
    assert (held.control, held.severity, held.passed) == ("avoirs_massifs", "erreur", False)
    assert held.examples == [{"code_financeur": "D66", "avoirs": "2100.00", "facture_2025-01": "9300.00"}]
    assert held.detail.startswith(
        "1 financeur(s) recevraient des avoirs au-delà de 20 % de leur facturation de 2025-01"
    )
    # the same with the defaults: 2,100.00 is less than 10,000.00, a small correction
    with case.transaction() as con:
        drafted = drafted_close(con, case.settings, "2025-02", D(2025, 3, 6), NOW)
        ok = control_mass_credits(con, parse_settings(SETTINGS), "2025-02", drafted)
    assert ok.passed and ok.detail == (
        "aucun financeur ne recevrait d'avoirs au-delà de 20 % de sa facturation de 2025-01 et de 10\u202f000,00 €"
    )
    # less than 20 % of last month: not held either
    case.execute("UPDATE stays SET exit_date = DATE '2025-02-26' WHERE resident_id = '000002'")
    case.value("2025-02")
    with case.transaction() as con:
        drafted = drafted_close(con, case.settings, "2025-02", D(2025, 3, 6), NOW)
        assert control_mass_credits(con, case.settings, "2025-02", drafted).passed  # 450.00
