"""Lettering dates judged on real FEC files (../shared/samples/fec): L01 a warning; as strict as the DGFiP's
texts and tools, no more."""

import re
from collections import Counter
from collections.abc import Callable

from assets.accounting.fec import read_fec, validate
from tests.conformance.test_fec import NEOLEGAL, sample

PREFIXED = "123456789FEC20500930.txt"  # "BNP000000001", numbered per journal; CR CR LF
PER_JOURNAL = "0000000001FEC20220831.txt"  # "1", "2"…: every journal starts at 1; BOM, LF


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
