"""Entry numbering and lettering dates judged on real FEC files (../shared/samples/fec): N01 one date per entry,
N02 no number missing in a journal's series, L01 a warning; as strict as the DGFiP's texts and tools, no more."""

import argparse
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest

from assets.accounting.fec import FecError, FecLine, read_fec, validate, write_fec
from pipelines.cli import cmd_fec_check
from tests.conformance.test_fec import NEOLEGAL, SAMPLES, sample

PREFIXED = "123456789FEC20500930.txt"  # "BNP000000001", numbered per journal; CR CR LF
PER_JOURNAL = "0000000001FEC20220831.txt"  # "1", "2"…: every journal starts at 1; BOM, LF
COMMON = "111111111FEC20221231.TXT"  # "00000001"…"00000248": one sequence shared out among 9 journals; pipes
ALL_ZERO = "000000000FEC20231231.txt"  # EcritureNum "0" on every line, 22 columns


def verdict(problems) -> dict[str, Counter]:
    """Problems counted by severity, then by rule code."""
    out: dict[str, Counter] = {}
    for problem in problems:
        out.setdefault(problem.severity, Counter())[problem.code] += 1
    return out


def rewrite(name: str, change: Callable[[dict[str, str]], dict[str, str] | None]) -> bytes:
    """The sample with each line's fields passed through `change` (None drops the line), written back in its own
    encoding, separator and line ends: the header and every other byte as they were."""
    data = sample(f"{NEOLEGAL}/{name}")
    fec = read_fec(data, name)
    parts = re.split(r"(\r\n|\n|\r)", data.decode(fec.encoding))
    out: list[str] = []
    header: list[str] = []
    for content, end in zip(parts[::2], parts[1::2] + [""], strict=True):
        fields = content.split(fec.separator)
        if len(fields) == 1 or not header:  # a blank line, or the header
            header = header or [value.strip(" \ufeff") for value in fields]
            out.append(content + end)
            continue
        changed = change(dict(zip(header, fields, strict=False)))
        if changed is not None:
            named = [changed.get(header[i], value) if i < len(header) else value for i, value in enumerate(fields)]
            out.append(fec.separator.join(named) + end)
    return "".join(out).encode(fec.encoding.removesuffix("-sig"))


def problems_of(data: bytes, name: str = "f.txt", **kwargs):
    return validate(read_fec(data, name), **kwargs)


def check_exit(name: str, capsys) -> int:
    """What `recettes fec-check` says of a sample: its exit code (1 on an error-level problem)."""
    if not (SAMPLES / NEOLEGAL / name).is_file():
        pytest.skip("../shared/samples is not beside this checkout")
    code = cmd_fec_check(argparse.Namespace(file=str(SAMPLES / NEOLEGAL / name)))
    capsys.readouterr()
    return code


# ------------------------------------------------------------------------------------- the samples as they are


def test_each_real_sample_has_its_verdict(capsys):
    """Before: every sample passed fec-check but 0000000001 (L01 errors, C07 on its EcritureDates); the all-"0"
    file with one warning."""
    verdicts = {
        name: verdict(problems_of(sample(f"{NEOLEGAL}/{name}"), name))
        for name in (PREFIXED, PER_JOURNAL, COMMON, ALL_ZERO)
    }
    assert verdicts == {
        PREFIXED: {},
        COMMON: {},
        # lettering codes without DateLet: warnings now; its numbers follow ValidDate (the order of validation,
        # as A47 A-1 asks), not EcritureDate: no C07 any more
        PER_JOURNAL: {"avertissement": Counter({"L01": 2035})},
        ALL_ZERO: {"erreur": Counter({"N01": 6}), "avertissement": Counter({"C08": 1})},
    }
    assert [check_exit(name, capsys) for name in (PREFIXED, COMMON, PER_JOURNAL, ALL_ZERO)] == [0, 0, 0, 1]


def test_every_line_numbered_0_makes_one_entry_per_journal_on_many_dates():
    fec = read_fec(sample(f"{NEOLEGAL}/{ALL_ZERO}"), ALL_ZERO)
    problems = validate(fec)
    n01 = [p for p in problems if p.code == "N01"]
    lines = Counter(x.journal_code for x in fec.lines)
    assert [(p.field, p.severity, len(p.lines)) for p in n01] == [
        ("EcritureDate", "erreur", lines[journal]) for journal in ("ac", "ve", "bq", "od", "ca", "AD")
    ]
    assert n01[0].message.startswith(f"{ALL_ZERO}, lignes 2, 3, 4, 5, 6, 7, 8, 9, 10, 11… (")
    assert re.search(
        r"champ EcritureDate : écriture ac 0 à [0-9]+ dates différentes, du [0-9/]+ au [0-9/]+ ; une écriture a "
        r"une seule date de comptabilisation$",
        n01[0].message,
    )
    # a real 18-column file rewritten so: one entry per journal, each balanced (no B01), one N01 each but where
    # a journal's entries all fall on one day (ANO, ODE)
    zero = problems_of(rewrite(PREFIXED, lambda r: {**r, "EcritureNum": "0"}))
    assert verdict(zero) == {"erreur": Counter({"N01": 10})}


