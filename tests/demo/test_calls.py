"""The demo's call log: one call per line of the month's list, in the columns of docs/contract.md, no names."""

import datetime as dt

from demo.calls import HEADER, CallCentre


def test_each_line_of_the_call_list_gets_a_logged_call(tmp_path):
    folder = tmp_path / "sorties" / "2025-03" / "recouvrement"
    folder.mkdir(parents=True)
    (folder / "appels_a_passer.csv").write_text(
        "rang;code_financeur;nom;montant;echeance_la_plus_ancienne;factures;motif;appels_precedents\n"
        + "".join(f"{k};U00000{k};NOM Prénom;310,00;2025-02-04;F2025-00000{k};relance2 : appel;\n" for k in range(1, 8))
        + "8;D66;Département;5000,00;2025-02-04;F2025-000010 F2025-000011;relance2 : appel;\n",
        encoding="utf-8",
    )
    centre = CallCentre(66)
    assert centre.after_close(tmp_path, "2025-03", dt.date(2025, 4, 5)) == 8
    lines = (tmp_path / "entrees" / "relances" / "appels.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER and len(lines) == 9
    rows = [line.split(";") for line in lines[1:]]
    assert all(len(r) == 7 for r in rows)
    assert all(
        dt.date(2025, 4, 6) <= dt.datetime.strptime(r[0], "%d/%m/%Y").date() <= dt.date(2025, 4, 9) for r in rows
    )
    assert {r[3] for r in rows} <= {"promesse", "injoignable", "autre", "litige", "deja_paye"}
    for r in rows:
        assert (r[4] != "") == (r[3] == "promesse") and (r[5] != "") == (r[3] == "promesse")
        assert r[2] in ("famille", "tuteur", "usager", "service payeur")  # a role, never a name
        assert r[3] != "litige" or r[1].startswith("F2025-")  # a dispute is about an invoice
    assert rows[-1][2] == "service payeur" and rows[-1][3] != "litige"  # a public payer does not dispute here
    # the log grows: the next month's calls are added after these
    assert CallCentre(66).after_close(tmp_path, "2025-04", dt.date(2025, 5, 5)) == 0
    again = CallCentre(66)
    again.after_close(tmp_path, "2025-03", dt.date(2025, 4, 5))
    assert (tmp_path / "entrees" / "relances" / "appels.csv").read_text(encoding="utf-8").splitlines() == lines


def test_about_half_the_disputes_are_closed_by_a_call_one_or_two_months_later(tmp_path):
    folder = tmp_path / "sorties" / "2025-03" / "recouvrement"
    folder.mkdir(parents=True)
    (folder / "appels_a_passer.csv").write_text(
        "rang;code_financeur;nom;montant;echeance_la_plus_ancienne;factures;motif;appels_precedents\n"
        + "".join(
            f"{k};U{k:06d};NOM Prénom;310,00;2025-02-04;F2025-{k:06d};relance2 : appel;\n" for k in range(1, 201)
        ),
        encoding="utf-8",
    )
    centre = CallCentre(66)
    assert centre.after_close(tmp_path, "2025-03", dt.date(2025, 4, 5)) == 200
    log = tmp_path / "entrees" / "relances" / "appels.csv"
    disputes = {
        r[1]: r[2]
        for r in (line.split(";") for line in log.read_text(encoding="utf-8").splitlines()[1:])
        if r[3] == "litige"
    }
    assert len(disputes) >= 6
    # no call list in April nor in May (nobody to chase): the settled disputes are closed all the same
    closed = {}
    for month, day in (("2025-04", dt.date(2025, 5, 5)), ("2025-05", dt.date(2025, 6, 5))):
        before = len(log.read_text(encoding="utf-8").splitlines())
        count = centre.after_close(tmp_path, month, day)
        rows = [line.split(";") for line in log.read_text(encoding="utf-8").splitlines()[before:]]
        assert len(rows) == count and all(r[3] == "litige_clos" for r in rows)
        for r in rows:
            assert day < dt.datetime.strptime(r[0], "%d/%m/%Y").date() <= day + dt.timedelta(days=4)
            assert r[1] not in closed and disputes[r[1]] == r[2]  # the same invoice, the same person, once
            assert r[4] == r[5] == "" and r[6]
            closed[r[1]] = month
    assert centre.after_close(tmp_path, "2025-06", dt.date(2025, 7, 5)) == 0  # every one closed by May
    assert 0.25 * len(disputes) <= len(closed) <= 0.75 * len(disputes)
    assert set(closed.values()) == {"2025-04", "2025-05"}
