"""The residents: who they are, their stays in the establishments, the payers' decisions that fund them (some
examined for months, some refused, some renewed late) and their monthly contributions. A part of the demo's
builder (generator._Builder): `self.rng`, `self.mandate_rng`, `self.scale`, `self.ref`, `self.stays`,
`self.establishments`, `self.start`, `self.end`, `self.next_resident`, `self.resident_names`, `self.pending_files`
and `self.story` are set there.

A resident who gave an IBAN pays by SEPA direct debit: `build_mandates` gives each a mandate
(referentiel/mandats.csv), signed on admission. Six residents in ten give one in the demo, eight in ten in the
`large` world (the share the issue asks of it, "mandates for most residents"); the extra IBANs of the large world
are drawn from `self.mandate_rng`, so that the rest of both worlds stays what it was for a given seed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from demo.establishments import CPAM, DEPARTEMENTS, KINDS
from demo.identities import BICS, FIRST_NAMES, LAST_NAMES, random_address, random_iban
from demo.records import Dated

# of the residents without an IBAN in the main draw, the share that gives one in the `large` world
LARGE_EXTRA_MANDATES = 0.5


@dataclass
class _Stay:
    resident: str
    establishment: str
    kind: str
    mode: str
    entry: dt.date
    exit: dt.date | None
    weekend_home: float  # chance of going home (C) on a given weekend
    holidays: int  # days of personal absence in summer


class Population:
    """Residents, stays, decisions, contributions."""

    def new_resident(self, adult: bool) -> str:
        rid = f"{self.next_resident:06d}"
        self.next_resident += 1
        rng = self.rng
        last, first = rng.choice(LAST_NAMES).upper(), rng.choice(FIRST_NAMES)
        age = rng.randint(20, 62) if adult else rng.randint(6, 19)
        birth = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
        guardian = ""
        if not adult:
            guardian = f"M. et Mme {last} (parents), {random_address(rng)}"
        elif rng.random() < 0.45:
            guardian = rng.choice(
                [
                    "UDAF 66 – Service mandataire judiciaire, 8 rue Mailly, 66000 Perpignan",
                    "ATP 66 – Association tutélaire, 12 avenue de Prades, 66000 Perpignan",
                    f"{rng.choice(FIRST_NAMES)} {last} (curateur), {random_address(rng)}",
                ]
            )
        iban = random_iban(rng) if rng.random() < 0.6 else ""
        if not iban and self.scale == "large" and self.mandate_rng.random() < LARGE_EXTRA_MANDATES:
            iban = random_iban(self.mandate_rng)
        self.ref["usagers.csv"].append(Dated((rid, last, first, birth, random_address(rng), iban, guardian)))
        self.resident_names[rid] = f"{last} {first}"
        return rid

    def departement_of_residence(self) -> str:
        r = self.rng.random()
        acc = 0.0
        for code, _, _, share in DEPARTEMENTS:
            acc += share
            if r < acc:
                return code
        return "D66"

    def build_population(self) -> None:
        rng = self.rng
        fh_residents: list[str] = []
        for code, kind_code, _, capacity in self.establishments:
            kind = KINDS[kind_code]
            for mode, share in kind.modes:
                places = max(1, round(capacity * share * 0.95))
                for _ in range(places):
                    # one place, occupied over time by a first resident and sometimes a successor
                    entry = min(dt.date(rng.randint(2012, 2024), rng.randint(1, 12), 1), dt.date(2024, 9, 1))
                    entry += dt.timedelta(days=rng.randint(0, 27))
                    reuse = kind_code == "ESAT" and fh_residents and rng.random() < 0.35
                    rid = fh_residents.pop() if reuse else self.new_resident(adult=kind_code != "IME")
                    exit_ = None
                    if rng.random() < 0.18:  # leaves during the period, mid-month
                        exit_ = self.start + dt.timedelta(days=rng.randint(20, 700))
                    self.add_stay(rid, code, kind_code, mode, entry, exit_)
                    if kind_code == "FH" and mode == "internat":
                        fh_residents.append(rid)
                    if exit_ is not None and exit_ < self.end - dt.timedelta(days=40):
                        successor = self.new_resident(adult=kind_code != "IME")
                        start = exit_ + dt.timedelta(days=rng.randint(5, 35))
                        self.add_stay(successor, code, kind_code, mode, start, None, newcomer=True)

    def add_stay(
        self,
        rid: str,
        etab: str,
        kind_code: str,
        mode: str,
        entry: dt.date,
        exit_: dt.date | None,
        newcomer: bool = False,
    ) -> None:
        rng = self.rng
        weekend_home = 0.0
        holidays = 0
        if mode == "internat" and kind_code in ("FH", "FV", "FAM"):
            weekend_home = rng.choice([0.0, 0.0, 0.1, 0.25, 0.5])
            holidays = rng.choice([0, 0, 7, 14, 21])
        elif mode == "internat" and kind_code == "MAS":
            weekend_home = rng.choice([0.0, 0.0, 0.0, 0.1])
            holidays = rng.choice([0, 0, 7, 14, 28])
        self.stays.append(_Stay(rid, etab, kind_code, mode, entry, exit_, weekend_home, holidays))
        self.ref["sejours.csv"].append(Dated((rid, etab, entry, exit_, mode)))
        self.add_decision(rid, etab, kind_code, mode, entry, exit_, newcomer)

    def add_decision(
        self, rid: str, etab: str, kind_code: str, mode: str, entry: dt.date, exit_: dt.date | None, newcomer: bool
    ) -> None:
        rng = self.rng
        kind = KINDS[kind_code]
        if kind.payer == "none":
            return
        rows = self.ref["prises_en_charge.csv"]
        end = None if exit_ is None else exit_ - dt.timedelta(days=1)
        ref = f"DEC-{rid}-{etab}"
        if kind.payer == "assurance_maladie":
            rows.append(Dated((rid, CPAM[0], etab, entry, end, "accordee", ref, "")))
            return
        payer = self.departement_of_residence()
        commitment = f"EJ{rng.randrange(10**8):08d}" if payer in ("D66", "D34") else ""
        r = rng.random()
        if newcomer and r < 0.45:
            # the aide-sociale file is examined for a few months: valued and held, then decided
            decided = entry + dt.timedelta(days=rng.randint(60, 170))
            if decided >= self.end - dt.timedelta(days=10):  # still under review when the demo ends
                rows.append(Dated((rid, payer, etab, entry, end, "en_instruction", ref, "")))
                return
            self.pending_files += 1
            refused = self.pending_files % 4 == 2  # one file in four is refused: the resident pays
            rows.append(Dated((rid, payer, etab, entry, end, "en_instruction", ref, ""), known_until=decided))
            rows.append(
                Dated(
                    (
                        rid,
                        payer,
                        etab,
                        entry,
                        end,
                        "refusee" if refused else "accordee",
                        ref,
                        "" if refused else commitment,
                    ),
                    known_from=decided,
                )
            )
            if not refused and mode == "internat":
                self.add_contribution(rid, entry, exit_, from_day=decided)
            return
        if r < 0.02:
            return  # no decision at all: the resident pays the full price
        if not newcomer and r < 0.07 and (exit_ is None or exit_ > dt.date(2025, 9, 1)):
            # the decision expires on 30/06/2025; its renewal is examined until the autumn
            renewal = dt.date(2025, 7, 1)
            decided = dt.date(2025, 10, 1) + dt.timedelta(days=rng.randint(0, 60))
            rows.append(Dated((rid, payer, etab, entry, renewal - dt.timedelta(days=1), "accordee", ref, commitment)))
            rows.append(
                Dated(
                    (rid, payer, etab, renewal, end, "en_instruction", ref + "-R", ""),
                    known_from=dt.date(2025, 6, 1),
                    known_until=decided,
                )
            )
            rows.append(Dated((rid, payer, etab, renewal, end, "accordee", ref + "-R", commitment), known_from=decided))
            if mode == "internat":
                self.add_contribution(rid, entry, exit_)
            return
        rows.append(Dated((rid, payer, etab, entry, end, "accordee", ref, commitment)))
        if mode == "internat":
            self.add_contribution(rid, entry, exit_)

    def build_mandates(self) -> None:
        """A SEPA mandate (referentiel/mandats.csv) for each resident with an IBAN and a stay, signed on the day of
        the first admission (before any invoice): the same IBAN, the BIC of its bank, the reference
        `RUM-<id_usager>`, no end and no sequence (derived from the collections made). Known from its signature."""
        first_entry: dict[str, dt.date] = {}
        for stay in self.stays:
            if stay.resident not in first_entry or stay.entry < first_entry[stay.resident]:
                first_entry[stay.resident] = stay.entry
        count = 0
        for resident in self.ref["usagers.csv"]:
            rid, iban = resident.row[0], resident.row[5].replace(" ", "")
            if not iban or rid not in first_entry:
                continue
            signed = first_entry[rid]
            row = (f"U{rid}", iban, BICS.get(iban[4:9], ""), f"RUM-{rid}", signed, None, "")
            self.ref["mandats.csv"].append(Dated(row, known_from=signed))
            count += 1
        share = round(100 * count / max(1, len(self.ref["usagers.csv"])))
        self.story.append(f"{count} usagers ({share} %) paient par prélèvement SEPA (mandats.csv).")

    def add_contribution(
        self, rid: str, entry: dt.date, exit_: dt.date | None, from_day: dt.date = dt.date(2000, 1, 1)
    ) -> None:
        base = Decimal(self.rng.randrange(18000, 92000)) / 100
        rows = self.ref["contributions.csv"]
        # revalued every 1 January: a new row per calendar year of the stay
        last_day = exit_ - dt.timedelta(days=1) if exit_ else None
        for year in (2024, 2025, 2026):
            start = max(entry, dt.date(year, 1, 1))
            stop: dt.date | None = dt.date(year, 12, 31) if year < 2026 else None
            if last_day is not None:
                stop = min(stop, last_day) if stop else last_day
            if stop is not None and stop < start:
                continue
            amount = (base * (Decimal("1.017") ** (year - 2024))).quantize(Decimal("0.01"))
            rows.append(Dated((rid, start, stop, amount), known_from=max(from_day, dt.date(year - 1, 12, 15))))
