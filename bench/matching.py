"""Benchmark of automatic matching (lettrage): quality and speed of `assets.payments.matching.match`.
Not a test: it prints figures and appends them to bench/results/matching.csv.

    uv run python -m bench.matching [--lines 100000] [--seed 1] [--show 10]

1. Generates with `random.Random(seed)` a synthetic association at "large" scale: 200 establishments,
   5 départements and the CPAM (D66 D11 D31 D34 D09 CPAM66, an IBAN each in the directory), 12,000
   residents as private payers U000001… (~60 % with an IBAN in the directory, "LASTNAME Firstname",
   ~1.5 % homonyms, two tutelary associations paying for all their wards from one shared IBAN, a few
   family curators), and the invoices F{year}-{seq:06d} of 24 service months (2024-11 … 2026-10), numbered
   per issue year in the order of the billing stage (payer code, establishment, resident), issued on the
   5th of the month after the service: one per institutional payer × establishment × month (thousands of
   euros), one contribution per paying resident × month (the same amount most months).
2. Generates about `--lines` bank lines whose truth is known (see "Truth" below): grouped transfers of the
   départements and of the CPAM naming their invoices in tolerant forms, some texts truncated to 140
   characters; resident direct debits (end-to-end id = invoice number), some returned then re-presented or
   paid by transfer; transfers and cheques without reference from a known IBAN, under the resident's name,
   or with the payer code on a manual receipt; several months paid at once; partial payments and
   overpayments with a reference; rounded amounts without reference; references to another payer's
   invoice; guardian transfers; payments from unknown payers; bank fees.
3. Runs `match` on everything (empty past) and times it; runs it again with its own result fed back
   (allocations as past, open amounts updated, letters) to check that nothing new is appended, timed too.
4. Prints precision, recall, a table per category, the engine's reasons for the missed lines and the first
   wrong matches; appends date, lines, seed, seconds, precision, recall to bench/results/matching.csv.

Truth: what a careful person would allocate from the data alone
----------------------------------------------------------------
The truth is not what the generator "meant" but what a careful person reading the same lines, invoices
and directory would do, following the documented policy (docs/rules.md "Receipts and matching", Code civil
art. 1342-10). It uses facts only the generator knows for sure (which numbers are fully legible in a text,
which name a guardian wrote, which return belongs to which debit) and never calls the engine. The person
works on their own book of open amounts, in three steps over the whole statement:

1. a debit and its return (negative line, reversal flag, same end-to-end id) cancel each other: both lines
   are matchable, the pair must leave nothing allocated (the debit `rejete`, the return `rejet`);
2. then the debtor's own imputations (art. 1342-10 al. 1), every line naming invoices, in statement order
   (date, line id): a *reference* line (complete invoice numbers of ours in the text or the end-to-end id,
   issued by the line's date) is matchable when the numbers belong to one payer and the account (IBAN of the
   directory, else the debtor's name, else the payer column) is not another payer's; it settles the named
   invoices oldest first (issue date, number), each up to its open amount; what is left is the payer's
   credit (docs/rules.md). When the account's payer is known and names its own invoices, a number of another
   payer's invoice among them is not its debt: it is left out, its amount is part of the surplus (that
   invoice stays open, for a person to decide). So a partial payment of a batch falls on its newest
   invoices, an overpayment is a credit, and a transfer whose text the bank cut at 140 characters settles
   the numbers fully legible in it, the rest being credit. A number cut in the middle ("F2026-02" left of
   "F2026-023706") is not a number a careful reader would use -- the text stops at exactly 140 characters
   and the fragment is out of the list's sequence -- it is ignored. Also accepted as agreeing (not as the
   only truth): the surplus settling the one combination of the payer's other open invoices it equals (rule
   3 applied to the rest, as a reader who sees that the rest is exactly the cut-off invoices would do); the
   person's book keeps the documented outcome (credit);
3. then the payments without indication (al. 2), in statement order, on what step 2 left open. The
   possible payers: the holder of the IBAN in the directory; on an account shared by several payers (a
   tutelary association) the one(s) whose name is written in the text, else all of them; for an IBAN unknown
   to the directory, the payer its reference payments (anywhere in the statement) settled, when only one,
   else whoever bears the debtor's name, else the payer column of a manual receipt (a code or a name). The
   amount must equal the open amount of one of a payer's invoices issued by the line's date -- the oldest
   of equal ones -- or the sum of exactly one combination of them (equal amounts are interchangeable: the
   oldest are taken). Several possible payers (homonyms, a shared account without a name): the line is
   theirs only if the amount fits exactly one of them and none of the others in any way. Otherwise the line
   is not matchable; a line that was ambiguous at its turn stays so (no second pass after later lines have
   taken invoices).

Outgoing money that is not a return (fees) is not a receipt: it must be `debit`, and counts in neither
figure.

Figures
-------
* an *automatic match* is a line the engine allocated or kept as credit by rule `reference` or
  `payeur_montant`, or a line it reversed or found reversed by rule `rejet` (status `rejet`/`rejete`);
* it *agrees with the truth* when the line is matchable and: for a reference or payer + amount line, the
  engine's net allocations of the line (per invoice, zero sums dropped) are exactly the truth's (or its
  accepted alternative) and, when a surplus is left, the credit goes to the truth's payer; for a return, it
  reverses the truth's debit and the pair nets to nothing; for a returned debit, it is `rejete` by the
  truth's return;
* precision = automatic matches that agree / all automatic matches (target 100 %);
* recall = automatic matches that agree / lines the truth says matchable (target >= 95 %); also printed
  by amount (euros of the receipts), where one institutional transfer weighs thousands of contributions;
* per category: lines, matchable, correct (automatic and agrees), wrong (automatic, disagrees or not
  matchable), missed (matchable, not matched automatically: left in the queue), queued (not matchable, left
  in the queue: as it should);
* speed: wall seconds (time.perf_counter) and lines per second of the first run, with the CPU seconds of
  the process next to them (the engine runs on one core: CPU < wall means the machine was busy); target
  100,000 lines in < 20 s on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import os
import random
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.common.months import add_months, days_in
from assets.payments import matching as engine
from assets.payments.matching import match
from assets.payments.matching_records import (
    DEBIT,
    QUEUED,
    RETURN,
    RETURNED,
    RULE_AMOUNT,
    RULE_REFERENCE,
    Invoice,
    Line,
    MatchResult,
)
from assets.payments.payer_directory import Directory

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
FIRST_MONTH = dt.date(2024, 11, 1)
MONTHS = 24
HORIZON = dt.date(2026, 12, 31)  # the statements end there: later payments are not in the data
TEXT_LIMIT = 140  # SEPA unstructured remittance information
TARGET_SECONDS, TARGET_LINES, TARGET_RECALL = 20.0, 100_000, 0.95
ASSOCIATION = "ASSOC CATALANE ACCOMPAGNEMENT"

INSTITUTIONS = {  # code: bank name, payment delay in days, style of the numbers in the remittance
    "D66": ("DEPARTEMENT DES PYRENEES ORIENTALES", 30, "dash"),
    "D11": ("DEPARTEMENT DE L AUDE", 30, "compact"),
    "D31": ("DEPARTEMENT DE LA HAUTE GARONNE", 45, "spaced"),
    "D34": ("DEPARTEMENT DE L HERAULT", 30, "fact"),
    "D09": ("DEPARTEMENT DE L ARIEGE", 30, "mixed"),
    "CPAM66": ("CPAM DES PYRENEES ORIENTALES", 30, "dash"),
}
OTHER_DEPARTEMENTS = {"D11": 0.5, "D31": 0.35, "D34": 0.4, "D09": 0.25}  # chance to have residents there
PLAN = [("FH", 34), ("FV", 34), ("FAM", 30), ("MAS", 30), ("IME", 36), ("ESAT", 36)]
GUARDIANS = {  # shared account of a tutelary association, its name in the referential and on the bank
    "UDAF": ("UDAF 66 – Service mandataire judiciaire", "UDAF 66 MJPM"),
    "ATP": ("ATP 66 – Association tutélaire", "ATP 66 ASSOCIATION TUTELAIRE"),
}
MONTH_NAMES = ["JANV", "FEVR", "MARS", "AVRIL", "MAI", "JUIN", "JUIL", "AOUT", "SEPT", "OCT", "NOV", "DEC"]

LAST_NAMES = """GARCIA ROIG PUIG VIDAL FERRER BOSCH SERRA FABRE LOPEZ SANCHEZ MAS SALA PONS BONET CAZALS ESTÈVE
GALCERAN JORDÀ LLOBET MARTY NOGUÈS PAGÈS RIBES SOLER TORRES VILA CASES COSTA CAMPS BATLLE BERTRAND BLANC BOURREL
CARRÈRE CASTEL COMBES DELMAS DURAN ESCUDIÉ FONT GASCON GAYRAUD GUÉRIN JULIÀ LACOMBE LAFON LLORENS MAURY MIQUEL
MONTANÉ NAVARRO OLIVE PAGNON PEYRE PLANES RAMOND REY RIUS ROCA ROUCH SABATER SAURY TIXADOR VERGÈS ALBERT ARNAUD
BARDOU BARTHE BOYER CALVET CAPDEVILA COLL DELONCA ESPINASSE FOURCADE GIRONA GRAU LASSALLE MALET MARCO MARTINEZ
MERCADER MOLINS NICOLAU OMS PALAU PARÈS PUJOL QUINTA RIBERA ROSSELL SAGUÉ TARRIUS TORRENT VALLS VENTURA XAMBO
ALIBERT AUGÉ BENET BOIXO CARBONELL CLOS DALMAU FERRAN FORNS GUITART JOVER MASSOT MAYNADIER MONTAGNÉ PARRAMON
RIERA SALVAT SIRVENT TERRAT VILAR ESCARGUEIL SOULA BARRÈRE CANAL CORTADE""".split()
FIRST_NAMES = """Jordi Montserrat Núria Pere Joan Marie Hélène Noémie Zoé Loïc Anaïs Jérôme Gaëlle François Céline
Benoît Maëlys Raphaël Léa Chloé Lucas Hugo Nathalie Sylvie Christophe Isabelle Philippe Sandrine Valérie Stéphane
Catherine Nicolas Sophie Julien Aurélie Sébastien Émilie Thomas Camille Mathieu Pauline Olivier Élodie Romain
Mélanie Antoine Laetitia Guillaume Audrey Jean-Pierre Marie-Claude Anne-Marie Jean-Luc Rémi Agnès Thérèse Josep
Mireille Gérard Brigitte Alain Martine Bernard Monique Patrick Dominique Éric Christine Didier Françoise Yves
Nadia Karim Samira Youssef Fatima Mehdi Inès Kevin Jessica Dylan Océane Enzo Manon Théo Clara Maxime Justine
Quentin Margaux""".split()
STRANGERS = """DURAND LEFEBVRE MOREAU ROUSSEAU FOURNIER GIRARD DUPUIS LAMBERT FONTAINE CHEVALIER ROBIN MASSON
SARL_AMBULANCES_DU_ROUSSILLON MUTUELLE_CATALANE TRESOR_PUBLIC CAF_DES_PYRENEES_ORIENTALES""".split()


# --- the world: payers, directory, invoices ---------------------------------------------------------------


@dataclass
class Resident:
    code: str
    last: str
    first: str
    establishment: str
    pays: bool  # a contribution is invoiced to the resident
    directory_iban: str = ""  # the IBAN the referential knows ("" for none); a ward: the guardian's
    pays_from: str = ""  # the account the resident's transfers come from
    bank_name: str = ""  # the debtor name the bank shows
    guardian: str = ""  # UDAF / ATP / a curator's name
    method: str = ""  # dd, transfer_known, transfer_name, cheque, guardian
    behaviour: str = "regular"  # regular, late, partial


@dataclass(frozen=True)
class Inv:
    number: str
    payer: str
    issue: dt.date
    amount: Decimal
    month: int  # index of the service month
    establishment: str


@dataclass
class World:
    residents: dict[str, Resident]
    invoices: dict[str, Inv]
    by_payer: dict[str, list[str]]  # oldest first
    institution_ibans: dict[str, str]
    guardian_ibans: dict[str, str]
    directory: Directory
    # the person's own view of the referential (not the engine's Directory)
    holders: dict[str, set[str]]  # IBAN -> payers
    names: dict[frozenset, set[str]]  # words of a name -> payers
    codes: set[str]
    opening: dict[str, Decimal] = field(default_factory=dict)  # open amount of each invoice before the lines


def words(name: str) -> frozenset:
    """How a person compares two names: letters without accents, any order, without civilities."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    for ch in "-'.,()–":
        text = text.replace(ch, " ")
    ignored = {"M", "MR", "MME", "MLLE", "OU", "ET"}
    return frozenset(w for w in text.split() if w not in ignored)


