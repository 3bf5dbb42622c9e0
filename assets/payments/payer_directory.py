"""Payers by IBAN and by name: the directory the matching identifies a bank line's payer in (referential IBANs and
names, plus accounts learnt from lines already matched), and the payers a receipt probably comes from."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from assets.payments.matching_records import Line
from assets.payments.references import references

_CIVILITIES = {"M", "MR", "MME", "MLLE", "MM", "MADAME", "MONSIEUR", "MADEMOISELLE", "OU", "ET", "EPOUSE", "VEUVE"}


@dataclass
class Directory:
    """Who pays from which account and under which name: referential IBANs and names, plus accounts
    learnt from lines already matched to one payer."""

    ibans: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: dict[frozenset, set[str]] = field(default_factory=lambda: defaultdict(set))
    codes: set[str] = field(default_factory=set)
    _by_code: dict[str, set[frozenset]] | None = None

    def names_of(self, code: str) -> set[frozenset]:
        if self._by_code is None:
            self._by_code = defaultdict(set)
            for key, codes in self.names.items():
                for c in codes:
                    self._by_code[c].add(key)
        return self._by_code.get(code, set())

    def add(self, code: str, iban: str = "", *names: str) -> None:
        self._by_code = None
        self.codes.add(code)
        if normal_iban(iban):
            self.ibans[normal_iban(iban)].add(code)
        for name in names:
            key = name_key(name)
            if key:
                self.names[key].add(code)


def normal_iban(iban: str) -> str:
    return re.sub(r"\s+", "", iban or "").upper()


def name_key(name: str) -> frozenset:
    """The words of a name, without accents, punctuation nor civilities, in any order."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().upper()
    words = re.sub(r"[^A-Z0-9]+", " ", text).split()
    return frozenset(w for w in words if w not in _CIVILITIES and len(w) > 1)


def identify(line: Line, directory: Directory) -> str | set[str] | None:
    """The payer of a line: by IBAN, else by name, else by the manual payer column. A set: ambiguous."""
    iban = normal_iban(line.iban)
    if iban and iban in directory.ibans:
        payers = directory.ibans[iban]
        if len(payers) > 1 and line.text:
            # a guardian's account: the resident whose name the text gives (the most complete name found,
            # not a name every holder of the account shares)
            words = name_key(line.text)
            keys = {k for c in payers for k in directory.names_of(c) if k <= words and not payers <= directory.names[k]}
            keys = {k for k in keys if not any(k < other for other in keys)}
            named = {c for k in keys for c in directory.names[k] & payers}
            payers = named or payers
        return next(iter(payers)) if len(payers) == 1 else set(payers)
    for name in (line.name, line.payer_hint):
        if name and name.strip().upper() in directory.codes:
            return name.strip().upper()
        key = name_key(name)
        if key and key in directory.names:
            payers = directory.names[key]
            return next(iter(payers)) if len(payers) == 1 else set(payers)
    return None


def probable_payers(
    line: Line, directory: Directory, invoice_payers: dict[str, str], account_payers: dict[str, set[str]]
) -> set[str]:
    """Who a receipt not matched yet that names none of our invoices probably comes from, for the dunning,
    which chases none of them while it waits: the payer its account or name gives (every one of them when
    several share it), else those its account paid before (`account_payers`). A receipt naming invoices of
    ours (`invoice_payers`: number -> payer) holds those invoices only: none here."""
    if any(n in invoice_payers for n in references(f"{line.text} {line.end_to_end_id}")):
        return set()
    payers: set[str] = set()
    found = identify(line, directory)
    if isinstance(found, str):
        payers.add(found)
    elif found:
        payers |= found
    else:
        payers |= account_payers.get(normal_iban(line.iban), set())
    return payers
