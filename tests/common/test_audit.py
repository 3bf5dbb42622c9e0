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


def export(con, month: str, sorties) -> None:
    """The month's entries file written and recorded, and the month locked."""
    path = f"{month}/comptabilite/ecritures_{month}.txt"
    (sorties / path).parent.mkdir(parents=True, exist_ok=True)
    (sorties / path).write_text(f"écritures {month}\n")
    con.execute(
        "INSERT INTO accounting_exports VALUES ($m, $p, $h, 1, 2, $now, true) "
        "ON CONFLICT (month) DO UPDATE SET locked = true",
        {"m": month, "p": path, "h": hashlib.sha256((sorties / path).read_bytes()).hexdigest(), "now": NOW},
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
        export(con, "2025-01", tmp_path / "sorties")
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
        (6, "verrouillage", "2025-01:1"),
        (7, "fichier", "2025-01/comptabilite/ecritures_2025-01.txt"),
    ]
    assert chain[0][4] == GENESIS
    befores = [GENESIS] + [c[5] for c in chain[:-1]]
    for (_, kind, item, content, previous, current), before in zip(chain, befores, strict=True):
        assert previous == before
        assert current == hashlib.sha256(f"{previous}|{kind}|{item}|{content}".encode()).hexdigest()
    assert again == (7, chain[-1][5])
    assert (sorties / "2025-01" / "controles" / "chaine_audit.txt").read_text() == (
        f"enregistrement;empreinte\n7;{chain[-1][5]}\n"
    )
    assert found.intact and found.records == 7 and found.anchors == 1
    counts = {"document": 2, "affectation": 1, "deverrouillage": 0, "ecriture": 2, "verrouillage": 1}
    assert found.sealed == found.found == counts | {"ligne_bancaire": 0, "pdf": 0, "fichier": 1}


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
        export(con, "2025-02", sorties)
        seal(con, NOW)
        chain = con.execute("SELECT seq, kind, item FROM audit_chain WHERE seq > 7 ORDER BY seq").fetchall()
    assert chain == [
        (8, "ecriture", "2025-02:1"),
        (9, "ecriture", "2025-02:2"),
        (10, "verrouillage", "2025-02:1"),
        (11, "fichier", "2025-02/comptabilite/ecritures_2025-02.txt"),
    ]
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
        "2025-01/controles/chaine_audit.txt : la tête de chaîne n° 7 ne se retrouve pas dans l'entrepôt"
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
        export(con, "2025-01", sorties)
        seal(con, NOW)
        chain = con.execute("SELECT seq, kind, item FROM audit_chain WHERE seq > 7 ORDER BY seq").fetchall()
        found = verify(con, sorties)
    assert chain == [
        (8, "deverrouillage", "2025-01:1"),
        (9, "ecriture", "2025-01:1"),
        (10, "ecriture", "2025-01:2"),
        (11, "verrouillage", "2025-01:2"),
    ]  # the entries file was written again with the same bytes: nothing new to seal
    assert found.intact, found.problems
    with warehouse.transaction() as con:
        con.execute("UPDATE accounting_unlocks SET reason = 'autre motif'")
    assert problems(warehouse, sorties) == ["déverrouillage 2025-01:1 : modifié depuis son scellement"]


def test_link_is_the_sha256_of_the_joined_fields():
    assert link(GENESIS, "document", "F1", "c") == hashlib.sha256(f"{GENESIS}|document|F1|c".encode()).hexdigest()


# Schema 15: the lock of each month, the bank lines and the files that leave with a month are sealed too.


def add_bank_line(con, line_id: str, amount: str) -> None:
    con.execute(
        "INSERT INTO bank_lines (line_id, source, path, account, currency, booking_date, amount, reversal, "
        "read_month, read_at) VALUES ($l, 'banque', 'banque/releve.xml', 'FR7600000000000000000000000', 'EUR', "
        "DATE '2025-01-20', $a::DECIMAL(18,2), false, '2025-01', $now)",
        {"l": line_id, "a": amount, "now": NOW},
    )


def write_output(con, sorties, path: str, text: str) -> None:
    """An output file written and recorded by its writer, as `write_billing_files` does."""
    from assets.common.audit import record_file

    (sorties / path).parent.mkdir(parents=True, exist_ok=True)
    (sorties / path).write_text(text, encoding="utf-8")
    record_file(con, sorties, sorties / path)


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


