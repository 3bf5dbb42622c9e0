"""How long do the Factur-X rules take on a month's documents? (bench/RESULTS.md "Factur-X rules".)

The Factur-X XML of every document an issued month sent to a public payer, built from the warehouse as the
rendering builds it (nothing rendered, the warehouse opened read-only), then:

- in this process, after one warm-up pass: each rule set's transformation and the reading of its report,
  milliseconds a document (the document parsed once, as `schematron.validate` does), over `--passes` passes;
- through `schematron.validate_all` on `--workers` rendering workers, pool start and compiling included, as the
  control before issuing runs them (`--turns` times, a new pool each time).

    uv run python -m bench.rules --home HOME --month 2026-03 [--workers 2] [--passes 2] [--turns 3]

Code before and after a change: run it from a `git archive` copy of each (`PYTHONPATH=DIR`), in turn.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def month_xmls(home: Path, month: str) -> list[bytes]:
    """The Factur-X XML of the month's documents to public payers, as `render_document` builds it."""
    from assets.billing.facturx_xml import facturx_data, facturx_xml
    from bench.floors import month_payloads

    return [
        facturx_xml(facturx_data(p["doc"], p["lines"], p["association"], p["vat_mention"], p.get("original_dates")))
        for p in month_payloads(home, month)
        if p["facturx"]
    ]


def in_process(xmls: list[bytes], passes: int) -> dict[str, float]:
    """Milliseconds a document per rule set (transformation and report read), after a warm-up pass."""
    from assets.billing import schematron

    engine = schematron._engine()
    nodes = [engine.processor.parse_xml(xml_text=xml.decode("utf-8")) for xml in xmls]
    spent = dict.fromkeys((rs.name for rs in schematron.RULE_SETS), 0.0)
    for round_ in range(passes + 1):
        for rule_set in schematron.RULE_SETS:
            executable = engine.executables[rule_set.name]
            started = time.perf_counter()
            for node in nodes:
                schematron._failures(rule_set.name, executable.transform_to_string(xdm_node=node), "380")
            if round_:  # the first pass warms up
                spent[rule_set.name] += time.perf_counter() - started
    return {name: seconds / (passes * len(nodes)) * 1000 for name, seconds in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--month", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()

    from assets.billing import schematron
    from reports import render

    xmls = month_xmls(args.home, args.month)
    if not xmls:
        raise SystemExit(f"{args.home} : aucun document à un financeur public en {args.month}")
    size = sum(map(len, xmls)) / len(xmls) / 1000
    version = schematron.rules_version()[:12]
    print(f"{len(xmls)} documents to public payers, {size:.1f} KB of XML on average; rules {version}")
    for turn in range(1, args.turns + 1):
        started = time.perf_counter()
        found = schematron.validate_all(xmls, workers=args.workers)
        seconds = time.perf_counter() - started
        render._retire_pool()  # the next turn starts its pool and compiles the rules again
        failures = sum(len(f) for f in found if isinstance(f, list))
        errors = sum(isinstance(f, str) for f in found)
        said = f"{seconds:.2f} s ({failures} failures, {errors} errors)"
        print(f"validate_all on {args.workers} workers, turn {turn}: {said}")
    per_set = in_process(xmls, args.passes)
    for name, ms in per_set.items():
        print(f"in process, {name:<9} {ms:7.2f} ms a document")
    compiling = schematron.compile_seconds()
    print(f"in process, the three   {sum(per_set.values()):7.2f} ms a document (compiling: {compiling:.2f} s)")


if __name__ == "__main__":
    main()
