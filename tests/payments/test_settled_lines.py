"""A close matches only the bank lines whose state can still change (sql/payments/matching_lines.sql): the
result must be exactly that of matching every line to date, close after close, on a history with
references, direct debits returned and paid again, accounts learnt from a reference, shared accounts,
credit notes, payments nobody can place, and manual decisions given, changed, withdrawn and written back
(a line whose decision is applied as it stands is left out too)."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from assets.common.months import month_end
from assets.common.warehouse import Warehouse
from assets.payments.matching_records import Decision, Letter, Lettering
from assets.payments.matching_run import lettering, run_matching

NOW = dt.datetime(2026, 1, 1, 12, 0)
MONTHS = [f"2025-{m:02d}" for m in range(1, 11)]
D66_IBAN = "FR7630001007941234567890185"
GUARDIAN = "FR7610107001011234567890129"  # a tutelary association paying for residents 1 and 2


def iban(k: int) -> str:
    return f"FR76 3000 4000 {k:04d} 0000 0000 {k:03d}"


class History:
    """The same inputs written to two warehouses, month after month."""

    def __init__(self, tmp_path, seed: int):
        self.rng = random.Random(seed)
        self.sessions = [Warehouse(tmp_path / f"{name}.duckdb").connect() for name in ("settled", "all")]
        self.cons = [s.__enter__() for s in self.sessions]
        self.seq = {"F": 0, "A": 0}
        self.lines = 0
        self.invoices: dict[str, list[tuple[str, Decimal]]] = {}  # payer -> (number, amount), oldest first
        self.decided: list[Decision] = []
        self.residents = []
        for k in range(1, 13):
            known = "" if k in (5, 6) else GUARDIAN if k in (1, 2) else iban(k)  # 5 and 6 pay from unknown accounts
            self.residents.append(f"U{k:06d}")
            self.execute(
                "INSERT INTO residents VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)",
                [f"{k:06d}", f"NOM{chr(64 + k)}", "Prénom", known or None, "UDAF 66" if k in (1, 2) else None, k],
            )
        self.execute(  # resident 13 pays one invoice by a direct debit returned the month after (a letter undone)
            "INSERT INTO residents VALUES ('000013', 'NOMM', 'Prénom', NULL, NULL, ?, NULL, 13)", [iban(13)]
        )
        self.execute(  # resident 14 pays one invoice 10.00 too much, the cell places the rest by hand
            "INSERT INTO residents VALUES ('000014', 'NOMN', 'Prénom', NULL, NULL, ?, NULL, 14)", [iban(14)]
        )
        self.execute(
            "INSERT INTO payers VALUES ('D66', 'Département', 'departement', NULL, NULL, NULL, ?, 30, '411D66', 1)",
            [D66_IBAN],
        )

    def close(self):
        for s in self.sessions:
            s.__exit__(None, None, None)

    def execute(self, sql, params):
        for con in self.cons:
            con.execute(sql, params)

    def document(self, payer: str, month: str, amount: Decimal, original: str | None = None) -> str:
        series = "A" if original else "F"
        self.seq[series] += 1
        number = f"{series}2025-{self.seq[series]:06d}"
        issue = month_end(month) + dt.timedelta(days=5)
        self.execute(
            "INSERT INTO documents (number, series, year, seq, type, nature, issue_date, due_date, service_month, "
            "establishment_code, payer_code, payer_type, amount, original_number, run_month, payer_name, issued_at) "
            "VALUES (?, ?, 2025, ?, ?, ?, ?, ?, ?, 'FH01', ?, ?, ?, ?, ?, 'Payeur', ?)",
            [
                number,
                series,
                self.seq[series],
                "avoir" if original else "facture",
                "avoir" if original else "initiale",
                issue,
                issue + dt.timedelta(days=30),
                month,
                payer,
                "departement" if payer == "D66" else "usager",
                -amount if original else amount,
                original,
                month,
                NOW,
            ],
        )
        if not original:
            self.invoices.setdefault(payer, []).append((number, amount))
        return number

    def line(self, day: dt.date, amount: Decimal, text="", iban_="", name="", e2e="", reversal=False, hint=""):
        self.lines += 1
        line_id = f"L{self.lines:05d}"
        self.execute(
            "INSERT INTO bank_lines (line_id, source, path, account, currency, booking_date, amount, label, "
            "end_to_end_id, debtor_name, debtor_iban, payer_hint, reversal, read_month, read_at) "
            "VALUES (?, 'banque', 'x', 'FR76', 'EUR', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                line_id,
                day,
                amount,
                text,
                e2e or None,
                name,
                iban_ or None,
                hint or None,
                reversal,
                day.isoformat()[:7],
                NOW,
            ],
        )
        return line_id

    def month(self, index: int, month: str) -> None:
        rng, first = self.rng, dt.date.fromisoformat(f"{month}-01")
        self.document("D66", month, Decimal(rng.choice(["4500.00", "5120.50", "4980.00"])))
        for code in self.residents:
            number = self.document(code, month, Decimal(rng.choice(["310.00", "310.00", "255.40", "120.00"])))
            if rng.random() < 0.08:  # a credit note: the invoice settled by it alone, or in part
                self.document(code, month, rng.choice([Decimal("120.00"), self.invoices[code][-1][1]]), number)
        day = first + dt.timedelta(days=rng.randrange(5, 25))
        if index:
            previous = self.invoices["D66"][-2][0]
            paid = self.invoices["D66"][-2][1] - (Decimal("100.00") if rng.random() < 0.3 else 0)
            self.line(day, paid, f"VIR DEPT66 FACT {previous.replace('F', '')}", D66_IBAN, "DEPARTEMENT")
        for k, code in enumerate(self.residents, start=1):
            if len(self.invoices[code]) < 2:
                continue
            number, amount = self.invoices[code][-2]
            day = first + dt.timedelta(days=rng.randrange(1, 27))
            draw = rng.random()
            if k in (1, 2):  # the guardian's transfer, the resident's name in the text
                self.line(day, amount, f"TUTELLE NOM{chr(64 + k)}", GUARDIAN, "UDAF 66")
            elif k in (5, 6):  # an account the referential does not know: by reference first, then by amount
                text = f"LOYER {number}" if index < 3 else "MENSUALITE"
                self.line(day, amount, text, iban(100 + k), f"NOM{chr(64 + k)} PRENOM")
            elif draw < 0.6:  # a direct debit, sometimes returned, then paid by cheque
                debit = self.line(day, amount, "PRLV SEPA", iban(k), f"NOM{chr(64 + k)}", e2e=number)
                if rng.random() < 0.3:  # returned days later: often after the close that settled the invoice
                    late = dt.timedelta(days=rng.choice([3, 12]))
                    # found by its id and its account, by its id alone, or by its account and amount alone
                    by = ("both", "id", "account")[(index + k) % 3]
                    account, e2e = iban(k) if by != "id" else "", number if by != "account" else ""
                    self.line(day + late, -amount, "REJET PRLV", account, e2e=e2e, reversal=True)
                    self.line(day + late + dt.timedelta(days=1), amount, "CHEQUE", hint=code)
                del debit
            elif draw < 0.75:  # two months at once
                if len(self.invoices[code]) > 2:
                    both = amount + self.invoices[code][-3][1]
                    self.line(day, both, "VIREMENT", iban(k), f"NOM{chr(64 + k)}")
            elif draw < 0.8:
                self.line(day, Decimal("77.00"), "DEPOT ESPECES")  # nobody can place it
            elif draw < 0.85 and len(self.invoices[code]) > 4:  # paid again, naming an invoice settled long ago
                settled, _ = self.invoices[code][-5]
                self.line(day, amount, f"RAPPEL {settled}", iban(k), f"NOM{chr(64 + k)}")
            else:
                self.line(day, amount + Decimal("10.00"), f"REGLT {number}", iban(k))  # a credit left
        if index == 4:
            self.document("U000013", month, Decimal("200.00"))
        if index == 5:  # settled by the debit at this close, reopened by its return at the next one
            number = self.invoices["U000013"][0][0]
            self.line(first + dt.timedelta(days=19), Decimal("200.00"), "PRLV SEPA", iban(13), "NOMM", e2e=number)
            self.line(
                first + dt.timedelta(days=32), Decimal("-200.00"), "REJET PRLV", iban(13), e2e=number, reversal=True
            )
        if index in (1, 2):
            self.document("U000014", month, Decimal("300.00"))
        if index == 2:  # resident 14 pays its first invoice by reference, 10.00 more: a credit
            number, amount = self.invoices["U000014"][0]
            self.line(first + dt.timedelta(days=27), amount + Decimal("10.00"), f"REGLT {number}", iban(14))
        if index == 3:  # the cell places the first waiting lines; one decision is withdrawn two months later
            waiting = [
                line_id
                for (line_id,) in self.cons[0]
                .execute("SELECT line_id FROM line_states WHERE status = 'non_rapproche' ORDER BY line_id LIMIT 3")
                .fetchall()
            ]
            self.decided = [Decision(line_id, "", None, n) for n, line_id in enumerate(waiting, start=2)]
            self.place_a_credit()
        if index == 4:  # the invoice a decision placed a whole line on gets a credit note: its open amount < 0
            (payer, amount), number = self.whole_of, self.whole[0]
            self.document(payer, month, amount, number)
        if index == 5:
            self.decided = self.decided[1:]
        if index == 6:  # the cell changes the amount it placed on the second invoice
            last = self.decided[-1]
            self.decided[-1] = Decision(last.line_id, last.number, Decimal("4.00"), last.source_line)
        if index == 7:  # then withdraws both rows: the line is matched by reference again, its surplus a credit
            self.kept = self.decided[-2]
            self.decided = self.decided[:-2]
            # and decides on resident 13's direct debit, returned at the sixth close: the return still applies
            (debit,) = (
                self.cons[0]
                .execute(
                    "SELECT line_id FROM bank_lines WHERE end_to_end_id = ? AND amount > 0",
                    [self.invoices["U000013"][0][0]],
                )
                .fetchone()
            )
            self.decided.append(Decision(debit, self.invoices["U000013"][0][0], Decimal("200.00"), 8))
        if index == 8:  # and writes back the first row only: the invoice the line has, nothing to append
            self.decided.append(self.kept)
        self.execute("DELETE FROM manual_decisions", [])
        for d in self.decided:
            self.execute(
                "INSERT INTO manual_decisions VALUES (?, ?, ?, ?)", [d.line_id, d.number, d.amount, d.source_line]
            )

    def place_a_credit(self) -> None:
        """The cell places the surplus of a line paid by reference: the invoice it paid, and 10.00 on another
        open invoice of its payer (the amounts given); then a waiting line whole on an open invoice (the
        amount left empty)."""
        con = self.cons[0]
        line_id, payer = con.execute(
            "SELECT line_id, payer_code FROM line_states WHERE status = 'credit' AND payer_code = 'U000014'"
        ).fetchone()
        (number, amount), *others = con.execute(
            "SELECT number, sum(amount) FROM allocations WHERE line_id = ? GROUP BY number", [line_id]
        ).fetchall()
        assert not others
        (other,) = con.execute(
            "SELECT number FROM invoice_balances WHERE payer_code = ? AND open_amount >= 10 AND number <> ? "
            "ORDER BY number LIMIT 1",
            [payer, number],
        ).fetchone()
        waiting, due = con.execute(
            "SELECT line_id, amount FROM line_states s JOIN bank_lines b USING (line_id) "
            "WHERE s.status = 'non_rapproche' AND b.amount > 0 ORDER BY line_id OFFSET 3 LIMIT 1"
        ).fetchone()
        whole, *whole_of = con.execute(
            "SELECT number, payer_code, amount FROM invoice_balances "
            "WHERE open_amount >= ? AND number NOT IN (?, ?) ORDER BY number",
            [due, number, other],
        ).fetchone()
        self.whole_of = tuple(whole_of)
        self.whole, self.other = (whole, due), other
        self.decided += [
            Decision(waiting, whole, None, 5),
            Decision(line_id, number, amount, 6),
            Decision(line_id, other, Decimal("10.00"), 7),
        ]


def table(con, query):
    return con.execute(query).fetchall()


def assert_lettering_read_for_the_invoices_only(con, month):
    """The letters held and the letters given, read for some invoices (active_letters.sql, used_letters.sql),
    are those that every letter event recorded gives for them."""
    con.execute(
        "CREATE TEMP TABLE matching_invoices AS SELECT number, payer_code FROM documents "
        "WHERE type = 'facture' AND hash(number) % 3 <> 0"
    )
    try:
        chosen = table(con, "SELECT number, payer_code FROM matching_invoices")
        got = lettering(con)
    finally:
        con.execute("DROP TABLE matching_invoices")
    events = table(con, "SELECT payer_code, letter, number, event_date, event FROM letters ORDER BY seq")
    every = Lettering.from_events([Letter(*row) for row in events])
    numbers, payers = {n for n, _ in chosen}, {p for _, p in chosen}
    assert got.active == {n: x for n, x in every.active.items() if n in numbers}, month
    assert got.used == {p: k for p, k in every.used.items() if p in payers}, month
    assert len(numbers) < len(table(con, "SELECT number FROM documents WHERE type = 'facture'")) or not numbers


@pytest.mark.slow  # a simulated year of matching, twice per seed
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_leaving_the_settled_lines_out_matches_exactly_like_reading_every_line(tmp_path, seed):
    h = History(tmp_path, seed)
    considered, applied = [], []
    reopened = 0
    try:
        for index, month in enumerate(MONTHS):
            h.month(index, month)
            results = []
            for con, everything in zip(h.cons, (False, True), strict=True):
                con.execute("BEGIN TRANSACTION")
                results.append(run_matching(con, month, list(h.decided), NOW, everything=everything))
                con.execute("COMMIT")
            settled, every = results
            considered.append((settled.lines, every.lines))
            applied.append((settled.decisions_applied, every.decisions_applied))
            assert (settled.allocations, settled.allocated, settled.settled, settled.reopened) == (
                every.allocations,
                every.allocated,
                every.settled,
                every.reopened,
            ), month
            assert settled.rejected_decisions == every.rejected_decisions == 0, month
            for query in (
                "SELECT seq, line_id, number, amount, rule, allocated_on, run_month FROM allocations ORDER BY seq",
                "SELECT * FROM letters ORDER BY seq",
                "SELECT * EXCLUDE (cutoff) FROM line_states ORDER BY line_id",
                "SELECT * EXCLUDE (recorded_at) FROM quarantine ORDER BY ALL",
            ):
                assert table(h.cons[0], query) == table(h.cons[1], query), (month, query)
            reopened += settled.reopened
            assert_lettering_read_for_the_invoices_only(h.cons[0], month)
        con = h.cons[0]
        statuses = dict(table(con, "SELECT status, count(*) FROM line_states GROUP BY status"))
        rules = dict(table(con, "SELECT rule, count(*) FROM allocations GROUP BY rule"))
        placed = table(
            con,
            "SELECT run_month, number, amount FROM allocations WHERE rule = 'manuel' AND number <> '' ORDER BY seq",
        )
        learnt = table(
            con,
            "SELECT count(*) FROM allocations a JOIN bank_lines b USING (line_id) "
            "WHERE b.label = 'MENSUALITE' AND a.rule = 'payeur_montant'",
        )[0][0]
    finally:
        h.close()
    # the history has what the rules are about
    assert {"rapproche", "rejet", "rejete", "non_rapproche", "hors_recettes", "credit"} <= set(statuses)
    assert {"reference", "payeur_montant", "rejet"} <= set(rules)
    assert learnt > 0  # payments from accounts learnt from the lines left out
    assert reopened > 0  # invoices lettered, then reopened by a return
    # the decisions naming invoices were applied at the close after they were given (the invoice paid by
    # reference already had its amount: nothing added), the changed amount at the close after the change,
    # nothing in between although a credit note took the invoice a whole line was placed on below 0; the
    # withdrawal took back every allocation of the line, the reference's too (matched again automatically),
    # and writing back the invoice it has appended nothing; nor did the decision on the returned debit
    (whole, due), other, first, amount = h.whole, h.other, h.kept.number, h.kept.amount
    assert sorted(placed) == sorted(
        [
            (MONTHS[3], whole, due),
            (MONTHS[3], other, Decimal("10.00")),
            (MONTHS[6], other, Decimal("-6.00")),
            (MONTHS[7], first, -amount),
            (MONTHS[7], other, Decimal("-4.00")),
        ]
    )
    # and the last close left more than half of the lines out, the lines of the decisions applied with them
    assert considered[-1][0] * 2 < considered[-1][1]
    assert [every for _, every in applied] == [0] * len(MONTHS)
    # (given at the fourth close: three "not ours" and two placing invoices; one withdrawn at the sixth, one
    # changed at the seventh, two withdrawn at the eighth; the line written back at the ninth is matched
    # there, its state set by the decision, and left out at the tenth; the returned debit never is)
    assert [settled for settled, _ in applied] == [0, 0, 0, 0, 5, 4, 3, 3, 3, 4]
