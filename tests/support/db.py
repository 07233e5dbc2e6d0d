"""The whole database as rows, to prove that a failed command changed nothing."""

from __future__ import annotations

from sqlalchemy import inspect, text


def db_snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table."""
    from engine.infra.db import make_engine
    engine = make_engine(url)
    with engine.connect() as conn:
        return {table: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{table}"')).all()), key=repr)
                for table in inspect(conn).get_table_names()}
