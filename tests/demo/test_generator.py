"""The demo association has every case the issue asks for, and is the same for the same seed."""

import csv
import datetime as dt
import io
from collections import Counter, defaultdict

import pytest

from demo.generator import close_date, generate


@pytest.fixture(scope="module")
def demo():
    return generate("demo", 66)


def rows(demo, name, day=None):
    text = demo.referential_as_of(day or dt.date(2026, 11, 5))[name].decode("utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def date(text):
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


def activity(demo):
    """(establishment, resident, day, code) of every extract row, whatever its form and encoding."""
    out = []
    for month, files in demo.activity.items():
        for content in files.values():
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                text = content.decode("windows-1252")
            for row in csv.DictReader(io.StringIO(text), delimiter=";"):
                if "date" in row:
                    day = row["date"]
                    iso = day if "-" in day else f"{day[6:]}-{day[3:5]}-{day[:2]}"
                    out.append((row["code_etablissement"], row["id_usager"], iso, row["code"]))
                else:
                    out += [
                        (row["code_etablissement"], row["id_usager"], f"{month}-{k[1:]}", v)
                        for k, v in row.items()
                        if k.startswith("J") and v
                    ]
    return out


def test_same_seed_same_bytes_other_seed_other_data(demo):
    again = generate("demo", 66)
    assert again.activity == demo.activity and again.settings_yaml == demo.settings_yaml
    assert again.referential_as_of(dt.date(2025, 7, 5)) == demo.referential_as_of(dt.date(2025, 7, 5))
    assert generate("demo", 67).activity != demo.activity


def test_structure_establishments_payers_residents(demo):
    etabs = rows(demo, "etablissements.csv")
    assert {e["type"] for e in etabs} >= {"FH", "FV", "FAM", "MAS", "IME", "ESAT"}
    assert all(int(e["capacite"]) > 0 for e in etabs)
    assert 280 <= len(rows(demo, "usagers.csv")) <= 330
    assert demo.months[0] == "2024-11" and demo.months[-1] == "2026-10" and len(demo.months) == 24
    decisions = rows(demo, "prises_en_charge.csv")
    departements = {d["code_financeur"] for d in decisions if d["code_financeur"].startswith("D")}
    assert "D66" in departements and len(departements - {"D66"}) >= 3
    statuses = Counter(d["statut"] for d in decisions)
    assert statuses["refusee"] >= 1 and statuses["accordee"] > 150
    assert len(rows(demo, "contributions.csv")) > 50
    assert any(r["representant"] for r in rows(demo, "usagers.csv"))


def test_stays_start_and_end_mid_month_in_both_modes(demo):
    stays = rows(demo, "sejours.csv")
    assert {s["modalite"] for s in stays} >= {"internat", "semi_internat", "internat_semaine", "accueil_jour"}
    inside = [s for s in stays if date(s["date_entree"]) >= dt.date(2024, 11, 1)]
    assert any(date(s["date_entree"]).day not in (1,) for s in inside)
    assert any(s["date_sortie"] and date(s["date_sortie"]).day not in (1,) for s in stays)


def test_pending_files_granted_months_later(demo):
    early = rows(demo, "prises_en_charge.csv", dt.date(2025, 7, 5))
    late = rows(demo, "prises_en_charge.csv", dt.date(2026, 11, 5))
    pending = {(d["id_usager"], d["date_debut"]) for d in early if d["statut"] == "en_instruction"}
    granted = {(d["id_usager"], d["date_debut"]) for d in late if d["statut"] == "accordee"}
    assert len(pending & granted) >= 3


def test_rates_late_definitive_and_mid_year_change(demo):
    before = rows(demo, "tarifs.csv", dt.date(2025, 6, 5))
    after = rows(demo, "tarifs.csv", dt.date(2025, 7, 5))
    fh_2025 = [
        (r["nature"], r["prix_journee"])
        for r in before
        if r["code_etablissement"] == "FH01" and r["date_debut"] == "01/01/2025"
    ]
    assert fh_2025 == [("reconduit", "152,40")]
    assert [
        (r["nature"], r["prix_journee"])
        for r in after
        if r["code_etablissement"] == "FH01" and r["date_debut"] == "01/01/2025"
    ] == [("definitif", "155,60")]
    fh_2026 = [
        (r["date_debut"], r["date_fin"])
        for r in rows(demo, "tarifs.csv")
        if r["code_etablissement"] == "FH01" and r["date_debut"].endswith("2026")
    ]
    assert fh_2026 == [("01/01/2026", "30/06/2026"), ("01/07/2026", "")]


def test_hospitalisations_cross_month_ends_and_absences_go_beyond_35_days(demo):
    days = activity(demo)
    codes = {(e, r, d): c for e, r, d, c in days}
    crossing = [
        (e, r, d)
        for (e, r, d), c in codes.items()
        if c == "H" and d.endswith(("-30", "-31")) and codes.get((e, r, _next(d))) == "H" and _next(d)[5:7] != d[5:7]
    ]
    assert crossing
    c_days = Counter((e, r, d[:4]) for (e, r, d), c in codes.items() if c == "C")
    assert max(c_days.values()) > 35


def _next(iso):
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=1)).isoformat()