# --------------------------------------------------------------------------- numbering conventions accepted


def test_a_month_extract_continues_the_numbers_of_the_month_before():
    """The lines of October 2022 only: every journal's numbers start past 1 (ACH000000406…), without a gap."""
    october = rewrite(PREFIXED, lambda r: r if r["EcritureDate"].startswith("202210") else None)
    fec = read_fec(october, "octobre.txt")
    firsts = {x.journal_code: x.ecriture_num for x in reversed(fec.lines)}
    assert (firsts["ACH"], firsts["BNP"], firsts["VEN"]) == ("ACH000000406", "BNP000000235", "VEN000000126")
    assert validate(fec) == []

    # an entry missing inside the month is a gap; the lines named are those of the entries around it
    def october_but_one(row: dict[str, str]) -> dict[str, str] | None:
        return row if row["EcritureDate"].startswith("202210") and row["EcritureNum"] != "BNP000000250" else None

    gap = rewrite(PREFIXED, october_but_one)
    (n02,) = problems_of(gap, "octobre.txt")
    before, after = (
        next(x.number for x in read_fec(gap, "o.txt").lines if x.ecriture_num == number)
        for number in ("BNP000000249", "BNP000000251")
    )
    assert (n02.code, n02.severity, n02.lines, n02.field) == ("N02", "erreur", (before, after), "EcritureNum")
    assert n02.message == (
        f"octobre.txt, lignes {before}, {after}, champ EcritureNum : journal BNP, 1 numéro(s) d'écriture "
        "manquant(s) : BNP000000250 ; les numéros se suivent sans trou"
    )


def test_numbers_restarting_each_year_are_continuous_when_the_year_is_in_the_number():
    """The fiscal year 2022-04..2023-04 renumbered per journal and calendar year, JOURNAL-AAAA-NNNNNN (as Recettes
    numbers): the counter restarts at 1 in 2023, a series of its own."""
    counters: dict[tuple[str, str], int] = {}
    numbers: dict[tuple[str, str], str] = {}

    def per_year(row: dict[str, str], with_year: bool = True) -> dict[str, str]:
        journal, year = row["JournalCode"], row["EcritureDate"][:4]
        key = (journal, row["EcritureNum"])
        if key not in numbers:
            counters[journal, year] = counters.get((journal, year), 0) + 1
            numbers[key] = f"{journal}-{year}-{counters[journal, year]:06d}"
        number = numbers[key] if with_year else numbers[key].replace(f"-{year}-", "-")
        return {**row, "EcritureNum": number}

    renumbered = rewrite(PREFIXED, per_year)
    assert {"BNP-2022-000001", "BNP-2023-000001", "VEN-2023-000001"} <= {
        x.ecriture_num for x in read_fec(renumbered, "r.txt").lines
    }
    assert problems_of(renumbered) == []
    # the same counters without the year: "BNP-000001" is two entries of 2022 and 2023, one number on two dates
    counters.clear()
    without_year = problems_of(rewrite(PREFIXED, lambda row: per_year(row, with_year=False)))
    assert set(verdict(without_year)) == {"erreur"} and set(verdict(without_year)["erreur"]) == {"N01"}


def test_one_sequence_for_the_whole_file_is_continuous_across_journals():
    """111111111 renumbered in date order, journals mixed (as software numbering every movement does): no journal
    holds a run of numbers, the file does; an entry missing is named once, for the journals sharing the numbers."""
    entries: dict[tuple[str, str], tuple[str, str]] = {}
    for line in read_fec(sample(f"{NEOLEGAL}/{COMMON}"), COMMON).lines:
        entries.setdefault(line.entry, (line.raw["EcritureDate"], line.ecriture_num))
    order = sorted(entries, key=lambda entry: entries[entry])
    width = len(entries[order[0]][1])  # "00000001": as wide as the file's own
    common = {entry: f"{rank:0{width}d}" for rank, entry in enumerate(order, start=1)}

    def renumber(row: dict[str, str]) -> dict[str, str]:
        return {**row, "EcritureNum": " " + common[row["JournalCode"].strip(), row["EcritureNum"].strip()] + " "}

    renumbered = rewrite(COMMON, renumber)
    per_journal = {}
    for line in read_fec(renumbered, "r.txt").lines:
        per_journal.setdefault(line.journal_code, set()).add(int(line.ecriture_num))
    assert any(max(v) - min(v) + 1 > len(v) for v in per_journal.values())  # no journal's numbers run alone
    assert [p for p in problems_of(renumbered) if p.code in ("N01", "N02")] == []
    # drop the entry numbered 00000100: a gap in the numbers of the file, said once
    gap = rewrite(COMMON, lambda row: None if renumber(row)["EcritureNum"].strip() == "00000100" else renumber(row))
    first_lines: dict[str, int] = {}
    for line in read_fec(gap, "g.txt").lines:
        first_lines.setdefault(line.ecriture_num, line.number)
    (n02,) = [p for p in problems_of(gap, "g.txt") if p.code == "N02"]
    assert (n02.severity, n02.lines) == ("erreur", tuple(sorted((first_lines["00000099"], first_lines["00000101"]))))
    assert n02.message.split(" : ", 1)[1] == (
        "journaux VE, C1, CA, CIC, AN, … (une numérotation commune), 1 numéro(s) d'écriture manquant(s) : 00000100 "
        "; les numéros se suivent sans trou"
    )


