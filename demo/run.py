"""The demo's month loop, written once: the association and the people around it, month after month.

For each month, before its close: the referential as the cell knew it on the close date, the month's activity
extracts, what the bank saw during the month (the payers' bank files), and the accounting department's ledger
with our entry files imported up to last month. Then the close; when the close is blocked (exit code 1) and the
demo has a corrected extract for the month, the establishment sends it and the month is closed again. After the
close: the payers react to what was issued (the bank debits the collections the close asked), the director
writes off what stayed in contentieux, and the call centre works its call list.

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

import contextlib
import fcntl
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.common.months import previous_month
from demo.accounting import AccountingDepartment
from demo.calls import CallCentre
from demo.director import Director
from demo.generator import (
    DemoData,
    close_date,
    generate,
    write_activity,
    write_all,
    write_referential,
    write_settings,
)
from demo.payments import PaymentSimulator

STATE = Path("demo") / "etat.pickle"  # in the data folder: the demo's people between closes
STATE_VERSION = 2  # 2: direct debits asked by the pipeline, refunds asked, write-offs, disputes closed


@dataclass
class Demo:
    """The association's data folder and the people who write into it: the payers (and their bank), the
    accounting department, the call centre (None: nobody calls) and the finance director."""

    home: Path
    data: DemoData
    payers: PaymentSimulator
    accounting: AccountingDepartment
    calls: CallCentre | None
    played: str | None = None  # the last month after whose close the people acted
    director: Director = field(default_factory=Director)

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
        demo = cls(home, data, payers, accounting or AccountingDepartment(), CallCentre(seed) if calls else None)
        demo.save()  # a demo home from now on, with nobody having acted yet
        return demo

    @classmethod
    def load(cls, home: Path) -> Demo | None:
        """The demo of a data folder as its last step left it (None: not a demo home). The association is
        generated again from its scale and seed: a demo created from other data (a trimmed or resized one, as
        the benchmarks and some tests make) is not meant to be played on from its saved state."""
        state = _read_state(home)
        if state is None:
            return None
        data = generate(state["scale"], state["seed"])
        return cls(home, data, state["payers"], state["accounting"], state["calls"], state["played"], state["director"])

    def save(self) -> None:
        """Keep what the people remember in the data folder (written whole, then renamed; owner only)."""
        path = self.home / STATE
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "version": STATE_VERSION,
            "scale": self.data.scale,
            "seed": self.data.seed,
            "played": self.played,
            "payers": self.payers,
            "accounting": self.accounting,
            "calls": self.calls,
            "director": self.director,
        }
        temporary = path.with_name(path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)

    def following(self, month: str) -> str | None:
        """The demo's month after `month` (None after its last)."""
        rank = self.data.months.index(month)
        return self.data.months[rank + 1] if rank + 1 < len(self.data.months) else None

    def next_to_play(self) -> str | None:
        """The month whose close the people wait for: the first month, then the one after the last played
        (None: every month played)."""
        return self.data.months[0] if self.played is None else self.following(self.played)

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
        """The payers after the close, the director's decisions, then the call list worked in the next days."""
        self.payers.after_close(self.home, month)
        self.director.after_close(self.home, month, close_date(month))
        if self.calls is not None:
            self.calls.after_close(self.home, month, close_date(month))

    def advance(self, month: str, following: str | None) -> bool:
        """Everything between the close of `month` and that of `following` (None: nothing is closed after it):
        the payers and the call centre after the close, then the inputs of `following`. Once per month,
        whoever asks first: when the saved state says it was done (by `play`, or by the sensor of the UI in
        another process), this demo takes that state and writes nothing (False)."""
        with _state_lock(self.home):
            state = _read_state(self.home)
            if state is not None and state["played"] is not None and state["played"] >= month:
                self.payers, self.accounting, self.calls = state["payers"], state["accounting"], state["calls"]
                self.director = state["director"]
                self.played = state["played"]
                return False
            self.after_close(month)
            if following is not None:
                self.before_close(following)
            self.played = month
            self.save()
        return True


def prepare(home: Path, data: DemoData, seed: int) -> Demo:
    """A demo home as `recettes generate` writes it: every input `write_all` writes (the referential as known
    after the last month, every month's activity), and the bank, the accounting department and the call centre
    as `play` leaves them just before the first close, so that closing the months from the UI plays the demo
    (`after_ui_close`). From the first month played on, the referential is the one the cell knew on each close
    date, as in `play`."""
    demo = Demo.create(home, data, seed)
    demo.before_close(data.months[0])
    write_all(home, data)
    demo.save()
    return demo


def after_ui_close(home: Path, month: str, closed: Callable[[str], bool]) -> tuple[bool, str]:
    """What `play` does after each close, for months closed elsewhere (the Dagster UI), after a run of `month`:
    (whether anything was written, what was done or why not). Only in a demo home, once per month, in the
    demo's order: each month the demo waits for, up to `month`, that `closed` says is closed (a month missed
    while another close held the warehouse is played by the next run, late)."""
    demo = Demo.load(home)
    if demo is None:
        return False, "pas une association de démonstration"
    done: list[str] = []
    while (expected := demo.next_to_play()) is not None and expected <= month and closed(expected):
        if demo.advance(expected, demo.following(expected)):
            done.append(expected)
    if done:
        following = demo.following(done[-1])
        then = f" ; entrées de {following} déposées" if following else ""
        closes = ", ".join(done)
        return True, f"démonstration : paiements, grand livre et appels écrits après la clôture de {closes}{then}"
    if demo.played is not None and month <= demo.played:
        return False, f"démonstration : {month} déjà suivi des paiements et des appels"
    expected = demo.next_to_play()
    waits = f"attend la clôture de {expected}" if expected else "est terminée"
    return False, f"démonstration : rien à écrire après {month}, la démonstration {waits}"


def _read_state(home: Path) -> dict[str, Any] | None:
    path = home / STATE
    if not path.exists():
        return None
    state = pickle.loads(path.read_bytes())  # written by save() in this data folder, readable by its owner only
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"{path} : état de la démonstration d'une autre version ({state.get('version')})")
    return state


@contextlib.contextmanager
def _state_lock(home: Path) -> Iterator[None]:
    """One step of the demo at a time in a data folder, across processes (the command and the UI's daemon)."""
    path = home / STATE.with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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
    (month, the last close's result) before the payers and the call centre act on the month; then they act
    (`Demo.advance`) and the next month's inputs are written."""
    months = list(months)
    for rank, month in enumerate(months):
        if rank == 0:
            demo.before_close(month)
            demo.save()
        result = close(month)
        if result.exit_code == 1 and demo.correct(month):
            if corrected is not None:
                corrected(month)
            result = close(month)
        yield month, result
        demo.advance(month, months[rank + 1] if rank + 1 < len(months) else None)
