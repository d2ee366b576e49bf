"""One PostgreSQL database per pytest-xdist worker.

Database tests drop and create every table, so two workers on one database would pull the
tables from under each other. Under xdist (`make test PYTEST_ARGS="-n 2"`) each worker gets
its own database beside the one named, created when missing; run serially, nothing changes."""

from __future__ import annotations

import os

import psycopg
from sqlalchemy.engine import make_url


def per_worker_url(url: str | None) -> str | None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (mine.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{mine.database}"')
    return mine.render_as_string(hide_password=False)
