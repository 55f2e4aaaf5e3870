"""Data and checks for the schemathesis run (tests/api/test_schemathesis.py)."""
from __future__ import annotations

from datetime import timedelta

import schemathesis
from hypothesis import strategies as st

from app.accounts import services as accounts
from app.core import clock
from app.core.auth import actor_for
from app.extensions import db
from app.findings import reports, services as findings
from app.observers import services as observers
from app.polls.models import Poll, Topic
from tests import factories

#: The id of the run's own token: far from the small ids and the bounds that generated input favours.
RUN_TOKEN_ID = 1_234_567_891

#: Statuses every API operation may answer, documented once by the `default` (error envelope)
#: response: an expired/absent CSRF token of a cookie caller (400 csrf_failed), a bad bearer
#: token (401 token_invalid), a body that is not strict JSON (400, 413: app/core/strictjson.py),
#: throttling (429) and an exhausted database pool (503 busy).
CROSS_CUTTING = {400: {"csrf_failed", "bad_request", "body_too_deep", "duplicate_key",
                       "number_too_large", "bad_encoding"},
                 401: {"token_invalid"}, 413: {"payload_too_large"}, 429: None, 503: {"busy"}}


@schemathesis.check
def documented_status(ctx, response, case) -> None:
    """Stricter than status_code_conformance: the status must be listed, not only covered by `default`."""
    listed = {str(code) for code in case.operation.responses.status_codes}
    status = response.status_code
    if str(status) in listed or f"{str(status)[0]}XX" in listed:
        return
    codes = CROSS_CUTTING.get(status, set())
    error_code = None
    try:
        error_code = (response.json() or {}).get("error", {}).get("code")
    except Exception:  # noqa: BLE001 - a non-JSON body is itself a failure below
        pass
    if status in CROSS_CUTTING and (codes is None or error_code in codes):
        return
    raise AssertionError(f"{case.operation.label} answered {status} ({error_code}), documented: "
                         f"{', '.join(sorted(listed))}")


def small_ids(ctx, path_parameters):
    """Half the time, aim integer path ids at the seeded objects (1–3) so found-object branches run."""
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries({
        name: (st.sampled_from([value, 1, 1, 2, 3]) if isinstance(value, int) and not isinstance(value, bool)
               else st.just(value))
        for name, value in path_parameters.items()})


def seed_objects() -> dict:
    """Users of each role, an open poll with topics, a live episode, a finding, a report, an observer."""
    now = clock.now()
    coordinator = factories.user("coordinator", username="coord_api")
    staff = factories.user("agency_staff", username="staff_api")
    factories.user("public", username="citizen_api")
    agency = staff.agency
    poll = Poll(title="下一期查什么？", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5),
                votes_per_person=2, state="open", opened_at=now - timedelta(days=1))
    db.session.add(poll)
    db.session.flush()
    for i in range(3):
        db.session.add(Topic(poll_id=poll.id, title=f"主题{i + 1}", domain_id=agency.domains[0].id,
                             state="approved"))
    episode = factories.episode("live", agencies=[agency], start=now - timedelta(minutes=10))
    coord = actor_for(coordinator)
    finding = findings.record_finding(coord, episode.id, now=now, party_name="某餐馆", description="生熟未分区",
                                      domain_id=agency.domains[0].id, agency_id=agency.id,
                                      rectify_by=now + timedelta(days=10))
    reports.create_report(actor_for(staff), now=now, reinspected_on=now.date() - timedelta(days=1),
                          body="已整改。", outcomes=[reports.OutcomeInput(finding.id, "rectified")],
                          publish_at=now + timedelta(days=1))
    observers.create_observer(coord, now=now, name="张三", kind="deputy")
    accounts.issue_token(coordinator, "to be revoked", now=now)  # DELETE /tokens/{id} finds this one
    token, secret = accounts.issue_token(coordinator, "schemathesis", now=now)
    token.id = RUN_TOKEN_ID  # out of the generated ids' way: revoking it would end the run's login
    db.session.commit()
    return {"token": secret}
