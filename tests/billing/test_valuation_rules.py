"""docs/rules.md B2-B9, one hand-computed case per rule, to the cent."""

from decimal import Decimal

import pytest

from tests.billing.case import Case, D, month_of_days
from tests.conftest import SETTINGS

M = Decimal


def foyer(
    tmp_path,
    rate="150.00",
    mode="internat",
    rate_mode="internat",
    entry=None,
    exit_=None,
    payer="D66",
    payer_type="departement",
    etab_type="FH",
    status="accordee",
):
    entry = entry or D(2024, 1, 1)
    case = (
        Case(tmp_path)
        .establishment("E1", etab_type)
        .resident("000001")
        .stay("000001", "E1", entry, exit_, mode)
        .rate("E1", rate_mode, D(2020, 1, 1), None, rate)
    )
    if payer:
        case.payer(payer, payer_type).decision("000001", payer, "E1", D(2020, 1, 1), None, status)
    return case


def test_b2_entry_day_billed_exit_day_not(tmp_path):
    case = foyer(tmp_path, entry=D(2025, 3, 10), exit_=D(2025, 3, 20))
    case.activity("E1", "000001", {D(2025, 3, 9): "P", D(2025, 3, 10): "P", D(2025, 3, 19): "P", D(2025, 3, 20): "P"})
    days = case.days("2025-03")
    assert days[D(2025, 3, 9)] == ("non_facture", "hors_sejour", M("0.00"), "D66")
    assert days[D(2025, 3, 10)] == ("facture", "presence", M("150.00"), "D66")
    assert days[D(2025, 3, 19)] == ("facture", "presence", M("150.00"), "D66")
    assert days[D(2025, 3, 20)] == ("non_facture", "hors_sejour", M("0.00"), "D66")


def test_b3_mid_month_rate_change_gives_two_lines_and_a_day_without_rate(tmp_path):
    case = foyer(tmp_path).clear_rates()
    case.rate("E1", "internat", D(2025, 1, 1), D(2025, 3, 15), "150.00")
    case.rate("E1", "internat", D(2025, 3, 16), D(2025, 3, 30), "160.50")
    case.activity("E1", "000001", month_of_days(D(2025, 3, 1), D(2025, 3, 31)))
    days = case.days("2025-03")
    assert days[D(2025, 3, 15)][2] == M("150.00") and days[D(2025, 3, 16)][2] == M("160.50")
    assert days[D(2025, 3, 31)] == ("non_facture", "sans_tarif", M("0.00"), "D66")
    assert case.due("2025-03") == [
        ("2025-03", "D66", "E1", "000001", "presence", M("150.00"), 15, M("2250.00")),
        ("2025-03", "D66", "E1", "000001", "presence", M("160.50"), 15, M("2407.50")),
    ]


def test_b4_pending_decision_holds_refused_or_none_makes_the_resident_pay(tmp_path):
    case = foyer(tmp_path, status="en_instruction")
    case.activity("E1", "000001", {D(2025, 3, 1): "P"})
    assert case.days("2025-03")[D(2025, 3, 1)] == ("en_attente", "presence", M("150.00"), "D66")
    assert case.due("2025-03") == []
    case.execute("UPDATE funding_decisions SET status = 'refusee'")
    assert case.days("2025-03")[D(2025, 3, 1)] == ("facture", "presence", M("150.00"), "U000001")


def test_b5_hospitalisation_episode_crosses_month_end_and_the_fjh_change(tmp_path):
    # H from 25/02/2026 to 05/03/2026: days 1-3 at the rate, then rate - FJH of that day (20,00 then 23,00)
    case = foyer(tmp_path)
    case.activity("E1", "000001", month_of_days(D(2026, 2, 25), D(2026, 3, 5), "H") | {D(2026, 3, 6): "P"})
    feb = case.days("2026-02")
    assert [feb[D(2026, 2, d)][1:3] for d in (25, 26, 27, 28)] == [
        ("hospitalisation", M("150.00")),
        ("hospitalisation", M("150.00")),
        ("hospitalisation", M("150.00")),
        ("hospitalisation_au_dela", M("130.00")),
    ]
    mar = case.days("2026-03")
    assert [mar[D(2026, 3, d)][1:3] for d in (1, 5, 6)] == [
        ("hospitalisation_au_dela", M("127.00")),
        ("hospitalisation_au_dela", M("127.00")),
        ("presence", M("150.00")),
    ]
    assert case.due("2026-03") == [
        ("2026-03", "D66", "E1", "000001", "hospitalisation_au_dela", M("127.00"), 5, M("635.00")),
        ("2026-03", "D66", "E1", "000001", "presence", M("150.00"), 1, M("150.00")),
    ]


