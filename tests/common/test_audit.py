"""The audit chain: what is sealed, when, and every alteration `verify` must report."""

import datetime as dt
import hashlib

import pytest

from assets.common.audit import GENESIS, link, seal, verify, write_anchor
from assets.common.warehouse import Warehouse

NOW = dt.datetime(2025, 1, 5, 10, 0, 0)


def add_document(con, number: str, amount: str, seq: int) -> None:
    con.execute(
        "INSERT INTO documents VALUES ($n, 'F', 2025, $seq, 'facture', 'initiale', DATE '2025-01-05', "
        "DATE '2025-02-04', '2024-12', 'FV01', 'D66', 'departement', $a::DECIMAL(18,2), NULL, '2024-12', "
        "'Département', '1 rue', NULL, NULL, NULL, NULL, NULL, $now)",
        {"n": number, "seq": seq, "a": amount, "now": NOW},
    )
    con.execute(
        "INSERT INTO document_lines VALUES ($n, 1, '000001', 'DURAND Léa', 'hebergement', 'Hébergement', 31, "
        "$a::DECIMAL(18,2) / 31, $a::DECIMAL(18,2))",
        {"n": number, "a": amount},
    )


def add_allocation(con, seq: int, number: str, amount: str) -> None:
    con.execute(
        "INSERT INTO allocations VALUES ($s, $l, $n, $a::DECIMAL(18,2), 'reference', DATE '2025-01-20', "
        "'2025-01', $now)",
        {"s": seq, "l": f"L{seq}", "n": number, "a": amount, "now": NOW},
    )


def add_entries(con, month: str, amount: str) -> None:
    for line_no, (account, debit, credit) in enumerate((("411D66", amount, "0"), ("706", "0", amount)), start=1):
        con.execute(
            "INSERT INTO entries VALUES ($m, 'VT', 'Ventes', 'VT-2025-000001', $no, DATE '2025-01-05', $acc, 'x', "
            "NULL, NULL, 'F2025-000001', DATE '2025-01-05', 'Facture', $d::DECIMAL(18,2), $c::DECIMAL(18,2), NULL, "
            "NULL, DATE '2025-02-05', 'document', 'F2025-000001', NULL)",
            {"m": month, "no": line_no, "acc": account, "d": debit, "c": credit},
        )


def export(con, month: str) -> None:
    con.execute(
        "INSERT INTO accounting_exports VALUES ($m, 'x', 'y', 1, 2, $now, true) "
        "ON CONFLICT (month) DO UPDATE SET locked = true",
        {"m": month, "now": NOW},
    )


@pytest.fixture
def books(tmp_path):
    """Two documents, one allocation and the exported entries of 2025-01, sealed once."""
    warehouse = Warehouse(tmp_path / "entrepot.duckdb")
    with warehouse.transaction() as con:
        add_document(con, "F2025-000001", "1519.00", 1)
        add_document(con, "F2025-000002", "620.00", 2)
        add_allocation(con, 1, "F2025-000001", "1519.00")
        add_entries(con, "2025-01", "1519.00")
        export(con, "2025-01")
        position = seal(con, NOW)
    write_anchor(tmp_path / "sorties", "2025-01", position)
    return warehouse, tmp_path / "sorties"


def problems(warehouse, sorties):
    with warehouse.connect() as con:
        return verify(con, sorties).problems