def test_dirty_rows_and_file_forms(demo):
    feb = demo.activity["2025-02"]["activite_FH01_2025-02.csv"].decode()
    assert "FH01;009999;2025-02-14;P" in feb
    assert ";2025-05-12;A" in demo.activity["2025-05"]["activite_MAS01_2025-05.csv"].decode()
    assert ";2025-12-31;P" in demo.activity["2026-01"]["activite_FH01_2026-01.csv"].decode()
    fam = demo.activity["2025-09"]["activite_FAM01_2025-09.csv"].decode().splitlines()[1:]
    keys = Counter(tuple(line.split(";")[:3]) for line in fam)
    assert [k for k, n in keys.items() if n > 1] and demo.corrections["2025-09"]
    fv = demo.activity["2025-03"]["activite_FV01_2025-03.csv"]
    with pytest.raises(UnicodeDecodeError):
        fv.decode("utf-8")
    assert fv.decode("windows-1252").startswith("code_etablissement;id_usager;nom;date;code\r\n")
    assert demo.activity["2025-03"]["activite_IME01_2025-03.csv"].startswith(
        b"code_etablissement;id_usager;nom;J01;J02;"
    )


def test_close_date_is_the_fifth_of_next_month():
    assert close_date("2025-12") == dt.date(2026, 1, 5)


def test_every_month_has_an_extract_per_establishment(demo):
    by_month = defaultdict(set)
    for month, files in demo.activity.items():
        by_month[month] = {name.split("_")[1] for name in files}
    assert all(v == {"FH01", "FV01", "FAM01", "MAS01", "IME01", "ESAT01"} for v in by_month.values())


def test_residents_with_an_iban_pay_by_direct_debit_under_a_mandate_signed_before_any_invoice(demo):
    mandates = rows(demo, "mandats.csv")
    assert list(mandates[0]) == ["code_financeur", "iban", "bic", "rum", "date_signature", "date_fin", "sequence"]
    residents = rows(demo, "usagers.csv")
    with_iban = {"U" + r["id_usager"]: r["iban"].replace(" ", "") for r in residents if r["iban"]}
    assert {m["code_financeur"]: m["iban"] for m in mandates} == with_iban  # the same IBAN, one mandate each
    assert 0.6 <= len(mandates) / len(residents) <= 0.7
    assert len({m["rum"] for m in mandates}) == len(mandates)
    assert all(m["rum"] == "RUM-" + m["code_financeur"][1:] for m in mandates)
    assert all(m["bic"][:4] in ("AGRI", "CMCI", "CCBP", "SOGE") and len(m["bic"]) == 11 for m in mandates)
    assert all(m["date_fin"] == "" and m["sequence"] == "" for m in mandates)
    entries = defaultdict(list)
    for s in rows(demo, "sejours.csv"):
        entries["U" + s["id_usager"]].append(date(s["date_entree"]))
    # signed on the first admission: before the first day the resident could be billed for
    assert all(date(m["date_signature"]) == min(entries[m["code_financeur"]]) for m in mandates)
    # known from its signature: a newcomer's mandate appears with its stay
    early = {m["code_financeur"] for m in rows(demo, "mandats.csv", dt.date(2024, 12, 5))}
    late = [m for m in mandates if date(m["date_signature"]) > dt.date(2024, 12, 5)]
    assert late and not early & {m["code_financeur"] for m in late}


def test_most_residents_of_the_large_world_have_a_mandate():
    from demo.generator import _Builder

    shares = {}
    for scale in ("demo", "large"):
        b = _Builder(scale, 66)
        b.build_establishments(0.05)  # the large plan, scaled down: the same draws per resident
        b.build_payers()
        b.build_population()
        b.build_mandates()
        assert len(b.ref["usagers.csv"]) > 250
        shares[scale] = len(b.ref["mandats.csv"]) / len(b.ref["usagers.csv"])
    assert 0.6 <= shares["demo"] <= 0.7 and 0.75 <= shares["large"] <= 0.85
