"""Settings from DESK_* environment variables and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.loader import DEFAULT_DIR


class Settings(BaseSettings):
    """Every setting of the desk; `.env.example` lists them all with their defaults."""

    model_config = SettingsConfigDict(env_prefix="DESK_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///civic-desk.db"
    knowledge_dir: Path = DEFAULT_DIR
    kb_max_age_days: int = Field(365, ge=1, description="entries checked longer ago are warned")
    default_lang: str = Field("kk", pattern="^(kk|ru)$")
    answer_threshold: float = Field(0.46, ge=0, le=1)
    clarify_threshold: float = Field(0.28, ge=0, le=1)
    answer_margin: float = Field(0.04, ge=0, le=1)
    history_size: int = Field(10, ge=1, description="recent questions kept with an escalation")

    # -- service ----------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = Field("", description="https base URL the platforms call; webhooks are registered on start")

    # -- Telegram ---------------------------------------------------------
    telegram_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: SecretStr = SecretStr("")

    # -- WhatsApp Cloud API -------------------------------------------------
    whatsapp_token: SecretStr = SecretStr("")
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    whatsapp_phone_number_id: str = ""
    whatsapp_app_secret: SecretStr = SecretStr("")
    whatsapp_verify_token: SecretStr = SecretStr("")
    whatsapp_send_attempts: int = Field(4, ge=1, le=10, description="tries per message on 429/5xx")
    whatsapp_retry_delay: float = Field(1.0, ge=0, description="first backoff, s; doubles to 30")
