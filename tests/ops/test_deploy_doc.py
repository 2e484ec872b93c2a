"""docs/deploy.md's commands work as written, wherever this machine can run them.

Every `civic-desk ...` command of its shell blocks runs here, the env file path
pointing at a copy of `.env.example` (with a temporary database); commands that
serve or need a server of their own (systemd, nginx, Docker, PostgreSQL tools) are
listed and left out on purpose.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.faults.serve import command

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
INVOCATION = re.compile(r"(?:^|(?<=\s))(?:\.venv/bin/)?civic-desk\s+([^|#&;]*)")
SERVING = re.compile(r"\bserve\b")
SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
GUIDE_PASSWORD = "a password for the guide's account"


def shell_lines() -> list[str]:
    return [line.strip() for block in SHELL_BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
            for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def desk_commands() -> list[str]:
    found = [m.group(1).strip() for line in shell_lines() for m in INVOCATION.finditer(line)]
    return [c for c in found if c and not SERVING.search(c)]


def test_the_guide_runs_the_desk_only_in_forms_that_work() -> None:
    lines = shell_lines()
    assert not [line for line in lines if "xargs" in line or "$(cat" in line], "env files are read by the desk"
    assert len(desk_commands()) >= 4


@pytest.mark.parametrize("argv", desk_commands())
def test_each_civic_desk_command_of_the_guide_runs(argv: str, tmp_path: Path) -> None:
    env_file = tmp_path / "desk.env"
    shutil.copy(ROOT / ".env.example", env_file)
    argv = argv.replace("/etc/civic-desk/desk.env", str(env_file)).replace("--env-file .env", f"--env-file {env_file}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    if "db upgrade" not in argv:  # the guide upgrades first; each command here runs on its own
        subprocess.run([*command(), "--env-file", str(env_file), "db", "upgrade"], cwd=tmp_path, env=env,
                       capture_output=True, timeout=60, check=True)
    done = subprocess.run([*command(), *argv.split()], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, input=f"{GUIDE_PASSWORD}\n")  # `staff add` reads a password
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_the_secret_command_makes_a_valid_webhook_secret() -> None:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl here")
    assert "openssl rand -hex 32" in shell_lines()
    secret = subprocess.run(["openssl", "rand", "-hex", "32"], capture_output=True, text=True, check=True).stdout
    assert SECRET.fullmatch(secret.strip())