def test_b5_a_new_episode_restarts_after_a_present_day(tmp_path):
    case = foyer(tmp_path)
    codes = (
        month_of_days(D(2025, 3, 1), D(2025, 3, 4), "H")
        | {D(2025, 3, 5): "P"}
        | month_of_days(D(2025, 3, 6), D(2025, 3, 9), "H")
    )
    case.activity("E1", "000001", codes)
    days = case.days("2025-03")
    assert [days[D(2025, 3, d)][2] for d in range(1, 10)] == [
        M(x) for x in ("150.00", "150.00", "150.00", "130.00", "150.00", "150.00", "150.00", "150.00", "130.00")
    ]


def test_b5_personal_absence_4th_and_36th_day_counted_from_1_january(tmp_path):
    case = foyer(tmp_path)
    # 20 C days in July, 15 in August (35 in the year), then September: the 36th day is not billed
    codes = month_of_days(D(2025, 7, 1), D(2025, 7, 20), "C") | month_of_days(D(2025, 8, 1), D(2025, 8, 15), "C")
    codes |= {D(2025, 9, 1): "C", D(2025, 9, 2): "P"}
    case.activity("E1", "000001", codes)
    july = case.days("2025-07")
    assert [july[D(2025, 7, d)][1:3] for d in (3, 4)] == [("absence", M("150.00")), ("absence_au_dela", M("130.00"))]
    assert case.days("2025-08")[D(2025, 8, 15)][1:3] == ("absence_au_dela", M("130.00"))  # the 35th
    sept = case.days("2025-09")
    assert sept[D(2025, 9, 1)] == ("non_facture", "au_dela_plafond", M("0.00"), "D66")
    assert sept[D(2025, 9, 2)] == ("facture", "presence", M("150.00"), "D66")
    # a new year starts the count again
    case.activity("E1", "000001", {D(2026, 1, 2): "C"})
    assert case.days("2026-01")[D(2026, 1, 2)][1:3] == ("absence", M("150.00"))


def test_b5_closed_day_is_not_billed(tmp_path):
    case = foyer(tmp_path)
    case.activity("E1", "000001", {D(2025, 3, 1): "F"})
    assert case.days("2025-03")[D(2025, 3, 1)] == ("non_facture", "fermeture", M("0.00"), "D66")


def test_b6_semi_internat_bills_only_presence(tmp_path):
    case = foyer(tmp_path, mode="accueil_jour", rate_mode="semi_internat", rate="98.50")
    case.activity("E1", "000001", {D(2025, 3, 3): "P", D(2025, 3, 4): "H", D(2025, 3, 5): "C", D(2025, 3, 8): "F"})
    days = case.days("2025-03")
    assert days[D(2025, 3, 3)] == ("facture", "presence", M("98.50"), "D66")
    assert days[D(2025, 3, 4)] == ("non_facture", "absence_semi_internat", M("0.00"), "D66")
    assert days[D(2025, 3, 5)] == ("non_facture", "absence_semi_internat", M("0.00"), "D66")
    assert days[D(2025, 3, 8)] == ("non_facture", "fermeture", M("0.00"), "D66")


def test_b7_private_payer_pays_p_h_c_at_full_rate(tmp_path):
    case = foyer(tmp_path, payer=None)
    codes = month_of_days(D(2025, 3, 1), D(2025, 3, 5), "H") | month_of_days(D(2025, 3, 6), D(2025, 3, 10), "C")
    case.activity("E1", "000001", codes | {D(2025, 3, 11): "P", D(2025, 3, 12): "F"})
    days = case.days("2025-03")
    assert {days[D(2025, 3, d)][1:] for d in range(1, 12)} == {
        ("hospitalisation", M("150.00"), "U000001"),
        ("absence", M("150.00"), "U000001"),
        ("presence", M("150.00"), "U000001"),
    }
    assert days[D(2025, 3, 12)][0] == "non_facture"
    assert sum(line[-1] for line in case.due("2025-03")) == M("1650.00")


