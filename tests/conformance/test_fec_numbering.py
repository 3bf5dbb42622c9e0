"""Entry numbering and lettering dates judged on real FEC files (../shared/samples/fec): N01 one date per entry,
L01 a warning; as strict as the DGFiP's texts and tools, no more."""

import argparse
import re
from collections import Counter
from collections.abc import Callable

import pytest

from assets.accounting.fec import read_fec, validate
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
    """Before: every sample passed fec-check but 0000000001 (L01 errors, C07); the all-"0" file with one warning."""
    verdicts = {
        name: verdict(problems_of(sample(f"{NEOLEGAL}/{name}"), name))
        for name in (PREFIXED, PER_JOURNAL, COMMON, ALL_ZERO)
    }
    assert verdicts == {
        PREFIXED: {},
        COMMON: {},
        # lettering codes without DateLet: warnings now; its numbers follow ValidDate, not EcritureDate (C07)
        PER_JOURNAL: {"avertissement": Counter({"L01": 2035}), "erreur": Counter({"C07": 182})},
        ALL_ZERO: {"erreur": Counter({"N01": 6}), "avertissement": Counter({"C08": 1})},
    }
    assert [check_exit(name, capsys) for name in (PREFIXED, COMMON, PER_JOURNAL, ALL_ZERO)] == [0, 0, 1, 1]


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


# ---------------------------------------------------------------------------------------------------- DateLet


def test_a_lettering_date_missing_or_alone_is_a_warning():
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
