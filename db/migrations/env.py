from alembic import context
from sqlalchemy import pool

from db.models import Base
from db.session import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(
            config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool, statement_timeout_ms=0
        )
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:  # noqa: ANN001
    # A batch ALTER on SQLite copies the table and drops the old one; with foreign keys on, that
    # drop cascades (rebuilding candidates would delete every interview and scorecard). The
    # pragma only takes effect outside a transaction, so it is set before the migrations begin.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        # Batch mode lets ALTERs work on SQLite, which cannot alter most constraints in place.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
