"""Settings: every one is documented in .env.example, and DESK_* variables reach the desk."""

from pathlib import Path

import pytest

from bot.app import cli
from bot.app.compose import build_matcher
from bot.app.config import Settings

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


@pytest.mark.parametrize(("name", "value", "line"), [
    ("PORT", "abc", "civic-desk: DESK_PORT: Input should be a valid integer"),
    ("PORT", "70000", "civic-desk: DESK_PORT: Input should be less than or equal to 65535"),
    ("TIMEZONE", "Asia/Almata", "civic-desk: DESK_TIMEZONE: unknown time zone: did you mean Asia/Almaty?"),
    ("WORKING_HOURS", "9-18", "civic-desk: DESK_WORKING_HOURS: '9-18' is not like 'Mon-Fri 09:00-18:00'; "
                              "expected e.g. Mon-Fri 09:00-18:00 or"),
    ("LOG_LEVEL", "verbose", "civic-desk: DESK_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR"),
    ("HOLIDAYS", "32-13", "civic-desk: DESK_HOLIDAYS: holiday '32-13' is not MM-DD or YYYY-MM-DD"),
])
def test_a_wrong_setting_is_one_line_naming_it_and_the_fix(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str],
                                                           name: str, value: str, line: str) -> None:
    monkeypatch.setenv(f"DESK_{name}", value)
    assert cli.run(["kb", "check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1 and "Traceback" not in err
    assert err.rstrip().endswith("(fix it in the environment or the env file)")


def test_a_setting_error_never_repeats_the_value(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DESK_PORT", "+7 701 123 45 67")
    monkeypatch.setenv("DESK_ANSWER_THRESHOLD", "secret-token-value")
    assert cli.run(["kb", "check"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "701 123" not in err and "secret-token-value" not in err


@pytest.mark.parametrize(("given", "used"), [
    ("debug", "DEBUG"), ("Warning", "WARNING"),
    ])
def test_the_log_level_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch, given: str, used: str) -> None:
    monkeypatch.setenv("DESK_LOG_LEVEL", given)
    assert Settings(_env_file=None).log_level == used  # type: ignore[call-arg]


@pytest.mark.parametrize(("given", "used"), [
    ("postgresql://desk:p@db:5432/civicdesk", "postgresql+asyncpg://desk:p@db:5432/civicdesk"),
    ("postgres://desk@db/civicdesk", "postgresql+asyncpg://desk@db/civicdesk"),
    ("sqlite:///desk.db", "sqlite+aiosqlite:///desk.db"),
    ("postgresql+asyncpg://desk@db/civicdesk", "postgresql+asyncpg://desk@db/civicdesk"),
])
def test_a_database_address_without_the_async_driver_gets_it(monkeypatch: pytest.MonkeyPatch,
                                                             given: str, used: str) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", given)
    assert Settings(_env_file=None).database_url == used  # type: ignore[call-arg]


def test_a_match_cache_size_of_zero_turns_the_decision_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).match_cache_size == 4096  # type: ignore[call-arg]  # the documented default
    monkeypatch.setenv("DESK_MATCH_CACHE_SIZE", "0")
    matcher = build_matcher(Settings(_env_file=None))  # type: ignore[call-arg]
    first = matcher.decide("грант алу")
    assert matcher.decide("грант алу") == first
    assert not hasattr(matcher._read, "cache_info")  # every decision is matched anew
