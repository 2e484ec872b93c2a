"""`civic-desk staff add|passwd|disable|list` and `civic-desk console`: accounts from the terminal.

The first account (a head) can only be made here; after that a head manages staff in the
console as well. A password is asked twice at a terminal, or read as the first line of
standard input (for scripts: `printf '%s\\n' "$PASS" | civic-desk staff add ...`).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.app.compose import make_engine
from bot.app.config import Settings
from bot.console.accounts import AccountError, StaffStore
from bot.db import schema
from bot.db.staff import ROLES

BY = "cli"  # who the audit trail names for changes made in the terminal


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    staff = sub.add_parser("staff", help="console accounts: add, passwd, disable, list")
    commands = staff.add_subparsers(dest="staff_command", required=True)
    add = commands.add_parser("add", help="a new account (password asked, or the first line of stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True,
                     help="head: everything and staff; curator: edits the knowledge; viewer: reads")
    commands.add_parser("passwd", help="a new password (the account's sessions end)").add_argument("name")
    commands.add_parser("disable", help="the account may no longer log in").add_argument("name")
    commands.add_parser("list", help="every account with its role and state")
    sub.add_parser("console", help="serve only the staff console on DESK_CONSOLE_HOST:DESK_CONSOLE_PORT")


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ", "mismatch")
    return first


async def run(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings)
    try:
        if await schema.refuses(engine, "staff"):
            return 1
        return await _change(StaffStore(engine), args)
    except AccountError as exc:
        print(f"civic-desk staff: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()


async def _change(store: StaffStore, args: argparse.Namespace) -> int:
    command = args.staff_command
    if command == "list":
        members = await store.members()
        for m in members:
            print(f"{m.name}  {m.role}  {'active' if m.active else 'disabled'}")
        if not members:
            print("no accounts yet: civic-desk staff add NAME --role head")
        return 0
    if command == "disable":
        await store.disable(args.name, BY)
        print(f"{args.name} disabled; their sessions ended")
        return 0
    password = read_password()
    if command == "add":
        member = await store.add(args.name, args.role, password, BY)
        print(f"{member.name} added as {member.role}")
    else:
        await store.set_password(args.name, password, BY)
        print(f"password of {args.name} changed; their sessions ended")
    return 0
