"""FEC files written by others (../shared/samples/fec) read and validated by our reader, and our writer's output."""

import datetime as dt
import os
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from assets.accounting.fec import FEC_COLUMNS, RULES, FecError, FecLine, read_fec, validate, write_fec

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "fec"
REZDEVOPS = "rezdevops-fec-check-fixtures"
NEOLEGAL = "neolegal-fec-reader"


def sample(name: str) -> bytes:
    if not SAMPLES.is_dir() and not os.environ.get("CI"):
        pytest.skip("../shared/samples is not beside this checkout")
    return (SAMPLES / name).read_bytes()


def codes(problems) -> set[str]:
    return {problem.code for problem in problems}


# ------------------------------------------------------------------------------------------------ RezDevOps


def test_the_conforming_fixture_has_no_problem():
    fec = read_fec(sample(f"{REZDEVOPS}/conforme_fec-minimal-conforme.txt"), "conforme.txt")
    assert validate(fec) == []
    assert (fec.encoding, fec.separator, len(fec.lines), fec.lines[0].number, fec.lines[-1].number) == (
        "utf-8",
        "\t",
        8,
        2,
        9,
    )
    assert (fec.total_debit, fec.total_credit) == (Decimal("4800.00"), Decimal("4800.00"))
    first = fec.lines[0]
    assert (first.entry, first.ecriture_date, first.compte_num, first.debit, first.credit, first.valid_date) == (
        ("AC", "AC0001"),
        dt.date(2026, 1, 5),
        "607000",
        Decimal("1000.00"),
        Decimal("0"),
        dt.date(2026, 1, 6),
    )
    assert (fec.lines[2].comp_aux_num, fec.lines[2].ecriture_let, fec.lines[2].date_let) == (
        "DURAND",
        "A",
        dt.date(2026, 2, 5),
    )


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("A02-separateur-mixte.txt", [(3,)]),  # read on its own separator: its entry stays balanced
        ("A05-ligne-tronquee.txt", [(3,)]),
        ("B01-ecriture-desequilibree.txt", [(2, 3, 4), (5, 6, 7)]),  # globally balanced: no B02
        ("B05-compaux-num-sans-lib.txt", [(4,)]),
        ("C01-ecriture-date-invalide.txt", [(2,), (3,)]),  # no date: no C06 nor C07 drawn from it
        ("C07-chronologie-cassee.txt", [(4, 5)]),  # AC0002 (10/02) after AC0001 (15/03)
    ],
)
def test_each_non_conforming_fixture_fails_on_exactly_its_rule(name, lines):
    problems = validate(read_fec(sample(f"{REZDEVOPS}/{name}"), name))
    assert codes(problems) == {name[:3]}
    assert [problem.lines for problem in problems] == lines
    assert all(problem.message.startswith(f"{name}, ligne") for problem in problems)


def test_fixture_messages_name_file_line_and_field():
    name = "C01-ecriture-date-invalide.txt"
    first = validate(read_fec(sample(f"{REZDEVOPS}/{name}"), name))[0]
    assert (first.field, first.severity, first.message) == (
        "EcritureDate",
        "erreur",
        f"{name}, ligne 2, champ EcritureDate : date « 2024-01-15 » invalide (AAAAMMJJ attendu)",
    )
    name = "B05-compaux-num-sans-lib.txt"
    (b05,) = validate(read_fec(sample(f"{REZDEVOPS}/{name}"), name))
    assert str(b05) == (
        f"[B05] {name}, ligne 4, champ CompAuxLib : vide alors que CompAuxNum est rempli (« DURAND ») ; "
        "les deux vont ensemble"
    )


# ------------------------------------------------------------------------------------------------- neolegal


