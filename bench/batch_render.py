"""Would laying many documents out in one WeasyPrint pass beat rendering each alone? (bench/RESULTS.md
"Documents in one pass".)

For a sample of a closed month's documents (every k-th, the month's mix; plain PDFs, our templates and
stylesheet), in one process, each way measured twice in turn after a warm-up:

- alone: one `HTML.render()` and one `write_pdf()` per document, the per-document floor;
- one pass: the documents' bodies in one HTML, each starting a page, one `render()` for them all, then one
  `write_pdf()` per document's pages (`Document.copy`);
- the fixed cost of a document: a page holding one word, rendered and written with the same stylesheet — all
  one pass could save per document, whatever its shape.

    uv run python -m bench.batch_render --home /tmp/recettes-demo --month 2024-11 [--sample 60]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path


def _bodies(htmls: list[str]) -> str:
    head = re.search(r"<head>.*</head>", htmls[0], re.S)
    parts = [re.search(r"<body>(.*)</body>", h, re.S) for h in htmls]
    pages = "".join(f'<div style="break-before: page">{p.group(1)}</div>' for p in parts if p)
    return f'<!DOCTYPE html><html lang="fr">{head.group(0) if head else ""}<body>{pages}</body></html>'


def main() -> None:
    from weasyprint import HTML

    from assets.billing.documents import render_document
    from bench.floors import month_payloads
    from reports.render import TEMPLATES, Renderer

    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--month", required=True)
    parser.add_argument("--sample", type=int, default=60)
    args = parser.parse_args()
    renderer = Renderer()
    base = str(TEMPLATES)

    class Capture:
        html = ""

        def pdf(self, template: str, context: dict, pdfa: bool = False) -> bytes:
            self.html = renderer.html(template, context)
            return b""

    payloads = month_payloads(args.home, args.month)
    chosen = payloads[:: max(1, len(payloads) // args.sample)][: args.sample]
    htmls = []
    for payload in chosen:
        capture = Capture()
        render_document(capture, {**payload, "facturx": False})
        htmls.append(capture.html)
    options = {"stylesheets": [renderer.css], "font_config": renderer.fonts}

    def alone() -> tuple[float, float, int]:
        laid = written = 0.0
        pages = 0
        for html in htmls:
            t0 = time.perf_counter()
            document = HTML(string=html, base_url=base).render(**options)
            t1 = time.perf_counter()
            document.write_pdf()
            laid, written, pages = laid + t1 - t0, written + time.perf_counter() - t1, pages + len(document.pages)
        return laid, written, pages

    def one_pass(counts: list[int]) -> tuple[float, float, int]:
        t0 = time.perf_counter()
        document = HTML(string=_bodies(htmls), base_url=base).render(**options)
        t1 = time.perf_counter()
        start = 0
        for count in counts:
            document.copy(document.pages[start : start + count]).write_pdf()
            start += count
        return t1 - t0, time.perf_counter() - t1, len(document.pages)

    def fixed(n: int = 50) -> float:
        html = '<html><body><p>Facture</p><div class="footer">x</div></body></html>'
        t0 = time.perf_counter()
        for _ in range(n):
            HTML(string=html, base_url=base).render(**options).write_pdf()
        return (time.perf_counter() - t0) / n

    counts = [len(HTML(string=h, base_url=base).render(**options).pages) for h in htmls]  # warm-up, pages each
    fixed()
    print(f"{len(htmls)} documents of {len(payloads)} ({args.month}), {sum(counts)} pages, one process")
    print("way | layout (s) | writing (s) | total (s) | ms a document | pages")
    for turn in (1, 2):
        for name, (laid, written, pages) in (("alone", alone()), ("one pass", one_pass(counts))):
            total = laid + written
            each = 1000 * total / len(htmls)
            print(f"{name} ({turn}) | {laid:.2f} | {written:.2f} | {total:.2f} | {each:.1f} | {pages}")
    print(f"fixed cost of a one-word document: {1000 * fixed():.1f} ms")


if __name__ == "__main__":
    main()
