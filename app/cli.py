"""Command-line tools: `flask users …` and `flask demo …`."""
from __future__ import annotations

import click
from flask import Flask

from app.core import clock
from app.core.auth import ROLES
from app.core.db import unit_of_work
from app.core.errors import DomainError


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""

    @app.cli.group("users")
    def users() -> None:
        """Manage accounts."""

    @users.command("create")
    @click.option("--username", required=True)
    @click.option("--display-name", required=True)
    @click.option("--role", type=click.Choice(ROLES), default="public", show_default=True)
    @click.option("--agency", "agency_slug", help="Agency slug (required for agency_staff).")
    @click.option("--email")
    @click.password_option()
    def create(username: str, display_name: str, role: str, agency_slug: str | None,
               email: str | None, password: str) -> None:
        """Create an account, privileged roles included."""
        from app.accounts import services

        try:
            with unit_of_work():
                agency_id = services.agency_by_slug(agency_slug).id if agency_slug else None
                user = services.register(username, display_name, password, email, now=clock.now(),
                                         role=role, agency_id=agency_id)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
        click.echo(f"created {user.username} ({user.role})")

    @users.command("token")
    @click.argument("username")
    @click.option("--name", default="cli", show_default=True, help="What the token is for.")
    def token(username: str, name: str) -> None:
        """Issue a personal API token for USERNAME and print it once."""
        from sqlalchemy import select

        from app.accounts import services
        from app.accounts.models import User
        from app.extensions import db

        try:
            with unit_of_work():
                user = db.session.scalar(select(User).where(User.username == username.lower()))
                if user is None:
                    raise click.ClickException(f"no user {username}")
                _, secret = services.issue_token(user, name, now=clock.now())
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
        click.echo(secret)

    @app.cli.group("demo")
    def demo() -> None:
        """Demo data."""

    @demo.command("load")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database has data.")
    def load(if_empty: bool) -> None:
        """Fill an empty database with a realistic demo program."""
        from app.demo import loader

        loaded = loader.load_demo(now=clock.now(), if_empty=if_empty)
        if loaded:
            click.echo("demo data loaded. Demo logins (password for all: " + loader.DEMO_PASSWORD + "):")
            for username, role in loader.DEMO_LOGINS:
                click.echo(f"  {username:<14} {role}")
        else:
            click.echo("database already has data; demo not loaded")

    @app.cli.group("library")
    def library() -> None:
        """The legal library (执法宝典)."""

    @library.command("reindex")
    def reindex() -> None:
        """Rebuild the library's search entries from the tables (after loading data with plain SQL)."""
        from app.core.db import unit_of_work
        from app.extensions import db
        from app.library import indexing

        with unit_of_work():
            count = indexing.reindex(db.session)
        click.echo(f"{count} search entries written")
