"""``bot staff add-user NAME``: create a console login (the password is asked twice, never echoed)."""
from __future__ import annotations

import argparse
import getpass
import os
import sys

import sqlalchemy.exc

from bot.analytics import database, settings
from bot.console.accounts import AccountError, Accounts

HELP = "manage staff console logins"
PASSWORD_ENV = "SENALES_CONSOLE_PASSWORD"


def add_arguments(subparsers) -> None:
    parser = subparsers.add_parser("add-user", help="create a console user (or --reset a password)")
    parser.add_argument("username")
    parser.add_argument("--reset", action="store_true", help="set a new password for an existing user (signs them out)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input (scripts)")
    parser.set_defaults(handler=_add_user)


def run(args: argparse.Namespace) -> int:
    try:
        return args.handler(args) or 0
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except sqlalchemy.exc.SQLAlchemyError as error:
        print(f"error: database: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    first = getpass.getpass("Password (12+ characters): ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("The two passwords differ.")
    return first


def _add_user(args) -> int:
    password = _read_password(args)
    Accounts(database.engine(settings.analytics_url())).add_user(args.username, password, replace=args.reset)
    print(f"{'Password reset for' if args.reset else 'Created'} console user {args.username.strip().lower()}.")
    return 0