def test_b8_mas_assurance_maladie_and_the_residents_fjh(tmp_path):
    case = foyer(tmp_path, rate="268.70", payer="CPAM66", payer_type="assurance_maladie", etab_type="MAS")
    codes = {D(2026, 2, 27): "P", D(2026, 2, 28): "P", D(2026, 3, 1): "P"}
    codes |= month_of_days(D(2026, 3, 2), D(2026, 3, 11), "H")  # H at the rate whatever its length
    codes |= month_of_days(D(2026, 3, 12), D(2026, 4, 16), "C")  # 36 C days: the 36th is not billed
    case.activity("E1", "000001", codes)
    case.value("2026-04")
    assert case.due("2026-02") == [
        ("2026-02", "CPAM66", "E1", "000001", "presence", M("268.70"), 2, M("537.40")),
        ("2026-02", "U000001", "E1", "000001", "forfait_journalier", M("20.00"), 2, M("40.00")),
    ]
    assert case.due("2026-03") == [
        ("2026-03", "CPAM66", "E1", "000001", "absence", M("268.70"), 20, M("5374.00")),
        ("2026-03", "CPAM66", "E1", "000001", "hospitalisation", M("268.70"), 10, M("2687.00")),
        ("2026-03", "CPAM66", "E1", "000001", "presence", M("268.70"), 1, M("268.70")),
        ("2026-03", "U000001", "E1", "000001", "forfait_journalier", M("23.00"), 1, M("23.00")),
    ]
    assert case.due("2026-04") == [("2026-04", "CPAM66", "E1", "000001", "absence", M("268.70"), 15, M("4030.50"))]
    assert case.days("2026-04")[D(2026, 4, 16)] == ("non_facture", "au_dela_plafond", M("0.00"), "CPAM66")


@pytest.mark.parametrize(
    ("monthly", "month", "present", "expected"),
    [
        ("500.00", "2025-04", 17, "283.33"),  # 500 x 17 / 30 = 283,333...
        ("100.35", "2025-04", 1, "3.35"),  # 3,345 exactly: half up, not to even
        ("100.65", "2025-04", 1, "3.36"),  # 3,355
        ("456.78", "2025-03", 31, "456.78"),  # a full month is the monthly amount
        ("6000.00", "2025-03", 2, "300.00"),  # 387,10 capped at the département's gross (2 x 150)
    ],
)
def test_b9_contribution_rounding_and_cap(tmp_path, monthly, month, present, expected):
    case = foyer(tmp_path)
    case.contribution("000001", D(2025, 1, 1), None, monthly)
    first = D(int(month[:4]), int(month[5:7]), 1)
    case.activity("E1", "000001", month_of_days(first, first.replace(day=present)))
    case.value(month)
    lines = {(p, c): (q, a) for _, p, _, _, c, _, q, a in case.due(month)}
    assert lines[("D66", "participation_usager")] == (1, -M(expected))
    assert lines[("U000001", "participation_frais_hebergement")] == (1, M(expected))
    assert lines[("D66", "presence")] == (present, M("150.00") * present)


def test_b9_contribution_counts_only_present_days_billed_to_the_departement(tmp_path):
    case = foyer(tmp_path)
    case.contribution("000001", D(2025, 1, 1), None, "310.00")
    codes = month_of_days(D(2025, 3, 1), D(2025, 3, 10)) | month_of_days(D(2025, 3, 11), D(2025, 3, 31), "C")
    case.activity("E1", "000001", codes)
    case.value("2025-03")
    lines = {c: a for _, p, _, _, c, _, _, a in case.due("2025-03")}
    assert lines["participation_frais_hebergement"] == M("100.00")  # 310 x 10 / 31


