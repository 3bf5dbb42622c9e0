"""Rendering documents to PDF: Jinja2 templates (autoescaped), French formatting with Babel, WeasyPrint.

`Renderer` holds the template environment, the stylesheet and the font configuration once, and renders
one document to PDF bytes (PDF/A-3b when a Factur-X XML is to be embedded). `render_all` spreads the
work over a pool of worker processes, each with its own Renderer, recycled every few hundred documents.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jinja2

ROOT = Path(__file__).resolve().parent
TEMPLATES = ROOT / "templates"
STYLESHEET = ROOT / "static" / "document.css"


def euro(value: Decimal | int | str) -> str:
    """An amount as a French reader writes it: 1 234,50 € (Babel, fr_FR)."""
    return _euro(str(Decimal(value)))  # the exact text as key: -0.00 and 0 stay apart, as Babel writes them


@functools.lru_cache(maxsize=8192)
def _euro(text: str) -> str:
    """Babel parses the currency pattern and reads the locale at every call (70 µs): the pré-facturation of a
    30,000-resident month writes 88,000 amounts, most of them the same few rates and totals."""
    from babel.numbers import format_currency

    return format_currency(Decimal(text), "EUR", locale="fr_FR")


def date_fr(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def month_fr(month: str) -> str:
    """'2025-03' -> 'mars 2025'."""
    from babel.dates import format_date

    return format_date(dt.date(int(month[:4]), int(month[5:7]), 1), "LLLL y", locale="fr_FR")


def quantity(value: Decimal | int) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale="fr_FR")


PAYER_TYPES = {
    "assurance_maladie": "assurance maladie",
    "departement": "département",
    "usager": "usager",
    "autre": "autre",
}


def payer_type(code: str) -> str:
    """A payer type as a reader says it: 'assurance_maladie' -> 'assurance maladie'."""
    return PAYER_TYPES.get(code, code.replace("_", " "))


def siret(value: str) -> str:
    v = value or ""
    return f"{v[:3]} {v[3:6]} {v[6:9]} {v[9:]}" if len(v) == 14 else v


def iban(value: str) -> str:
    v = (value or "").replace(" ", "")
    return " ".join(v[i : i + 4] for i in range(0, len(v), 4))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"], default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(iso_fr=lambda text: date_fr(dt.date.fromisoformat(text)) if text else "")
    env.filters.update(euro=euro, date_fr=date_fr, month_fr=month_fr, quantity=quantity, siret=siret, iban=iban)
    env.filters.update(payer_type=payer_type)
    return env


class Renderer:
    """One process's WeasyPrint set-up: templates, stylesheet and fonts loaded once."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.env = environment()
        self.fonts = FontConfiguration()
        self.css = CSS(filename=str(STYLESHEET), font_config=self.fonts)

    def close(self) -> None:
        """Remove the fonts' temporary folder (weasyprint-*, about 1.2 MB) now. WeasyPrint removes it when the
        font configuration is collected, which a rendering worker's, held until the process exits, never was:
        every close left its workers' folders behind."""
        self.fonts.__del__()

    def html(self, template: str, context: dict) -> str:
        return self.env.get_template(template).render(**context)

    def pdf(self, template: str, context: dict, pdfa: bool = False) -> bytes:
        from weasyprint import HTML

        document = HTML(string=self.html(template, context), base_url=str(ROOT / "templates"))
        options = {"pdf_variant": "pdf/a-3b"} if pdfa else {}
        return document.write_pdf(stylesheets=[self.css], font_config=self.fonts, **options)


_renderer: Renderer | None = None


def _worker_init(parent: int | None = None) -> None:
    if parent is not None:
        _exit_with(parent)


def _worker_renderer() -> Renderer:
    """This worker's Renderer, set up at its first document: a worker given only work that needs none (the
    Factur-X rules before issuing) never imports WeasyPrint nor loads its fonts."""
    global _renderer
    if _renderer is None:
        _renderer = Renderer()
        from multiprocessing import util

        util.Finalize(None, _renderer.close, exitpriority=0)  # run as the worker exits, its pool shut down
    return _renderer


