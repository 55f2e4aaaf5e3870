"""Registry, invitations, binding, check-in: the rules and the refusals (nothing changed)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.accounts.models import User
from app.core import clock
from app.core.errors import DomainError
from app.extensions import db
from app.notifications.models import Notification
from app.observers import services
from app.observers.models import Invitation, Observer
from tests import factories
from tests.observers.conftest import actor, run
from tests.security.helpers import snapshot


def assert_refused(code: str, fn, *args, **kwargs) -> DomainError:
    """Assert the call is refused with code and that no row changed."""
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        run(fn, *args, **kwargs)
    assert caught.value.code == code
    assert str(caught.value.message)
    assert snapshot() == before
    return caught.value


def test_coordinator_records_an_observer_linked_by_user_name(world, users):
    public = users["public"]

    observer = run(services.create_observer, world["coord"], name="王专家", kind="expert", organisation="大学",
                   contact="wang@example.org", listed=False, username=public.username)

    assert observer.user_id == public.id and observer.listed is False
    assert db.session.get(User, public.id).role == "observer"


def test_registry_refuses_staff_accounts_and_non_coordinators(world, users):
    assert_refused("observer_account_staff", services.create_observer, world["coord"], name="x", kind="expert",
            username=users["agency_staff"].username)
    assert_refused("observer_coordinator_only", services.create_observer, world["obs"], name="x", kind="expert")
    assert_refused("observer_kind_invalid", services.create_observer, world["coord"], name="x", kind="mayor")
    assert_refused("observer_account_taken", services.update_observer, world["coord"], world["stranger"].id,
            username=users["observer"].username)


def test_unlinking_returns_an_observer_account_to_public(world, users):
    run(services.update_observer, world["coord"], world["observer"].id, username="")

    assert db.session.get(Observer, world["observer"].id).user_id is None
    assert db.session.get(User, users["observer"].id).role == "public"


def test_invitation_expires_at_the_episode_start_and_notifies_the_linked_observer(world, users):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)

    assert inv.state == "pending" and inv.expires_at == world["episode"].scheduled_start
    assert len(inv.token) >= 30
    note = db.session.scalar(select(Notification).where(Notification.user_id == users["observer"].id))
    assert note.link == f"/invitations/{inv.token}"


@pytest.mark.parametrize("state", ["draft", "ended", "closed"])
def test_invitations_only_for_scheduled_or_live_episodes(world, state):
    world["episode"].state = state
    db.session.commit()

    assert_refused("invitation_episode_state", services.invite, world["coord"], world["episode"].id, world["observer"].id)


def test_inviting_twice_is_refused_but_a_revoked_invitation_can_be_renewed(world):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    assert_refused("invitation_exists", services.invite, world["coord"], world["episode"].id, world["observer"].id)
    old_token = inv.token
    run(services.revoke, world["coord"], inv.id)

    renewed = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)

    assert renewed.id == inv.id and renewed.state == "pending" and renewed.token != old_token


def test_accept_and_double_acceptance(world):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    run(services.respond, world["obs"], inv.id, True)

    err = assert_refused("invitation_already_accepted", services.respond, world["obs"], inv.id, True)

    assert err.status == 409
    assert db.session.get(Invitation, inv.id).state == "accepted"


def test_accepting_an_expired_invitation_is_refused(world):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id,
              expires_at=clock.now() + timedelta(hours=1))

    assert_refused("invitation_expired", services.respond, world["obs"], inv.id, True, now=clock.now() + timedelta(hours=2))


def test_accepting_a_revoked_invitation_is_refused(world):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    run(services.revoke, world["coord"], inv.id)

    assert_refused("invitation_revoked", services.respond, world["obs"], inv.id, True)


def test_someone_else_cannot_answer_the_invitation(world):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)

    assert_refused("invitation_not_yours", services.respond, world["public"], inv.id, True)


def test_accepted_invitations_never_exceed_the_capacity(world, users):
    world["episode"].observer_capacity = 1
    second_user = factories.user("public")
    db.session.commit()
    first = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    second = run(services.invite, world["coord"], world["episode"].id, world["stranger"].id)
    run(services.bind, actor(second_user), second.token)
    run(services.respond, world["obs"], first.id, True)

    assert_refused("invitation_capacity_full", services.respond, actor(db.session.get(User, second_user.id)), second.id, True)
    run(services.respond, world["obs"], first.id, False)  # a seat frees when someone declines
    run(services.respond, actor(db.session.get(User, second_user.id)), second.id, True)
    assert services.accepted_count(world["episode"].id) == 1


def test_binding_links_the_account_and_makes_a_citizen_an_observer(world, users):
    inv = run(services.invite, world["coord"], world["episode"].id, world["stranger"].id)

    run(services.bind, world["public"], inv.token)

    assert db.session.get(Observer, world["stranger"].id).user_id == users["public"].id
    assert db.session.get(User, users["public"].id).role == "observer"


def test_binding_refusals(world, users):
    inv = run(services.invite, world["coord"], world["episode"].id, world["stranger"].id)
    assert_refused("observer_account_staff", services.bind, world["staff"], inv.token)
    assert_refused("observer_account_staff", services.bind, world["coord"], inv.token)
    assert_refused("observer_account_taken", services.bind, world["obs"], inv.token)  # already another observer
    run(services.bind, world["public"], inv.token)
    other = factories.user("public")
    db.session.commit()
    assert_refused("invitation_bound_elsewhere", services.bind, actor(other), inv.token)
    assert_refused("invitation_not_found", services.bind, world["public"], "no-such-token")


def test_check_in_of_an_accepted_observer_records_time_and_who(world, accepted, users):
    now = clock.now()

    inv = run(services.check_in, world["coord"], world["episode"].id, world["observer"].id, now=now)

    assert inv.checked_in_at == now.replace(microsecond=inv.checked_in_at.microsecond)
    assert inv.checked_in_by_id == users["coordinator"].id
    assert_refused("invitation_already_checked_in", services.check_in, world["coord"], world["episode"].id,
            world["observer"].id)
    assert_refused("invitation_checked_in", services.revoke, world["coord"], inv.id)


def test_check_in_of_someone_not_invited_is_refused(world):
    err = assert_refused("observer_not_invited", services.check_in, world["coord"], world["episode"].id,
                  world["stranger"].id)
    with force_locale("en"):
        assert str(err.message) == "This person is not invited to this episode."


def test_check_in_of_a_pending_or_declined_invitation_is_refused(world):
    inv = run(services.invite, world["coord"], world["episode"].id, world["observer"].id)
    assert_refused("invitation_not_accepted", services.check_in, world["coord"], world["episode"].id, world["observer"].id)
    run(services.respond, world["obs"], inv.id, False)
    assert_refused("invitation_not_accepted", services.check_in, world["coord"], world["episode"].id, world["observer"].id)


def test_only_the_coordinator_checks_in(world, accepted):
    assert_refused("observer_coordinator_only", services.check_in, world["obs"], world["episode"].id, world["observer"].id)
    assert_refused("observer_coordinator_only", services.check_in, world["staff"], world["episode"].id,
            world["observer"].id)
