from datetime import datetime, timedelta, timezone

import pytest

from engine.infra.errors import DondocError, FileError
from engine.infra.settings import load_settings


def test_defaults_apply_without_a_settings_file(env, config_dir):
    (config_dir / "dondoc.yaml").unlink(missing_ok=True)
    s = load_settings()
    assert s.timezone == "Asia/Ho_Chi_Minh"
    assert s.deadlines.before_is_exclusive is True
    assert s.status.due_soon_working_days == 3
    assert s.now is None


def test_environment_overrides_the_settings_file(env, config_dir, monkeypatch):
    (config_dir / "dondoc.yaml").write_text("deadlines:\n  before_is_exclusive: false\nlocale: en\n",
                                            encoding="utf-8")
    assert load_settings().deadlines.before_is_exclusive is False
    monkeypatch.setenv("DONDOC_DEADLINES__BEFORE_IS_EXCLUSIVE", "true")
    monkeypatch.setenv("DONDOC_LOCALE", "vi")
    s = load_settings()
    assert s.deadlines.before_is_exclusive is True
    assert s.locale == "vi"


def test_a_naive_now_is_read_in_the_local_time_zone(env, monkeypatch):
    monkeypatch.setenv("DONDOC_NOW", "2025-10-01T08:00")
    moment = load_settings().now_moment()
    assert moment.utcoffset() == timedelta(hours=7)
    assert moment.astimezone(timezone.utc) == datetime(2025, 10, 1, 1, 0, tzinfo=timezone.utc)


def test_a_bad_environment_value_names_the_variable_and_value(env, monkeypatch):
    monkeypatch.setenv("DONDOC_TIMEZONE", "Mars/Olympus")
    with pytest.raises(DondocError) as err:
        load_settings()
    assert str(err.value) == ("DONDOC_TIMEZONE='Mars/Olympus': không phải múi giờ hợp lệ / "
                              "is not a known time zone (e.g. Asia/Ho_Chi_Minh)")


def test_a_bad_now_names_the_variable(env, monkeypatch):
    monkeypatch.setenv("DONDOC_NOW", "yesterday")
    with pytest.raises(DondocError, match=r"^DONDOC_NOW='yesterday': "):
        load_settings()


def test_a_bad_file_value_names_the_file_line_and_key(env, config_dir):
    (config_dir / "dondoc.yaml").write_text("locale: vi\nstatus:\n  due_soon_working_days: many\n",
                                            encoding="utf-8")
    with pytest.raises(DondocError) as err:
        load_settings()
    assert str(err.value).startswith(f"{config_dir / 'dondoc.yaml'}:3:3: status.due_soon_working_days: 'many': ")


def test_an_unknown_setting_is_refused_with_its_line(env, config_dir):
    (config_dir / "dondoc.yaml").write_text("locale: vi\ntimezon: Asia/Bangkok\n", encoding="utf-8")
    with pytest.raises(DondocError) as err:
        load_settings()
    assert str(err.value) == (f"{config_dir / 'dondoc.yaml'}:2:1: timezon: không có thiết lập này / "
                              "unknown setting 'timezon'")


def test_config_dir_cannot_be_set_from_the_file_it_locates(env, config_dir):
    (config_dir / "dondoc.yaml").write_text("config_dir: /etc\n", encoding="utf-8")
    with pytest.raises(FileError, match="can only be set with DONDOC_CONFIG_DIR"):
        load_settings()


def test_the_cli_reports_a_bad_setting_and_exits_1(cli, monkeypatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", "mysql://x")
    result = cli("status")
    assert result.code == 1
    assert result.err == ("dondoc: DONDOC_DATABASE_URL='mysql://x': phải bắt đầu bằng sqlite:/// hoặc "
                          "postgresql:// / must start with sqlite:/// or postgresql://\n")


def test_pydantic_messages_get_a_vietnamese_lead(env, monkeypatch):
    monkeypatch.setenv("DONDOC_SMTP_PORT", "hai mươi lăm")
    with pytest.raises(DondocError) as err:
        load_settings()
    assert str(err.value) == ("DONDOC_SMTP_PORT='hai mươi lăm': giá trị không hợp lệ / input should be a valid "
                              "integer, unable to parse string as an integer")


def test_check_json_reports_a_bad_setting_as_a_failed_check(cli, monkeypatch):
    monkeypatch.setenv("DONDOC_TIMEZONE", "Mars/Olympus")
    result = cli("check", "--json")
    assert result.code == 1
    assert result.json() == [{"id": "settings", "ok": False,
                              "detail": "DONDOC_TIMEZONE='Mars/Olympus': không phải múi giờ hợp lệ / "
                                        "is not a known time zone (e.g. Asia/Ho_Chi_Minh)",
                              "hint": "sửa thiết lập đã nêu trong config/dondoc.yaml hoặc biến DONDOC_* / "
                                      "fix the setting named"}]
    human = cli("check")
    assert human.code == 1 and human.out.startswith("✗ settings: DONDOC_TIMEZONE='Mars/Olympus': ")


def test_a_database_password_is_a_secret_too(cli, monkeypatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", "mysql://dondoc:m%E1%BA%ADt-kh%E1%BA%A9u@db/dondoc")
    result = cli("status")
    assert result.code == 1 and "DONDOC_DATABASE_URL='mysql://dondoc:***@db/dondoc'" in result.err
    assert "kh%E1%BA%A9u" not in result.err and "khẩu" not in result.err