def plain(text: str) -> str:
    """As a bank prints a name: capitals without accents."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper().replace("-", " ")


def make_iban(rng: random.Random) -> str:
    bank = rng.choice(["30006", "10278", "13506", "16607", "30003", "11006", "20041", "18206"])
    bban = f"{bank}{rng.randrange(100000):05d}{rng.randrange(10**11):011d}{rng.randrange(100):02d}"
    check = 98 - int(bban + "152700") % 97  # F=15 R=27 00
    return f"FR{check:02d}{bban}"


def spaced(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def build_world(rng: random.Random) -> World:
    establishments = [(f"{kind}{i:02d}", kind) for kind, count in PLAN for i in range(1, count + 1)]
    institution_ibans = {code: make_iban(rng) for code in INSTITUTIONS}
    guardian_ibans = {g: make_iban(rng) for g in GUARDIANS}
    # residents: 60 per establishment, unique names, then ~1.5 % homonyms of an earlier resident
    residents: dict[str, Resident] = {}
    taken: set[frozenset] = set()
    n = 0
    for etab, kind in establishments:
        for _ in range(60):
            n += 1
            code = f"U{n:06d}"
            if residents and rng.random() < 0.015:
                twin = residents[rng.choice(list(residents)[-3000:])]
                last, first = twin.last, twin.first
            else:
                while True:
                    last = rng.choice(LAST_NAMES)
                    if rng.random() < 0.2:
                        last += "-" + rng.choice(LAST_NAMES)
                    first = rng.choice(FIRST_NAMES)
                    if words(f"{last} {first}") not in taken:
                        break
            taken.add(words(f"{last} {first}"))
            residents[code] = Resident(code, last, first, etab, kind in ("FH", "FV", "FAM", "MAS"))
    # accounts, guardians and how each resident pays
    for r in residents.values():
        person = f"{r.last} {r.first}"
        g = rng.random()
        if kind_of(r) != "IME" and g < 0.065:
            r.guardian = "UDAF" if g < 0.035 else "ATP"
            r.directory_iban = r.pays_from = guardian_ibans[r.guardian]
            r.bank_name, r.method = GUARDIANS[r.guardian][1], "guardian"
            continue
        if g < 0.10:  # a family curator, paying from the curator's own account
            r.guardian = f"{rng.choice(FIRST_NAMES)} {r.last}"
            person = r.guardian
        r.pays_from = make_iban(rng)
        r.bank_name = rng.choice(["{l} {f}", "M {l} {f}", "MME {f} {l}", "M OU MME {l} {f}"]).format(
            l=plain(person.split()[-1] if r.guardian else r.last), f=plain(person.split()[0] if r.guardian else r.first)
        )
        if rng.random() < 0.6:
            r.directory_iban = r.pays_from
            r.method = "dd" if rng.random() < 0.55 else "transfer_known"
        else:
            r.method = "transfer_name" if rng.random() < 0.6 else "cheque"
        r.behaviour = rng.choices(["regular", "late", "partial"], [0.8, 0.12, 0.08])[0]
    # the engine's directory and the person's view of the same referential
    directory = Directory()
    holders: dict[str, set[str]] = defaultdict(set)
    names: dict[frozenset, set[str]] = defaultdict(set)
    for code, (bank_name, _, _) in INSTITUTIONS.items():
        directory.add(code, spaced(institution_ibans[code]), bank_name.title())
        holders[institution_ibans[code]].add(code)
        names[words(bank_name)].add(code)
    for r in residents.values():
        guardian_name = GUARDIANS[r.guardian][0] if r.guardian in GUARDIANS else r.guardian
        directory.add(
            r.code, spaced(r.directory_iban) if r.directory_iban else "", f"{r.last} {r.first}", guardian_name
        )
        if r.directory_iban:
            holders[r.directory_iban].add(r.code)
        for name in (f"{r.last} {r.first}", guardian_name):
            if name:
                names[words(name)].add(r.code)
    invoices = build_invoices(rng, establishments, residents)
    by_payer: dict[str, list[str]] = defaultdict(list)
    for inv in sorted(invoices.values(), key=lambda i: (i.issue, i.number)):
        by_payer[inv.payer].append(inv.number)
    codes = set(INSTITUTIONS) | set(residents)
    return World(residents, invoices, by_payer, institution_ibans, guardian_ibans, directory, holders, names, codes)


def kind_of(r: Resident) -> str:
    return r.establishment.rstrip("0123456789")


def build_invoices(rng: random.Random, establishments, residents: dict[str, Resident]) -> dict[str, Inv]:
    # institutional payers of each establishment and their monthly order of magnitude
    funders: dict[str, dict[str, float]] = {}
    for etab, kind in establishments:
        f: dict[str, float] = {}
        if kind in ("FH", "FV", "FAM"):
            f["D66"] = rng.uniform(60_000, 250_000)
            for d, chance in OTHER_DEPARTEMENTS.items():
                if rng.random() < chance:
                    f[d] = rng.uniform(2_500, 30_000)
        if kind in ("FAM", "MAS", "IME"):
            f["CPAM66"] = rng.uniform(40_000, 280_000)
        funders[etab] = f
    # contributions: a monthly amount, revised in January 2026 for most, prorated at entry/exit, absences
    base: dict[str, Decimal] = {}
    revised: dict[str, Decimal] = {}
    window: dict[str, tuple[int, int]] = {}
    for r in residents.values():
        if not r.pays:
            continue
        amount = money(rng.uniform(180, 1150))
        base[r.code] = amount
        revised[r.code] = money(float(amount) * rng.uniform(1.005, 1.025)) if rng.random() < 0.6 else amount
        u = rng.random()
        window[r.code] = (
            (rng.randrange(1, MONTHS), MONTHS)
            if u < 0.06
            else (0, rng.randrange(1, MONTHS))
            if u < 0.12
            else (0, MONTHS)
        )
    invoices: dict[str, Inv] = {}
    seq: Counter = Counter()
    for m in range(MONTHS):
        start = add_months(FIRST_MONTH, m)
        issue = add_months(start, 1).replace(day=5)
        ndays = days_in(start)
        rows: list[tuple[str, str, str, Decimal]] = []
        for etab, _ in establishments:
            for payer, size in funders[etab].items():
                rows.append((payer, etab, "", money(size * rng.uniform(0.92, 1.06))))
        for r in residents.values():
            if not r.pays or not (window[r.code][0] <= m < window[r.code][1]):
                continue
            present = ndays
            if m == window[r.code][0] and m > 0:
                present = rng.randint(1, ndays - 1)
            elif m == window[r.code][1] - 1 and window[r.code][1] < MONTHS:
                present = rng.randint(1, ndays - 1)
            elif rng.random() < 0.04:  # a stay in hospital
                present = ndays - rng.randint(3, 15)
            if kind_of(r) == "MAS":  # forfait journalier
                amount = Decimal(20) * present
            else:
                monthly = revised[r.code] if start.year >= 2026 else base[r.code]
                amount = (monthly * present / ndays).quantize(CENT) if present != ndays else monthly
            rows.append((r.code, r.establishment, r.code, amount))
        for payer, etab, _resident, amount in sorted(rows, key=lambda x: (x[0], x[1], x[2])):
            seq[issue.year] += 1
            number = f"F{issue.year}-{seq[issue.year]:06d}"
            invoices[number] = Inv(number, payer, issue, amount, m, etab)
    return invoices


# --- bank lines with their truth -------------------------------------------------------------------------


@dataclass
class Draft:
    """A bank line as generated, with what the generator knows about it."""

    date: dt.date
    amount: Decimal
    category: str
    text: str = ""
    iban: str = ""
    name: str = ""
    e2e: str = ""
    reversal: bool = False
    hint: str = ""
    refs: list[str] = field(default_factory=list)  # complete invoice numbers legible in text or e2e
    text_name: str = ""  # a resident's name written in the text (guardian transfers)
    cut: list[str] = field(default_factory=list)  # invoices paid whose numbers the bank's truncation lost
    original: Draft | None = None  # for a return: the debit it returns
    line_id: str = ""


@dataclass
class Truth:
    category: str
    matchable: bool
    kind: str  # reference, amount, return, returned, debit, none
    expected: dict[str, Decimal] = field(default_factory=dict)
    payer: str = ""  # whose credit a surplus is
    partner: str = ""  # return <-> returned debit
    why: str = ""  # why a person would not match it
    also: dict[str, Decimal] | None = None  # another acceptable allocation (see "Truth")


def ref_token(number: str, style: str, rng: random.Random) -> str:
    year, seq = number[1:5], int(number[6:])
    if style == "mixed":
        style = rng.choice(["dash", "compact", "spaced", "fact"])
    return {
        "dash": number,
        "compact": f"F{year}{seq:06d}",
        "spaced": f"F {year} {seq}",
        "fact": f"FACT {year}-{seq}",
    }[style]


def resident_ref(number: str, rng: random.Random) -> str:
    token = ref_token(number, rng.choice(["dash", "dash", "compact", "spaced", "fact"]), rng)
    if token.startswith("FACT"):
        return token
    return rng.choice(["{t}", "FACTURE {t}", "REF {t}", "Facture n° {t}"]).format(t=token)


def month_label(inv: Inv) -> str:
    start = add_months(FIRST_MONTH, inv.month)
    return f"{MONTH_NAMES[start.month - 1]} {start.year}"


def institution_lines(rng: random.Random, w: World) -> list[Draft]:
    out: list[Draft] = []
    batches: dict[tuple[str, int, str], list[Inv]] = defaultdict(list)
    for inv in w.invoices.values():
        if inv.payer in INSTITUTIONS:
            # the département 66 and the CPAM pay by kind of establishment, the others all at once
            lot = inv.establishment.rstrip("0123456789") if inv.payer in ("D66", "CPAM66") else ""
            batches[(inv.payer, inv.month, lot)].append(inv)
    for (payer, month, lot), invs in sorted(batches.items()):
        bank_name, delay, style = INSTITUTIONS[payer]
        invs.sort(key=lambda i: i.number)
        day = invs[0].issue + dt.timedelta(days=delay + rng.randint(-8, 12))
        category = "institution_batch"
        amount = sum((i.amount for i in invs), ZERO)
        u = rng.random()
        if u < 0.03 and payer != "CPAM66":  # one invoice of another département paid by mistake
            other = rng.choice(
                [
                    i
                    for i in w.invoices.values()
                    if i.month == month and i.payer in OTHER_DEPARTEMENTS and i.payer != payer
                ]
                or invs
            )
            if other.payer != payer:
                invs = [*invs, other]
                amount += other.amount
                category = "institution_other_payer"
        elif u < 0.08:  # a disputed line deducted from the batch
            amount -= money(float(amount) * rng.uniform(0.002, 0.03))
            category = "institution_partial"
        mandate = f"MANDAT {day.year} {rng.randrange(1, 20000):06d}"
        header = f"VIR {bank_name} {mandate} FACTURES"
        tokens = [(i.number, ref_token(i.number, style, rng)) for i in invs]
        text, refs, cut = header, [], []
        truncated = rng.random() < 0.2
        for number, token in tokens:
            text += " " + token
            (refs if not truncated or len(text) <= TEXT_LIMIT else cut).append(number)
        if truncated and len(text) > TEXT_LIMIT:
            text = text[:TEXT_LIMIT]
            category = "institution_truncated" if category == "institution_batch" else category
        out.append(
            Draft(
                day,
                amount,
                category,
                text,
                iban=w.institution_ibans[payer],
                name=bank_name,
                e2e=f"{payer}-{day:%Y%m%d}-{lot or 'X'}",
                refs=refs,
                cut=cut,
            )
        )
    return out


def resident_lines(rng: random.Random, w: World, r: Resident, invs: list[Inv]) -> list[Draft]:
    """The payments of one resident, in the way this resident pays."""
    out: list[Draft] = []

    def transfer(day, amount, category, refs=(), text=None):
        """A payment of the resident's usual kind (transfer, cheque or guardian transfer)."""
        numbers = list(refs)
        words_ = " ".join(resident_ref(n, rng) for n in numbers)
        if r.method == "cheque":
            hint = r.code if rng.random() < 0.3 else f"{r.last} {r.first}"
            out.append(
                Draft(
                    day,
                    amount,
                    "cheque" + category,
                    f"cheque {rng.randrange(10**6, 10**7)} {words_}".strip(),
                    name=hint,
                    hint=hint,
                    refs=numbers,
                )
            )
            return
        if r.method == "guardian":
            person = f"{plain(r.last)} {plain(r.first)}"
            body = words_ or f"PARTICIPATION {text or ''}".strip()
            out.append(
                Draft(
                    day,
                    amount,
                    "guardian" + category,
                    f"VIR {r.bank_name} {person} {body}",
                    r.pays_from,
                    r.bank_name,
                    "NOTPROVIDED",
                    refs=numbers,
                    text_name=f"{r.last} {r.first}",
                )
            )
            return
        label = (
            text if text is not None else rng.choice(["", "VIREMENT", "PARTICIPATION HEBERGEMENT", "LOYER", "VIR SEPA"])
        )
        kind = "transfer_known" if r.directory_iban else "transfer_name"
        out.append(
            Draft(
                day,
                amount,
                kind + category,
                f"{label} {words_}".strip(),
                r.pays_from,
                r.bank_name,
                "NOTPROVIDED",
                refs=numbers,
            )
        )

    ref_rate = {"transfer_known": 0.12, "transfer_name": 0.25, "cheque": 0.08, "guardian": 0.6}.get(r.method, 0)
    if r.method == "dd":
        i = 0
        while i < len(invs):
            inv = invs[i]
            day = inv.issue + dt.timedelta(days=15)
            debit = Draft(
                day,
                inv.amount,
                "dd",
                f"PRLV SEPA {ASSOCIATION} CONTRIBUTION {month_label(inv)}",
                r.pays_from,
                r.bank_name,
                inv.number,
                refs=[inv.number],
            )
            out.append(debit)
            if rng.random() < 0.04:
                back = day + dt.timedelta(days=rng.randint(2, 8))
                motive = rng.choice(
                    ["AM04 PROVISION INSUFFISANTE", "MS03 RAISON NON COMMUNIQUEE", "AC04 COMPTE CLOTURE"]
                )
                out.append(
                    Draft(
                        back,
                        -inv.amount,
                        "dd_return",
                        f"RETOUR PRLV SEPA {motive}",
                        r.pays_from,
                        r.bank_name,
                        inv.number,
                        True,
                        original=debit,
                    )
                )
                out.append(Draft(back, Decimal("-4.50"), "fee", "FRAIS REJET PRLV SEPA"))
                u = rng.random()
                if u < 0.5:  # presented again with the same end-to-end id
                    again = back + dt.timedelta(days=rng.randint(7, 14))
                    re_debit = Draft(
                        again,
                        inv.amount,
                        "dd_represented",
                        f"PRLV SEPA {ASSOCIATION} REPRESENTATION",
                        r.pays_from,
                        r.bank_name,
                        inv.number,
                        refs=[inv.number],
                    )
                    out.append(re_debit)
                    if rng.random() < 0.15:
                        last = again + dt.timedelta(days=rng.randint(2, 8))
                        out.append(
                            Draft(
                                last,
                                -inv.amount,
                                "dd_return",
                                "RETOUR PRLV SEPA AM04 PROVISION INSUFFISANTE",
                                r.pays_from,
                                r.bank_name,
                                inv.number,
                                True,
                                original=re_debit,
                            )
                        )
                elif u < 0.85:  # paid by transfer, no reference
                    later = back + dt.timedelta(days=rng.randint(5, 30))
                    out.append(
                        Draft(
                            later,
                            inv.amount,
                            "dd_regularisation",
                            "REGULARISATION PRELEVEMENT",
                            r.pays_from,
                            r.bank_name,
                            "NOTPROVIDED",
                        )
                    )
            i += 1
        return out
    i = 0
    while i < len(invs):
        inv = invs[i]
        day = inv.issue + dt.timedelta(days=rng.randint(3, 25))
        with_ref = rng.random() < ref_rate
        u = rng.random()
        if r.behaviour == "late" and i + 1 < len(invs) and rng.random() < 0.5:  # two or three months at once
            k = min(len(invs) - i, rng.choice([2, 2, 3]))
            group = invs[i : i + k]
            day = group[-1].issue + dt.timedelta(days=rng.randint(3, 25))
            transfer(
                day,
                sum((g.amount for g in group), ZERO),
                "_several_months",
                [g.number for g in group] if with_ref else [],
            )
            i += k
            continue
        if r.behaviour == "partial" and rng.random() < 0.3 and inv.amount > 100:  # part now, the rest later
            part = Decimal(int(inv.amount * Decimal(rng.uniform(0.3, 0.7)) / 10) * 10)
            transfer(day, part, "_partial_ref", [inv.number])
            rest_day = day + dt.timedelta(days=rng.randint(10, 30))
            transfer(
                rest_day,
                inv.amount - part,
                "_balance" + ("_ref" if rng.random() < 0.4 else ""),
                [inv.number] if rng.random() < 0.4 else [],
            )
        elif u < 0.012:  # more than due, with the reference: the surplus is a credit
            transfer(
                day,
                (inv.amount / 50).to_integral_value(rounding="ROUND_CEILING") * 50 + 50,
                "_overpaid_ref",
                [inv.number],
            )
        elif u < 0.024:  # a rounded amount without reference: nothing to recognise
            transfer(day, (inv.amount / 10).to_integral_value(rounding="ROUND_CEILING") * 10, "_rounded")
        elif u < 0.032 and r.method == "transfer_known":  # the number of another payer's invoice
            wrong = other_payer_number(rng, w, inv, day)
            transfer(day, inv.amount, "_other_payer_ref", [wrong] if wrong else [])
        else:
            transfer(
                day,
                inv.amount,
                "_ref" if with_ref else "",
                [inv.number] if with_ref else [],
                text=month_label(inv) if r.method == "guardian" else None,
            )
        i += 1
    return out


