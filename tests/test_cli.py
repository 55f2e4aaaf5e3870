"""`flask users …`: creating accounts of any role and issuing tokens.

Outside a request the site speaks its default language (Chinese), so do the commands' messages.
"""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.accounts.models import ApiToken, User
from app.extensions import db
from tests import factories

PASSWORD = "cli-pass-2024"


def create(runner, *args: str, password: str = PASSWORD):
    return runner.invoke(args=["users", "create", *args, "--password", password])


def user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def get(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def test_create_a_coordinator(app, runner):
    result = create(runner, "--role", "coordinator", "--username", "x_coord", "--display-name", "区司法局")

    assert result.exit_code == 0, result.output
    assert "created x_coord (coordinator)" in result.output
    user = get("x_coord")
    assert user.role == "coordinator" and user.display_name == "区司法局"
    assert check_password_hash(user.password_hash, PASSWORD)


def test_the_password_can_be_typed_twice(app, runner):
    result = runner.invoke(args=["users", "create", "--username", "typed", "--display-name", "T"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert get("typed").role == "public"


def test_typed_passwords_must_match(app, runner):
    result = runner.invoke(args=["users", "create", "--username", "typed", "--display-name", "T"],
                           input=f"{PASSWORD}\nother-pass-1\n{PASSWORD}\n{PASSWORD}\n")

    assert "do not match" in result.output.lower()


def test_create_agency_staff_with_an_agency(app, runner):
    agency = factories.agency("market")
    db.session.commit()

    result = create(runner, "--role", "agency_staff", "--agency", "market", "--username", "staff1",
                    "--display-name", "市场监管 张")

    assert result.exit_code == 0, result.output
    assert get("staff1").agency_id == agency.id


def test_agency_staff_without_agency_fails_clearly(app, runner):
    result = create(runner, "--role", "agency_staff", "--username", "staff1", "--display-name", "S")

    assert result.exit_code != 0
    assert "执法单位工作人员须归属于某一执法单位。" in result.output
    assert user_count() == 0


def test_unknown_agency_fails_clearly(app, runner):
    result = create(runner, "--role", "agency_staff", "--agency", "no-such", "--username", "staff1",
                    "--display-name", "S")

    assert result.exit_code != 0
    assert "执法单位不存在。" in result.output
    assert user_count() == 0


def test_weak_password_is_refused(app, runner):
    result = create(runner, "--username", "weak1", "--display-name", "W", password="12345678")

    assert result.exit_code != 0
    assert "密码须同时包含字母和数字（或符号）。" in result.output
    assert user_count() == 0


def test_taken_username_is_refused(app, runner):
    factories.user(username="taken")
    db.session.commit()

    result = create(runner, "--username", "taken", "--display-name", "Again")

    assert result.exit_code != 0
    assert "该用户名或电子邮箱已被注册。" in result.output
    assert user_count() == 1


def test_unknown_role_is_refused(app, runner):
    result = create(runner, "--role", "superuser", "--username", "su1", "--display-name", "S")

    assert result.exit_code == 2
    assert "superuser" in result.output
    assert user_count() == 0


def test_token_for_an_unknown_user_fails_clearly(app, runner):
    result = runner.invoke(args=["users", "token", "ghost"])

    assert result.exit_code != 0
    assert "no user ghost" in result.output
    assert db.session.scalars(select(ApiToken)).all() == []


def test_token_prints_the_secret_once(app, runner):
    factories.user(username="scripted")
    db.session.commit()

    result = runner.invoke(args=["users", "token", "Scripted", "--name", "nightly export"])

    assert result.exit_code == 0, result.output
    token = db.session.scalar(select(ApiToken))
    assert token.name == "nightly export"
    assert result.output.strip().startswith(token.prefix)