@pytest.mark.parametrize(
    ("name", "encoding", "separator", "columns", "lines", "last", "entries", "journals", "total", "problems"),
    [
        # UTF-8 with BOM, LF; lettering codes without DateLet (warnings); numbers not following dates in 6 journals
        (
            "0000000001FEC20220831.txt",
            "utf-8-sig",
            "\t",
            18,
            5422,
            5423,
            2033,
            9,
            "10186219.81",
            {"L01": 2035},
        ),
        # 22 columns (BNC/BA cash basis), EcritureNum always "0": one entry a journal on many dates; no ValidDate
        ("000000000FEC20231231.txt", "utf-8", "\t", 22, 2102, 2103, 6, 6, "1265350.82", {"N01": 6, "C08": 1}),
        # pipe, a pipe ending every line, fields padded with spaces, zero-padded amounts, one byte 0xF8
        ("111111111FEC20221231.TXT", "iso-8859-15", "|", 18, 934, 935, 248, 9, "225682.23", {}),
        # every line ended by CR CR LF, the last one by nothing
        ("123456789FEC20500930.txt", "utf-8", "\t", 18, 10756, 10757, 4001, 12, "8258083.73", {}),
    ],
)
def test_neolegal_ledgers_read_with_exact_counts_and_balanced_totals(
    name, encoding, separator, columns, lines, last, entries, journals, total, problems
):
    fec = read_fec(sample(f"{NEOLEGAL}/{name}"), name)
    assert (fec.encoding, fec.separator, len(fec.header)) == (encoding, separator, columns)
    assert (len(fec.lines), fec.lines[0].number, fec.lines[-1].number) == (lines, 2, last)
    assert len({line.entry for line in fec.lines}) == entries
    assert len({line.journal_code for line in fec.lines}) == journals
    assert fec.total_debit == Decimal(total)
    assert fec.total_credit == Decimal(total)
    assert Counter(problem.code for problem in validate(fec)) == Counter(problems)


def test_padded_pipe_file_with_trailing_separator_and_a_dos_byte():
    name = "111111111FEC20221231.TXT"
    fec = read_fec(sample(f"{NEOLEGAL}/{name}"), name)
    assert fec.trailing_separator and fec.header[-2:] == ["MontantDevise", "Idevise"]  # name case tolerated
    first = fec.lines[0]
    assert (first.journal_code, first.ecriture_num, first.compte_lib, first.credit, first.field_count) == (
        "VE",
        "00000001",
        "VENTE NECTAR DE FRAISE",
        Decimal("69.60"),
        18,
    )
    assert (first.comp_aux_num, first.ecriture_let, first.date_let, first.montant_devise) == ("", "", None, None)
    creat = next(line for line in fec.lines if line.ecriture_lib.startswith("CREAT"))
    assert (creat.number, creat.ecriture_lib) == (779, "CREAT\u00f8 MAQUETTE ETIQ")  # 0xF8 read as ISO-8859-15


def test_cash_basis_columns_and_cr_cr_lf_line_ends():
    fec = read_fec(sample(f"{NEOLEGAL}/000000000FEC20231231.txt"), "bnc.txt")
    assert fec.header[18:] == ["DateRglt", "ModeRglt", "NatOp", "IdClient"]
    assert fec.lines[0].extra == {"DateRglt": "20230131", "ModeRglt": "CH", "NatOp": "", "IdClient": ""}
    assert (fec.lines[0].journal_code, fec.lines[0].comp_aux_lib, fec.lines[0].credit) == (
        "ac",
        "ITALIAN FOOD",
        Decimal("683.23"),
    )
    fec = read_fec(sample(f"{NEOLEGAL}/123456789FEC20500930.txt"), "crcrlf.txt")
    assert fec.header_line_end == "\r\r\n" and {line.line_end for line in fec.lines} == {"\r\r\n", ""}
    assert fec.lines[-1].debit == Decimal("10.00") and fec.lines[-1].ecriture_num == "VEN000000315"


# -------------------------------------------------------------------------------------------- hand-made files

HEADER = "\t".join(FEC_COLUMNS)


def row(
    journal="VT",
    number="VT000001",
    date="20250131",
    account="411000",
    debit="100,00",
    credit="0,00",
    aux=("D66", "Département 66"),
    let=("", ""),
    valid="20250205",
    piece_date="20250131",
) -> str:
    return "\t".join(
        [
            journal,
            "Ventes",
            number,
            date,
            account,
            "Usagers et financeurs",
            aux[0],
            aux[1],
            "F2025-0001",
            piece_date,
            "Facture F2025-0001",
            debit,
            credit,
            let[0],
            let[1],
            valid,
            "",
            "",
        ]
    )


def revenue(**kwargs) -> str:
    return row(**{"account": "734000", "debit": "0,00", "credit": "100,00", "aux": ("", ""), **kwargs})


def problems_of(*lines: str, header: str = HEADER):
    return validate(read_fec("\n".join([header, *lines]).encode("utf-8"), "main.txt"))


def test_a_balanced_hand_made_file_has_no_problem():
    assert problems_of(row(), revenue(), row(number="VT000002"), revenue(number="VT000002")) == []


ENTRY_2 = [row(number="VT000002"), revenue(number="VT000002")]


