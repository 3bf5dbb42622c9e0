"""Several associations on one Dagster deployment (docs/operations.md "Several associations"): the workspace
of a group (`groupe.yaml`, assets/reporting/group.py) — one code location per association, each a code server
started with its data folder and its code, and one for the group's report — and the commands that start them.

Each association's location is `pipelines.definitions` loaded with RECETTES_HOME and RECETTES_ASSOCIATION: its
asset keys and groups under its code, its warehouse pool `warehouse_<code>`, its runs tagged
`recettes/association=<code>`, so that the instance's run queue runs one at a time for each (deploy/dagster.yaml).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from assets.common.resources import ASSOCIATION_ENV
from assets.reporting.group import Group

GROUP_ENV = "RECETTES_GROUPE"  # the group location's groupe.yaml
GROUP_LOCATION = "groupe"


def locations(group: Group, first_port: int) -> list[tuple[str, int, dict[str, str], str]]:
    """(location name, port, environment, module) of every code server: the associations in order, then the
    group's."""
    found = [
        (m.code, first_port + i, {"RECETTES_HOME": str(m.home), ASSOCIATION_ENV: m.code}, "pipelines.definitions")
        for i, m in enumerate(group.members)
    ]
    found.append((GROUP_LOCATION, first_port + len(group.members), {GROUP_ENV: str(group.path)},
                  "pipelines.group_definitions"))  # fmt: skip
    return found


def workspace_yaml(group: Group, host: str, first_port: int) -> str:
    """workspace.yaml for the webserver and the daemon: one `grpc_server` per location."""
    entries = [
        {"grpc_server": {"host": host, "port": port, "location_name": name}}
        for name, port, _, _ in locations(group, first_port)
    ]
    return yaml.safe_dump({"load_from": entries}, sort_keys=False, allow_unicode=True)


def code_server_commands(group: Group, host: str, first_port: int) -> list[str]:
    """One shell command per code server, run from the project's folder (with the project's environment)."""
    return [
        " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        + f" dagster api grpc -m {module} -h {host} -p {port} --location-name {name}"
        for name, port, env, module in locations(group, first_port)
    ]


def write_workspace(group: Group, target: Path, host: str, first_port: int) -> list[str]:
    target.write_text(workspace_yaml(group, host, first_port), encoding="utf-8")
    return code_server_commands(group, host, first_port)
