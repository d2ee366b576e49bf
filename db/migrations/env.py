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
            config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool, statement_timeout_ms=0
        )
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    # Batch mode lets ALTERs work on SQLite, which cannot alter most constraints in place.
    # It rebuilds a table by copying it and dropping the old one, and with foreign keys on
    # that DROP cascades to every child row (a loop's interviews, scorecards and ratings).
    # So keys are off while migrating and checked once it is done.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # end the autobegun transaction, or the migrations' own never commits
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        if broken:
            raise RuntimeError(f"migration left {len(broken)} rows pointing at rows that do not exist")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
