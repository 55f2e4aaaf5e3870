"""Episode services: creation, validation codes, the lifecycle and who may move it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.core.auth import actor_for
from app.core.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from app.episodes import services
from app.episodes.models import Episode
from app.extensions import db
from app.notifications.models import AuditLog
from tests import factories


@pytest.fixture
def setup(app, users):
    """Two agencies (the agency_staff user belongs to the first) and a coordinator actor."""
    lead = users["agency_staff"].agency
    other = factories.agency()
    db.session.commit()
    return {"lead": lead, "other": other, "coord": actor_for(users["coordinator"]), "users": users}


def _create(setup, **kw):
    now = kw.pop("now", clock.now())
    args = dict(title="校园食堂检查", domain_id=setup["lead"].domains[0].id,
                agency_ids=[setup["lead"].id, setup["other"].id],
                scheduled_start=now + timedelta(days=2), now=now)
    args.update(kw)
    return services.create_episode(setup["coord"], **args)


def test_create_draft_with_next_number_and_lead(setup):
    factories.episode(number=7)
    e = _create(setup, area="龙华区", summary="午餐", expected_minutes=60, stream_url="https://x.example/a.m3u8")
    assert e.state == "draft" and e.number == 8
    assert [a.id for a in e.agencies] == [setup["lead"].id, setup["other"].id]
    roles = {p.agency_id: p.role for p in e.participations}
    assert roles == {setup["lead"].id: "lead", setup["other"].id: "support"}
    assert e.area == "龙华区" and e.expected_minutes == 60
    assert db.session.query(AuditLog).filter_by(action="episode.create").count() == 1


@pytest.mark.parametrize("kw, code", [
    ({"title": ""}, "episode_title_invalid"),
    ({"title": "x" * 121}, "episode_title_invalid"),
    ({"domain_id": 99999}, "episode_domain_invalid"),
    ({"agency_ids": []}, "episode_agencies_required"),
    ({"agency_ids": [99999]}, "episode_agency_invalid"),
    ({"scheduled_start": clock.now() - timedelta(hours=1)}, "episode_start_in_past"),
    ({"number": 0}, "episode_number_invalid"),
    ({"topic_id": 99999}, "episode_topic_invalid"),
    ({"place_kind": "moon"}, "episode_place_kind_invalid"),
    ({"stream_kind": "rtmp"}, "episode_stream_kind_invalid"),
    ({"stream_url": "javascript:alert(1)"}, "episode_stream_url_invalid"),
    ({"stream_url": "ftp://x.example/a"}, "episode_stream_url_invalid"),
    ({"replay_url": "https://"}, "episode_replay_url_invalid"),
    ({"replay_url": "//x.example/r.m3u8"}, "episode_replay_url_invalid"),
    ({"replay_url": "/\\x.example/r.m3u8"}, "episode_replay_url_invalid"),
    ({"replay_url": "static/r.m3u8"}, "episode_replay_url_invalid"),
    ({"stream_url": "/static/a b.m3u8"}, "episode_stream_url_invalid"),
    ({"expected_minutes": 0}, "episode_duration_invalid"),
    ({"observer_capacity": -1}, "episode_capacity_invalid"),
    ({"host_user_id": 99999}, "episode_host_invalid"),
    ({"area": "区" * 81}, "episode_area_invalid"),
    ({"colour": "red"}, "episode_field_unknown"),
])
def test_create_refuses_bad_input_and_stores_nothing(setup, kw, code):
    with pytest.raises(ValidationFailed) as err:
        _create(setup, **kw)
    assert err.value.code == code
    db.session.rollback()
    assert db.session.query(Episode).count() == 0


def test_a_path_on_this_site_is_a_stream_and_recording_address(setup):
    e = _create(setup, stream_url="/static/demo/recordings/1.m3u8", replay_url=" /static/demo/recordings/1.m3u8 ")
    assert (e.stream_url, e.replay_url) == ("/static/demo/recordings/1.m3u8", "/static/demo/recordings/1.m3u8")


def test_number_taken_is_a_conflict(setup):
    factories.episode(number=3)
    with pytest.raises(Conflict) as err:
        _create(setup, number=3)
    assert err.value.code == "episode_number_taken"


@pytest.mark.parametrize("role", ["public", "observer", "agency_staff"])
def test_only_coordinator_creates(setup, role):
    with pytest.raises(NotAllowed) as err:
        services.create_episode(actor_for(setup["users"][role]), title="t", domain_id=1, agency_ids=[1],
                                scheduled_start=clock.now() + timedelta(days=1), now=clock.now())
    assert err.value.code == "episode_coordinator_only"


def test_full_lifecycle_records_times(setup):
    coord, t0 = setup["coord"], clock.now()
    e = _create(setup, now=t0)
    steps = [("publish", "scheduled", "published_at"), ("go_live", "live", "live_at"),
             ("end", "ended", "ended_at"), ("start_follow_up", "follow_up", "follow_up_at"),
             ("close", "closed", "closed_at")]
    for i, (name, state, stamp) in enumerate(steps):
        at = t0 + timedelta(minutes=i + 1)
        getattr(services, name)(coord, e.id, now=at)
        assert e.state == state and getattr(e, stamp) == at
    with pytest.raises(Conflict) as err:
        services.update_episode(coord, e.id, title="新", now=t0)
    assert err.value.code == "episode_closed"


def test_wrong_state_is_refused(setup):
    e = _create(setup)
    with pytest.raises(Conflict) as err:
        services.go_live(setup["coord"], e.id, now=clock.now())
    assert err.value.code == "episode_state_invalid" and e.state == "draft"


def test_publish_needs_future_start(setup):
    t0 = clock.now()
    e = _create(setup, now=t0)
    with pytest.raises(ValidationFailed) as err:
        services.publish(setup["coord"], e.id, now=t0 + timedelta(days=3))
    assert err.value.code == "episode_start_in_past"


def test_lead_agency_staff_and_host_run_the_live_but_not_the_rest(setup):
    users, coord = setup["users"], setup["coord"]
    e = _create(setup, host_user_id=users["observer"].id)
    services.publish(coord, e.id, now=clock.now())
    staff = actor_for(users["agency_staff"])
    with pytest.raises(NotAllowed):
        services.publish(staff, e.id, now=clock.now())
    services.go_live(staff, e.id, now=clock.now())
    services.end(actor_for(users["observer"]), e.id, now=clock.now())
    assert e.state == "ended"
    with pytest.raises(NotAllowed) as err:
        services.start_follow_up(staff, e.id, now=clock.now())
    assert err.value.code == "episode_transition_forbidden"


def test_support_agency_staff_and_public_may_not_go_live(setup):
    coord = setup["coord"]
    e = _create(setup, agency_ids=[setup["other"].id, setup["lead"].id])  # staff's agency only supports
    services.publish(coord, e.id, now=clock.now())
    for role in ("agency_staff", "public"):
        with pytest.raises(NotAllowed):
            services.go_live(actor_for(setup["users"][role]), e.id, now=clock.now())
    assert e.state == "scheduled"


def test_other_agencies_drafts_are_not_found(setup, users):
    e = _create(setup, agency_ids=[setup["other"].id])
    with pytest.raises(NotFound) as err:
        services.go_live(actor_for(users["agency_staff"]), e.id, now=clock.now())
    assert err.value.code == "episode_not_found"
    with pytest.raises(NotFound):
        services.remind_me(actor_for(users["public"]), e.id, now=clock.now())


def test_update_changes_only_given_fields(setup):
    e = _create(setup, area="A")
    services.update_episode(setup["coord"], e.id, now=clock.now(), title="新标题",
                            agency_ids=[setup["other"].id], stream_kind="embed")
    assert e.title == "新标题" and e.area == "A" and e.stream_kind == "embed"
    assert [a.id for a in e.agencies] == [setup["other"].id]
    assert e.participations[0].role == "lead"
    with pytest.raises(DomainError):
        services.update_episode(setup["coord"], e.id, now=clock.now(), expected_minutes="many")


def test_record_viewer_counts_distinct_and_peak_only_rises(setup):
    e = factories.episode(state="live")
    db.session.commit()
    now = clock.now()
    assert services.record_viewer(e.id, "u:1", now) is True
    assert services.record_viewer(e.id, "u:1", now) is False
    assert services.record_viewer(e.id, "a:abc", now) is True
    services.record_peak(e.id, 50)
    services.record_peak(e.id, 20)
    db.session.commit()
    db.session.refresh(e)
    assert e.view_count == 2 and e.peak_viewers == 50
