"""Typed settings: `config/dondoc.yaml`, overridden by `DONDOC_*` environment variables.

Nested keys use a double underscore: `deadlines.before_is_exclusive` is
`DONDOC_DEADLINES__BEFORE_IS_EXCLUSIVE`. `DONDOC_CONFIG_DIR` says where dondoc.yaml lives and
so can only come from the environment. Secrets (SMTP password, Telegram and Zalo tokens, callback
secret, Zalo webhook secret, web secret: `DONDOC_WEB_SECRET` or `DONDOC_WEB__SECRET`) come only from the environment or a `DONDOC_<NAME>_FILE` path, never
from dondoc.yaml (a nested one too: `DONDOC_ZALO__WEBHOOK_SECRET`, `..._FILE`);
reading them registers them with the log redactor (engine.infra.logs), so they are masked in
every log line, error message and `--json` output of the process.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, Optional
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, field_validator,
                      model_validator)
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.infra import yamlfile
from engine.infra.errors import DondocError, FileError
from engine.infra.logs import REDACTOR

ENV_PREFIX = "DONDOC_"
# Never read from dondoc.yaml, never logged: environment or DONDOC_<NAME>_FILE only.
# A nested secret is written with the environment's "__": zalo__webhook_secret is zalo.webhook_secret.
SECRETS = ("smtp_password", "telegram_token", "callback_secret", "zalo_token", "zalo__webhook_secret",
           "web__secret")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeadlineSettings(_Section):
    before_is_exclusive: bool = True   # "trước 15/10" means due 14/10


class CalendarSettings(_Section):
    extra_holidays: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)


class StatusSettings(_Section):
    due_soon_working_days: int = Field(default=3, ge=0, le=60)


class WindowSettings(_Section):
    start: time = time(7, 30)
    end: time = time(17, 0)


class ZaloSettings(_Section):
    # polling: the engine asks getUpdates; webhook: Zalo POSTs to /zalo/webhook. Never both.
    mode: Literal["polling", "webhook"] = "polling"
    # Webhook mode (engine/chat/zalo/webhook.py): the secret Zalo sends back in each POST, the
    # address dondoc's own small server listens on, and the public HTTPS URL Zalo calls (a
    # reverse proxy in front forwards it to webhook_listen). Checked only in webhook mode.
    webhook_secret: Optional[SecretStr] = Field(default=None, validate_default=True)   # env/_FILE only
    webhook_listen: str = "127.0.0.1:8090"
    webhook_url: Optional[str] = Field(default=None, validate_default=True)
    # Zalo does not document its sending quotas: our own pace (engine/delivery/pacing.py).
    per_second: float = Field(default=10.0, gt=0, le=1000)
    chat_gap: float = Field(default=1.0, ge=0, le=60)

    @model_validator(mode="before")
    @classmethod
    def _no_file_key(cls, values: Any) -> Any:
        # DONDOC_ZALO__WEBHOOK_SECRET_FILE arrives here too; load_settings has already read it.
        if isinstance(values, dict):
            values = {k: v for k, v in values.items() if k != "webhook_secret_file"}
        return values

    @field_validator("webhook_secret")
    @classmethod
    def _secret_for_webhook(cls, value: Optional[SecretStr], info: ValidationInfo) -> Optional[SecretStr]:
        if info.data.get("mode") != "webhook":
            return value
        if value is None or not value.get_secret_value():
            raise ValueError("bắt buộc khi zalo.mode là webhook: chuỗi bí mật Zalo gửi kèm mỗi tin "
                             "(8–256 ký tự) / required in webhook mode: the secret Zalo sends with each update")
        if not 8 <= len(value.get_secret_value()) <= 256:
            raise ValueError("phải dài từ 8 đến 256 ký tự / must be 8-256 characters long")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        listen_address(value)
        return value

    @field_validator("webhook_url")
    @classmethod
    def _public_url(cls, value: Optional[str], info: ValidationInfo) -> Optional[str]:
        if info.data.get("mode") != "webhook":
            return value
        if not value:
            raise ValueError("bắt buộc khi zalo.mode là webhook: địa chỉ HTTPS công khai mà Zalo gọi tới, "
                             "ví dụ https://dondoc.example.gov.vn/zalo/webhook / required in webhook mode: "
                             "the public HTTPS URL Zalo calls")
        parts = urlsplit(value)
        # Zalo calls HTTPS only; plain http is allowed to this machine, for a local fake.
        if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)):
            raise ValueError("phải là địa chỉ https://... / must be an https:// URL")
        return value

    @property
    def listen(self) -> tuple[str, int]:
        """webhook_listen as (host, port)."""
        return listen_address(self.webhook_listen)


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class WebSettings(_Section):
    # The address people open (behind a reverse proxy: its public https:// URL); links in
    # messages start with it, and https makes the session cookie Secure.
    base_url: str = "http://127.0.0.1:8080"
    # Signs email action links; env/_FILE only (DONDOC_WEB__SECRET, or DONDOC_WEB_SECRET below).
    # Unset: a key kept in the database, shared by every instance.
    secret: Optional[SecretStr] = None
    action_link_days: int = Field(default=7, ge=1, le=60)
    # Emails carry signed action links (Xác nhận đã nhận, Đã hoàn thành, Xin gia hạn) to base_url:
    # turn on once the page is reachable from where people read their mail.
    email_links: bool = False
    # Where `dondoc web` and `dondoc run --web` listen (a reverse proxy in front serves base_url).
    listen: str = "127.0.0.1:8080"

    @model_validator(mode="before")
    @classmethod
    def _no_file_key(cls, values: Any) -> Any:
        if isinstance(values, dict):
            values = {k: v for k, v in values.items() if k != "secret_file"}
        return values

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("phải là địa chỉ http(s)://..., ví dụ https://dondoc.example.gov.vn / "
                             "must be an http(s):// URL")
        return value.rstrip("/")

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        listen_address(value)
        return value

    @property
    def secure(self) -> bool:
        """Whether cookies are Secure (the page is served over https)."""
        return self.base_url.startswith("https://")


def listen_address(value: str) -> tuple[str, int]:
    """"host:port" (or "[::1]:port") -> (host, port); a clear error otherwise."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError("phải có dạng máy:cổng, ví dụ 127.0.0.1:8090 / must be host:port, e.g. 127.0.0.1:8090")
    return host, int(port)


