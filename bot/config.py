"""Settings from DESK_* environment variables and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.working_hours import DEFAULT_HOURS, DEFAULT_TIMEZONE, KZ_HOLIDAYS, WorkingHours
from knowledge.loader import DEFAULT_DIR


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

    # -- service ----------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = Field("", description="https base URL the platforms call; webhooks are registered on start")
    log_format: str = Field("text", pattern="^(text|json)$")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
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
    whatsapp_send_attempts: int = Field(4, ge=1, le=10, description="tries per message on 429/5xx")
    whatsapp_retry_delay: float = Field(1.0, ge=0, description="first backoff, s; doubles to 30")
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
    outbox_max_attempts: int = Field(8, ge=1, description="tries of a relayed message before it fails")
    delivery_deadline_hours: float = Field(24.0, gt=0, description="how long a message the platform does "
                                           "not take (5xx, timeouts) is tried again before it is failed")
    delivery_max_backoff_seconds: float = Field(300.0, gt=0, description="the longest pause between two tries "
                                                "(a 429's retry_after is waited out whatever its length)")

    @field_validator("consultant_chat_id", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _readable_schedule(self) -> Settings:
        self.hours()  # a wrong schedule, zone or holiday stops the start with what is wrong
        return self

    def hours(self) -> WorkingHours:
        return WorkingHours.parse(self.working_hours, self.timezone, self.holidays)
