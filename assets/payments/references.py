"""Invoice numbers found in a text: a bank line's remittance text and end-to-end id, in the tolerant forms the
matching accepts (F2026-000123, F2026000123, F 2026 123, FACT 2026-123)."""

from __future__ import annotations

import re

_REFERENCE = re.compile(
    r"(?<![A-Z0-9])(?:FACTURES?|FACT|FAC|FA|F)\s*(?:N[O°º]?\s*)?[-./:]?\s*(20\d\d)\s*[-./]?\s*(\d{1,6})(?!\d)"
)


def references(text: str) -> list[str]:
    """Invoice numbers named in a text, in the canonical form F2026-000123, in order of appearance."""
    found = []
    for year, seq in _REFERENCE.findall((text or "").upper()):
        number = f"F{year}-{int(seq):06d}"
        if number not in found and int(seq) > 0:
            found.append(number)
    return found


def complete_references(text: str, end_to_end_id: str) -> list[str]:
    """The invoice numbers of the text and end-to-end id, without a number cut by the bank: a text of
    140 characters or more (a SEPA remittance is cut at 140) ending with a short number that comes
    before the previous one ("… F2026-023706 F2026-02")."""
    found = references(f"{text} {end_to_end_id}")
    text = (text or "").upper().rstrip()
    if len(text) >= 140:
        matches = list(_REFERENCE.finditer(text))
        last = matches[-1] if matches else None
        if last and last.end() == len(text) and len(last.group(2)) < 6:
            before = references(text[: last.start()])
            cut = f"F{last.group(1)}-{int(last.group(2)):06d}"
            if before and cut < before[-1] and cut not in before and cut not in references(end_to_end_id):
                found = [n for n in found if n != cut]
    return found
