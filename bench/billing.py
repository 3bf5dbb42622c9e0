"""Benchmark of the billing stage (not a test; prints figures, appends them to bench/results/billing.csv).

    uv run python bench/billing.py [--home /tmp/recettes-bench-large] [--months 24] [--documents 300]

1. Loads the referential and the activity of every month of a generated association (`recettes generate
   --scale large` first), then values and issues the months one after the other (no PDF), timing each.
2. Renders `--documents` documents of the last month three ways and prints documents per second:
   WeasyPrint alone on the same HTML (the floor, one process), our renderer in one process, and our
   renderer with the worker pool on every core.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.billing.documents import _documents, render_document
from assets.billing.facturx_xml import is_public
from assets.billing.issuing import issue
from assets.billing.valuation import store_valuation
from assets.common.settings_file import load_settings
from assets.common.warehouse import Warehouse
from assets.ingest.loading import load_activity, load_referential
from demo.generator import close_date


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--home", default="/tmp/recettes-bench-large")
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--documents", type=int, default=300)
    p.add_argument("--reuse", action="store_true", help="keep the ingested activity of a previous run")
    p.add_argument("--render-only", action="store_true", help="render the documents a previous run issued")
    p.add_argument("--pool-documents", type=int, default=1200, help="sample size for the pool measurement")
    a = p.parse_args()
    home = Path(a.home)
    settings = load_settings(home / "parametrage.yaml")
    months = sorted(d.name for d in (home / "entrees" / "activite").iterdir())[: a.months]
    wh = Warehouse(home / "entrepot-bench.duckdb")
    now = dt.datetime.now()
    if a.render_only:
        pass
    elif a.reuse and (home / "entrepot-bench.duckdb").exists():
        with wh.transaction() as con:
            for table in (
                "valued_days",
                "due_lines",
                "valuation_state",
                "document_lines",
                "documents",
                "document_files",
            ):
                con.execute(f"DELETE FROM {table}")  # noqa: S608
    else:
        (home / "entrepot-bench.duckdb").unlink(missing_ok=True)
        t = time.perf_counter()
        with wh.transaction() as con:
            load_referential(con, home / "entrees", now)
            for month in months:
                load_activity(con, home / "entrees", month, now)
            days = con.execute("SELECT count(*) FROM activity_days").fetchone()[0]
        print(f"ingest {len(months)} months: {time.perf_counter() - t:.1f} s, {days} activity days")
    rows = []
    for month in [] if a.render_only else months:
        with wh.transaction() as con:
            t0 = time.perf_counter()
            store_valuation(con, settings, month)
            valued = con.execute("SELECT count(*) FROM valued_days").fetchone()[0]
            t1 = time.perf_counter()
            summary = issue(con, settings, month, close_date(month), now)
            t2 = time.perf_counter()
        rows.append((month, valued, t1 - t0, summary.documents, t2 - t1))
        print(
            f"{month}: valuation {t1 - t0:5.1f} s ({valued} days valued), "
            f"issuing {t2 - t1:5.1f} s ({summary.documents} documents), total {t2 - t0:5.1f} s"
        )
    with wh.connect() as con:
        docs, lines = _documents(con, months[-1])

    def sample(size: int) -> list[dict]:
        stride = max(1, len(all_docs) // size)  # the month's real mix of payers and sizes
        return [
            {
                "doc": d,
                "lines": lines[d["number"]],
                "association": settings.association.model_dump(),
                "establishment": {"name": d["establishment_code"], "finess": None},
                "vat_mention": settings.mention_tva,
                "facturx": is_public(d["payer_type"], d["payer_siret"]),
                "original_date": None,
            }
            for d in all_docs[::stride][:size]
        ]

    all_docs = docs
    payloads = sample(a.documents)
    from weasyprint import HTML

    from reports.render import Renderer, render_all

    renderer = Renderer()
    htmls = []
    for payload in payloads:  # the same HTML our renderer lays out, for the floor
        captured = {}
        original = renderer.pdf
        renderer.pdf = lambda template, context, pdfa=False, _c=captured: _c.update(t=template, c=context) or b""
        render_document(renderer, {**payload, "facturx": False})
        renderer.pdf = original
        htmls.append((renderer.html(captured["t"], captured["c"]), payload["facturx"]))
    t = time.perf_counter()
    for html, pdfa in htmls:
        HTML(string=html, base_url=str(Path(__file__).resolve().parents[1] / "reports" / "templates")).write_pdf(
            stylesheets=[renderer.css], font_config=renderer.fonts, **({"pdf_variant": "pdf/a-3b"} if pdfa else {})
        )
    floor = time.perf_counter() - t
    t = time.perf_counter()
    for payload in payloads:
        render_document(renderer, payload)
    ours_one = time.perf_counter() - t
    pooled = sample(a.pool_documents)
    t = time.perf_counter()
    for _ in render_all(render_document, pooled, workers=os.cpu_count()):
        pass
    ours_pool = time.perf_counter() - t
    n = len(payloads)
    print(f"documents: {n} ({sum(p['facturx'] for p in payloads)} Factur-X)")
    print(f"  floor, WeasyPrint alone, 1 process : {n / floor:6.1f} doc/s ({floor:.1f} s)")
    print(
        f"  ours, 1 process                     : {n / ours_one:6.1f} doc/s ({ours_one:.1f} s, "
        f"{ours_one / floor:.2f}x the floor)"
    )
    print(
        f"  ours, pool of {os.cpu_count()} workers            : {len(pooled) / ours_pool:6.1f} doc/s "
        f"({len(pooled)} documents in {ours_pool:.1f} s, the workers' start included)"
    )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    target = out / "billing.csv"
    new = not target.exists()
    with target.open("a", newline="") as f:
        w = csv.writer(f, delimiter=";")
        if new:
            w.writerow(["when", "month", "days_valued", "valuation_s", "documents", "issuing_s"])
        for r in rows:
            w.writerow([now.isoformat(timespec="seconds"), r[0], r[1], f"{r[2]:.2f}", r[3], f"{r[4]:.2f}"])
        w.writerow(
            [now.isoformat(timespec="seconds"), "rendering", n, f"{floor:.2f}", f"{ours_one:.2f}", f"{ours_pool:.2f}"]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