class Settings(BaseSettings):
    """Everything dondoc reads from its environment and config/dondoc.yaml."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__",
                                      extra="forbid")

    config_dir: Path = Path("config")
    database_url: str = "sqlite:///var/dondoc.db"
    timezone: str = "Asia/Ho_Chi_Minh"
    now: datetime | None = None
    locale: yamlfile.LocaleCode = "vi"
    deadlines: DeadlineSettings = Field(default_factory=DeadlineSettings)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    status: StatusSettings = Field(default_factory=StatusSettings)
    send_window: WindowSettings = Field(default_factory=WindowSettings)

    # Email (aiosmtplib). No host: no email channel.
    smtp_host: Optional[str] = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_user: Optional[str] = None
    smtp_password: Optional[SecretStr] = None
    smtp_from: str = "dondoc <dondoc@localhost>"
    smtp_reply_to: Optional[str] = None
    smtp_concurrency: int = Field(default=4, ge=1, le=32)
    smtp_timeout: float = Field(default=30.0, gt=0)
    # Telegram (python-telegram-bot). No token: no Telegram channel.
    telegram_token: Optional[SecretStr] = None
    telegram_base_url: Optional[str] = None      # e.g. http://127.0.0.1:8081/bot for a local Bot API
    telegram_bot_username: Optional[str] = None
    callback_secret: Optional[SecretStr] = None  # signs Telegram button data
    # Zalo Bot Platform (httpx). No token: no Zalo channel.
    zalo_token: Optional[SecretStr] = None
    zalo_base_url: str = "https://bot-api.zaloplatforms.com/bot"   # the URL before the token
    zalo: ZaloSettings = Field(default_factory=ZaloSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    # The console channel (the demo): prints messages instead of sending them, and records them
    # as sent on `console`. Channels without settings are otherwise `not_configured`.
    console: bool = False
    # Delivery
    dispatch_max_age_hours: float = Field(default=24.0, gt=0)   # retry this long after the first attempt
    dispatch_lease_seconds: int = Field(default=120, ge=5)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        # The environment wins over dondoc.yaml, which is passed in as init values.
        return (env_settings, init_settings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("không phải múi giờ hợp lệ / is not a known time zone (e.g. Asia/Ho_Chi_Minh)") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+")):
            raise ValueError("phải bắt đầu bằng sqlite:/// hoặc postgresql:// / "
                             "must start with sqlite:/// or postgresql://")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def org_file(self) -> Path:
        return self.config_dir / "org.yaml"

    @property
    def plans_dir(self) -> Path:
        return self.config_dir / "plans"

    def now_moment(self) -> datetime | None:
        """DONDOC_NOW as an aware moment; a naive value is read in the configured time zone."""
        if self.now is None:
            return None
        return self.now if self.now.tzinfo else self.now.replace(tzinfo=self.tz)


def load_settings() -> Settings:
    """Settings from dondoc.yaml and the environment; a bad value names its variable or key."""
    env = dict(os.environ)
    for short in ("WEB_SECRET", "WEB_SECRET_FILE"):   # the web secret's documented short names
        if ENV_PREFIX + short in env:
            env.setdefault(ENV_PREFIX + short.replace("WEB_", "WEB__", 1), env.pop(ENV_PREFIX + short))
    config_dir = Path(env.get(ENV_PREFIX + "CONFIG_DIR", "config"))
    yaml_path = config_dir / "dondoc.yaml"
    file_values: dict[str, Any] = {}
    doc = None
    if yaml_path.exists():
        doc = yamlfile.load(yaml_path)
        if not isinstance(doc.root, dict):
            raise FileError(str(yaml_path), "cần một bảng khóa: giá trị ở cấp đầu / expected a mapping of settings "
                            "at the top level", 1, 1)
        file_values = {str(k): _plain(v) for k, v in doc.root.items()}
        if "config_dir" in file_values:
            raise doc.error(("config_dir",), "chỉ đặt được bằng DONDOC_CONFIG_DIR / "
                                             "can only be set with DONDOC_CONFIG_DIR")
        for secret in SECRETS:
            if _nested(file_values, secret) is not None:
                var = ENV_PREFIX + secret.upper()
                raise doc.error(tuple(secret.split("__")), "không được ghi bí mật trong dondoc.yaml / "
                                           "a secret cannot be kept in dondoc.yaml",
                                f"đặt / set {var} hoặc / or {var}_FILE trong môi trường / in the environment")
    for secret in SECRETS:
        var = ENV_PREFIX + secret.upper()
        if var + "_FILE" in env and var not in env:
            try:
                _set_nested(file_values, secret, Path(env[var + "_FILE"]).read_text(encoding="utf-8").strip())
            except OSError as exc:
                raise DondocError(f"{var}_FILE={env[var + '_FILE']!r}: không đọc được / cannot read it: "
                                  f"{exc.strerror}") from None
    web_secret = ENV_PREFIX + "WEB__SECRET"
    if web_secret in env and web_secret not in os.environ:   # given by its short name only
        _set_nested(file_values, "web__secret", env[web_secret])
    # Known before validation, so not even a message about a bad value can show them.
    REDACTOR.add(*(env.get(ENV_PREFIX + secret.upper()) for secret in SECRETS),
                 *(_nested(file_values, secret) for secret in SECRETS),
                 _url_password(env.get(ENV_PREFIX + "DATABASE_URL") or str(file_values.get("database_url", ""))))
    try:
        return Settings(**file_values)
    except ValidationError as exc:
        raise DondocError("\n".join(_describe(err, env, doc) for err in exc.errors())) from None


def _nested(values: dict[str, Any], secret: str) -> Any:
    """The value at a SECRETS name ("zalo__webhook_secret" is values["zalo"]["webhook_secret"])."""
    for key in secret.split("__"):
        if not isinstance(values, dict):
            return None
        values = values.get(key)
    return values


def _set_nested(values: dict[str, Any], secret: str, value: str) -> None:
    *path, last = secret.split("__")
    for key in path:
        if not isinstance(values.get(key), dict):
            values[key] = {}
        values = values[key]
    values[last] = value


def _url_password(url: str) -> str | None:
    """The password in postgresql://user:password@host/db, a secret like the others."""
    try:
        return unquote(urlsplit(url).password or "") or None
    except ValueError:
        return None


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _describe(err: dict, env: dict[str, str], doc: yamlfile.Document | None) -> str:
    loc = tuple(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] != "value_error":   # pydantic's own wording is English only
        msg = f"giá trị không hợp lệ / {msg[:1].lower()}{msg[1:]}"
    var = ENV_PREFIX + "__".join(str(p).upper() for p in loc if not isinstance(p, int))
    if "__".join(str(p) for p in loc) in SECRETS or (loc and loc[0] in SECRETS):
        return f"{var}: {msg}"   # never echo a secret
    if var in env:
        return f"{var}={env[var]!r}: {msg}"
    if doc is not None:
        if err["type"] == "extra_forbidden":
            return str(doc.error(loc, f"không có thiết lập này / unknown setting {yamlfile.key_path(loc)!r}"))
        given = f"{err.get('input')!r}: " if err.get("input") is not None else ""   # a missing key: no "None:"
        return str(doc.error(loc, f"{given}{msg}"))
    return f"{yamlfile.key_path(loc)}: {msg}"
