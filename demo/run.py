"""The demo's month loop, written once: the association and the people around it, month after month.

For each month, before its close: the referential as the cell knew it on the close date, the month's activity
extracts, what the bank saw during the month (the payers' bank files), and the accounting department's ledger
with our entry files imported up to last month. Then the close; when the close is blocked (exit code 1) and the
demo has a corrected extract for the month, the establishment sends it and the month is closed again. After the
close: the payers react to what was issued, and the call centre works its call list.

`play` does not close a month itself: the caller passes its own `close(month)` (in process through
pipelines.close.close_month for `recettes demo` and the tests, in a measured subprocess for the benchmark).
The demo stays below the pipelines: it imports none of them. `play` is a generator: it yields each month with
its close's result before the payers and the call centre act, so the caller reads the month's outputs as the
close left them.

    demo = Demo.create(home, data, seed)
    for month, result in play(demo, months, lambda m: close_month(home, m, close_date(m), instance=instance)):
        ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assets.common.months import previous_month
from demo.accounting import AccountingDepartment
from demo.calls import CallCentre
from demo.generator import DemoData, close_date, write_activity, write_referential, write_settings
from demo.payments import PaymentSimulator


@dataclass
class Demo:
    """The association's data folder and the people who write into it: the payers (and their bank), the
    accounting department, and the call centre (None: nobody calls)."""

    home: Path
    data: DemoData
    payers: PaymentSimulator
    accounting: AccountingDepartment
    calls: CallCentre | None

    @classmethod
    def create(
        cls,
        home: Path,
        data: DemoData,
        seed: int,
        *,
        first: str | None = None,
        accounting: AccountingDepartment | None = None,
        calls: bool = True,
    ) -> Demo:
        """Write the settings and meet the payers as the referential stands when `first` (default the demo's
        first month) is closed."""
        import yaml

        write_settings(home, data)
        iban = yaml.safe_load(data.settings_yaml)["association"]["iban"]
        payers = PaymentSimulator(seed, iban, data.referential_as_of(close_date(first or data.months[0])))
        return cls(home, data, payers, accounting or AccountingDepartment(), CallCentre(seed) if calls else None)

    def before_close(self, month: str) -> None:
        """The month's inputs, as they stand on its close date."""
        write_referential(self.home, self.data, close_date(month))
        write_activity(self.home, month, self.data.activity[month])
        self.payers.update_referential(self.data.referential_as_of(close_date(month)))
        self.payers.write_month(self.home, month)  # what the bank saw during the month
        self.accounting.export(self.home, previous_month(month))  # the ledger, our files imported up to last month

    def correct(self, month: str) -> bool:
        """The establishment sends its corrected extract of `month`, if the demo has one (False if not)."""
        if month not in self.data.corrections:
            return False
        write_activity(self.home, month, self.data.corrections[month])
        return True

    def after_close(self, month: str) -> None:
        """The payers after the close, then the call list worked in the next days."""
        self.payers.after_close(self.home, month)
        if self.calls is not None:
            self.calls.after_close(self.home, month, close_date(month))


def play(
    demo: Demo,
    months: Iterable[str],
    close: Callable[[str], Any],
    *,
    corrected: Callable[[str], None] | None = None,
) -> Iterator[tuple[str, Any]]:
    """Close each month in turn with `close(month)`, between its inputs and what follows it. The result has an
    `exit_code` (as pipelines.close.MonthResult): a month blocked (exit code 1) for which the demo has a
    corrected extract is closed again with it, `corrected(month)` called before that second close. Yields
    (month, the last close's result) before the payers and the call centre act on the month."""
    for month in months:
        demo.before_close(month)
        result = close(month)
        if result.exit_code == 1 and demo.correct(month):
            if corrected is not None:
                corrected(month)
            result = close(month)
        yield month, result
        demo.after_close(month)
