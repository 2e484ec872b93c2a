"""One env file for systemd, Docker Compose and the desk: each reads `.env.example` alike."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values

from tests.faults.serve import command
from tests.ops import envfiles

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
UNIT = ROOT / "deploy" / "civic-desk@.service"
# The file's own rule: NAME=value, no quotes, $, backslash or # in a value, no space at either end.
PORTABLE_LINE = re.compile(r"DESK_[A-Z0-9_]+=([^'\"$\\#\s]([^'\"$\\#]*[^'\"$\\#\s])?)?")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    return {**env, **extra}


def desk(*argv: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command(), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_every_setting_line_keeps_to_the_portable_form() -> None:
    lines = [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    assert [line for line in lines if not PORTABLE_LINE.fullmatch(line)] == []


def test_systemd_compose_and_the_desk_read_the_same_values() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    desk_values = {k: v or "" for k, v in dotenv_values(EXAMPLE).items()}
    assert envfiles.systemd(text) == desk_values
    assert envfiles.compose(text, environment={}) == desk_values
    assert desk_values["DESK_WORKING_HOURS"] == "Mon-Fri 09:00-18:00"


def test_the_parsers_follow_the_rules_that_broke_the_old_file() -> None:
    old = "DESK_KB_MAX_AGE_DAYS=365   # entries checked longer ago\nA='x y'\n; note\nB=1$X\n"
    assert envfiles.systemd(old) == {"DESK_KB_MAX_AGE_DAYS": "365   # entries checked longer ago",
                                     "A": "x y", "B": "1$X"}
    assert envfiles.compose(old.replace("; note\n", ""), environment={"X": "2"}) == {
        "DESK_KB_MAX_AGE_DAYS": "365", "A": "x y", "B": "12"}


def test_each_systemd_instance_keeps_its_own_port() -> None:
    """EnvironmentFile= overrides the unit's Environment=, so the file must not set the port."""
    env_file = envfiles.systemd(EXAMPLE.read_text(encoding="utf-8"))
    unit = UNIT.read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/civic-desk/desk.env" in unit
    for port in ("8080", "8081"):
        assert envfiles.unit_environment(unit, env_file, port)["DESK_PORT"] == port


def test_the_desk_reads_the_file_itself(tmp_path: Path) -> None:
    """`civic-desk --env-file FILE db upgrade`, as the deploy guide runs it: no shell tricks."""
    done = desk("--env-file", str(EXAMPLE), "db", "upgrade", cwd=tmp_path, env=clean_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("database at revision ") and (tmp_path / "civic-desk.db").exists()
    via_variable = desk("kb", "check", cwd=tmp_path, env=clean_env(DESK_ENV_FILE=str(EXAMPLE)))
    assert via_variable.returncode == 0 and "0 errors" in via_variable.stderr


def test_the_desk_runs_on_the_file_as_systemd_passes_it(tmp_path: Path) -> None:
    env = clean_env(**envfiles.systemd(EXAMPLE.read_text(encoding="utf-8")))
    done = desk("db", "upgrade", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert desk("tickets", cwd=tmp_path, env=env).returncode == 0


def test_a_missing_env_file_is_one_line(tmp_path: Path) -> None:
    done = desk("--env-file", "/etc/civic-desk/nope.env", "db", "upgrade", cwd=tmp_path, env=clean_env())
    assert done.returncode == 1
    assert done.stderr == "civic-desk: --env-file: there is no file /etc/civic-desk/nope.env\n"


def docker_compose() -> list[str] | None:
    for candidate in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(candidate[0]) is None:
            continue
        probe = subprocess.run([*candidate, "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return candidate
    return None


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    compose = docker_compose()
    if compose is None:
        pytest.skip("no working docker compose here")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text(EXAMPLE.read_text(encoding="utf-8") + "POSTGRES_PASSWORD=x\n")
    done = subprocess.run([*compose, "config", "--format", "json"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"DESK_WORKING_HOURS": "Mon-Fri 09:00-18:00"' in done.stdout