def test_numbers_used_in_several_journals_are_a_numbering_per_journal():
    """0000000001 numbers each journal from 1: an ACH entry missing is a gap though VEN has the same number."""
    gap = rewrite(PER_JOURNAL, lambda row: None if (row["JournalCode"], row["EcritureNum"]) == ("ACH", "5") else row)
    n02 = [p for p in problems_of(gap, "g.txt") if p.code == "N02"]
    assert [p.message.split(" : ", 1)[1] for p in n02] == [
        "journal ACH, 1 numéro(s) d'écriture manquant(s) : 5 ; les numéros se suivent sans trou"
    ]


# ---------------------------------------------------------------------------------------------------- DateLet


def test_a_lettering_date_missing_or_alone_is_a_warning(capsys):
    """A47 A-1 fields 14 and 15: each "à blanc si non utilisé", nothing ties them: a warning either way."""
    problems = problems_of(sample(f"{NEOLEGAL}/{PER_JOURNAL}"), PER_JOURNAL)
    l01 = [p for p in problems if p.code == "L01"]
    assert {(p.severity, p.field) for p in l01} == {("avertissement", "DateLet")}
    assert l01[0].message.startswith(f"{PER_JOURNAL}, ligne ") and "vide alors que l'écriture est lettrée" in (
        l01[0].message
    )
    # 123456789 letters 4,334 lines with their dates; its letters taken away, the dates stay alone
    unlettered = problems_of(rewrite(PREFIXED, lambda row: {**row, "EcritureLet": ""}))
    assert verdict(unlettered) == {"avertissement": Counter({"L01": 4334})}
    assert {p.field for p in unlettered} == {"EcritureLet"}


# --------------------------------------------------------------------------------------- our own month exports


def month_lines(first: int, days: list[int]) -> list[FecLine]:
    """February's sales entries as Recettes writes them: VT-2025-NNNNNN continuing the month before."""
    lines = []
    for counter, day in enumerate(days, start=first):
        date = dt.date(2025, 2, day)
        number = f"VT-2025-{counter:06d}"
        for account, debit, credit, aux in (
            ("411000", "120.00", "0", ("D66", "Département 66")),
            ("734000", "0", "120.00", ("", "")),
        ):
            lines.append(
                FecLine("VT", "Ventes", number, date, account, "Clients", *aux, f"F{counter}", date,
                        f"Facture F{counter}", Decimal(debit), Decimal(credit), valid_date=dt.date(2025, 3, 3))
            )  # fmt: skip
    return lines


def test_our_month_exports_still_pass_and_a_gap_or_a_split_entry_is_refused():
    # February continues January's VT-2025-000100; the first entry is a late item of January put on the 1st
    february = month_lines(101, [1, 1, 3, 14, 28])
    february[0].piece_date = february[1].piece_date = dt.date(2025, 1, 20)
    data = write_fec(february, name="ecritures_2025-02.txt", period=(dt.date(2025, 2, 1), dt.date(2025, 2, 28)))
    assert read_fec(data, "e.txt").lines[0].ecriture_num == "VT-2025-000101"
    gap = [x for x in february if x.ecriture_num != "VT-2025-000103"]
    with pytest.raises(FecError) as err:
        write_fec(gap, name="ecritures_2025-02.txt")
    assert "[N02] ecritures_2025-02.txt, lignes 4, 6, champ EcritureNum : journal VT, 1 numéro(s) d'écriture " in (
        str(err.value)
    )
    split = month_lines(101, [1, 3])
    split[1].ecriture_date = dt.date(2025, 2, 2)
    with pytest.raises(FecError, match=r"\[N01\] ecritures_2025-02.txt, lignes 2, 3, champ EcritureDate : "):
        write_fec(split, name="ecritures_2025-02.txt")