def other_payer_number(rng: random.Random, w: World, inv: Inv, day: dt.date) -> str:
    """A typo in the invoice number: the number of an invoice of someone else, issued by `day`."""
    year, seq = inv.number[1:5], int(inv.number[6:])
    for _ in range(20):
        candidate = f"F{year}-{max(1, seq + rng.choice([-9, -3, -1, 1, 3, 9, 10, -10])):06d}"
        other = w.invoices.get(candidate)
        if other and other.payer != inv.payer and other.issue <= day:
            return candidate
    return ""


def unknown_lines(rng: random.Random, w: World, count: int) -> list[Draft]:
    out = []
    amounts = [i.amount for i in list(w.invoices.values())[-20000:] if not i.payer.startswith(("D", "C"))]
    first = add_months(FIRST_MONTH, 1)
    for _ in range(count):
        day = first + dt.timedelta(days=rng.randrange((HORIZON - first).days))
        who = rng.choice(STRANGERS).replace("_", " ")
        name = (
            who
            if " " in who
            else f"{rng.choice(['M', 'MME', ''])} {who} {rng.choice(['GILLES', 'YVETTE', 'ARNAUD', 'ODILE'])}".strip()
        )
        amount = rng.choice(amounts) if rng.random() < 0.5 else money(rng.uniform(15, 2500))
        text = rng.choice(["VIREMENT", "DON", "REMBOURSEMENT", "VIR SEPA", "COTISATION", ""])
        out.append(Draft(day, amount, "unknown_payer", text, make_iban(rng), name, "NOTPROVIDED"))
    return out


