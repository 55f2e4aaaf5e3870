"""Who may call what: every route against every role, plus cross-agency and cross-user checks.

EXPECTED must name every endpoint in app.url_map (static excepted): a route added without
declaring its access here fails test_every_route_declares_its_access.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import ApiToken
from app.core import clock
from app.extensions import db
from tests import factories
from tests.security.helpers import WRITE_METHODS, build_url, meta_csrf, placeholder_values, rules

ROLES = ("anonymous", "public", "observer", "agency_staff", "coordinator", "admin")
SIGNED_IN = ROLES[1:]


def everyone(status: int) -> dict:
    return {role: status for role in ROLES}


def signed_in(status: int, anonymous: int) -> dict:
    return {"anonymous": anonymous, **{role: status for role in SIGNED_IN}}


#: endpoint → {role: status}. Pages that need login redirect (302) to the log-in page;
#: API calls answer 401 with code login_required.
EXPECTED: dict[str, dict[str, int]] = {
    "main.home": everyone(200),
    "main.set_language": everyone(302),
    "main.healthz": everyone(200),
    "accounts.register": everyone(200),
    "accounts.login": everyone(200),
    "accounts.logout": everyone(302),                       # POST with CSRF
    "accounts.change_password": signed_in(200, anonymous=302),
    "api_accounts.me": signed_in(200, anonymous=401),
    "api_accounts.list_tokens": signed_in(200, anonymous=401),
    "api_accounts.create_token": signed_in(201, anonymous=401),  # POST with CSRF
    "api_accounts.revoke_token": signed_in(200, anonymous=401),  # DELETE of one's own token
    "api_agencies.list_domains": everyone(200),
    "api_agencies.list_agencies": everyone(200),
    "api_agencies.get_agency": everyone(200),
    "api_episodes.list_episodes": everyone(200),
    "api_episodes.get_episode": everyone(200),               # a published episode
    "api_episodes.create_episode": {**signed_in(403, anonymous=401), "coordinator": 201, "admin": 201},
    "api_episodes.update_episode": {**signed_in(403, anonymous=401), "coordinator": 200, "admin": 200},
    # publish on the scheduled episode: refused by role, or by state for the coordinator
    "api_episodes.transition_episode": {**signed_in(403, anonymous=401), "coordinator": 409, "admin": 409},
    "api_episodes.add_reminder": signed_in(200, anonymous=401),
    "api_episodes.remove_reminder": signed_in(200, anonymous=401),
    "episodes.schedule": everyone(200),
    "episodes.archive": everyone(200),
    "episodes.detail": everyone(200),
    "episodes.calendar_feed": everyone(200),
    "episodes.episode_calendar": everyone(200),
    "episodes.cover": everyone(404),                         # the episode has no cover
    "episodes.remind": everyone(302),                        # POST: to log in, or back to the episode
    # POST without a step: refused by role, else the form is incomplete (422)
    "episodes.step": {**signed_in(403, anonymous=302), "coordinator": 422, "admin": 422},
    "episodes.manage": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "episodes.create": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "episodes.edit": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    # the live room (app/live): the world's episode is scheduled, of another agency than agency_staff's
    "live.console": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    # POST with only a CSRF token: refused by role, else the note form is incomplete (422) / no step (400)
    "live.post_note": {**signed_in(403, anonymous=302), "coordinator": 422, "admin": 422},
    "live.change_state": {**signed_in(403, anonymous=302), "coordinator": 400, "admin": 400},
    "live.note_image": everyone(404),                        # no such image
    "live.word_list": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "live.delete_word": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    # the legal library (app/library): public to read; the world has no article, item or statute (404)
    "library.index": everyone(200),
    "library.search": everyone(200),
    "library.teaching": everyone(200),
    "library.statute": everyone(404),
    "library.article": everyone(404),
    "library.item": everyone(404),
    "library.manage": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    # POST with only a CSRF token: no file (422); an empty case form goes back with a message (302)
    "library.import_file": {**signed_in(403, anonymous=302), "coordinator": 422, "admin": 422},
    "library.add_case": {**signed_in(403, anonymous=302), "coordinator": 302, "admin": 302},
    "library.edit_article": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "library.delete_article": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "api_library.list_statutes": everyone(200),
    "api_library.list_items": everyone(200),
    "api_library.get_article": everyone(404),
    "api_library.get_item": everyone(404),
    "api_library.search": everyone(422),                     # q is required
    # POST without articles or items: refused by role, else 422
    "api_library.import_library": {**signed_in(403, anonymous=401), "coordinator": 422, "admin": 422},
    "api_live.list_comments": everyone(200),
    "api_live.list_questions": everyone(200),
    "api_live.list_notes": everyone(200),
    "api_live.live_counts": everyone(200),
    "api_live.post_comment": signed_in(409, anonymous=401),  # the episode is not live
    # topic polls (app/polls). Rules run in path order: api_polls.create_poll (coordinator) first makes
    # poll 1, a draft: the public never sees it (404); the coordinator and admin do, so their writes
    # reach the rules (the draft is not open: 409; the bare form or body is incomplete: 422).
    "polls.list_polls": everyone(200),
    "polls.show": {**signed_in(404, anonymous=404), "coordinator": 200, "admin": 200},
    "polls.topic_photo": everyone(404),
    "polls.vote": {**signed_in(404, anonymous=302), "coordinator": 422, "admin": 422},  # POST with CSRF
    "polls.withdraw": {**signed_in(404, anonymous=302), "coordinator": 422, "admin": 422},
    "polls.propose": {**signed_in(404, anonymous=302), "coordinator": 409, "admin": 409},
    "polls.create": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "polls.edit": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "polls.add_topic": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "polls.review": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "polls.review_topic": {**signed_in(403, anonymous=302), "coordinator": 422, "admin": 422},
    "polls.tallies_page": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "polls.edit_tally": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "polls.decide": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "polls.create_episode": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "api_polls.list_polls": everyone(200),
    "api_polls.get_poll": {**everyone(404), "coordinator": 200, "admin": 200},
    "api_polls.get_results": {**everyone(404), "coordinator": 200, "admin": 200},
    "api_polls.create_poll": {**signed_in(403, anonymous=401), "coordinator": 201, "admin": 201},
    "api_polls.update_poll": {**signed_in(403, anonymous=401), "coordinator": 200, "admin": 200},
    "api_polls.add_topic": {**signed_in(403, anonymous=401), "coordinator": 422, "admin": 422},  # domain "x"
    "api_polls.propose": {**signed_in(404, anonymous=401), "coordinator": 409, "admin": 409},
    "api_polls.list_proposals": {**signed_in(403, anonymous=401), "coordinator": 200, "admin": 200},
    "api_polls.review_proposal": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_polls.vote": {**signed_in(404, anonymous=401), "coordinator": 409, "admin": 409},
    "api_polls.withdraw": {**signed_in(404, anonymous=401), "coordinator": 409, "admin": 409},
    "api_polls.add_tally": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_polls.edit_tally": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_polls.decide": {**signed_in(403, anonymous=401), "coordinator": 409, "admin": 409},
    # the follow-up loop (app/findings): no finding or report exists in the world (404); its episode is
    # scheduled and the agency_staff user's agency does not take part in it
    "findings.board": everyone(200),
    "findings.feed": everyone(200),
    "findings.finding": everyone(404),
    "findings.report": everyone(404),
    "findings.photo": everyone(404),
    "findings.follow": everyone(404),                        # POST to an unknown kind
    "findings.confirm": signed_in(404, anonymous=302),
    "findings.decide": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "findings.review": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "findings.correct": signed_in(404, anonymous=302),
    "findings.edit_report": signed_in(404, anonymous=302),
    "findings.new_finding": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "findings.new_report": {**signed_in(403, anonymous=302), "agency_staff": 200},
    "findings.manage": {**signed_in(403, anonymous=302), "agency_staff": 200, "coordinator": 200, "admin": 200},
    "api_findings.list_findings": everyone(200),
    "api_findings.get_finding": everyone(404),
    "api_findings.create_finding": {**signed_in(403, anonymous=401), "coordinator": 409, "admin": 409},
    "api_findings.confirm_finding": signed_in(404, anonymous=401),
    "api_findings.list_follow_ups": everyone(200),
    "api_findings.get_follow_up": everyone(404),
    # agency staff: finding 1 does not exist (422); others may not write reports
    "api_findings.create_follow_up": {**signed_in(403, anonymous=401), "agency_staff": 422},
    "api_findings.update_follow_up": signed_in(404, anonymous=401),
    "api_findings.review_follow_up": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_findings.list_revisions": everyone(404),
    "api_findings.correct_follow_up": signed_in(404, anonymous=401),
    "api_findings.board": everyone(200),
    # observers (app/observers): no observer, invitation or note exists in the world; tokens are "x" (404).
    # API rules run in path order: episode invitations and check-ins come before api_observers.create_observer
    # makes observers 1 and 2, so inviting observer 1 is not found (404) and checking it in is refused (409).
    "observers.registry": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "observers.edit": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},  # made by the API
    "observers.rotation": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "observers.episode_invitations": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "observers.revoke": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "observers.check_in": {**signed_in(403, anonymous=302), "coordinator": 422, "admin": 422},  # no observer_id
    "observers.invitation": everyone(404),
    "observers.qr": everyone(404),
    "observers.bind": signed_in(404, anonymous=302),
    "observers.respond": signed_in(404, anonymous=302),
    "observers.check_in_token": signed_in(404, anonymous=302),
    "observers.me": signed_in(200, anonymous=302),
    "observers.new_note": signed_in(403, anonymous=302),   # the observer user is not in the registry
    "observers.notes_list": {**signed_in(403, anonymous=302), "agency_staff": 200, "coordinator": 200, "admin": 200},
    "observers.answer": signed_in(404, anonymous=302),
    "observers.set_due": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "api_observers.list_observers": {**signed_in(403, anonymous=401), "coordinator": 200, "admin": 200},
    "api_observers.create_observer": {**signed_in(403, anonymous=401), "coordinator": 201, "admin": 201},
    "api_observers.get_observer": {**signed_in(403, anonymous=401), "coordinator": 200, "admin": 200},
    "api_observers.update_observer": {**signed_in(403, anonymous=401), "coordinator": 200, "admin": 200},
    "api_observers.rotation": {**signed_in(403, anonymous=401), "coordinator": 200, "admin": 200},
    "api_observers.list_invitations": signed_in(200, anonymous=401),
    "api_observers.invite": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_observers.check_in": {**signed_in(403, anonymous=401), "coordinator": 409, "admin": 409},
    "api_observers.accept_invitation": signed_in(404, anonymous=401),
    "api_observers.decline_invitation": signed_in(404, anonymous=401),
    "api_observers.revoke_invitation": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_observers.list_notes": everyone(200),
    "api_observers.post_note": signed_in(403, anonymous=401),  # note_observers_only
    "api_observers.answer_note": signed_in(404, anonymous=401),
    "api_observers.set_note_due": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "openapi_json": everyone(200),
    "api_docs": everyone(200),
    # statistics, open data, agency pages, dashboard, bulletins (app/stats, app/agencies). Placeholder
    # dataset/format/month "x" are not found; the agency slug is the world's episode's agency.
    "stats.statistics": everyone(200),
    "stats.open_data": everyone(200),
    "stats.download": everyone(404),
    "stats.dashboard": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "stats.bulletins": everyone(200),                        # GET; the coordinator also sees the form
    "stats.bulletin": everyone(404),
    "stats.bulletin_pdf": everyone(404),
    "agencies.index": everyone(200),
    "agencies.detail": everyone(200),
    "api_stats.get_stats": everyone(200),
    "api_stats.get_agency_stats": everyone(200),
    # inspected parties (app/parties): no party, inspection, code or statement exists in the world (404);
    # party codes are "en" (not valid). The code pages need no account.
    "parties.index": everyone(200),
    "parties.detail": everyone(404),
    "parties.edit": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "parties.merge": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "parties.statements": {**signed_in(403, anonymous=302), "coordinator": 200, "admin": 200},
    "parties.review": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "parties.issue_code": signed_in(404, anonymous=302),
    "parties.answer": everyone(404),
    "parties.qr": everyone(404),
    "api_parties.list_parties": everyone(200),
    "api_parties.get_party": everyone(404),
    "api_parties.update_party": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_parties.merge_party": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_parties.issue_code": signed_in(404, anonymous=401),
    "api_parties.get_code": everyone(404),
    "api_parties.answer_code": everyone(404),
    "api_parties.list_statements": {**signed_in(403, anonymous=401), "coordinator": 200, "admin": 200},
    "api_parties.review_statement": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    # conduct complaints: the world's episode is scheduled (not broadcast: 409); no complaint exists (404)
    "parties.new_complaint": signed_in(200, anonymous=302),
    "parties.complaints_list": signed_in(200, anonymous=302),
    "parties.answer_complaint": signed_in(404, anonymous=302),
    "parties.decide_complaint": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "parties.complaint_due": {**signed_in(403, anonymous=302), "coordinator": 404, "admin": 404},
    "api_complaints.create_complaint": signed_in(409, anonymous=401),
    "api_complaints.list_episode_complaints": everyone(200),
    "api_complaints.list_complaints": signed_in(200, anonymous=401),
    "api_complaints.answer_complaint": signed_in(404, anonymous=401),
    "api_complaints.decide_complaint": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
    "api_complaints.set_complaint_due": {**signed_in(403, anonymous=401), "coordinator": 404, "admin": 404},
}

#: Request bodies of write-only endpoints.
BODIES = {"api_accounts.create_token": {"name": "matrix"},
          "api_polls.create_poll": {"title": "matrix", "opens_at": "2030-01-01T00:00:00+00:00",
                                    "closes_at": "2030-01-02T00:00:00+00:00"},
          "api_polls.update_poll": {},
          "api_polls.add_topic": {"title": "matrix", "domain": "x"},
          "api_polls.propose": {"title": "matrix", "domain": "x", "why": "matrix"},
          "api_polls.review_proposal": {"action": "approve"},
          "api_polls.vote": {"topic_id": 1},
          "api_polls.add_tally": {"topic_id": 1, "source": "matrix", "collected_on": "2026-01-01", "count": 1},
          "api_polls.edit_tally": {"reason": "matrix"},
          "api_polls.decide": {"topic_id": 1},
          # domain 1 and agency 1 are the agency_staff user's (made first by the users fixture)
          "api_episodes.create_episode": {"title": "matrix", "domain_id": 1, "agency_ids": [1],
                                          "scheduled_start": "2031-01-01T02:00:00+00:00"},
          "api_episodes.update_episode": {"title": "matrix"},
          "api_episodes.transition_episode": {"step": "publish"},
          "api_findings.create_finding": {"episode_id": 1, "party_name": "matrix", "description": "matrix",
                                          "domain_id": 1, "agency_id": 1,
                                          "rectify_by": "2031-01-01T00:00:00+00:00"},
          "api_findings.confirm_finding": {"verdict": "confirmed"},
          "api_findings.create_follow_up": {"reinspected_on": "2030-01-01", "body": "matrix", "publish_now": True,
                                            "outcomes": [{"finding_id": 1, "outcome": "rectified"}]},
          "api_findings.update_follow_up": {"reinspected_on": "2030-01-01", "body": "matrix", "publish_now": True,
                                            "outcomes": [{"finding_id": 1, "outcome": "rectified"}]},
          "api_findings.review_follow_up": {"decision": "approve"},
          "api_findings.correct_follow_up": {"body": "matrix", "reason": "matrix"},
          "api_observers.create_observer": {"name": "matrix", "kind": "expert"},
          "api_observers.update_observer": {},
          "api_observers.invite": {"observer_id": 1},
          "api_observers.check_in": {"observer_id": 1},
          "api_observers.post_note": {"agency_id": 1, "aspect": "procedure", "body": "matrix"},
          "api_observers.answer_note": {"body": "matrix"},
          "api_observers.set_note_due": {"answer_due": "2031-01-01T00:00:00+00:00"},
          "api_live.post_comment": {"body": "matrix"},
          "api_parties.update_party": {},
          "api_parties.merge_party": {"duplicate_id": 2},
          "api_parties.answer_code": {"took_place": True, "conduct_standard": 5, "conduct_civil": 5},
          "api_parties.review_statement": {"decision": "publish"},
          "api_complaints.create_complaint": {"body": "matrix", "offset_seconds": 0},
          "api_complaints.answer_complaint": {"body": "matrix"},
          "api_complaints.decide_complaint": {"decision": "dismiss", "reason": "matrix"},
          "api_complaints.set_complaint_due": {"answer_due": "2031-01-01T00:00:00+00:00"}}


@pytest.fixture
def world(app, users):
    """A published episode, an agency, and one API token per signed-in role."""
    ep = factories.episode("scheduled")
    tokens = {role: services.issue_token(users[role], "own", now=clock.now())[0].id for role in SIGNED_IN}
    # The anonymous caller is pointed at some real token: it must still be refused.
    tokens["anonymous"] = tokens["public"]
    db.session.commit()
    return {"episode_id": ep.id, "slug": ep.agencies[0].slug, "tokens": tokens}


def url_values(world, role: str) -> dict:
    return {"episode_id": world["episode_id"], "slug": world["slug"], "code": "en",
            "token_id": world["tokens"][role]}


def clients(app, login_as):
    made = {"anonymous": app.test_client()}
    made.update({role: login_as(role) for role in SIGNED_IN})
    return made


def call(client, app, rule, role, world):
    """GET the rule, or for write-only rules its write method with a valid CSRF token."""
    url = build_url(app, rule, placeholder_values(rule, url_values(world, role)))
    if "GET" in rule.methods:
        return client.get(url)
    method = sorted(set(rule.methods) & set(WRITE_METHODS))[0]
    token = meta_csrf(client)
    if url.startswith("/api/"):
        return client.open(url, method=method, json=BODIES.get(rule.endpoint),
                           headers={"X-CSRFToken": token})
    return client.open(url, method=method, data={"csrf_token": token})


def test_every_route_declares_its_access(app):
    endpoints = {rule.endpoint for rule in rules(app)}

    assert sorted(endpoints - set(EXPECTED)) == [], "add these endpoints to EXPECTED"
    assert sorted(set(EXPECTED) - endpoints) == [], "these endpoints no longer exist"


def test_every_route_for_every_role(app, users, login_as, world):
    shared = clients(app, login_as)
    mismatches = []

    for rule in rules(app):
        expected = EXPECTED.get(rule.endpoint)
        if expected is None:
            continue  # reported by test_every_route_declares_its_access
        # Writes (log-out, revoking) may end what later calls need: they get fresh clients.
        by_role = shared if "GET" in rule.methods else clients(app, login_as)
        for role in ROLES:
            response = call(by_role[role], app, rule, role, world)
            where = f"{rule.endpoint} as {role}"
            if response.status_code != expected[role]:
                mismatches.append(f"{where}: {response.status_code}, expected {expected[role]}")
            if rule.rule.startswith("/api/") and response.status_code >= 400:
                body = response.json or {}
                if body.get("ok") is not False or "code" not in body.get("error", {}):
                    mismatches.append(f"{where}: error without the envelope")
                elif response.status_code == 401 and body["error"]["code"] != "login_required":
                    mismatches.append(f"{where}: 401 with code {body['error']['code']}")
            if (response.status_code == 302 and role == "anonymous" and expected["public"] == 200
                    and not response.headers["Location"].startswith("/account/login?next=")):
                mismatches.append(f"{where}: redirected to {response.headers['Location']}, not to log in")

    assert mismatches == []


def test_pages_needing_login_send_anonymous_users_to_the_login_page(app, client):
    response = client.get("/account/password")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=%2Faccount%2Fpassword"


# ---------------------------------------------------------------- cross-agency and cross-user


@pytest.fixture
def drafts(app, users):
    """A draft of the agency_staff user's agency (A) and one of another agency (B)."""
    own_agency = users["agency_staff"].agency
    other_agency = factories.agency()
    own = factories.episode("draft", agencies=[own_agency], title="A 的草稿")
    other = factories.episode("draft", agencies=[other_agency], title="B 的草稿")
    shared = factories.episode("draft", agencies=[other_agency, own_agency], title="B 领衔 A 协办")
    published = factories.episode("scheduled", agencies=[other_agency], title="B 已发布")
    db.session.commit()
    return {"own": own.id, "other": other.id, "shared": shared.id, "published": published.id}


