"""The suite's fixtures are one plugin, tests/fixtures.py."""

pytest_plugins = ("tests.fixtures",)
