"""The Dagster webserver started on localhost: its GraphQL API lists our assets, checks and partitions."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.definitions import defs

ROOT = Path(__file__).resolve().parents[2]
QUERY = """{ assetNodes { assetKey { path } groupName isPartitioned
  assetChecksOrError { ... on AssetChecks { checks { name } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.e2e
def test_the_ui_lists_every_asset_its_checks_and_its_partitions(tmp_path):
    port = free_port()
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "dagster"), RECETTES_HOME=str(tmp_path / "var"))
    (tmp_path / "dagster").mkdir()
    webserver = Path(sys.executable).parent / "dagster-webserver"
    process = subprocess.Popen(
        [str(webserver), "-w", str(ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                nodes = graphql(port, QUERY)["data"]["assetNodes"]
                break
            except (OSError, KeyError, TypeError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(1)
    finally:
        process.terminate()
        process.wait(timeout=30)
    seen = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    graph = defs.resolve_asset_graph()
    assert set(seen) == {k.to_user_string() for k in graph.get_all_asset_keys()}
    checks = {(key, c["name"]) for key, n in seen.items() for c in n["assetChecksOrError"]["checks"]}
    assert checks == {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert {key for key, n in seen.items() if not n["isPartitioned"]} == {"referential"}
    assert seen["allocations"]["groupName"] == "payments" and seen["director_report"]["groupName"] == "reporting"
