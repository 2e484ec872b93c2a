"""Settings from DESK_* environment variables and an env file.

The env file is `--env-file FILE`, else `$DESK_ENV_FILE`, else `.env` in the working
directory; variables of the environment win over the file (as under systemd and Compose).
"""

from __future__ import annotations

import difflib
import os
import zoneinfo
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from handlers.working_hours import DEFAULT_HOURS, DEFAULT_TIMEZONE, KZ_HOLIDAYS, WorkingHours
from knowledge.loader import DEFAULT_DIR

ENV_FILE_VARIABLE = "DESK_ENV_FILE"
# Drivers the desk runs on: an address written without one gets the desk's.
ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class EnvFileMissing(FileNotFoundError):
    """--env-file or DESK_ENV_FILE names a file that is not there."""


class Settings(BaseSettings):
    """Every setting of the desk; `.env.example` lists them all with their defaults."""

    model_config = SettingsConfigDict(env_prefix="DESK_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///civic-desk.db"
    redis_url: str = Field("", description="redis://host:6379/0 shares rate limits between instances")
    knowledge_dir: Path = DEFAULT_DIR
    kb_max_age_days: int = Field(365, ge=1, description="entries checked longer ago are warned")
    default_lang: str = Field("kk", pattern="^(kk|ru)$")
    answer_threshold: float = Field(0.42, ge=0, le=1)
    clarify_threshold: float = Field(0.28, ge=0, le=1)
    answer_margin: float = Field(0.03, ge=0, le=1)
    match_cache_size: int = Field(4096, ge=0, description="decisions kept by exact message text (0: off)")
    history_size: int = Field(10, ge=1, description="recent questions kept with an escalation")
    kb_reload_seconds: float = Field(5.0, gt=0, description="how often the base's version row is read; "
                                     "a new version (kb publish, kb reload) is loaded without a restart")

    # -- service ----------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = Field("", description="https base URL the platforms call; webhooks are registered on start")
    metrics_host: str = Field("127.0.0.1", description="address of /metrics' own listener (DESK_METRICS_PORT)")
    metrics_port: int = Field(0, ge=0, le=65535, description="0: /metrics on DESK_PORT, loopback clients only")
    metrics_token: SecretStr = Field(SecretStr(""), description="a scraper sending Authorization: Bearer "
                                                              "<token> may read /metrics from anywhere")
    pseudonym_key: SecretStr = Field(SecretStr(""), description="secret for `purge --include-identifiers`' "
                                                              "pseudonyms: keep it, or the same person gets a new one")
    log_format: str = Field("text", pattern="^(text|json)$")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR, in any case")
    shutdown_timeout: float = Field(25.0, ge=0, description="s to finish in-flight work on SIGTERM")
    inbox_sweep_seconds: float = Field(10.0, gt=0, description="how often work left by others is picked up")
    inbox_lease_seconds: float = Field(300.0, gt=0, description="a claim older than this is a dead instance's")
    inbox_max_in_flight: int = Field(1000, gt=0, description="deliveries worked on in memory at once; "
                                                             "the rest wait in the table")
    instance_id: str = Field("", max_length=64, description="this instance's name, the same after a restart "
                             "(its unfinished work is then resumed at once); default host:port")
    database_timeout: float = Field(5.0, ge=0, description="s a PostgreSQL statement, connect or pool wait "
                                    "may take before it fails (0: no limit)")

    # -- traffic limits (0 turns one off) -----------------------------------
    rate_limit_per_minute: int = Field(20, ge=0, description="inbound messages per user and minute")
    ticket_messages_per_minute: int = Field(20, ge=0, description="a ticket's user writing faster is told "
                                            "once that the consultant sees everything; nothing is held back")
    telegram_messages_per_second: float = Field(30.0, ge=0, description="all chats together")
    telegram_chat_messages_per_second: float = Field(1.0, ge=0, description="one private chat")
    telegram_group_messages_per_minute: float = Field(20.0, ge=0, description="one group")
    whatsapp_messages_per_second: float = Field(80.0, ge=0, description="one business number")

    # -- Telegram ---------------------------------------------------------
    telegram_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: SecretStr = SecretStr("")
    telegram_request_timeout: float = Field(20.0, gt=0, description="s for one Bot API call")

    # -- WhatsApp Cloud API -------------------------------------------------
    whatsapp_token: SecretStr = SecretStr("")
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    whatsapp_phone_number_id: str = ""
    whatsapp_app_secret: SecretStr = SecretStr("")
    whatsapp_verify_token: SecretStr = SecretStr("")
    whatsapp_reply_template: str = Field("", description="approved template inviting the user to write "
                                         "back, sent when a consultant replies after the 24-hour window")

    # -- consultants (escalation to people of the civic centre) ---------------
    consultant_chat_id: int | None = Field(None, description="the consultants' Telegram forum supergroup, "
                                           "e.g. -1001234567890; unset: no escalation to people")
    consultant_lang: str = Field("ru", pattern="^(kk|ru)$", description="language of the consultants' topics")
    working_hours: str = Field(DEFAULT_HOURS, description="e.g. Mon-Fri 09:00-13:00,14:00-18:00; Sat 10:00-14:00")
    timezone: str = DEFAULT_TIMEZONE
    holidays: str = Field(KZ_HOLIDAYS, description="MM-DD every year, YYYY-MM-DD once; comma-separated")
    unassigned_remind_minutes: int = Field(30, ge=1, description="a ticket nobody took is posted again")
    consultant_max_open: int = Field(5, ge=1, description="open tickets offered in turn to one present "
                                     "consultant at most (a centre's `max_open` in centres.yaml overrides it)")
    sla_minutes: int = Field(120, ge=1, description="working minutes to a consultant's first reply before a "
                             "ticket is flagged late (a centre's `reply_within` overrides it)")
    sla_head: int | None = Field(None, gt=0, description="Telegram user id told of late tickets of centres "
                                 "without their own `head`; unset: the group's general topic")
    centre_contacts: str = Field("", description="the civic centre's phone, address or site, given to users "
                                 "who escalate while the consultants' group cannot be reached")
    digest_day: str = Field("", pattern="^(|[Mm]on|[Tt]ue|[Ww]ed|[Tt]hu|[Ff]ri|[Ss]at|[Ss]un)$",
                            description="weekly digest in the consultants' group on this day; empty: off")
    digest_time: str = Field("09:00", pattern="^([01][0-9]|2[0-3]):[0-5][0-9]$", description="in DESK_TIMEZONE")
    delivery_deadline_hours: float = Field(24.0, gt=0, description="how long any outbound message the platform "
                                           "does not take (5xx, timeouts) is tried again before it is failed")
    delivery_max_backoff_seconds: float = Field(300.0, gt=0, description="the longest pause between two tries "
                                                "(a 429's retry_after is waited out whatever its length)")

    # -- deadline reminders (knowledge/calendar.yaml) ---------------------------
    reminders: bool = Field(True, description="offer and send deadline reminders (false: neither)")
    reminder_time: str = Field("10:00", pattern="^([01][0-9]|2[0-3]):[0-5][0-9]$",
                               description="when a day's reminders go out, in DESK_TIMEZONE")
    reminder_tick_seconds: float = Field(60.0, gt=0, description="how often the sender looks for due reminders")
    reminder_rate_share: float = Field(0.8, gt=0, le=1, description="share of each platform's send rate "
                                       "reminders may use; the rest stays free for answers")
    whatsapp_reminder_template: str = Field("", description="approved template with one body parameter (the "
                                            "event), for reminders outside the 24-hour window; unset: WhatsApp "
                                            "users cannot subscribe")
    telegram_bot_url: str = Field("", description="e.g. https://t.me/civic_desk_bot: offered to WhatsApp users "
                                  "when reminders cannot reach them there")

    # -- staff console (/console) ---------------------------------------------
    console_host: str = Field("127.0.0.1", description="address of `civic-desk console` run alone")
    console_port: int = Field(8090, ge=1, le=65535, description="port of `civic-desk console` run alone")
    console_lang: str = Field("ru", pattern="^(kk|ru)$", description="the console's language until one is chosen")
    console_idle_minutes: int = Field(30, ge=1, description="a session unused this long is logged out")
    console_login_failures: int = Field(5, ge=1, description="failed logins of one account within the window "
                                        "that lock it for the rest of the window")
    console_address_failures: int = Field(20, ge=1, description="failed logins from one address within the "
                                          "window that lock that address")
    console_login_window_minutes: int = Field(15, ge=1, description="the window of the two limits above")
    console_secure_cookie: str = Field("auto", pattern="^(auto|on|off)$", description="Secure cookies; auto: "
                                       "when DESK_PUBLIC_URL is https (the console is behind TLS)")
    console_trusted_proxies: str = Field("127.0.0.1,::1", description="proxies whose X-Forwarded-For names "
                                         "the client's address (login throttling per address)")

    @field_validator("consultant_chat_id", "sla_head", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """`postgresql://...` (as the server's documentation writes it) runs on asyncpg."""
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a database address: expected e.g. postgresql://user:password@host:5432/civicdesk "
                             "or sqlite:///civic-desk.db") from None
        driver = ASYNC_DRIVERS.get(url.drivername)
        return url.set(drivername=driver).render_as_string(hide_password=False) if driver else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        level = value.strip().upper() if isinstance(value, str) else value
        if level not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, zoneinfo.available_timezones(), n=1)
            hint = f"did you mean {close[0]}?" if close else "e.g. Asia/Almaty or Asia/Aqtobe"
            raise ValueError(f"unknown time zone: {hint}") from None
        return value

    @field_validator("working_hours")
    @classmethod
    def _readable_hours(cls, value: str) -> str:
        try:
            WorkingHours.parse(value)
        except ValueError as exc:
            raise ValueError(f"{exc}; expected e.g. Mon-Fri 09:00-18:00 or "
                             "Mon-Fri 09:00-13:00,14:00-18:00; Sat 10:00-14:00") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _readable_holidays(cls, value: str) -> str:
        WorkingHours.parse(holidays=value)
        return value

    def hours(self) -> WorkingHours:
        return WorkingHours.parse(self.working_hours, self.timezone, self.holidays)


def env_file(explicit: str | None = None) -> Path | None:
    """The env file to read: `explicit`, else $DESK_ENV_FILE (both must exist), else ./.env if present."""
    named = explicit or os.environ.get(ENV_FILE_VARIABLE)
    if named:
        path = Path(named)
        if not path.is_file():
            source = "--env-file" if explicit else ENV_FILE_VARIABLE
            raise EnvFileMissing(f"{source}: there is no file {path}")
        return path
    return Path(".env") if Path(".env").is_file() else None


def load_settings(explicit_env_file: str | None = None) -> Settings:
    """The settings from the environment and the env file (see `env_file`)."""
    return Settings(_env_file=env_file(explicit_env_file))  # type: ignore[call-arg]