@pytest.mark.parametrize(
    ("lines", "code", "expected"),
    [
        (  # two entries unbalanced the opposite way: the file as a whole is balanced
            [row(), revenue(credit="90,00"), row(number="VT000002", debit="90,00"), revenue(number="VT000002")],
            "B01",
            [((2, 3), None), ((4, 5), None)],
        ),
        ([row(debit="100,00", credit="100,00"), *ENTRY_2], "B04", [((2,), "Credit")]),
        ([row(date="20250231"), revenue()], "C01", [((2,), "EcritureDate")]),
        ([row(aux=("D66", "")), revenue()], "B05", [((2,), "CompAuxLib")]),
        ([row(aux=("", "Département 66")), revenue()], "B05", [((2,), "CompAuxNum")]),
        (  # numbered after an entry validated later
            [
                row(),
                revenue(),
                row(number="VT000002", date="20250115", valid="20250120"),
                revenue(number="VT000002", date="20250115", valid="20250120"),
            ],
            "C07",
            [((4, 5), "EcritureNum")],
        ),
        ([row(valid="20250130"), revenue()], "C06", [((2,), "ValidDate")]),
        ([row(), revenue(date="20250130")], "N01", [((2, 3), "EcritureDate")]),
        ([row(), revenue(), row(number="VT000003"), revenue(number="VT000003")], "N02", [((2, 4), "EcritureNum")]),
        ([row(let=("AA", "")), revenue()], "L01", [((2,), "DateLet")]),
        ([row(let=("", "20250301")), revenue()], "L01", [((2,), "EcritureLet")]),
        ([row(piece_date="31/01/2025"), revenue()], "C02", [((2,), "PieceDate")]),
        ([row(), revenue(valid="2025020")], "C03", [((3,), "ValidDate")]),
        ([row(let=("AA", "20251301")), revenue()], "C04", [((2,), "DateLet")]),
        ([row(number=""), revenue(number="")], "A07", [((2,), "EcritureNum"), ((3,), "EcritureNum")]),
        ([row(), revenue(), row(debit="0,00")], "A07", [((4,), "Debit")]),
        ([row(debit="100,00000"), revenue()], "B03", [((2,), "Debit")]),
        (
            [row(), revenue(), row(number="VT000002"), revenue(number="VT000002", credit="100.00")],
            "B03",
            [((5,), "Credit")],
        ),
        ([row(account="706000"), revenue()], "B06", [((2,), "CompAuxNum")]),
        ([row() + "\tde trop", revenue()], "A05", [((2,), None)]),
        ([row().replace("\t", "|"), revenue()], "A02", [((2,), None)]),
    ],
)
def test_each_broken_hand_made_file_gives_exactly_its_rule_and_line(lines, code, expected):
    problems = problems_of(*lines)
    assert codes(problems) == {code}
    assert [(problem.lines, problem.field) for problem in problems] == expected


def test_a_file_unbalanced_as_a_whole_gives_b02_without_a_line():
    problems = problems_of(row(), revenue(), row(number="VT000002", debit="5,00", credit="0,00"))
    assert [(p.code, p.lines) for p in problems] == [("B01", (4,)), ("B02", ())]
    assert problems[1].message == (
        "main.txt : fichier déséquilibré — total des débits 105.00, total des crédits 100.00, écart 5.00"
    )


def test_header_rules_and_file_wide_warnings():
    swapped = HEADER.replace("Debit\tCredit", "Credit\tDebit")
    assert [p.code for p in problems_of(row(), revenue(), header=swapped)] == ["A04"]
    short = HEADER.removesuffix("\tIdevise")
    (a03,) = [p for p in problems_of(row(), revenue(), header=short) if p.code == "A03"]
    assert a03.message == "main.txt, ligne 1 : en-tête de 17 colonnes, 18 attendues — manquante(s) : Idevise"
    mixed = read_fec(("\r\n".join([HEADER, row()]) + "\n" + revenue()).encode(), "eol.txt")
    assert [(p.code, p.severity, p.message) for p in validate(mixed)] == [
        ("A06", "avertissement", "eol.txt : fins de ligne mélangées (CRLF × 1, LF × 1)")
    ]
    unreadable = problems_of(row(debit="1 000,00"), revenue(credit="1000,00"))  # thousands separator
    assert [(p.code, p.lines, p.field) for p in unreadable] == [
        ("B03", (2,), "Debit"),
        ("B01", (2, 3), None),
        ("B02", (), None),
    ]
    assert unreadable[0].message == (
        "main.txt, ligne 2, champ Debit : montant illisible « 1 000,00 » (chiffres, virgule décimale, sans espace)"
    )
    unvalidated = problems_of(row(valid=""), revenue(valid=""))
    assert [(p.code, p.lines) for p in unvalidated] == [("C08", (2,))]
    in_january = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    late = read_fec("\n".join([HEADER, row(date="20250201"), revenue(date="20250201")]).encode(), "m.txt")
    assert [(p.code, p.lines) for p in validate(late, in_january)] == [("C05", (2,)), ("C05", (3,))]