def test_bank_lines_are_sealed_and_a_changed_amount_date_or_account_is_reported(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        add_bank_line(con, "CAMT-1", "1519.00")
        add_bank_line(con, "CAMT-2", "620.00")
        add_bank_line(con, "CAMT-3", "15.00")
        seal(con, NOW)
        kinds = con.execute("SELECT kind, item FROM audit_chain WHERE seq > 7 ORDER BY seq").fetchall()
        assert kinds == [("ligne_bancaire", "CAMT-1"), ("ligne_bancaire", "CAMT-2"), ("ligne_bancaire", "CAMT-3")]
        con.execute("UPDATE bank_lines SET amount = 1591.00 WHERE line_id = 'CAMT-1'")
        con.execute("UPDATE bank_lines SET booking_date = DATE '2025-01-02' WHERE line_id = 'CAMT-2'")
        con.execute("UPDATE bank_lines SET account = 'FR76X' WHERE line_id = 'CAMT-3'")
        add_bank_line(con, "CAMT-4", "10.00")
    assert problems(warehouse, sorties) == [
        "ligne bancaire CAMT-1 : modifié depuis son scellement",
        "ligne bancaire CAMT-2 : modifié depuis son scellement",
        "ligne bancaire CAMT-3 : modifié depuis son scellement",
        "ligne bancaire CAMT-4 : présent dans l'entrepôt sans avoir été scellé",
    ]


def test_a_file_is_sealed_when_written_again_only_with_new_bytes_and_its_latest_seal_is_compared(books):
    warehouse, sorties = books
    register = "2025-01/factures/registre.csv"
    with warehouse.transaction() as con:
        write_output(con, sorties, register, "numero;montant\nF2025-000001;1519,00\n")
        seal(con, NOW)
        write_output(con, sorties, register, "numero;montant\nF2025-000001;1519,00\n")  # the same bytes
        seal(con, NOW)
        write_output(con, sorties, register, "numero;montant\nF2025-000001;1519,00\nF2025-000002;620,00\n")
        seal(con, NOW)
        files = con.execute("SELECT seq, item FROM audit_chain WHERE kind = 'fichier' ORDER BY seq").fetchall()
        found = verify(con, sorties)
    assert files == [(7, "2025-01/comptabilite/ecritures_2025-01.txt"), (8, register), (9, register)]
    assert found.intact and found.sealed["fichier"] == found.found["fichier"] == 2
    (sorties / register).write_text("numero;montant\nF2025-000001;1519,00\n", encoding="utf-8")  # the first version
    assert problems(warehouse, sorties) == [f"fichier {register} : modifié depuis son scellement"]


def test_files_changed_replaced_missing_or_slipped_in_are_named(books):
    warehouse, sorties = books
    pdf = "2025-01/factures/F2025-00000{}.pdf"
    with warehouse.transaction() as con:
        for n in (1, 2):
            (sorties / pdf.format(n)).parent.mkdir(parents=True, exist_ok=True)
            (sorties / pdf.format(n)).write_bytes(f"%PDF facture {n}".encode())
            con.execute(
                "INSERT INTO document_files VALUES ($n, $p, $h, false, $now)",
                {
                    "n": f"F2025-00000{n}",
                    "p": pdf.format(n),
                    "h": hashlib.sha256(f"%PDF facture {n}".encode()).hexdigest(),
                    "now": NOW,
                },
            )
        write_output(con, sorties, "2025-01/factures/lignes.csv", "numero;montant\nF2025-000001;1519,00\n")
        write_output(con, sorties, "2025-01/lettrage/rapprochements.csv", "id_ligne_bancaire;montant\nL1;1519,00\n")
        seal(con, NOW)
        assert verify(con, sorties).intact
    (sorties / pdf.format(1)).write_bytes((sorties / pdf.format(2)).read_bytes())
    (sorties / "2025-01/factures/lignes.csv").write_text("numero;montant\nF2025-000001;1591,00\n", encoding="utf-8")
    (sorties / "2025-01/lettrage/rapprochements.csv").unlink()
    (sorties / "2025-01/comptabilite/ecritures_2025-01.txt").write_text("écritures 2025-01\nde plus\n")
    (sorties / pdf.format(3)).write_bytes(b"%PDF facture 3")
    assert problems(warehouse, sorties) == [
        "PDF 2025-01/factures/F2025-000001.pdf : remplacé par une copie de 2025-01/factures/F2025-000002.pdf",
        "fichier 2025-01/comptabilite/ecritures_2025-01.txt : modifié depuis son scellement",
        "fichier 2025-01/factures/lignes.csv : modifié depuis son scellement",
        "fichier 2025-01/lettrage/rapprochements.csv : scellé mais absent de sorties/",
        "PDF 2025-01/factures/F2025-000003.pdf : présent dans sorties/ sans avoir été scellé",
    ]


def test_a_recorded_hash_changed_in_the_warehouse_is_reported(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        con.execute("UPDATE accounting_exports SET sha256 = repeat('b', 64)")
    assert problems(warehouse, sorties) == [
        "verrouillage 2025-01:1 : modifié depuis son scellement",
        "fichier 2025-01/comptabilite/ecritures_2025-01.txt : modifié depuis son scellement",
    ]


def test_files_removed_with_their_month_by_retention_are_counted_not_reported(books):
    import shutil

    warehouse, sorties = books
    with warehouse.transaction() as con:
        write_output(con, sorties, "2025-01/factures/registre.csv", "numero\n")
        seal(con, NOW)
    shutil.rmtree(sorties / "2025-01")
    with warehouse.connect() as con:
        found = verify(con, sorties, retained=lambda month: month <= "2025-01")
        kept = verify(con, sorties, retained=lambda month: False)
    assert found.intact and found.retained == {"2025-01": 2} and found.found["fichier"] == 0
    assert kept.problems == [
        "fichier 2025-01/comptabilite/ecritures_2025-01.txt : scellé mais absent de sorties/",
        "fichier 2025-01/factures/registre.csv : scellé mais absent de sorties/",
    ]


def test_a_warehouse_sealed_before_schema_15_is_not_reported_and_its_next_seal_seals_what_was_recorded(
    tmp_path, monkeypatch
):
    """At schema 14: documents, an exported month, a bank line, a rendered PDF and a register, the chain as the
    seal of that version made it. After the upgrade, verify names them "antérieur" and passes; the next seal,
    whatever kinds it was asked for, seals what the warehouse recorded (the bank line, the lock, the PDF's and
    the entries file's hashes); the register of a month not closed since stays "antérieur"."""
    from tests.common.test_warehouse import at_version

    sorties = tmp_path / "sorties"
    warehouse, upgrade = at_version(tmp_path, monkeypatch, 14)
    with warehouse.transaction() as con:
        add_document(con, "F2025-000001", "1519.00", 1)
        add_entries(con, "2025-01", "1519.00")
        export(con, "2025-01", sorties)
        add_bank_line(con, "CAMT-1", "1519.00")
        (sorties / "2025-01/factures").mkdir(parents=True)
        (sorties / "2025-01/factures/F2025-000001.pdf").write_bytes(b"%PDF facture 1")
        (sorties / "2025-01/factures/registre.csv").write_text("numero\nF2025-000001\n")
        con.execute(
            "INSERT INTO document_files VALUES ('F2025-000001', '2025-01/factures/F2025-000001.pdf', $h, false, $n)",
            {"h": hashlib.sha256(b"%PDF facture 1").hexdigest(), "n": NOW},
        )
        old = [("document", "audit/documents.sql"), ("ecriture", "audit/entries.sql")]
        previous = GENESIS
        for seq, (kind, item, content) in enumerate(
            [(k, i, c) for k, q in old for i, c in con.execute(_old_query(q)).fetchall()], start=1
        ):
            current = link(previous, kind, item, content)
            con.execute(
                "INSERT INTO audit_chain VALUES (?, ?, ?, ?, ?, ?, ?)",
                [seq, kind, item, content, previous, current, NOW],
            )
            previous = current
    upgrade()
    with warehouse.connect() as con:
        marker = con.execute("SELECT seq, kind, item FROM audit_chain ORDER BY seq DESC LIMIT 1").fetchone()
        before = verify(con, sorties)
    assert marker == (4, "mise_a_niveau", "015")
    assert before.intact, before.problems
    assert before.earlier == [
        "verrouillage 2025-01:1",
        "ligne bancaire CAMT-1",
        "PDF 2025-01/factures/F2025-000001.pdf",
        "fichier 2025-01/comptabilite/ecritures_2025-01.txt",
        "fichier 2025-01/factures/registre.csv",
    ]
    with warehouse.transaction() as con:
        seal(con, NOW, ["ligne_bancaire"])  # the first seal after the upgrade seals every kind
        after = verify(con, sorties)
    assert after.intact and after.earlier == ["fichier 2025-01/factures/registre.csv"]
    assert after.sealed == after.found == {
        "document": 1, "affectation": 0, "deverrouillage": 0, "ecriture": 2, "verrouillage": 1, "ligne_bancaire": 1,
        "pdf": 1, "fichier": 1,
    }  # fmt: skip
    with warehouse.transaction() as con:
        con.execute("UPDATE bank_lines SET amount = 1591.00")
    assert problems(warehouse, sorties) == ["ligne bancaire CAMT-1 : modifié depuis son scellement"]


def _old_query(name: str) -> str:
    """A query of sql/audit/ with $all = true, as schema 14's seal read it."""
    from assets.common.warehouse import sql

    return "\n".join(line for line in sql(name).splitlines() if not line.startswith("--")).replace("$all", "true")


def test_a_seal_of_some_kinds_leaves_the_others_to_their_own_transaction(books):
    warehouse, sorties = books
    with warehouse.transaction() as con:
        add_bank_line(con, "CAMT-1", "1519.00")
        add_document(con, "F2025-000003", "10.00", 3)
        assert seal(con, NOW, ["ligne_bancaire"])[0] == 8
        found = verify(con, sorties)
    assert found.problems == ["document F2025-000003 : présent dans l'entrepôt sans avoir été scellé"]
