"""A deployment of several associations started here as real processes, for tests/e2e/test_federation.py and
bench/federation.py: a Dagster instance on PostgreSQL with deploy/dagster.yaml's run queue, the code servers
`recettes workspace` prints (one per association and the group's), the daemon and the webserver; closes and
the group's report launched through the webserver's GraphQL API as the UI does."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FIRST, PARTITION, ISSUED_ON = "2024-11", "2024-11-01", "2024-12-05"
LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } ... on InvalidSubsetError { message } } }"""
RUNS = """{ runsOrError { ... on Runs { results { runId status startTime endTime tags { key value } } } } }"""
LOCATIONS = """{ workspaceOrError { ... on Workspace { locationEntries { name
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
ENDED = ("SUCCESS", "FAILURE", "CANCELED")


def post(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def instance_yaml(db: dict, max_runs: int | None = None) -> str:
    """deploy/dagster.yaml with a PostgreSQL of its own in place of its environment variables."""
    config = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))
    config["storage"]["custom"]["config"]["postgres_db"] = {**db, "password": "", "scheme": "postgresql+psycopg2"}
    if max_runs is not None:
        config["concurrency"]["runs"]["max_concurrent_runs"] = max_runs
    return yaml.safe_dump(config)


def pg_sessions(db: dict) -> int:
    """Connections PostgreSQL has accepted on the instance's database since it started (this one included)."""
    import psycopg2

    con = psycopg2.connect(host=db["hostname"], port=db["port"], user=db["username"], dbname=db["db_name"])
    try:
        with con.cursor() as cur:
            cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (db["db_name"],))
            return int(cur.fetchone()[0])
    finally:
        con.close()


def first_month_inputs(home: Path) -> Path:
    """The demo's first month for two of its establishments, its inputs only (nothing closed)."""
    from demo.generator import generate
    from demo.run import STATE, Demo
    from tests.reliability.harness import trim

    demo = Demo.create(home, trim(generate("demo", 66)), 66, first=FIRST, calls=False)
    demo.before_close(FIRST)
    (home / STATE).unlink()  # not a demo home: no sensor plays the demo's next months into it
    return home


@dataclass
class Running:
    port: int  # the webserver's
    processes: list[subprocess.Popen]
    logs: Path

    def alive(self) -> None:
        dead = [p.args for p in self.processes if p.poll() is not None]
        assert not dead, (dead, {p.name: p.read_text()[-2000:] for p in self.logs.iterdir()})

    def launch_close(self, code: str, by: str) -> str:
        """The first month's close of one association, queued as the UI's *Launch 1 run* queues it."""
        return self._launch(
            code, "cloture_mensuelle", {"recettes/date_emission": ISSUED_ON, "recettes/valider_par": by}
        )

    def launch_group(self) -> str:
        return self._launch("groupe", "__ASSET_JOB", {})

    def _launch(self, location: str, job: str, tags: dict[str, str]) -> str:
        params = {
            "selector": {"repositoryLocationName": location, "repositoryName": "__repository__", "jobName": job},
            "runConfigData": {},
            "executionMetadata": {
                "tags": [{"key": k, "value": v} for k, v in {"dagster/partition": PARTITION, **tags}.items()]
            },
        }
        result = post(self.port, LAUNCH, {"params": params})["data"]["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["runId"]

    def wait_for(self, count: int, timeout: float = 900) -> list[dict]:
        """The instance's runs once `count` of them have ended."""
        deadline = time.monotonic() + timeout
        while True:
            runs = post(self.port, RUNS)["data"]["runsOrError"]["results"]
            if len(runs) == count and all(r["status"] in ENDED for r in runs):
                return runs
            self.alive()
            assert time.monotonic() < deadline, runs
            time.sleep(2)


def consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive ports free on 127.0.0.1, below the range the system gives to outgoing
    connections (32768 and up on Linux): a port found free there could be taken by a client's socket before
    its server binds it."""
    for _ in range(200):
        first = random.randrange(20000, 32000 - count)
        try:
            with contextlib.ExitStack() as held:
                for port in range(first, first + count):
                    s = held.enter_context(socket.socket())
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports")


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


@contextlib.contextmanager
def deployment(group: Path, dagster_home: Path, work: Path) -> Iterator[Running]:
    """Every server of the group's deployment started, its locations loaded; all stopped on leaving."""
    first_port = consecutive_free_ports(len(_codes(group)) + 2)  # the code servers', then the webserver's
    web = first_port + len(_codes(group)) + 1
    workspace = work / "workspace.yaml"
    done = subprocess.run(
        [str(BIN / "recettes"), "workspace", str(group), "--output", str(workspace), "--port", str(first_port)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    commands = [line.strip() for line in done.stdout.splitlines() if "dagster api grpc" in line]
    base = {k: v for k, v in os.environ.items() if k not in ("RECETTES_HOME", "RECETTES_ASSOCIATION")}
    base["DAGSTER_HOME"] = str(dagster_home)
    logs = work / "logs"
    logs.mkdir()
    # the instance's tables created once, before servers that would all create them at once on a new database
    migrated = subprocess.run([str(BIN / "dagster"), "instance", "migrate"], env=base, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    running = Running(web, [], logs)
    try:
        for i, command in enumerate(commands):  # as printed: VAR=value … dagster api grpc …
            words = command.split()
            env = dict(base, **dict(w.split("=", 1) for w in words[: words.index("dagster")]))
            args = [str(BIN / "dagster"), *words[words.index("dagster") + 1 :]]
            running.processes.append(_start(args, env, logs / f"code-server-{i}.log"))
        running.processes.append(
            _start([str(BIN / "dagster-daemon"), "run", "-w", str(workspace)], base, logs / "daemon.log")
        )
        running.processes.append(
            _start([str(BIN / "dagster-webserver"), "-w", str(workspace), "-h", "127.0.0.1", "-p", str(web)], base,
                   logs / "webserver.log")
        )  # fmt: skip
        expected = {*_codes(group), "groupe"}
        deadline, states = time.monotonic() + 600, {}
        while True:  # every location loaded, without error
            with contextlib.suppress(OSError):
                entries = post(web, LOCATIONS)["data"]["workspaceOrError"]["locationEntries"]
                states = {e["name"]: (e["locationOrLoadError"] or {}).get("__typename") for e in entries}
                if set(states) == expected and set(states.values()) == {"RepositoryLocation"}:
                    break
            running.alive()
            assert time.monotonic() < deadline, states
            time.sleep(1)
        yield running
    finally:
        _stop(running.processes)


def _stop(processes: list[subprocess.Popen], grace: float = 15.0) -> None:
    """Every process asked to stop, then killed with its session once `grace` seconds have passed for all: a code
    server whose last run has just ended can ignore SIGTERM for minutes."""
    for p in processes:
        p.terminate()
    deadline = time.monotonic() + grace
    for p in processes:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=30)


def _codes(group: Path) -> set[str]:
    return {a["code"] for a in yaml.safe_load(group.read_text(encoding="utf-8"))["associations"]}


def write_group(path: Path, homes: dict[str, Path]) -> Path:
    path.write_text(yaml.safe_dump({"associations": [{"code": c, "home": str(h)} for c, h in homes.items()]}))
    return path


def close_alone(home: Path, by: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`recettes run` of the first month in the data folder's own instance, as one association closes alone."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "RECETTES_ASSOCIATION")}
    return subprocess.run(
        [str(BIN / "recettes"), "--home", str(home), "run", "--month", FIRST, "--date-emission", ISSUED_ON,
         "--par", by],
        capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip
