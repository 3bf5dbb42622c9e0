"""A small association built row by row in a temporary warehouse, to value and bill hand-computed cases."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from pathlib import Path

from assets.billing.issuing import issue
from assets.billing.valuation import store_valuation
from assets.common.settings_file import parse_settings
from assets.common.warehouse import Warehouse, run_sql
from tests.conftest import SETTINGS

D = dt.date
NOW = dt.datetime(2026, 1, 1, 12, 0, 0)


def money(text: str) -> Decimal:
    return Decimal(text)


class Case:
    def __init__(self, tmp_path: Path, settings_yaml: str = SETTINGS):
        self.warehouse = Warehouse(tmp_path / "e.duckdb")
        self.settings = parse_settings(settings_yaml)
        self.line = 0
        self._session = self.warehouse.connect()
        self.con = self._session.__enter__()  # one connection for the whole case (held until close)

    def close(self) -> None:
        self._session.__exit__(None, None, None)

    def _insert(self, table: str, values: tuple) -> None:
        self.line += 1
        marks = ", ".join("?" for _ in range(len(values) + 1))
        self.con.execute(f"INSERT INTO {table} VALUES ({marks})", [*values, self.line])  # noqa: S608

    @contextlib.contextmanager
    def transaction(self):
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def establishment(self, code="FH01", type_="FH", billing="prix_journee", capacity=40):
        self._insert(
            "establishments",
            (code, f"Établissement {code}", type_, "660000001", None, capacity, "1 rue X, 66000 Perpignan", billing),
        )
        return self

    def payer(self, code="D66", type_="departement", delay=None, siret="22660000100011"):
        self._insert(
            "payers", (code, f"Payeur {code}", type_, siret, "SERV", "Hôtel, 66000 Perpignan", None, delay, code)
        )
        return self

    def resident(self, rid="000001"):
        self._insert(
            "residents", (rid, "DURAND", f"Usager{rid}", D(1980, 1, 1), "2 rue Y, 66000 Perpignan", None, None)
        )
        return self

    def stay(self, rid, etab, entry, exit_=None, mode="internat"):
        self._insert("stays", (rid, etab, entry, exit_, mode))
        return self

    def decision(self, rid, payer, etab, start, end=None, status="accordee", commitment=None):
        self._insert("funding_decisions", (rid, payer, etab, start, end, status, f"DEC-{rid}", commitment))
        return self

    def rate(self, etab, mode, start, end, price):
        self._insert("rates", (etab, mode, start, end, Decimal(price), "definitif"))
        return self

    def contribution(self, rid, start, end, amount):
        self._insert("contributions", (rid, start, end, Decimal(amount)))
        return self

    def activity(self, etab, rid, codes: dict[dt.date, str]):
        with self.transaction() as con:
            for day, code in codes.items():
                con.execute(
                    "INSERT INTO activity_days VALUES (?, ?, ?, ?, ?, 'test.csv', 1, 'date', false)",
                    [f"{day:%Y-%m}", etab, rid, day, code],
                )
            for month in sorted({f"{day:%Y-%m}" for day in codes}):  # as the loading of a month does
                con.execute("DELETE FROM activity_hashes WHERE month = ?", [month])
                run_sql(con, "ingest/activity_hashes.sql", {"month": month})
        return self

    @staticmethod
    def _rehash(con) -> None:
        """The activity hashes of every month again, after a test changed activity_days by hand."""
        months = [m for (m,) in con.execute("SELECT DISTINCT month FROM activity_days").fetchall()]
        con.execute("DELETE FROM activity_hashes")
        for month in months:
            run_sql(con, "ingest/activity_hashes.sql", {"month": month})

    def clear_rates(self):
        with self.transaction() as con:
            con.execute("DELETE FROM rates")
        return self

    def execute(self, query: str, params: list | None = None):
        with self.transaction() as con:
            con.execute(query, params or [])
            if "activity_days" in query:
                self._rehash(con)
        return self

    def value(self, month: str):
        """Value `month` and the open months before it; returns every valued day stored, as a frame."""
        with self.transaction() as con:
            store_valuation(con, self.settings, month)
            return con.sql("SELECT * FROM valued_days ORDER BY establishment_code, resident_id, day").pl()

    def days(self, month: str, rid: str = "000001", etab: str | None = None) -> dict[dt.date, tuple]:
        frame = self.value(month)
        out = {}
        for row in frame.iter_rows(named=True):
            if row["resident_id"] == rid and (etab is None or row["establishment_code"] == etab):
                out[row["day"]] = (row["state"], row["category"] or row["reason"], row["amount"], row["payer_code"])
        return out

    def due(self, month: str | None = None) -> list[tuple]:
        with self.transaction() as con:
            where = "WHERE month = ?" if month else ""
            return con.execute(
                f"SELECT month, payer_code, establishment_code, resident_id, category, unit_price, quantity, amount "  # noqa: S608
                f"FROM due_lines {where} ORDER BY ALL",
                [month] if month else [],
            ).fetchall()

    def issue(self, month: str, date: dt.date):
        self.value(month)
        with self.transaction() as con:
            return issue(con, self.settings, month, date, NOW)

    def documents(self):
        with self.transaction() as con:
            return con.execute(
                "SELECT number, type, nature, service_month, payer_code, establishment_code, amount, original_number, "
                "issue_date, due_date FROM documents ORDER BY series DESC, year, seq"
            ).fetchall()

    def corrections(self, number: str):
        """What credit note `number` takes off each invoice it corrects, per resident, latest invoice first."""
        with self.transaction() as con:
            return con.execute(
                "SELECT k.corrected, k.resident_id, k.amount FROM document_corrections k "
                "JOIN documents d ON d.number = k.corrected WHERE k.number = ? ORDER BY d.year DESC, d.seq DESC, 2",
                [number],
            ).fetchall()

    def open_amounts(self):
        with self.transaction() as con:
            return con.execute("SELECT number, open_amount FROM invoice_balances ORDER BY number").fetchall()

    def lines(self, number: str):
        with self.transaction() as con:
            return con.execute(
                "SELECT resident_id, category, quantity, unit_price, amount FROM document_lines WHERE number = ? "
                "ORDER BY line_no",
                [number],
            ).fetchall()


def month_of_days(first: dt.date, last: dt.date, code: str = "P") -> dict[dt.date, str]:
    out = {}
    day = first
    while day <= last:
        out[day] = code
        day += dt.timedelta(days=1)
    return out