def listed_ids(client) -> set[int]:
    body = client.get("/api/v1/episodes?per_page=100").json
    return {item["id"] for item in body["data"]}


def test_agency_staff_cannot_see_another_agencys_draft(app, login_as, drafts):
    staff = login_as("agency_staff")

    response = staff.get(f"/api/v1/episodes/{drafts['other']}")

    assert response.status_code == 404
    assert response.json["error"]["code"] == "episode_not_found"
    assert drafts["other"] not in listed_ids(staff)
    assert staff.get("/api/v1/episodes?state=draft").json["meta"]["total"] == 2


def test_agency_staff_see_their_own_agencys_drafts(app, login_as, drafts):
    staff = login_as("agency_staff")

    assert staff.get(f"/api/v1/episodes/{drafts['own']}").status_code == 200
    assert staff.get(f"/api/v1/episodes/{drafts['shared']}").status_code == 200
    assert listed_ids(staff) == {drafts["own"], drafts["shared"], drafts["published"]}


@pytest.mark.parametrize("role", ["anonymous", "public", "observer"])
def test_the_public_never_sees_drafts(app, users, login_as, drafts, role):
    c = app.test_client() if role == "anonymous" else login_as(role)

    for key in ("own", "other", "shared"):
        response = c.get(f"/api/v1/episodes/{drafts[key]}")
        assert response.status_code == 404
        assert response.json["error"]["code"] == "episode_not_found"
    assert listed_ids(c) == {drafts["published"]}
    assert c.get("/api/v1/episodes?state=draft").json["meta"]["total"] == 0


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_the_coordinator_sees_every_draft(app, login_as, drafts, role):
    c = login_as(role)

    for key in ("own", "other", "shared"):
        assert c.get(f"/api/v1/episodes/{drafts[key]}").status_code == 200
    assert listed_ids(c) == set(drafts.values())


def test_a_user_cannot_revoke_another_users_token(app, users, login_as):
    victim_token, victim_secret = services.issue_token(users["observer"], "victim", now=clock.now())
    db.session.commit()
    attacker = login_as("coordinator")  # even the coordinator: tokens are personal

    response = attacker.delete(f"/api/v1/tokens/{victim_token.id}",
                               headers={"X-CSRFToken": meta_csrf(attacker)})

    assert response.status_code == 404
    assert response.json["error"]["code"] == "token_not_found"
    assert db.session.get(ApiToken, victim_token.id).revoked_at is None
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {victim_secret}"})
    assert me.status_code == 200 and me.json["data"]["username"] == users["observer"].username


def test_a_user_does_not_see_another_users_tokens(app, users, login_as):
    services.issue_token(users["observer"], "victim", now=clock.now())
    db.session.commit()

    body = login_as("public").get("/api/v1/tokens").json

    assert body["data"] == []
    assert db.session.scalars(select(ApiToken)).all() != []
