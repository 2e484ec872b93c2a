"""Settings: every one is documented in .env.example, and DESK_* variables reach the desk."""

from pathlib import Path

import pytest

from bot.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_lists_every_setting() -> None:
    documented = ENV_EXAMPLE.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"DESK_{name.upper()}" not in documented]
    assert missing == []


def test_settings_come_from_desk_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_DEFAULT_LANG", "ru")
    monkeypatch.setenv("DESK_ANSWER_THRESHOLD", "0.5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.default_lang, settings.answer_threshold) == ("ru", 0.5)


def test_a_wrong_value_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_DEFAULT_LANG", "en")
    with pytest.raises(ValueError, match="default_lang"):
        Settings(_env_file=None)  # type: ignore[call-arg]
