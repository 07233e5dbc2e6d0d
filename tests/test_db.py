"""The database layer: an older database gains the columns a newer dondoc needs."""

from sqlalchemy import inspect, text

from engine.infra.db import init_db, make_engine


def test_init_adds_columns_missing_from_an_older_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        # A person table as the first version of dondoc created it.
        conn.execute(text('CREATE TABLE person (id INTEGER PRIMARY KEY, code VARCHAR NOT NULL, name VARCHAR NOT NULL, '
                          'unit_id INTEGER, roles JSON NOT NULL, email VARCHAR, telegram VARCHAR, '
                          'locale VARCHAR NOT NULL, active BOOLEAN NOT NULL)'))
        conn.execute(text("INSERT INTO person VALUES (1, 'a', 'Nguyễn Văn A', NULL, '[]', NULL, '1', 'vi', 1)"))
    init_db(engine)
    init_db(engine)   # and again: nothing left to add
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("person")}
        assert {"email_broken", "telegram_broken"} <= columns
        assert conn.execute(text("SELECT name, telegram_broken FROM person")).all() == [("Nguyễn Văn A", None)]