def test_variants_read_to_the_same_values():
    clean = read_fec("\n".join([HEADER, row(), revenue()]).encode(), "clean.txt")
    # Latin-9, pipe, a pipe ending each line, padding, lower-case names, decimal point, CR, CRLF and LF mixed
    variant = "\r".join(
        [
            "|".join(name.lower() for name in FEC_COLUMNS) + "|",
            " | ".join(row(debit="100.00", credit="0.00").split("\t")) + " |",
        ]
    )
    variant += "\r\n" + "|".join(revenue(debit="0.00", credit="100.00").split("\t")) + "|\n"
    read = read_fec(variant.encode("iso-8859-15"), "variant.txt")
    assert (read.encoding, read.separator, read.trailing_separator) == ("iso-8859-15", "|", True)
    assert [(x.number, x.raw, x.debit, x.credit) for x in read.lines] == [
        (
            x.number,
            {**x.raw, "Debit": x.raw["Debit"].replace(",", "."), "Credit": x.raw["Credit"].replace(",", ".")},
            x.debit,
            x.credit,
        )
        for x in clean.lines
    ]
    assert codes(validate(read)) == {"A06"}
    # Montant + Sens instead of Debit + Credit, the spelling CompteAuxNum / CompteAuxLib of the XML schema
    header = HEADER.replace("Debit\tCredit", "Montant\tSens").replace("CompAux", "CompteAux")
    sens = read_fec(
        "\n".join([header, row(debit="100,00", credit="D"), revenue(debit="100,00", credit="-1")]).encode(), "ms.txt"
    )
    assert sens.montant_sens and [(x.debit, x.credit, x.comp_aux_num) for x in sens.lines] == [
        (Decimal("100.00"), Decimal("0"), "D66"),
        (Decimal("0"), Decimal("100.00"), ""),
    ]
    assert validate(sens) == []
    bad_sens = read_fec("\n".join([header, row(credit="X"), revenue(debit="100,00", credit="C")]).encode(), "s.txt")
    assert [(p.code, p.field, p.lines) for p in validate(bad_sens)] == [
        ("B03", "Sens", (2,)),
        ("B01", None, (2, 3)),  # an amount without a direction counts on neither side
        ("B02", None, ()),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "vide.txt : fichier vide, aucun en-tête"),
        (
            HEADER.encode("utf-16"),
            "vide.txt : encodage non admis (UTF-16 ou binaire) ; un FEC est en ASCII, ISO-8859-15 ou UTF-8 (règle A01)",
        ),
        (
            HEADER.replace("\t", ";").encode(),
            "vide.txt, ligne 1 : aucun séparateur de champs dans l'en-tête (« ; » trouvé) ; tabulation ou | attendu",
        ),
        (
            ("\n\n" + row()).encode(),
            "vide.txt, ligne 3 : la première ligne n'est pas un en-tête FEC (aucun des noms de colonnes de "
            "l'arrêté, « VT » en tête)",
        ),
        (
            b'<?xml version="1.0"?><comptabilite/>',
            "vide.txt, ligne 1 : FEC au format XML, non pris en charge (fichier à plat attendu)",
        ),
    ],
)
def test_unreadable_files_raise_naming_file_and_line(data, message):
    with pytest.raises(FecError) as err:
        read_fec(data, "vide.txt")
    assert str(err.value) == message


# ------------------------------------------------------------------------------------------------- writing


