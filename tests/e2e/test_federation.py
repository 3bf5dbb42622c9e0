"""Several associations on one Dagster deployment (docs/operations.md "Several associations"): a PostgreSQL
instance, the daemon with its run queue (two runs at a time, one per association: deploy/dagster.yaml), the
webserver, and one code server per association plus the group's, as real processes over the workspace
`recettes workspace` writes. Four closes are launched at once through the webserver's GraphQL API (three
associations, one of them twice): every run succeeds, the queue's limits held, each association's outputs are
those of closing it alone, and the group's report adds up the associations' own figures to the cent."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tests.e2e.test_postgres import free_port, postgres  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # PostgreSQL, a daemon, five servers, four closes: ~3 min

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FIRST, PARTITION, ISSUED_ON = "2024-11", "2024-11-01", "2024-12-05"
CODES = ("asso66", "asso11", "asso34")
COMPARED = (  # what each association's close writes, byte for byte as closed alone
    "factures/registre.csv",
    "factures/lignes.csv",
    f"comptabilite/ecritures_{FIRST}.txt",
    "recouvrement/balance_agee.csv",
    "rapports/activite.csv",
    "controles/controles.csv",
)
BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
RUNS = """{ runsOrError { ... on Runs { results { runId status startTime endTime tags { key value } } } } }"""
LOCATIONS = """{ workspaceOrError { ... on Workspace { locationEntries { name
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _post(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ".")) if text else Decimal("0.00")


def instance_yaml(db: dict) -> str:
    """deploy/dagster.yaml with the test's PostgreSQL in place of its environment variables."""
    config = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))
    config["storage"]["postgres"]["postgres_db"] = {**db, "password": "", "scheme": "postgresql+psycopg2"}
    return yaml.safe_dump(config)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The demo's first month (two establishments), its inputs only: the same for every association."""
    from demo.generator import generate
    from demo.run import STATE, Demo
    from tests.reliability.harness import trim

    home = tmp_path_factory.mktemp("federation") / "inputs"
    demo = Demo.create(home, trim(generate("demo", 66)), 66, first=FIRST, calls=False)
    demo.before_close(FIRST)
    (home / STATE).unlink()  # not a demo home: no sensor plays the demo's next months into it
    return home


def wait_for(port: int, count: int, alive) -> list[dict]:
    """The instance's runs once `count` of them have ended."""
    deadline = time.monotonic() + 900
    while True:
        runs = _post(port, RUNS)["data"]["runsOrError"]["results"]
        if len(runs) == count and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
            return runs
        alive()
        assert time.monotonic() < deadline, runs
        time.sleep(3)


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def test_associations_close_side_by_side_in_one_deployment(inputs, postgres, tmp_path):  # noqa: F811
    from pipelines.close import login

    reference = shutil.copytree(inputs, tmp_path / "alone")
    alone = subprocess.run(
        [str(BIN / "recettes"), "--home", str(reference), "run", "--month", FIRST, "--date-emission", ISSUED_ON,
         "--par", login()],
        capture_output=True, text=True, timeout=600, env={k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"},
    )  # fmt: skip
    assert alone.returncode == 0, alone.stdout + alone.stderr
    homes = {code: shutil.copytree(inputs, tmp_path / code) for code in CODES}
    group = tmp_path / "groupe.yaml"
    group.write_text(yaml.safe_dump({"associations": [{"code": c, "home": str(h)} for c, h in homes.items()]}))
    dagster_home = tmp_path / "deployment"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(instance_yaml(postgres), encoding="utf-8")
    first_port, web = free_port(), free_port()
    workspace = tmp_path / "workspace.yaml"
    done = subprocess.run(
        [str(BIN / "recettes"), "workspace", str(group), "--output", str(workspace), "--port", str(first_port)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    commands = [line.strip() for line in done.stdout.splitlines() if "dagster code-server start" in line]
    assert len(commands) == len(CODES) + 1
    base = {k: v for k, v in os.environ.items() if k not in ("RECETTES_HOME", "RECETTES_ASSOCIATION")}
    base["DAGSTER_HOME"] = str(dagster_home)
    processes: list[subprocess.Popen] = []
    logs = tmp_path / "logs"
    logs.mkdir()
    try:
        for i, command in enumerate(commands):  # as printed: VAR=value … dagster code-server start …
            words = command.split()
            env = dict(base, **dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-")))
            args = [str(BIN / "dagster"), *(w for w in words[words.index("dagster") + 1 :])]
            processes.append(_start(args, env, logs / f"code-server-{i}.log"))
        processes.append(_start([str(BIN / "dagster-daemon"), "run", "-w", str(workspace)], base, logs / "daemon.log"))
        processes.append(
            _start([str(BIN / "dagster-webserver"), "-w", str(workspace), "-h", "127.0.0.1", "-p", str(web)], base,
                   logs / "webserver.log")
        )  # fmt: skip

        def alive() -> None:
            dead = [p.args for p in processes if p.poll() is not None]
            assert not dead, (dead, {p.name: p.read_text()[-2000:] for p in logs.iterdir()})

        deadline = time.monotonic() + 600
        while True:  # every location loaded, without error
            try:
                entries = _post(web, LOCATIONS)["data"]["workspaceOrError"]["locationEntries"]
                states = {e["name"]: (e["locationOrLoadError"] or {}).get("__typename") for e in entries}
                if set(states) == {*CODES, "groupe"} and set(states.values()) == {"RepositoryLocation"}:
                    break
            except OSError:
                pass
            alive()
            assert time.monotonic() < deadline, states if "states" in locals() else "webserver not up"
            time.sleep(2)
        launched = []
        for code in (*CODES, CODES[0]):  # the first association twice: its runs must not overlap
            params = {
                "selector": {
                    "partitionSetName": "cloture_mensuelle_partition_set",
                    "repositorySelector": {"repositoryLocationName": code, "repositoryName": "__repository__"},
                },
                "partitionNames": [PARTITION],
                "tags": [
                    {"key": "recettes/date_emission", "value": ISSUED_ON},
                    {"key": "recettes/valider_par", "value": login()},
                ],
            }
            result = _post(web, BACKFILL, {"params": params})["data"]["launchPartitionBackfill"]
            assert result["__typename"] == "LaunchBackfillSuccess", result
            launched.append(result["backfillId"])
        runs = wait_for(web, 4, alive)
        # then the group's report, an asset of the group's own location
        params = {
            "selector": {
                "partitionSetName": "__ASSET_JOB_partition_set",
                "repositorySelector": {"repositoryLocationName": "groupe", "repositoryName": "__repository__"},
            },
            "partitionNames": [PARTITION],
        }
        result = _post(web, BACKFILL, {"params": params})["data"]["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", result
        group_run = next(
            r for r in wait_for(web, 5, alive) if "recettes/association" not in {t["key"] for t in r["tags"]}
        )
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
    assert group_run["status"] == "SUCCESS", (logs / "daemon.log").read_text()[-3000:]
    assert [r["status"] for r in runs] == ["SUCCESS"] * 4, {p.name: p.read_text()[-3000:] for p in logs.iterdir()}
    tagged = {r["runId"]: {t["key"]: t["value"] for t in r["tags"]} for r in runs}
    spans = sorted((r["startTime"], r["endTime"], tagged[r["runId"]]["recettes/association"]) for r in runs)
    assert sorted(code for *_, code in spans) == sorted((*CODES, CODES[0]))
    twice = [(start, end) for start, end, code in spans if code == CODES[0]]
    assert twice[0][1] <= twice[1][0], spans  # one association: one run at a time
    at_once = max(sum(1 for s, e, _ in spans if s <= start < e) for start, _, _ in spans)
    assert at_once == 2, spans  # both cores busy, never more than the queue's two
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
