"""Settings from DESK_* environment variables and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.loader import DEFAULT_DIR


class Settings(BaseSettings):
    """Every setting of the desk; `.env.example` lists them all with their defaults."""

    model_config = SettingsConfigDict(env_prefix="DESK_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///civic-desk.db"
    knowledge_dir: Path = DEFAULT_DIR
    kb_max_age_days: int = Field(365, ge=1, description="entries checked longer ago are warned")
    default_lang: str = Field("kk", pattern="^(kk|ru)$")
    answer_threshold: float = Field(0.62, ge=0, le=1)
    clarify_threshold: float = Field(0.42, ge=0, le=1)
    answer_margin: float = Field(0.06, ge=0, le=1)
    history_size: int = Field(10, ge=1, description="recent questions kept with an escalation")