def test_dotation_establishments_report_activity_but_bill_nothing(tmp_path):
    case = Case(tmp_path).establishment("ESAT1", "ESAT", billing="dotation").resident("000001")
    case.stay("000001", "ESAT1", D(2024, 1, 1), None, "semi_internat")
    case.activity("ESAT1", "000001", {D(2025, 3, 3): "P"})
    assert case.days("2025-03")[D(2025, 3, 3)] == ("non_facture", "dotation", M("0.00"), "U000001")


def test_only_the_pairs_whose_inputs_changed_are_valued_again(tmp_path):
    from assets.billing.valuation import store_valuation

    case = foyer(tmp_path)
    case.establishment("E2", "FH").rate("E2", "internat", D(2020, 1, 1), None, "120.00")
    case.resident("000002").stay("000002", "E2", D(2024, 1, 1)).decision("000002", "D66", "E2", D(2020, 1, 1))
    for rid, etab in (("000001", "E1"), ("000002", "E2")):
        case.activity(etab, rid, month_of_days(D(2025, 2, 1), D(2025, 3, 31)))

    def revalued(month):
        with case.transaction() as con:
            return store_valuation(con, case.settings, month).pairs

    assert revalued("2025-03") == 4  # 2 establishments x 2 months
    assert revalued("2025-03") == 0  # nothing changed
    case.execute("UPDATE rates SET daily_rate = 121.00 WHERE establishment_code = 'E2'")
    assert revalued("2025-03") == 2  # E2's two months
    case.activity("E1", "000001", {D(2025, 2, 28): "H"})  # a February change reaches March's counters too
    case.execute("DELETE FROM activity_days WHERE day = DATE '2025-02-28' AND code = 'P' AND resident_id = '000001'")
    assert revalued("2025-03") == 2  # E1's February and March
    case.execute("DELETE FROM activity_days WHERE establishment_code = 'E2' AND month = '2025-03'")
    assert revalued("2025-03") == 1  # E2's March has no activity any more: its valuation goes
    days = case.days("2025-03", "000002")
    assert [d for d in days if d.month == 3] == []
    assert days[D(2025, 2, 1)][2] == M("121.00")


def test_b1_held_days_are_not_valued_and_do_not_count_in_a_later_month(tmp_path):
    # February's H days and July's C days come from extracts with a resident's day twice: held (B1)
    case = foyer(tmp_path)
    case.activity("E1", "000001", month_of_days(D(2026, 2, 25), D(2026, 2, 28), "H") | {D(2026, 3, 1): "H"})
    case.activity("E1", "000001", month_of_days(D(2025, 7, 1), D(2025, 7, 4), "C") | {D(2025, 8, 1): "C"})
    case.execute("UPDATE activity_days SET held = true WHERE month IN ('2025-07', '2026-02')")
    assert [day for day in case.days("2025-07") if day.month == 7] == []
    assert case.days("2025-08")[D(2025, 8, 1)][1:3] == ("absence", M("150.00"))  # the 1st C day of the year
    assert [day for day in case.days("2026-02") if day.month == 2] == []
    assert case.days("2026-03")[D(2026, 3, 1)][1:3] == ("hospitalisation", M("150.00"))  # a new episode
    # the extracts corrected, the same days count: 5th C day of the year, 5th day of the episode
    case.execute("UPDATE activity_days SET held = false")
    assert case.days("2025-08")[D(2025, 8, 1)][1:3] == ("absence_au_dela", M("130.00"))
    assert case.days("2026-03")[D(2026, 3, 1)][1:3] == ("hospitalisation_au_dela", M("127.00"))


def test_a_payer_code_of_absences_nobody_has_is_an_error_naming_it(tmp_path):
    policy = "\n    hospitalisation: [{base: zero}]\n    convenance: [{base: zero}]\n"
    case = Case(tmp_path, SETTINGS + "absences:\n  assurance:" + policy + "  D66:" + policy)
    case.establishment("FH01", "FH").payer("D66", "departement")
    with pytest.raises(ValueError) as err:
        case.value("2025-01")
    assert str(err.value) == (
        "parametrage.yaml : clé(s) « absences.ASSURANCE » : ni un type de financeur ni un code de financeurs.csv"
    )