def ledger() -> list[FecLine]:
    def line(number, date, account, debit, credit, aux=("", ""), let=("", None), label="Facture F2025-0001"):
        return FecLine(
            journal_code="VT" if number.startswith("VT") else "BQ",
            journal_lib="Ventes" if number.startswith("VT") else "Banque",
            ecriture_num=number,
            ecriture_date=date,
            compte_num=account,
            compte_lib={"411000": "Usagers et financeurs", "734000": "Prix de journée", "512000": "Banque"}[account],
            comp_aux_num=aux[0],
            comp_aux_lib=aux[1],
            piece_ref=label.split()[-1],
            piece_date=date,
            ecriture_lib=label,
            debit=Decimal(debit),
            credit=Decimal(credit),
            ecriture_let=let[0],
            date_let=let[1],
            valid_date=dt.date(2025, 2, 5),
        )

    d66 = ("D66", "Département des Pyrénées-Orientales")
    lettered = ("A", dt.date(2025, 2, 3))
    return [
        line("VT000001", dt.date(2025, 1, 31), "411000", "4572.00", "0", d66, lettered),
        line("VT000001", dt.date(2025, 1, 31), "734000", "0", "4572.00"),
        line("VT000002", dt.date(2025, 1, 31), "411000", "-152.40", "0", d66, label="Avoir A2025-0001"),
        line("VT000002", dt.date(2025, 1, 31), "734000", "0", "-152.40", label="Avoir A2025-0001"),
        line("BQ000001", dt.date(2025, 2, 3), "512000", "4572", "0", label="Virement reçu « D66 » 2025-0001"),
        line("BQ000001", dt.date(2025, 2, 3), "411000", "0", "4572", d66, lettered, "Virement reçu « D66 » 2025-0001"),
    ]


def test_write_read_validate_round_trip():
    lines = ledger()
    data = write_fec(lines)
    records = data.split(b"\r\n")
    assert records[0] == "|".join(FEC_COLUMNS).encode() and records[-1] == b"" and len(records) == 8
    assert records[1].decode("iso-8859-15") == (
        "VT|Ventes|VT000001|20250131|411000|Usagers et financeurs|D66|Département des Pyrénées-Orientales|"
        "F2025-0001|20250131|Facture F2025-0001|4572,00|0,00|A|20250203|20250205||"
    )
    assert records[3].split(b"|")[11:13] == [b"-152,40", b"0,00"]
    fec = read_fec(data, "ecritures_2025-01.txt")
    assert validate(fec) == []
    assert (fec.encoding, fec.separator, len(fec.lines), fec.total_debit) == ("iso-8859-15", "|", 6, Decimal("8991.60"))
    for written, read in zip(lines, fec.lines, strict=True):
        assert (read.entry, read.ecriture_date, read.debit, read.credit, read.comp_aux_lib, read.date_let) == (
            written.entry,
            written.ecriture_date,
            written.debit,
            written.credit,
            written.comp_aux_lib,
            written.date_let,
        )
    tab = write_fec(lines, separator="\t", encoding="utf-8", line_end="\n")
    assert tab.startswith(b"JournalCode\tJournalLib\t") and b"\r" not in tab and "Pyrénées".encode() in tab


def test_the_writer_refuses_what_validate_would_reject_or_cannot_be_written():
    lines = ledger()
    with pytest.raises(FecError) as err:
        write_fec(lines[:-1])  # the bank entry left unbalanced
    assert "[B01] ecritures.txt, ligne 6 : écriture BQ BQ000001 déséquilibrée" in str(err.value)
    assert "[B02] ecritures.txt : fichier déséquilibré" in str(err.value)
    broken = ledger()
    broken[1].valid_date = dt.date(2025, 1, 30)
    with pytest.raises(FecError, match=r"\[C06\] ecritures.txt, ligne 3, champ ValidDate"):
        write_fec(broken)
    broken = ledger()
    broken[0].ecriture_lib = "Facture | janvier"
    with pytest.raises(FecError, match=r"ligne d'écriture 1, champ EcritureLib : « Facture \| janvier » contient"):
        write_fec(broken)
    broken = ledger()
    broken[0].debit = broken[1].credit = Decimal("4572.005")
    with pytest.raises(FecError, match=r"ligne d'écriture 1, champ Debit : 4572.005 a plus de deux décimales"):
        write_fec(broken)
    broken = ledger()
    broken[0].ecriture_lib = "Facture “janvier”"
    with pytest.raises(FecError, match=r"ecritures.txt, ligne 2 : « “ » n'existe pas en iso-8859-15"):
        write_fec(broken)
    with pytest.raises(FecError, match=r"séparateur ';' non admis"):
        write_fec(ledger(), separator=";")


def test_every_rule_code_has_a_severity_and_a_label():
    assert sorted(RULES) == [
        "A02", "A03", "A04", "A05", "A06", "A07",
        "B01", "B02", "B03", "B04", "B05", "B06",
        "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08",
        "L01", "N01", "N02",
    ]  # fmt: skip
    assert {severity for severity, _ in RULES.values()} == {"erreur", "avertissement"}
    assert [code for code, (severity, _) in RULES.items() if severity == "avertissement"] == [
        "A06", "B04", "B06", "C08", "L01",
    ]  # fmt: skip
