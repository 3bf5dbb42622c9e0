"""The deployment files of deploy/ (docs/operations.md "Several associations"), checked with what is available
here: Docker Compose's own validation of docker-compose.yml (`docker-compose config`: no Docker daemon, no
image built), and every file's agreement with the others and with the code: the same associations, locations,
environment, run queue. The Helm values are parsed and checked against the chart's keys this file uses; `helm`
itself cannot be installed from the registries this project builds from."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from assets.common.resources import ASSOCIATION_ENV, ASSOCIATION_TAG

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def load(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def test_docker_compose_validates_its_file():
    compose = shutil.which("docker-compose")
    if compose is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing: .ci/run installs it (Makefile SYSTEM_PACKAGES)")
        pytest.skip("docker-compose is not installed on this machine")
    env = dict(os.environ, DAGSTER_PG_PASSWORD="secret")
    done = subprocess.run([compose, "-f", str(DEPLOY / "docker-compose.yml"), "config"], capture_output=True,
                          text=True, timeout=60, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)
    assert set(resolved["services"]) == {"postgres", "instance", "webserver", "daemon", "asso66", "asso11", "groupe"}
    no_password = {k: v for k, v in env.items() if k != "DAGSTER_PG_PASSWORD"}
    missing = subprocess.run([compose, "-f", str(DEPLOY / "docker-compose.yml"), "config"], capture_output=True,
                             text=True, timeout=60, env=no_password)  # fmt: skip
    assert missing.returncode != 0 and "set DAGSTER_PG_PASSWORD" in missing.stderr  # no default password


def test_the_compose_services_the_workspace_and_the_group_name_the_same_associations():
    services = load("docker-compose.yml")["services"]
    locations = [entry["grpc_server"] for entry in load("workspace.yaml")["load_from"]]
    group = load("groupe.yaml")
    associations = [a["code"] for a in group["associations"]]
    assert [loc["location_name"] for loc in locations] == [*associations, "groupe"]
    for loc in locations:
        service = services[loc["host"]]
        assert service["command"][-2:] == ["--location-name", loc["location_name"]]
        assert service["command"][service["command"].index("-p") + 1] == str(loc["port"])
    for a in group["associations"]:
        env = services[a["code"]]["environment"]
        assert (env[ASSOCIATION_ENV], env["RECETTES_HOME"]) == (a["code"], a["home"])
        assert f"{a['code']}:{a['home']}:ro" in services["groupe"]["volumes"]  # the group reads, never writes
    assert services["groupe"]["environment"]["RECETTES_GROUPE"] == "/opt/recettes/deploy/groupe.yaml"


def test_the_run_queue_is_one_run_at_a_time_per_association_everywhere():
    instance = load("dagster.yaml")
    limits = instance["concurrency"]["runs"]["tag_concurrency_limits"]
    assert limits == [{"key": ASSOCIATION_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]
    assert instance["concurrency"]["pools"]["default_limit"] == 1  # each association's warehouse pool
    helm = load("helm/values.yaml")
    queue = helm["dagsterDaemon"]["runCoordinator"]
    assert queue["type"] == "QueuedRunCoordinator"
    assert queue["config"]["queuedRunCoordinator"]["tagConcurrencyLimits"] == limits
    assert helm["runLauncher"]["type"] == "K8sRunLauncher"


def test_each_helm_user_deployment_is_an_association_with_its_own_volume_in_its_runs():
    deployments = load("helm/values.yaml")["dagster-user-deployments"]["deployments"]
    codes = [a["code"] for a in load("groupe.yaml")["associations"]]
    assert [d["name"] for d in deployments] == codes
    for d in deployments:
        env = {e["name"]: e["value"] for e in d["env"]}
        assert env == {"RECETTES_HOME": f"/data/{d['name']}", ASSOCIATION_ENV: d["name"]}
        assert d["dagsterApiGrpcArgs"] == ["--module-name", "pipelines.definitions"]
        assert [m["mountPath"] for m in d["volumeMounts"]] == [env["RECETTES_HOME"]]
        assert d["volumes"][0]["persistentVolumeClaim"]["claimName"] == f"recettes-{d['name']}"
        assert d["includeConfigInLaunchedRuns"] == {"enabled": True}  # a run's pod mounts the same volume


def test_the_instance_storage_is_dagsters_postgresql_storage_keeping_its_connections():
    """deploy/dagster.yaml names pipelines/storage.py's class with the configuration of Dagster's PostgreSQL
    storage, which Dagster itself accepts; the image puts the project on the path of the daemon and webserver
    that load it. (That its connections are kept: tests/e2e/test_federation.py, on a real PostgreSQL.)"""
    from dagster._config import validate_config
    from dagster_postgres import DagsterPostgresStorage

    from pipelines.storage import PooledPostgresStorage

    custom = load("dagster.yaml")["storage"]["custom"]
    assert (custom["module"], custom["class"]) == ("pipelines.storage", PooledPostgresStorage.__name__)
    assert issubclass(PooledPostgresStorage, DagsterPostgresStorage)
    assert validate_config(PooledPostgresStorage.config_type(), custom["config"]).success
    assert "PYTHONPATH=/opt/recettes " in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    queue = load("dagster.yaml")["run_coordinator"]["config"]
    helm = load("helm/values.yaml")["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert queue["dequeue_use_threads"] is helm["dequeueUseThreads"] is True  # runs leaving together start together
