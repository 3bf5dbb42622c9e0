"""Imports go one way (docs/architecture.md, "Imports go one way"), read from the source with `ast`, imports
inside functions included:

- assets/common/ (the bottom layer) imports nothing else of the project;
- a stage imports assets/common/, reports/ and the stages before it, in the order
  ingest → billing → payments → accounting → receivables → reporting, never a later one;
- nothing under assets/ nor reports/ imports checks/, pipelines/, demo/, bench/ or tests/;
- checks/ imports no pipelines/, demo/, bench/ or tests/;
- demo/ (the demo association, driven by the command and the tests) imports no pipelines/, checks/, bench/ or
  tests/;
- pipelines/ is imported by nothing of the project (the tests and the benchmarks drive it).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("assets", "checks", "pipelines", "reports", "demo")
PROJECT = {"assets", "checks", "pipelines", "reports", "demo", "bench", "tests"}
STAGES = ("ingest", "billing", "payments", "accounting", "receivables", "reporting")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str, str]]:
    """(line, imported module, the statement as written) for every import of the project in `tree`, at any
    depth; `from assets import billing` counts as an import of assets.billing."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((node.lineno, alias.name, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            written = f"from {'.' * node.level}{node.module or ''} import {', '.join(a.name for a in node.names)}"
            for alias in node.names:
                target = f"{base}.{alias.name}" if base in PROJECT else base
                found.append((node.lineno, target, written))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value, f"import_module({node.args[0].value!r})"))
    unique = dict.fromkeys(found)  # `from x import a, b` is one import of x
    return [(line, target, written) for line, target, written in unique if target.split(".")[0] in PROJECT]


def refusal(importer: str, target: str) -> str | None:
    """Why `importer` may not import `target`, or None when it may."""
    top, parts = target.split(".")[0], target.split(".")
    kind = importer.split(".")[0]
    if kind == "assets":
        layer = importer.split(".")[1] if "." in importer else ""
        if layer == "common":
            if parts[:2] != ["assets", "common"]:
                return "assets/common/ is the bottom layer: it imports nothing else of the project"
            return None
        if top == "reports":
            return None
        if top != "assets":
            return f"assets/ never imports {top}/"
        if layer not in STAGES:
            return f"assets/{layer}/ is not a stage of the order {' → '.join(STAGES)}: add it there"
        if len(parts) < 2:
            return "import the stage's module, not the assets package"
        used = parts[1]
        if used == "common":
            return None
        if used not in STAGES:
            return f"assets/{used}/ is not a stage of the order {' → '.join(STAGES)}"
        if STAGES.index(used) > STAGES.index(layer):
            return f"stage {layer} comes before {used}: a stage imports only common/ and the stages before it"
        return None
    if kind == "reports":
        return None if top == "reports" else f"reports/ imports nothing of {top}/"
    if kind == "checks":
        return f"checks/ never imports {top}/" if top in {"pipelines", "demo", "bench", "tests"} else None
    if kind == "demo":
        return f"demo/ never imports {top}/" if top in {"pipelines", "checks", "bench", "tests"} else None
    if kind == "pipelines":
        return "pipelines/ never imports tests/ or bench/" if top in {"tests", "bench"} else None
    return None


def violations(source: str, path: Path) -> list[str]:
    module = module_name(path)
    tree = ast.parse(source, filename=str(path))
    found = []
    for line, target, written in imported(tree, module, path.name == "__init__.py"):
        why = refusal(module, target)
        if why:
            found.append(f"{path.relative_to(ROOT)}:{line}: {written} — {why}")
    return found


def sources() -> list[Path]:
    return sorted(p for folder in SCANNED if (ROOT / folder).is_dir() for p in (ROOT / folder).rglob("*.py"))


def test_the_scan_sees_every_package_and_stage():
    scanned = {module_name(p) for p in sources()}
    for package in ("assets.common", "checks", "pipelines", "reports", "demo", *(f"assets.{s}" for s in STAGES)):
        assert package in scanned, package
    stages = {p.name for p in (ROOT / "assets").iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert stages == {"common", *STAGES}, "a folder of assets/ outside the order of the stages"


def test_imports_go_one_way():
    wrong = [v for path in sources() for v in violations(path.read_text(encoding="utf-8"), path)]
    assert not wrong, "imports against the direction:\n" + "\n".join(wrong)


def test_a_wrong_import_is_named_with_its_file_and_line_even_inside_a_function():
    source = (
        "from assets.common.months import month_end\n"
        "from assets.ingest.activity import CODES\n"
        "\n"
        "def late():\n"
        "    from assets.reporting.alerts import alert_run\n"
        "    from checks.wiring import write_month_controls\n"
        "    import pipelines.definitions\n"
    )
    found = violations(source, ROOT / "assets" / "billing" / "example.py")
    assert [v.split(" — ")[0] for v in found] == [
        "assets/billing/example.py:5: from assets.reporting.alerts import alert_run",
        "assets/billing/example.py:6: from checks.wiring import write_month_controls",
        "assets/billing/example.py:7: import pipelines.definitions",
    ]
    demo = violations("def close():\n    from pipelines.close import close_month\n", ROOT / "demo" / "run.py")
    assert [v.split(" — ")[0] for v in demo] == ["demo/run.py:2: from pipelines.close import close_month"]
    assert violations("from assets.billing.valuation import open_months\n", ROOT / "assets/common/x.py")
    assert violations("from ..reporting import alerts\n", ROOT / "assets/payments/x.py")
    assert not violations("from . import matching\n", ROOT / "assets/payments/x.py")
    assert violations("import pipelines.close\n", ROOT / "checks" / "x.py")
    assert violations("from assets import reporting\n", ROOT / "assets" / "ingest" / "x.py")
    assert not violations("from assets.reporting.alerts import alert_run\n", ROOT / "checks" / "x.py")
    assert not violations("from demo.generator import generate\n", ROOT / "pipelines" / "cli.py")
