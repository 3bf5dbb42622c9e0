"""The demo's payers: who pays the invoices actually issued, how and when, written as the bank would.

After each close, `PaymentSimulator.schedule` reads the month's register (sorties/AAAA-MM/factures/
registre.csv, as any reader of our outputs would) and decides, with a seeded random generator, how each
new invoice will be paid; and `collect` reads the direct debits the close asked (sorties/AAAA-MM/tresorerie/
prelevements.xml, demo/sepa.py): the bank debits each transaction on its collection date, again when the same
invoice is presented again after a return. Before each close, `write_month` writes what the bank saw during the
month:

- the main account (the association's IBAN) as a camt.053 statement: direct debits of the residents who
  gave a mandate (one collection entry per day, a transaction per resident, end-to-end id = invoice
  number), some returned one to four weeks later (AM04, MD06); cheques deposited in batches, under the resident's or
  a guardian's name, some partial, now and then 10 € too many (the cell asks the refund of one a year,
  relances/remboursements.csv); transfers of the départements other than the Pyrénées-Orientales,
  from their IBAN (the Aude sometimes from a second account of its paymaster); an anonymous gift now and
  then; bank fees;
- a second account as a CFONB 120 statement: grouped transfers of the Pyrénées-Orientales and of the
  health insurance 35 to 60 days after issue, the invoice numbers in the text, sometimes in another form
  (F2026000123, F 2026 123, FACT 2026-123), one month paid without any number, one paid short; the
  deposits of cash collected in the establishments; bank fees;
- the cash itself as manual receipts (encaissements/especes_AAAA-MM.csv);
- and, as the billing cell would, relances/lettrage_manuel.csv: the lines it looked at in the queue
  (cash deposits and gifts are not receipts of invoices: numero_facture left empty; a cheque paying half
  of an invoice, or under a name several payers share, is allocated by hand to the invoice its stub
  names), and the transfers whose text the bank cut, placed from the paymaster's payment advice. The June
  2025 CFONB statement is dropped twice.

Direct debits: once the pipeline writes its direct debit files, a resident's invoice is debited only when a file
asks it; one the close did not ask (no mandate, or a mandate suspended after returns) is paid by cheque, cash or
not at all, as the residents without a mandate pay; a returned collection the next close does not present again
is paid by cheque half of the time. Before that (a pipeline without direct debit files), the residents with an
IBAN are debited on the due date of each invoice, as they always were.

A few invoices are never paid (the receivables stage chases them). Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from assets.common.months import month_bounds
from demo.bank_files import Movement, StatementData, camt053, cfonb120, french_iban
from demo.sepa import Collection, read_collections

SECOND_BANK = ("13506", "10000", "66012345678")  # the second account: bank, branch, account number
GIFT = Decimal("150.00")
RETURNED = 0.04  # the share of collections returned
OVERPAID, SURPLUS = 0.01, Decimal("10.00")  # the share of the residents' cheques paying too much, and how much


@dataclass
class _Plan:
    camt: list[Movement] = field(default_factory=list)
    cfonb: list[Movement] = field(default_factory=list)
    cash: list[tuple[dt.date, Decimal, str]] = field(default_factory=list)  # date, amount, payer code


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _split(items: list, taken) -> tuple[list, list]:
    """(the items `taken` accepts, the others), in one pass and in order."""
    yes, no = [], []
    for item in items:
        (yes if taken(item) else no).append(item)
    return yes, no


def _mangle(number: str, rng: random.Random) -> str:
    """An invoice number as a paymaster types it."""
    year, seq = number[1:5], int(number[6:])
    return rng.choice(
        [number, number, number, f"F{year}{seq:06d}", f"F {year} {seq}", f"FACT {year}-{seq}", number.lower()]
    )


class PaymentSimulator:
    def __init__(self, seed: int, association_iban: str, referential: dict[str, bytes]):
        self.rng = random.Random(f"{seed}-paiements")
        self.iban = association_iban.replace(" ", "")
        self.plan = _Plan()
        self.seen: set[str] = set()
        self.balances = {"camt": Decimal("184320.55"), "cfonb": Decimal("52710.18")}
        self.numbers = {"camt": 0, "cfonb": 0}
        self.decisions: list[tuple[str, str, str]] = []
        self.refs = 0
        self.update_referential(referential)
        self.second_iban_d11 = french_iban("30001", "00064", "D1100000001")
        self.late_groups = self.short_groups = self.unreferenced_groups = 0
        self.partial: dict[tuple[str, Decimal], list[str]] = defaultdict(list)  # (name, amount) -> payer codes
        self.invoices_of: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)  # payer -> (number, amount)
        self.decided: set[str] = set()
        self.credited: dict[str, dict] = {}  # credit notes by number
        self.advice: dict[str, list[tuple[str, Decimal]]] = {}  # transfer ref -> the invoices it pays, how much
        self.stubs: dict[tuple[str, Decimal], list[str]] = defaultdict(list)  # (name, amount) -> invoices a cheque pays
        # direct debits asked by the pipeline's files (its own generators: the draws above stay as they were)
        self.sepa = False  # a close wrote tresorerie/prelevements.xml: residents are debited only as it asks
        self.sepa_rng = random.Random(f"{seed}-prelevements")
        self.presented: set[tuple[str, dt.date, Decimal]] = set()  # (end-to-end id, date, amount) debited
        self.returned: dict[str, tuple[dt.date, Decimal, str, str]] = {}  # invoice -> return day, amount, name, payer
        self.payer_of: dict[str, str] = {}  # invoice -> payer code
        self.surplus_rng = random.Random(f"{seed}-trop-percus")
        self.overpaid: list[tuple[dt.date, str, str, Decimal]] = []  # cheque day, payer, invoice, surplus
        self.refunds: list[str] = []  # the rows of relances/remboursements.csv
        self.twice: set[int] = set()  # the years a paymaster's transfer was sent twice
        self.duplicated: list[tuple[dt.date, str, Decimal]] = []  # the second transfer: day, payer, amount
        self.refund_years: set[int] = set()

    def update_referential(self, referential: dict[str, bytes]) -> None:
        def rows(name):
            return list(csv.DictReader(io.StringIO(referential[name].decode("utf-8")), delimiter=";"))

        self.payers = {r["code_financeur"]: (r["nom"], r["iban"].replace(" ", "")) for r in rows("financeurs.csv")}
        self.residents = {
            "U" + r["id_usager"]: (f"{r['nom']} {r['prenom']}", r["iban"].replace(" ", ""), r["representant"])
            for r in rows("usagers.csv")
        }

    def _ref(self, prefix: str) -> str:
        self.refs += 1
        return f"{prefix}{self.refs:08d}"

    # --- deciding how the new invoices will be paid ---------------------------------------------------

    def schedule(self, register: Path, collected: frozenset[str] | set[str] = frozenset()) -> int:
        """Plans the payment of the invoices of a register not seen yet; returns how many. Once the pipeline
        writes direct debit files, a resident's invoice in `collected` (the close's file asks it) is left to
        `collect`."""
        if not register.exists():
            return 0
        with register.open(encoding="utf-8-sig") as f:
            documents = list(csv.DictReader(f, delimiter=";"))
        invoices = [r for r in documents if r["type"] == "facture"]
        self.credited.update({r["numero"]: r for r in documents if r["type"] == "avoir"})
        new = [r for r in invoices if r["numero"] not in self.seen]
        for r in new:
            self.invoices_of[r["code_financeur"]].append((r["numero"], _amount(r["montant"])))
            self.payer_of[r["numero"]] = r["code_financeur"]
        self.seen.update(r["numero"] for r in new)
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in new:
            if r["code_financeur"].startswith("U"):
                self._resident(r, collected)
            else:
                groups[(r["code_financeur"], r["date_emission"])].append(r)
        for (payer, issued), rows in sorted(groups.items()):
            self._institution(payer, dt.date.fromisoformat(issued), rows)
        return len(new)

    def _institution(self, payer: str, issued: dt.date, rows: list[dict]) -> None:
        rng = self.rng
        rows = sorted(rows, key=lambda r: r["numero"])
        if payer == "D09" and len(rows) > 1 and rng.random() < 0.3:
            rows = rows[:-1]  # one invoice the Ariège never pays
        delay = rng.randint(35, 60)
        if payer == "D34" and rng.random() < 0.15:
            delay = rng.randint(100, 130)  # paid very late
            self.late_groups += 1
        day = issued + dt.timedelta(days=delay)
        total = sum((_amount(r["montant"]) for r in rows), Decimal("0"))
        numbers = " ".join(_mangle(r["numero"], rng) for r in rows)
        name, iban = self.payers.get(payer, (payer, ""))
        text = f"REGLEMENT FACTURES {numbers}"
        paid = [(r["numero"], _amount(r["montant"])) for r in rows]
        if self.unreferenced_groups < 2 and payer in ("D66", "D31") and rng.random() < 0.08:
            text = f"REGLEMENT AIDE SOCIALE {issued:%m/%Y}"  # no number: payer and amount must do
            self.unreferenced_groups += 1
        elif self.short_groups < 2 and payer == "CPAM66" and len(rows) > 1 and rng.random() < 0.1:
            total -= Decimal("100.00")  # paid short: the last invoices keep an open amount
            short = Decimal("100.00")
            for k in reversed(range(len(paid))):
                cut = min(short, paid[k][1])
                paid[k], short = (paid[k][0], paid[k][1] - cut), short - cut
            self.short_groups += 1
        ref = self._ref("V")
        self.advice[ref] = paid  # the payment advice the paymaster sends with the transfer
        if payer in ("D66", "CPAM66"):
            self.plan.cfonb.append(Movement(day, total, "VIR SEPA RECU", text, ref, name, "", f"{payer}-{day:%y%m%d}"))
        else:
            if payer == "D11" and rng.random() < 0.5:
                iban = self.second_iban_d11  # the paymaster's other account, unknown to the referential
            self.plan.camt.append(Movement(day, total, "VIR SEPA RECU", text, ref, name, iban, f"{payer}-{day:%y%m%d}"))
            if self.sepa and iban and iban == self.payers.get(payer, ("", ""))[1] and day.year not in self.twice:
                # once a year a paymaster sends the same transfer again a week later: the cell sees it on the
                # statement and asks its refund before the close (the close keeps that credit for it)
                self.twice.add(day.year)
                again = day + dt.timedelta(days=7)
                self.plan.camt.append(
                    Movement(again, total, "VIR SEPA RECU", text, f"{ref}B", name, iban, f"{payer}-{again:%y%m%d}B")
                )
                self.duplicated.append((again, payer, total))

    def _resident(self, r: dict, collected: frozenset[str] | set[str] = frozenset()) -> None:
        rng = self.rng
        code, number, amount = r["code_financeur"], r["numero"], _amount(r["montant"])
        issued, due = dt.date.fromisoformat(r["date_emission"]), dt.date.fromisoformat(r["date_echeance"])
        name, iban, guardian = self.residents.get(code, (code, "", ""))
        if self.sepa:
            if number in collected:
                return  # debited as the close's direct debit file asks (collect)
            iban = ""  # not asked: paid as the residents without a mandate pay
        draw = rng.random()
        if iban:
            debit = Movement(due, amount, "PRLV SEPA", f"CONTRIBUTION {number}", "", name, iban, number)
            self.plan.camt.append(debit)
            if draw < 0.04:  # returned one to four weeks later; half of them pay by cheque afterwards
                back = Movement(
                    due + dt.timedelta(days=rng.randint(5, 30)),
                    -amount,
                    "IMPAYE PRLV",
                    f"RETOUR {number}",
                    self._ref("R"),
                    name,
                    iban,
                    number,
                    reversal=True,
                    return_reason=rng.choice(["AM04", "MD06"]),
                )
                self.plan.camt.append(back)
                if rng.random() < 0.5:
                    self._cheque(due + dt.timedelta(days=rng.randint(20, 35)), amount, name, number, named=False)
            return
        payer_name = name
        if guardian and not guardian.startswith(("UDAF", "ATP")) and rng.random() < 0.5:
            payer_name = guardian.split(",")[0].split("(")[0].strip()
        if draw < 0.70:
            self._cheque(issued + dt.timedelta(days=rng.randint(10, 40)), amount, payer_name, number)
        elif draw < 0.80:
            self.plan.cash.append((issued + dt.timedelta(days=rng.randint(5, 25)), amount, code))
        elif draw < 0.88:  # half paid: the cell allocates the cheque by hand once it sees it in the queue
            half = (amount / 2).quantize(Decimal("0.01"))
            day = issued + dt.timedelta(days=rng.randint(10, 40))
            self.plan.camt.append(Movement(day, half, "REMISE CHEQUES", "", "", payer_name, "", ""))
            self.partial[(payer_name, half)].append(code)
        # else: never paid

    def _cheque(self, day: dt.date, amount: Decimal, name: str, number: str, named: bool = True) -> None:
        """A cheque paying invoice `number` whole; its stub tells the cell which one. The number is in the
        remittance text now and then (`named`). Once the pipeline applies credits (it writes direct debit files),
        one cheque in a hundred pays 10 € too many, the number written on it: the surplus is the payer's credit,
        which the close applies to its next open invoice."""
        text = f"CHQ {_mangle(number, self.rng)}" if named and self.rng.random() < 0.3 else ""
        if self.sepa and self.surplus_rng.random() < OVERPAID:
            amount, text = amount + SURPLUS, f"CHQ {number}"
            self.overpaid.append((day, self.payer_of.get(number, ""), number, SURPLUS))
        self.plan.camt.append(Movement(day, amount, "REMISE CHEQUES", text, "", name, "", ""))
        self.stubs[(name, amount)].append(number)

    # --- the direct debits the pipeline asks ------------------------------------------------------------

    def collect(self, asked: list[Collection], month: str) -> int:
        """Debits what the close of `month` asked (its tresorerie/prelevements.xml): one PRLV SEPA movement per
        transaction on its collection date (the day after the month's statement at the earliest), end-to-end
        id, amount and debtor's IBAN as asked; a transaction already debited (the same id, date and amount)
        is not debited twice, an invoice presented again after a return is. About 4 % come back 5 to 30 days
        later (AM04, MD06). A returned invoice the close that read the return did not present again (its
        mandate suspended) is paid by cheque half of the time. Returns the movements planned."""
        earliest = month_bounds(month)[1] + dt.timedelta(days=1)
        rng, planned = self.sepa_rng, 0
        for c in asked:
            key = (c.end_to_end_id, c.collection_date, c.amount)
            if key in self.presented:
                continue
            self.presented.add(key)
            self.returned.pop(c.end_to_end_id, None)  # presented again
            payer = self.payer_of.get(c.end_to_end_id, "")
            name = c.debtor_name or self.residents.get(payer, (payer, "", ""))[0]
            day = max(c.collection_date, earliest)
            text = c.remittance or f"CONTRIBUTION {c.end_to_end_id}"
            self.plan.camt.append(Movement(day, c.amount, "PRLV SEPA", text, "", name, c.debtor_iban, c.end_to_end_id))
            planned += 1
            if rng.random() < RETURNED:
                back = day + dt.timedelta(days=rng.randint(5, 30))
                self.plan.camt.append(
                    Movement(
                        back,
                        -c.amount,
                        "IMPAYE PRLV",
                        f"RETOUR {c.end_to_end_id}",
                        self._ref("R"),
                        name,
                        c.debtor_iban,
                        c.end_to_end_id,
                        reversal=True,
                        return_reason=rng.choice(["AM04", "MD06"]),
                    )
                )
                self.returned[c.end_to_end_id] = (back, c.amount, name, payer)
                planned += 1
        asked_now = {c.end_to_end_id for c in asked}
        for number, (back, amount, name, _) in sorted(self.returned.items()):
            if back < earliest and number not in asked_now:  # the close saw the return and asked nothing
                del self.returned[number]
                if rng.random() < 0.5:
                    self._cheque(earliest + dt.timedelta(days=rng.randint(10, 30)), amount, name, number, named=False)
                    planned += 1
        return planned

    # --- what the bank saw in a month -----------------------------------------------------------------

    def write_month(self, home: Path, month: str) -> dict[str, int]:
        """Writes the month's statements, cash receipts and the cell's decisions on last month's queue."""
        first, last = month_bounds(month)
        twice = [(day, payer, amount) for day, payer, amount in self.duplicated if first <= day <= last]
        for day, payer, amount in twice:  # seen on the statement: its refund asked before the close
            self.refunds.append(
                f"{payer};{f'{amount:.2f}'.replace('.', ',')};virement reçu deux fois le {day:%d/%m/%Y}"
            )
        if twice:
            folder = home / "entrees" / "relances"
            folder.mkdir(parents=True, exist_ok=True)
            rows = ["code_financeur;montant;motif", *self.refunds]
            (folder / "remboursements.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        banque = home / "entrees" / "banque"
        banque.mkdir(parents=True, exist_ok=True)
        cheques = self._batches("REMISE CHEQUES", first, last, lambda d: d + dt.timedelta(days=(1 - d.weekday()) % 7))
        debits = self._batches("PRLV SEPA", first, last, lambda d: d)
        camt = self._take("camt", first, last) + cheques + debits
        if self.rng.random() < 0.25:
            day = first + dt.timedelta(days=14)
            camt.append(Movement(day, GIFT, "VIR SEPA RECU", "DON", self._ref("G"), "M OU MME ANONYME"))
        camt.append(Movement(last, Decimal("-18.40"), "FRAIS BANCAIRES", "", self._ref("F")))
        cash, self.plan.cash = _split(self.plan.cash, lambda m: first <= m[0] <= last)
        cash.sort()
        cfonb = self._take("cfonb", first, last)
        if cash:
            deposit = sum((a for _, a, _ in cash), Decimal("0"))
            cfonb.append(Movement(last, deposit, "VERSEMENT ESPECES", f"DEPOT {month}", self._ref("E")))
        cfonb.append(Movement(last, Decimal("-9.90"), "COTISATION CARTE", "", self._ref("C")))
        main = self._statement("camt", first, last, camt)
        second = self._statement("cfonb", first, last, cfonb)
        created = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(6, 0))
        main_file, second_file = camt053([main], created, f"RS-{month}"), cfonb120([second], *SECOND_BANK)
        (banque / f"releve_principal_{month}.xml").write_bytes(main_file)
        (banque / f"releve_secondaire_{month}.cfo").write_bytes(second_file)
        if month == "2025-06":  # the same statement dropped twice: read once
            (banque / f"releve_secondaire_{month} (copie).cfo").write_bytes(second_file)
        if cash:
            folder = home / "entrees" / "encaissements"
            folder.mkdir(parents=True, exist_ok=True)
            lines = ["date;montant;mode;payeur;reference;numero_piece"]
            for i, (day, amount, code) in enumerate(cash, start=1):
                lines.append(f"{day:%d/%m/%Y};{str(amount).replace('.', ',')};especes;{code};;ESP-{month}-{i:03d}")
            (folder / f"especes_{month}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return {"camt": len(camt), "cfonb": len(cfonb), "especes": len(cash)}

    def _take(self, account: str, first: dt.date, last: dt.date) -> list[Movement]:
        """The account's movements dated in the month (batched kinds are taken first)."""
        taken, kept = _split(getattr(self.plan, account), lambda m: first <= m.booking_date <= last)
        setattr(self.plan, account, kept)
        return taken

    def _batches(self, label: str, first: dt.date, last: dt.date, deposit_day) -> list[Movement]:
        """Items of one kind gathered in one entry per day, one transaction per item (camt batches)."""
        items, self.plan.camt = _split(self.plan.camt, lambda m: m.label == label and first <= m.booking_date <= last)
        by_day: dict[dt.date, list[Movement]] = defaultdict(list)
        for m in items:
            by_day[min(deposit_day(m.booking_date), last)].append(m)
        out = []
        for day, group in sorted(by_day.items()):
            group = [
                Movement(day, m.amount, label, m.remittance, "", m.debtor_name, m.debtor_iban, m.end_to_end_id)
                for m in group
            ]
            total = sum((m.amount for m in group), Decimal("0"))
            out.append(Movement(day, total, label, "", self._ref("B"), batch=tuple(group)))
        return out

    def _statement(self, account: str, first: dt.date, last: dt.date, moves: list[Movement]) -> StatementData:
        self.numbers[account] += 1
        opening = self.balances[account]
        moves = sorted(moves, key=lambda m: (m.booking_date, m.label, str(m.amount)))
        statement = StatementData(
            self.iban if account == "camt" else french_iban(*SECOND_BANK),
            "CCBPFRPPPPG" if account == "camt" else "AGRIFRPP835",
            "ASSOCIATION ROUSSILLON SOLIDARITE HANDICAP",
            "EUR",
            self.numbers[account],
            first,
            last,
            opening,
            tuple(moves),
        )
        self.balances[account] = statement.closing_balance
        return statement

    def after_close(self, home: Path, month: str) -> None:
        """After the month's close: plan the payment of the invoices it issued and debit the collections it
        asked, review its queue."""
        asked = read_collections(home / "sorties" / month / "tresorerie" / "prelevements.xml")
        self.sepa = self.sepa or asked is not None
        collected = {c.end_to_end_id for c in asked or ()}
        self.schedule(home / "sorties" / month / "factures" / "registre.csv", collected)
        if self.sepa:
            self.collect(asked or [], month)
        self.review(home, month)

    def review(self, home: Path, month: str) -> int:
        """What the cell decides after the month's close, for the next one, reading the month's files (open
        amounts as they show them). In the queue (lettrage/non_rapproches.csv): a cash deposit (its receipts
        were entered one by one as manual receipts) and a gift are not receipts of invoices; a cheque paying
        half an invoice goes to the payer's oldest invoice still open for that much; a cheque the matching
        could not place (a name several payers share) goes to the invoice its stub names, if still open for
        its amount. And a transfer the matching left short of its payment advice (the bank keeps 140
        characters of the text: the rest stays to the payer's credit; or one that names no invoice, in the
        queue) is placed on every invoice of the advice, up to what is still open on each: a decision
        replaces the line's allocations, so it names the invoices settled already too. Returns the
        decisions added."""
        folder = home / "sorties" / month / "lettrage"
        queue = folder / "non_rapproches.csv"
        if not queue.exists():
            return 0
        paid: dict[str, Decimal] = defaultdict(Decimal)
        by_line: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for path in sorted((home / "sorties").glob("*/lettrage/rapprochements.csv")):
            with path.open(encoding="utf-8-sig") as f:
                for r in csv.DictReader(f, delimiter=";"):
                    paid[r["numero_facture"]] += _amount(r["montant_affecte"])
                    by_line[r["id_ligne_bancaire"]][r["numero_facture"]] += _amount(r["montant_affecte"])
        for path in sorted((home / "sorties").glob("*/tresorerie/non_valeurs.csv")):  # written off: not due
            with path.open(encoding="utf-8-sig") as f:
                for r in csv.DictReader(f, delimiter=";"):
                    paid[r["numero_facture"]] += _amount(r["montant"])
        for credit in self.credited.values():
            paid[credit["numero_facture_origine"]] -= _amount(credit["montant"])  # negative: lowers what is due
        due = {number: amount for invoices in self.invoices_of.values() for number, amount in invoices}

        def open_for(number: str, amount: Decimal) -> bool:
            return due.get(number, Decimal("0")) - paid[number] >= amount

        def placed(line_id: str, amount: Decimal) -> list[tuple[str, str, str]]:
            """The advice's invoices, each up to what is open on it plus what the line has on it already, in
            all up to the line's amount; nothing if that is what the line has."""
            current = {n: a for n, a in by_line.get(line_id, {}).items() if a}
            taken, room = {}, amount
            for number, share in self.advice[line_id.rsplit("-", 1)[-1]]:
                take = min(
                    share, room, due.get(number, Decimal("0")) - paid[number] + current.get(number, Decimal("0"))
                )
                if take > 0:
                    taken[number], room = take, room - take
            if taken == current:
                return []
            for number, value in current.items():
                paid[number] -= value
            for number, value in taken.items():
                paid[number] += value
            return [(line_id, number, str(value).replace(".", ",")) for number, value in taken.items()]

        decisions: list[tuple[str, str, str]] = []
        with queue.open(encoding="utf-8-sig") as f:
            for r in csv.DictReader(f, delimiter=";"):
                line_id, amount, text = r["id_ligne_bancaire"], _amount(r["montant"]), r["libelle"]
                if line_id in self.decided:
                    continue
                rows: list[tuple[str, str, str]] = []
                if text.startswith("VERSEMENT ESPECES") or (amount == GIFT and "DON" in text):
                    rows = [(line_id, "", "")]
                elif line_id.rsplit("-", 1)[-1] in self.advice:
                    rows = placed(line_id, amount)
                elif self.partial.get((r["nom_emetteur"], amount)):
                    payer = self.partial[(r["nom_emetteur"], amount)].pop(0)
                    for number, total in self.invoices_of[payer]:
                        if total - paid[number] >= amount:
                            rows = [(line_id, number, str(amount).replace(".", ","))]
                            paid[number] += amount
                            break
                else:
                    stubs = self.stubs.get((r["nom_emetteur"], amount), [])
                    number = next((n for n in stubs if open_for(n, amount)), None)
                    if number:
                        stubs.remove(number)
                        rows = [(line_id, number, str(amount).replace(".", ","))]
                        paid[number] += amount
                decisions += rows
                self.decided.update(line_id for line_id, _, _ in rows)
        with (folder / "rapprochements.csv").open(encoding="utf-8-sig") as f:
            matched = {r["id_ligne_bancaire"]: _amount(r["montant"]) for r in csv.DictReader(f, delimiter=";")}
        for line_id, amount in sorted(matched.items()):
            short = sum(by_line[line_id].values(), Decimal("0")) < amount
            if short and line_id not in self.decided and line_id.rsplit("-", 1)[-1] in self.advice:
                rows = placed(line_id, amount)
                decisions += rows
                self.decided.update(line_id for line_id, _, _ in rows)
        self.decisions += decisions
        folder = home / "entrees" / "relances"
        folder.mkdir(parents=True, exist_ok=True)
        rows = ["id_ligne_bancaire;numero_facture;montant"] + [";".join(d) for d in self.decisions]
        (folder / "lettrage_manuel.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        return len({line_id for line_id, _, _ in decisions})
