"""The Dagster storage of a deployment on PostgreSQL (deploy/dagster.yaml): one pool of connections per process.

Dagster's own PostgreSQL storage opens a new connection for every statement outside the webserver (SQLAlchemy's
`NullPool`, so that the many instances a process may create hold none), and a close writes some 270 events, each
with its asset and check indexes: every run paid seconds of connections (bench/RESULTS.md "Several associations
in one deployment"). This storage is Dagster's, with its run, event and schedule storages drawing on one pool per
process and database: one connection held, a few more while several threads write at once. The pool belongs to
the process, not to the instance: a code server creates an instance for each sensor evaluation, and a pool per
instance ran PostgreSQL out of connections (100 by default) with eight associations. Statements are never cut
(the webserver sets its own timeout over this, `optimize_for_webserver`).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.utils import create_pg_engine, get_token_provider_from_config, pg_url_from_config

if TYPE_CHECKING:
    import sqlalchemy
    from dagster._serdes import ConfigurableClassData

POOL_SIZE = 1  # connections a process keeps open
MAX_OVERFLOW = 4  # more, closed after use, while several of its threads write at once
POOL_RECYCLE_S = 3600  # a kept connection is replaced after an hour, as the webserver does

_engines: dict[tuple[int, str], sqlalchemy.engine.Engine] = {}
_lock = threading.Lock()


def process_engine(url: str, token_provider: Any = None) -> sqlalchemy.engine.Engine:
    """The engine of this process for `url`, created once (a forked child creates its own)."""
    key = (os.getpid(), url)
    with _lock:
        if key not in _engines:
            _engines[key] = create_pg_engine(
                url,
                token_provider,
                isolation_level="AUTOCOMMIT",
                pool_size=POOL_SIZE,
                max_overflow=MAX_OVERFLOW,
                pool_recycle=POOL_RECYCLE_S,
                pool_pre_ping=True,  # a connection PostgreSQL closed meanwhile is replaced, not failed on
            )
        return _engines[key]


class PooledPostgresStorage(DagsterPostgresStorage):
    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: Any) -> PooledPostgresStorage:
        url, token_provider = pg_url_from_config(config_value), get_token_provider_from_config(config_value)
        storage = cls(
            inst_data=inst_data,
            postgres_url=url,
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=token_provider,
        )
        engine = process_engine(url, token_provider)  # where Dagster's three storages keep their engine:
        storage._run_storage._engine = engine
        storage._event_log_storage._engine = engine
        storage._schedule_storage._engine = engine
        return storage
