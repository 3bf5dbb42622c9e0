"""Several associations on one Dagster deployment (docs/operations.md "Several associations"): a PostgreSQL
instance, the daemon with its run queue (two runs at a time, one per association: deploy/dagster.yaml), the
webserver, and one code server per association plus the group's, as real processes over the workspace
`recettes workspace` writes (tests/e2e/deployment.py). Four closes are launched at once through the webserver's
GraphQL API (three associations, one of them twice): every run succeeds, the queue's limits held, each
association's outputs are those of closing it alone, and the group's report, an asset of the group's location,
adds up the associations' own figures to the cent."""

from __future__ import annotations

import csv
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.deployment import (
    FIRST,
    close_alone,
    deployment,
    first_month_inputs,
    instance_yaml,
    pg_sessions,
    write_group,
)
from tests.e2e.test_postgres import postgres  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # PostgreSQL, a daemon, five servers, five runs: ~1.5 min

CODES = ("asso66", "asso11", "asso34")
COMPARED = (  # what each association's close writes, byte for byte as closed alone
    "factures/registre.csv",
    "factures/lignes.csv",
    f"comptabilite/ecritures_{FIRST}.txt",
    "recouvrement/balance_agee.csv",
    "rapports/activite.csv",
    "controles/controles.csv",
)


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ".")) if text else Decimal("0.00")


def test_associations_close_side_by_side_in_one_deployment(postgres, tmp_path):  # noqa: F811
    from pipelines.close import login

    inputs = first_month_inputs(tmp_path / "inputs")
    reference = shutil.copytree(inputs, tmp_path / "alone")
    alone = close_alone(reference, login())
    assert alone.returncode == 0, alone.stdout + alone.stderr
    homes = {code: shutil.copytree(inputs, tmp_path / code) for code in CODES}
    group = write_group(tmp_path / "groupe.yaml", homes)
    dagster_home = tmp_path / "deployment"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(instance_yaml(postgres), encoding="utf-8")
    with deployment(group, dagster_home, tmp_path) as running:
        before = pg_sessions(postgres)
        for code in (*CODES, CODES[0]):  # the first association twice: its runs must not overlap
            running.launch_close(code, login())
        runs = running.wait_for(4)
        connections = pg_sessions(postgres) - before
        running.launch_group()
        group_run = next(r for r in running.wait_for(5) if r["runId"] not in {r["runId"] for r in runs})
    logs = {p.name: p.read_text()[-3000:] for p in (tmp_path / "logs").iterdir()}
    assert [r["status"] for r in runs] == ["SUCCESS"] * 4, logs
    assert group_run["status"] == "SUCCESS", logs
    tagged = {r["runId"]: {t["key"]: t["value"] for t in r["tags"]} for r in runs}
    spans = sorted((r["startTime"], r["endTime"], tagged[r["runId"]]["recettes/association"]) for r in runs)
    assert sorted(code for *_, code in spans) == sorted((*CODES, CODES[0]))
    twice = [(start, end) for start, end, code in spans if code == CODES[0]]
    assert twice[0][1] <= twice[1][0], spans  # one association: one run at a time
    at_once = max(sum(1 for s, e, _ in spans if s <= start < e) for start, _, _ in spans)
    assert at_once == 2, spans  # both cores busy, never more than the queue's two
    # each process keeps its connections (pipelines/storage.py): about 80 a close here, about 890 when Dagster's
    # storage opens one per statement
    assert connections < 1000, connections
    for code, home in homes.items():
        for name in COMPARED:
            mine, theirs = home / "sorties" / FIRST / name, reference / "sorties" / FIRST / name
            assert mine.read_bytes() == theirs.read_bytes(), (code, name)
    rows = {r["code_association"]: r for r in _rows(tmp_path / "groupe" / FIRST / "groupe.csv")}
    own = {
        code: (
            sum((_money(r["montant"]) for r in _rows(home / "sorties" / FIRST / "factures" / "registre.csv")),
                Decimal("0.00")),
            _money(next(r for r in _rows(home / "sorties" / FIRST / "recouvrement" / "balance_agee.csv")
                        if r["code_financeur"] == "TOTAL")["total"]),
        )
        for code, home in homes.items()
    }  # fmt: skip
    assert all(own[c][0] > 0 for c in CODES)
    assert {c: (_money(rows[c]["facture"]), _money(rows[c]["creances_fin_de_mois"])) for c in CODES} == own
    assert _money(rows["TOTAL"]["facture"]) == sum((v[0] for v in own.values()), Decimal("0.00"))
    assert _money(rows["TOTAL"]["creances_fin_de_mois"]) == sum((v[1] for v in own.values()), Decimal("0.00"))
    assert rows["TOTAL"]["nom"] == "3 association(s) sur 3"
    html = (tmp_path / "groupe" / FIRST / "groupe.html").read_text(encoding="utf-8")
    assert re.search(r'data-figure="facture_total">[^<]+ €<', html)