def fee_lines(rng: random.Random) -> list[Draft]:
    out = []
    for m in range(1, MONTHS + 2):
        day = add_months(FIRST_MONTH, m)
        out.append(Draft(day + dt.timedelta(days=2), money(-rng.uniform(18, 35)), "fee", "FRAIS TENUE DE COMPTE"))
        out.append(Draft(day + dt.timedelta(days=9), money(-rng.uniform(40, 160)), "fee", "COMMISSIONS PRLV SEPA"))
        if rng.random() < 0.3:
            out.append(
                Draft(day + dt.timedelta(days=15), money(-rng.uniform(20, 400)), "fee", "VIR REMBOURSEMENT TROP PERCU")
            )
    return out


def generate(seed: int, target: int) -> tuple[World, list[Draft]]:
    rng = random.Random(seed)
    w = build_world(rng)
    drafts = institution_lines(rng, w) + fee_lines(rng) + unknown_lines(rng, w, max(10, target // 70))
    payers = [r for r in w.residents.values() if r.pays]
    rng.shuffle(payers)
    invoices_of: dict[str, list[Inv]] = defaultdict(list)
    for inv in sorted(w.invoices.values(), key=lambda i: (i.issue, i.number)):
        invoices_of[inv.payer].append(inv)
    active: set[str] = set()
    for r in payers:  # as many residents as it takes
        if len(drafts) >= target:
            break
        active.add(r.code)
        drafts.extend(d for d in resident_lines(rng, w, r, invoices_of[r.code]) if d.date <= HORIZON)
    # The other residents paid through lines outside the benchmark: their invoices come in settled, but for
    # a realistic backlog (the last month unpaid for some, an old arrear for a few), which is what makes a
    # shared account or a shared name ambiguous.
    last_issue = max(i.issue for i in w.invoices.values())
    for code, invs in invoices_of.items():
        if code in INSTITUTIONS or code in active:
            w.opening.update((i.number, i.amount) for i in invs)
            continue
        w.opening.update((i.number, ZERO) for i in invs)
        if invs[-1].issue == last_issue and rng.random() < 0.3:
            w.opening[invs[-1].number] = invs[-1].amount
        if rng.random() < 0.04:
            arrear = rng.choice(invs)
            w.opening[arrear.number] = arrear.amount
    drafts = [d for d in drafts if d.date <= HORIZON and (d.original is None or d.original.date <= HORIZON)]
    # the statement order: by date, a random order within a day; ids follow it
    order = sorted(range(len(drafts)), key=lambda k: (drafts[k].date, rng.random()))
    drafts = [drafts[k] for k in order]
    for k, d in enumerate(drafts, start=1):
        d.line_id = f"L{k:07d}"
    return w, drafts


# --- the careful person ----------------------------------------------------------------------------------


def combination(numbers: list[str], book: dict[str, Decimal], amount: Decimal) -> tuple[str, list[str]]:
    """How open invoices add up to `amount`, equal amounts being interchangeable (the oldest are taken):
    ("one", the invoices), ("none", []) or ("several", []) -- also when there are too many to be sure."""
    groups: dict[Decimal, list[str]] = defaultdict(list)
    for n in numbers:
        groups[book[n]].append(n)
    items = sorted(groups.items(), reverse=True)
    found: list[tuple[int, ...]] = []
    budget = [200_000]

    def search(i: int, rest: Decimal, chosen: list[int]) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            raise OverflowError
        if rest == 0:
            found.append(tuple(chosen) + (0,) * (len(items) - i))
            return len(found) > 1
        if i == len(items):
            return False
        value, ns = items[i]
        for k in range(min(len(ns), int(rest // value)), -1, -1):
            if search(i + 1, rest - k * value, [*chosen, k]):
                return True
        return False

    try:
        search(0, amount, [])
    except OverflowError:
        return "several", []
    if not found:
        return "none", []
    if len(found) > 1:
        return "several", []
    return "one", [n for (_, ns), k in zip(items, found[0], strict=True) for n in ns[:k]]


def truth_of(w: World, drafts: list[Draft]) -> dict[str, Truth]:
    """What a careful person allocates, line by line in statement order (see the module docstring)."""
    book = dict(w.opening)
    # accounts unknown to the referential that paid, by reference, invoices of one payer only
    payers_of: dict[str, set[str]] = defaultdict(set)
    for d in drafts:
        if d.iban and d.iban not in w.holders and d.refs and d.amount > 0:
            payers_of[d.iban] |= {w.invoices[n].payer for n in d.refs}
    learnt = {iban: next(iter(p)) for iban, p in payers_of.items() if len(p) == 1}
    truths: dict[str, Truth] = {}

    def account(d: Draft) -> set[str] | None:
        """Who the account or the name says pays: a set (several: ambiguous), None if nothing says."""
        if d.iban in w.holders:
            return w.holders[d.iban]
        for name in (d.name, d.hint):
            if name in w.codes:
                return {name}
            if name and words(name) in w.names:
                return w.names[words(name)]
        return None

    def who(d: Draft) -> tuple[set[str], str]:
        """The payers the line can be from (one, or several the amount must choose between), else why not."""
        if d.iban in w.holders:
            holders = w.holders[d.iban]
            if len(holders) > 1 and d.text_name:  # a shared account: the name written in the text
                named = holders & w.names.get(words(d.text_name), set())
                return (named, "") if named else (set(), "the name in the text is none of the account's payers")
            return holders, ""
        by_iban = learnt.get(d.iban) if d.iban else None
        named = account(d)
        if by_iban and named and by_iban not in named:
            return set(), "the account and the name point to different payers"
        if by_iban:
            return {by_iban}, ""
        if named:
            return named, ""
        return set(), "unknown payer, no reference"

    def fit(payer: str, day: dt.date, amount: Decimal) -> tuple[str, list[str]]:
        numbers = [n for n in w.by_payer.get(payer, []) if book[n] > 0 and w.invoices[n].issue <= day]
        same = [n for n in numbers if book[n] == amount]
        return ("one", same[:1]) if same else combination(numbers, book, amount)

    # 1. a debit and its return cancel each other: with the whole statement in view, nothing was paid
    pending: list[Draft] = []
    for d in drafts:
        if d.amount < 0 and not d.reversal:
            truths[d.line_id] = Truth(d.category, False, "debit")
        elif d.reversal:
            o = d.original
            truths[d.line_id] = Truth(d.category, True, "return", partner=o.line_id)
            truths[o.line_id] = Truth(f"{o.category}_returned", True, "returned", partner=d.line_id)
    # 2. the debtor's own imputations: every line naming invoices, in statement order
    for d in drafts:
        if d.line_id in truths:
            continue
        refs = [n for n in d.refs if w.invoices[n].issue <= d.date]
        if not refs:
            pending.append(d)
            continue
        holders = account(d)
        if holders is not None and len(holders) == 1 and {w.invoices[n].payer for n in refs} & holders:
            # the account's payer names its own invoices: another payer's number among them is not its debt
            # (a slip, a cut number); its amount is part of the surplus, the payer's credit
            refs = [n for n in refs if w.invoices[n].payer in holders]
        ref_payers = {w.invoices[n].payer for n in refs}
        if len(ref_payers) > 1:
            truths[d.line_id] = Truth(d.category, False, "none", why="references to invoices of several payers")
            continue
        payer = next(iter(ref_payers))
        if holders is not None and payer not in holders:
            truths[d.line_id] = Truth(d.category, False, "none", why="reference to another payer's invoice")
            continue
        rest, alloc = d.amount, {}
        for n in sorted(refs, key=lambda n: (w.invoices[n].issue, n)):
            share = min(rest, max(book[n], ZERO))
            if share:
                alloc[n] = share
                book[n] -= share
                rest -= share
        also = None
        if rest > 0:  # the surplus is also accepted on the one combination of other open invoices it equals
            cut = [n for n in d.cut if book[n] > 0 and w.invoices[n].payer == payer]
            if cut and sum((book[n] for n in cut), ZERO) == rest:  # exactly the numbers the bank cut off
                also = {**alloc, **{n: book[n] for n in cut}}
            elif len(w.by_payer.get(payer, [])) <= 60:  # a resident: few invoices, the search is sure
                kind, numbers = fit(payer, d.date, rest)
                also = {**alloc, **{n: book[n] for n in numbers}} if kind == "one" else None
        truths[d.line_id] = Truth(d.category, True, "reference", alloc, payer, also=also)
    # 3. then the payments without indication, in statement order, on what the references left open
    for d in pending:
        payers, why = who(d)
        fits = {p: fit(p, d.date, d.amount) for p in sorted(payers)}
        ones = [p for p, (kind, _) in fits.items() if kind == "one"]
        several = [p for p, (kind, _) in fits.items() if kind == "several"]
        if len(ones) != 1 or several:
            if payers:
                many = f"{len(payers)} possible payers: " if len(payers) > 1 else ""
                why = (
                    f"{many}the amount fits several"
                    if len(ones) + len(several) > 1 or several
                    else f"{many}no invoice or unique combination of this amount"
                )
            truths[d.line_id] = Truth(d.category, False, "none", why=why)
            continue
        payer, chosen = ones[0], fits[ones[0]][1]
        alloc = {n: book[n] for n in chosen}
        for n in chosen:
            book[n] = ZERO
        truths[d.line_id] = Truth(d.category, True, "amount", alloc, payer)
    return truths


# --- scoring ---------------------------------------------------------------------------------------------


def net_allocations(result: MatchResult) -> dict[str, dict[str, Decimal]]:
    net: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for a in result.allocations:
        net[a.line_id][a.number] += a.amount
    return {lid: {n: x for n, x in per.items() if x} for lid, per in net.items()}


def automatic(state) -> bool:
    return state.status in (RETURN, RETURNED) or state.rule in (RULE_REFERENCE, RULE_AMOUNT)


def agrees(d: Draft, t: Truth, result: MatchResult, net) -> bool:
    state = result.states[d.line_id]
    if not t.matchable:
        return False
    if t.kind == "return":
        both: Counter = Counter()
        for lid in (d.line_id, t.partner):
            for n, a in net.get(lid, {}).items():
                both[n] += a
        return state.status == RETURN and state.reverses == t.partner and not any(both.values())
    if t.kind == "returned":
        return state.status == RETURNED and result.states[t.partner].reverses == d.line_id
    got = net.get(d.line_id, {})
    if state.status in (RETURN, RETURNED) or got not in (t.expected, t.also):
        return False
    return sum(got.values(), ZERO) == d.amount or state.payer_code == t.payer


def score(drafts: list[Draft], truths: dict[str, Truth], result: MatchResult):
    net = net_allocations(result)
    table: dict[str, Counter] = defaultdict(Counter)
    wrong, missed = [], []
    reasons_missed: Counter = Counter()
    reasons_unmatchable: Counter = Counter()
    euros = {"matchable": ZERO, "correct": ZERO}  # receipts a person matches (returned pairs net to 0)
    for d in drafts:
        t, state = truths[d.line_id], result.states[d.line_id]
        row = table[t.category]
        row["lines"] += 1
        if t.kind == "debit":  # not a receipt: in neither figure
            row["debit ok" if state.status == DEBIT else "other"] += 1
            continue
        row["matchable"] += t.matchable
        if t.matchable and t.kind in ("reference", "amount"):
            euros["matchable"] += d.amount
        if not t.matchable:
            reasons_unmatchable[t.why] += 1
        if automatic(state):
            if agrees(d, t, result, net):
                row["correct"] += 1
                if t.kind in ("reference", "amount"):
                    euros["correct"] += d.amount
            else:
                row["wrong"] += 1
                wrong.append(d)
        elif t.matchable:
            row["missed"] += 1
            missed.append(d)
            reasons_missed[(t.category, state.reason or state.status)] += 1
        else:
            row["queued" if state.status == QUEUED else "other"] += 1
    return table, wrong, missed, reasons_missed, reasons_unmatchable, net, euros


def describe(d: Draft, t: Truth, result: MatchResult, net) -> str:
    state = result.states[d.line_id]
    truth = (
        f"{t.kind} {dict(sorted((n, str(a)) for n, a in t.expected.items()))} payer {t.payer}"
        if t.matchable and t.kind in ("reference", "amount")
        else f"{t.kind} {t.partner}"
        if t.matchable
        else f"not matchable ({t.why})"
    )
    got = dict(sorted((n, str(a)) for n, a in net.get(d.line_id, {}).items()))
    return (
        f"  {d.line_id} {d.date} {d.amount} [{t.category}] text={d.text!r} iban={d.iban or '-'} name={d.name!r}"
        f" e2e={d.e2e!r}\n      truth: {truth}\n      engine: {state.status} rule={state.rule or '-'} "
        f"payer={state.payer_code or '-'} allocated={got} reverses={state.reverses or '-'} reason={state.reason!r}"
    )


# --- main ------------------------------------------------------------------------------------------------


ENGINE = (
    "matching.py",
    "matching_records.py",
    "payer_directory.py",
    "references.py",
    "combinations.py",
    "letter_codes.py",
)  # the pure engine: what a change of the measured figures would come from


def engine_version() -> str:
    """The engine measured: a digest of its modules' source, and whether they differ from the last commit."""
    folder = Path(engine.__file__).parent
    digest = hashlib.sha1(b"".join((folder / name).read_bytes() for name in ENGINE)).hexdigest()[:10]
    try:
        git = ["git", "-C", str(folder), "status", "--porcelain", "--", *ENGINE]
        changed = subprocess.run(git, capture_output=True, text=True, timeout=10).stdout.strip()
        state = " (uncommitted changes)" if changed else " (as committed)"
    except (OSError, subprocess.SubprocessError):
        state = ""
    return f"matching engine sha1 {digest}{state}"


def to_line(d: Draft) -> Line:
    return Line(d.line_id, d.date, d.amount, d.text, d.iban, d.name, d.e2e, d.reversal, d.hint)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lines", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--show", type=int, default=10, help="how many wrong and missed lines to print")
    a = p.parse_args()

    t0 = time.perf_counter()
    w, drafts = generate(a.seed, a.lines)
    truths = truth_of(w, drafts)
    lines = [to_line(d) for d in drafts]
    invoices = [Invoice(i.number, i.payer, i.issue, w.opening[i.number]) for i in w.invoices.values()]
    generation = time.perf_counter() - t0
    print(
        f"generated {len(lines):,} bank lines, {len(invoices):,} invoices, {len(w.residents):,} residents "
        f"(seed {a.seed}) in {generation:.1f} s; engine {engine_version()}"
    )

    t, cpu = time.perf_counter(), time.process_time()
    first = match(invoices, lines, [], [], w.directory, [])
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    opened = {i.number: i.open_amount for i in invoices}
    for x in first.allocations:
        opened[x.number] -= x.amount
    after = [replace(i, open_amount=opened[i.number]) for i in invoices]
    t, cpu_again = time.perf_counter(), time.process_time()
    second = match(after, lines, first.allocations, [], w.directory, first.letters)
    seconds_again, cpu_again = time.perf_counter() - t, time.process_time() - cpu_again
    changed = sum(
        1
        for k, s in first.states.items()
        if (s.status, s.allocated) != (second.states[k].status, second.states[k].allocated)
    )
    idempotent = not second.allocations and not second.letters and not changed

    table, wrong, missed, reasons_missed, reasons_unmatchable, net, euros = score(drafts, truths, first)
    correct = sum(r["correct"] for r in table.values())
    automatic_ = correct + sum(r["wrong"] for r in table.values())
    matchable = sum(r["matchable"] for r in table.values())
    precision = correct / automatic_ if automatic_ else 1.0
    recall = correct / matchable if matchable else 1.0
    speed = len(lines) / seconds
    projected = seconds * TARGET_LINES / len(lines)
    cores = os.cpu_count()

    verdict = (
        ("OK" if seconds < TARGET_SECONDS else "MISSED")
        if len(lines) >= TARGET_LINES
        else f"judged on {TARGET_LINES:,} lines only; {projected:.1f} s if it scaled linearly"
    )
    print(
        f"first run : {seconds:6.2f} s ({cpu:.2f} s CPU), {speed:,.0f} lines/s, "
        f"{len(first.allocations):,} allocations, {len(first.letters):,} letter events   "
        f"(target {TARGET_LINES:,} lines < {TARGET_SECONDS:.0f} s on 2 cores: {verdict}; {cores} cores here)"
    )
    print(
        f"re-run    : {seconds_again:6.2f} s ({cpu_again:.2f} s CPU), {len(second.allocations)} new allocations, "
        f"{len(second.letters)} letter events, {changed} states changed   "
        f"(target: nothing new: {'OK' if idempotent else 'MISSED'})"
    )
    print(
        f"precision : {precision:7.2%}  ({correct:,} agreeing / {automatic_:,} automatic matches)   "
        f"(target 100 %: {'OK' if correct == automatic_ else 'MISSED'})"
    )
    print(
        f"recall    : {recall:7.2%}  ({correct:,} / {matchable:,} matchable lines)   "
        f"(target >= {TARGET_RECALL:.0%}: {'OK' if recall >= TARGET_RECALL else 'MISSED'})"
    )
    print(
        f"            by amount {euros['correct'] / euros['matchable']:7.2%}  ({euros['correct']:,.2f} of "
        f"{euros['matchable']:,.2f} EUR of matchable receipts)"
    )
    columns = ["lines", "matchable", "correct", "wrong", "missed", "queued", "other", "debit ok"]
    print(f"\n{'category':36}" + "".join(f"{c:>10}" for c in columns))
    for category in sorted(table, key=lambda c: -table[c]["lines"]):
        print(f"{category:36}" + "".join(f"{table[category][c]:>10,}" for c in columns))
    total = Counter()
    for row in table.values():
        total.update(row)
    print(f"{'total':36}" + "".join(f"{total[c]:>10,}" for c in columns))
    if reasons_unmatchable:
        print("\nnot matchable for a person (should wait in the queue):")
        for why, n in reasons_unmatchable.most_common():
            print(f"  {n:7,}  {why}")
    if reasons_missed:
        print("\nmissed (matchable, left to a person), by category and engine reason:")
        for (category, reason), n in reasons_missed.most_common(15):
            print(f"  {n:7,}  {category}: {reason}")
    if wrong:
        print(f"\nfirst wrong matches ({len(wrong):,} in all):")
        for d in wrong[: a.show]:
            print(describe(d, truths[d.line_id], first, net))
    if missed:
        print(f"\nfirst missed lines ({len(missed):,} in all):")
        shown: Counter = Counter()
        for d in missed:  # a few of each category
            if shown[d.category] < max(1, a.show // 4):
                shown[d.category] += 1
                print(describe(d, truths[d.line_id], first, net))

    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    target = results / "matching.csv"
    new = not target.exists()
    with target.open("a", newline="") as f:
        out = csv.writer(f, delimiter=";")
        if new:
            out.writerow(["when", "lines", "seed", "seconds", "precision", "recall"])
        out.writerow(
            [
                dt.datetime.now().isoformat(timespec="seconds"),
                len(lines),
                a.seed,
                f"{seconds:.2f}",
                f"{precision:.4f}",
                f"{recall:.4f}",
            ]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