def _exit_with(parent: int) -> None:
    """End this worker when the process that started the pool is gone, even killed (SIGKILL, out of memory):
    an idle worker waits on its queue for ever and would keep its few hundred megabytes."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="recettes-parent-watch", daemon=True).start()


def _in_worker(job: tuple[Callable, object, bool]) -> Any:
    func, payload, renderer_needed = job
    return func(_worker_renderer() if renderer_needed else None, payload)


_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_pool_tasks = 0  # documents rendered by the current pool's workers


def _shared_pool(workers: int) -> ProcessPoolExecutor:
    """One pool of rendering workers per process, kept between months (starting a worker costs ~2 s) and
    shut down when the process exits (`_shutdown_at_exit`)."""
    global _pool, _pool_size, _pool_tasks
    if _pool is None or _pool_size != workers:
        import multiprocessing

        _retire_pool()
        _shutdown_at_exit()
        _pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        _pool_size, _pool_tasks = workers, 0
    return _pool


def _retire_pool(cancel: bool = False) -> None:
    global _pool, _pool_size
    if _pool is not None:
        _pool.shutdown(cancel_futures=cancel)
    _pool, _pool_size = None, 0


_exit_hook: object = None


def _shutdown_at_exit() -> None:
    """Shut the pool down when this process exits, before multiprocessing waits for its children.

    A Dagster run launched from the UI or the daemon is a `multiprocessing` child of the code server. When it
    ends, multiprocessing joins every child it started before Python's own exit handlers run, among them
    concurrent.futures' which stops the pool: the run process then waited for ever for idle workers that
    waited for work, and the three stayed alive after the run. A finalizer of priority >= 0 runs before that
    join (and, in a main process such as `recettes demo`, at exit after the pool has already stopped). Its
    priority is above the 10 of the pool's own queues, whose finalizers would otherwise stop feeding the
    workers the order to stop."""
    global _exit_hook
    if _exit_hook is None:
        from multiprocessing import util

        _exit_hook = util.Finalize(None, _retire_pool, kwargs={"cancel": True}, exitpriority=100)


def pool_size(documents: int) -> int:
    """The workers `render_all` shares `documents` among: one per 20 documents, at most one per core (0 or 1:
    they stay in process)."""
    return min(documents // 20, os.cpu_count() or 1)


def start_workers(func: Callable, documents: int) -> list[Future]:
    """Start now the pool `render_all` will use for `documents`, and have each worker run `func(None, None)`
    (what it sets up once: the rules compiled) while this process goes on preparing the work; nothing here
    waits for them. No pool when the documents would stay in process."""
    workers = pool_size(documents)
    if workers <= 1:
        return []
    pool = _shared_pool(workers)
    return [pool.submit(_in_worker, (func, None, False)) for _ in range(workers)]


def render_all(
    func: Callable,
    payloads: Iterable,
    workers: int | None = None,
    recycle: int = 300,
    renderer_needed: bool = True,
) -> Iterator:
    """Apply `func(renderer, payload)` to every payload, in order; small batches stay in process (with no
    Renderer set up for them when `func` needs none).

    Workers are replaced after about `recycle` documents each (WeasyPrint's memory grows with use), by
    starting a new pool between batches: ProcessPoolExecutor's own `max_tasks_per_child` deadlocks on
    Python 3.11 once every worker has reached it with work still queued (CPython issue 115634, fixed in 3.13),
    which stopped a month of more than 4,800 documents for good."""
    global _pool_tasks
    payloads = list(payloads)
    workers = workers or pool_size(len(payloads))
    if workers <= 1:
        renderer = Renderer() if renderer_needed else None
        for payload in payloads:
            yield func(renderer, payload)
        return
    jobs = [(func, p, renderer_needed) for p in payloads]
    batch = recycle * workers
    start = 0
    while start < len(jobs):
        pool = _shared_pool(workers)
        part = jobs[start : start + batch - _pool_tasks]
        yield from pool.map(_in_worker, part, chunksize=8)
        start += len(part)
        _pool_tasks += len(part)
        if _pool_tasks >= batch:
            _retire_pool()


def days_fr(value: Decimal | int | None) -> str:
    """A count of days as a French reader writes it: 10 950 (thousands separated), 2 712,50 and -16,97 to the
    hundredth when the value has decimals; '–' for none."""
    from babel.numbers import format_decimal

    if value is None:
        return "–"
    whole = isinstance(value, int) or value.as_tuple().exponent >= 0  # type: ignore[operator]
    return format_decimal(value, format="#,##0" if whole else "#,##0.00", locale="fr_FR")


def percent_fr(share: Decimal | None, signed: bool = False) -> str:
    """A share as a percentage to the tenth, half up: 0.9545 -> '95,5 %', −0.0512 -> '-5,1 %' ('+' when `signed`)."""
    from babel.numbers import format_decimal

    if share is None:
        return "–"
    tenth = (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)  # Babel itself rounds half to even
    text = format_decimal(tenth, format="#,##0.0", locale="fr_FR") + "\u00a0%"
    return f"+{text}" if signed and share > 0 else text