def test_every_item_is_sealed_once_in_order_and_a_second_seal_adds_nothing(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        chain = con.execute(
            "SELECT seq, kind, item, content_hash, previous, hash FROM audit_chain ORDER BY seq"
        ).fetchall()
        again = seal(con, NOW)
        found = verify(con, sorties)
    assert [(s, k, i) for s, k, i, *_ in chain] == [
        (1, "document", "F2025-000001"),
        (2, "document", "F2025-000002"),
        (3, "affectation", "1"),
        (4, "ecriture", "2025-01:1"),
        (5, "ecriture", "2025-01:2"),
    ]
    assert chain[0][4] == GENESIS
    befores = [GENESIS] + [c[5] for c in chain[:-1]]
    for (_, kind, item, content, previous, current), before in zip(chain, befores, strict=True):
        assert previous == before
        assert current == hashlib.sha256(f"{previous}|{kind}|{item}|{content}".encode()).hexdigest()
    assert again == (5, chain[-1][5])
    assert (sorties / "2025-01" / "controles" / "chaine_audit.txt").read_text() == (
        f"enregistrement;empreinte\n5;{chain[-1][5]}\n"
    )
    assert found.intact and found.records == 5 and found.anchors == 1
    assert found.sealed == found.found == {"document": 2, "affectation": 1, "deverrouillage": 0, "ecriture": 2}


def test_a_changed_amount_name_or_line_is_reported(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("UPDATE documents SET amount = 1591.00 WHERE number = 'F2025-000001'")
        con.execute("UPDATE document_lines SET resident_name = 'X' WHERE number = 'F2025-000002'")
        con.execute("UPDATE allocations SET number = 'F2025-000002'")
        con.execute("UPDATE entries SET debit = 1.00 WHERE line_no = 1")
    assert problems(warehouse, sorties) == [
        "document F2025-000001 : modifié depuis son scellement",
        "document F2025-000002 : modifié depuis son scellement",
        "affectation 1 : modifié depuis son scellement",
        "écriture 2025-01:1 : modifié depuis son scellement",
    ]


def test_deleted_and_added_items_are_reported(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("DELETE FROM allocations")
        con.execute("DELETE FROM document_lines WHERE number = 'F2025-000002'")
        con.execute("DELETE FROM documents WHERE number = 'F2025-000002'")
        add_document(con, "F2025-000003", "10.00", 3)
    assert problems(warehouse, sorties) == [
        "document F2025-000003 : présent dans l'entrepôt sans avoir été scellé",
        "document F2025-000002 : scellé mais absent de l'entrepôt",
        "affectation 1 : scellé mais absent de l'entrepôt",
    ]


def test_a_line_added_to_a_sealed_month_is_not_sealed_by_the_next_seal(books):
    """A locked month's lines are sealed together when it is exported: a line slipped in later stays
    unsealed, and reported, while the lines of a month exported since are sealed."""
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute(
            "INSERT INTO entries SELECT * REPLACE (3 AS line_no, 10.00 AS debit) FROM entries WHERE line_no = 1"
        )
        add_entries(con, "2025-02", "620.00")
        export(con, "2025-02")
        seal(con, NOW)
        chain = con.execute("SELECT seq, kind, item FROM audit_chain WHERE seq > 5 ORDER BY seq").fetchall()
    assert chain == [(6, "ecriture", "2025-02:1"), (7, "ecriture", "2025-02:2")]
    assert problems(warehouse, sorties) == ["écriture 2025-01:3 : présent dans l'entrepôt sans avoir été scellé"]


def test_an_altered_or_removed_chain_record_breaks_the_chain(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("UPDATE audit_chain SET content_hash = repeat('a', 64) WHERE seq = 2")
        con.execute("DELETE FROM audit_chain WHERE seq = 4")
    assert problems(warehouse, sorties) == [
        "chaîne : l'empreinte de l'enregistrement n° 2 (document F2025-000002) a été modifiée",
        "chaîne : enregistrement n° 4 manquant (suivant : n° 5)",
        "chaîne : l'enregistrement n° 5 (ecriture 2025-01:2) ne suit pas le précédent",
        "document F2025-000002 : modifié depuis son scellement",
        "écriture 2025-01:1 : présent dans l'entrepôt sans avoir été scellé",
    ]  # record 5 keeps its stored hash: the head written in the outputs still names it


def test_records_missing_or_numbered_twice_are_named_once(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("DELETE FROM audit_chain WHERE seq IN (2, 3)")
        con.execute("INSERT INTO audit_chain SELECT * FROM audit_chain WHERE seq = 4")
    assert problems(warehouse, sorties) == [
        "chaîne : enregistrements n° 2 à 3 manquants (suivant : n° 4)",
        "chaîne : l'enregistrement n° 4 (ecriture 2025-01:1) ne suit pas le précédent",
        "chaîne : enregistrement n° 4 en double",
        "chaîne : l'enregistrement n° 4 (ecriture 2025-01:1) ne suit pas le précédent",
        "document F2025-000002 : présent dans l'entrepôt sans avoir été scellé",
        "affectation 1 : présent dans l'entrepôt sans avoir été scellé",
    ]


def test_a_chain_rewritten_whole_no_longer_matches_the_heads_left_in_the_outputs(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("UPDATE documents SET amount = 1.00 WHERE number = 'F2025-000001'")
        con.execute("DELETE FROM audit_chain")
        seal(con, NOW)  # a consistent chain over the altered content
    assert problems(warehouse, sorties) == [
        "2025-01/controles/chaine_audit.txt : la tête de chaîne n° 5 ne se retrouve pas dans l'entrepôt"
    ]


def test_an_unlock_releases_its_month_and_the_new_export_is_sealed_again(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("UPDATE accounting_exports SET locked = false")
        con.execute("INSERT INTO accounting_unlocks VALUES ('2025-01', 'erreur de compte', $now)", {"now": NOW})
        seal(con, NOW)
        con.execute("DELETE FROM entries")  # rebuilt by the next close, other amounts
        assert verify(con, sorties).intact  # an unlocked month's entries may change
        add_entries(con, "2025-01", "1600.00")
        export(con, "2025-01")
        seal(con, NOW)
        chain = con.execute("SELECT seq, kind, item FROM audit_chain WHERE seq > 5 ORDER BY seq").fetchall()
        found = verify(con, sorties)
    assert chain == [(6, "deverrouillage", "2025-01:1"), (7, "ecriture", "2025-01:1"), (8, "ecriture", "2025-01:2")]
    assert found.intact, found.problems
    with warehouse.transaction() as con:
        con.execute("UPDATE accounting_unlocks SET reason = 'autre motif'")
    assert problems(warehouse, sorties) == ["déverrouillage 2025-01:1 : modifié depuis son scellement"]


def test_link_is_the_sha256_of_the_joined_fields():
    assert link(GENESIS, "document", "F1", "c") == hashlib.sha256(f"{GENESIS}|document|F1|c".encode()).hexdigest()


def test_a_lock_turned_off_leaves_the_month_checked_and_is_itself_an_alteration(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("UPDATE accounting_exports SET locked = false")
        con.execute("UPDATE entries SET debit = debit + 1000 WHERE line_no = 1")
        found = verify(con, sorties)
    assert found.problems == [
        "verrouillage 2025-01 : mois marqué déverrouillé sans déverrouillage scellé",
        "écriture 2025-01:1 : modifié depuis son scellement",
    ]
    assert found.sealed["ecriture"] == found.found["ecriture"] == 2  # the month's lines are still counted


def test_an_unlock_whose_sealed_record_is_cut_off_the_chain_is_an_alteration(books):
    """The last record of the chain removed with the unlock it sealed: the chain still holds together, but the
    month it held locked is unlocked without a sealed unlock."""
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("UPDATE accounting_exports SET locked = false")
        con.execute("INSERT INTO accounting_unlocks VALUES ('2025-01', 'erreur de compte', $now)", {"now": NOW})
        seal(con, NOW)
        assert verify(con, sorties).intact
        con.execute("DELETE FROM audit_chain WHERE kind = 'deverrouillage'")
        con.execute("DELETE FROM accounting_unlocks")
    assert problems(warehouse, sorties) == [
        "verrouillage 2025-01 : mois marqué déverrouillé sans déverrouillage scellé"
    ]


def test_an_unlock_without_its_sealed_record_is_reported(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("UPDATE accounting_exports SET locked = false")
        con.execute("INSERT INTO accounting_unlocks VALUES ('2025-01', 'erreur de compte', $now)", {"now": NOW})
    assert problems(warehouse, sorties) == [
        "verrouillage 2025-01 : mois marqué déverrouillé sans déverrouillage scellé",
        "déverrouillage 2025-01:1 : présent dans l'entrepôt sans avoir été scellé",
    ]
