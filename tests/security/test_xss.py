"""Injected markup never executes: comments, display names, topics, live notes, observer notes and reports.

Every payload of PAYLOADS is stored at once in each place a user can write, then the pages that show it
are parsed: no script but the site's own, no event-handler attribute, no javascript: URL, no frame or style
element; and where the text is shown verbatim the user reads exactly what was typed. Over Socket.IO the
payload travels as plain text, and the browser code never writes server data as HTML.
"""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import url_for

from app.accounts.models import User
from app.core import clock
from app.core.auth import actor_for
from app.extensions import db
from app.live import seqs
from app.live.models import Comment, LiveNote
from app.observers.models import Observer, ObserverNote
from app.polls.models import Poll, Topic
from tests import factories
from tests.conftest import login, socket_client
from tests.security.helpers import text_of
from tests.security.socket_world import flush_live, reset_live_state

PAYLOADS = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnError=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<a href=JaVaScRiPt:alert(1)>x</a>",
    "javascript:alert(1)",
    "<iframe src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<style>*{display:none}</style>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\u003cscript\\u003ealert(1)",
    "\u003cscript\u003ealert(2)</script>",
    "＜script＞alert(1)＜/script＞",
    "{{ 7*7 }}{% raw %}",
]
#: Display names hold at most 40 characters.
SHORT = [p for p in PAYLOADS if len(p) <= 40]
SITE_SCRIPT = re.compile(r"^/static/")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "style", "base", "frame", "frameset", "applet"}


class _Audit(HTMLParser):
    """Collect everything on a page that could run code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not SITE_SCRIPT.match(attrs.get("src") or ""):
            self.problems.append(f"script tag {attrs}")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and re.sub(r"[\s\x00-\x1f]", "", value or "").lower().startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def executable(html: str) -> list[str]:
    """Every executable tag or attribute on the page (empty when safe)."""
    audit = _Audit()
    audit.feed(html)
    audit.close()
    return audit.problems


def assert_safe_and_verbatim(response, payloads, where: str) -> None:
    """The page is safe, and each payload is shown as the very text that was typed."""
    assert response.status_code == 200, where
    html = response.get_data(as_text=True)
    assert executable(html) == [], where
    text = text_of(response)
    missing = [p for p in payloads if p not in text]
    assert missing == [], f"{where}: not shown verbatim"


@pytest.fixture
def world(app, users):
    """A live episode of the agency_staff user's agency full of payloads, an open poll with payload topics."""
    reset_live_state()
    now = clock.now()
    agency = users["agency_staff"].agency
    ep = factories.episode("live", agencies=[agency], title="食堂<script>alert('title')</script>")
    ep.live_at = now - timedelta(minutes=5)
    authors = []
    for i, payload in enumerate(SHORT):
        authors.append(factories.user("public", username=f"xss{i}"))
        authors[-1].display_name = payload
    for i, payload in enumerate(PAYLOADS):
        author = authors[i % len(authors)]
        for kind in ("comment", "question"):
            db.session.add(Comment(episode_id=ep.id, seq=seqs.take(db.session.connection(), ep.id),
                                   user_id=author.id, kind=kind,
                                   body=payload, answer_body=payload if kind == "question" else None,
                                   created_at=now))
        db.session.add(LiveNote(episode_id=ep.id, author_id=users["coordinator"].id, body=payload,
                                created_at=now))
    observer = Observer(name="<svg onload=alert(1)>", kind="expert", user_id=users["observer"].id)
    db.session.add(observer)
    db.session.flush()
    for payload in PAYLOADS:
        db.session.add(ObserverNote(episode_id=ep.id, observer_id=observer.id, agency_id=agency.id,
                                    aspect="procedure", body=payload, answer_body=payload, answered_at=now,
                                    answered_by_id=users["agency_staff"].id, visibility="public", created_at=now))
    poll = Poll(title="<img src=x onerror=alert(1)>", opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=5), state="open", opened_at=now - timedelta(days=1))
    db.session.add(poll)
    db.session.flush()
    domain = agency.domains[0]
    for i, payload in enumerate(PAYLOADS):
        db.session.add(Topic(poll_id=poll.id, title=payload[:80], description=payload, domain_id=domain.id,
                             state="approved", proposed_by_id=authors[i % len(authors)].id))
        db.session.add(Topic(poll_id=poll.id, title=payload[:80], description=payload, domain_id=domain.id,
                             state="pending", proposed_by_id=authors[i % len(authors)].id))
    db.session.commit()
    yield {"episode": ep.id, "poll": poll.id, "authors": [a.username for a in authors]}
    reset_live_state()


def urls(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def test_the_live_console_shows_comments_questions_answers_notes_and_names_as_text(app, world, login_as):
    response = login_as("coordinator").get(urls(app, "live.console", episode_id=world["episode"]))

    assert_safe_and_verbatim(response, PAYLOADS + SHORT, "host console")


@pytest.mark.parametrize("role", ["anonymous", "public", "coordinator"])
def test_the_episode_page_shows_notes_and_observer_notes_as_text(app, world, login_as, role):
    c = app.test_client() if role == "anonymous" else login_as(role)

    response = c.get(urls(app, "episodes.detail", episode_id=world["episode"]))

    assert response.status_code == 200 and executable(response.get_data(as_text=True)) == []
    assert "食堂<script>alert('title')</script>" in text_of(response)


def test_observer_note_lists_show_bodies_and_answers_as_text(app, world, login_as):
    for role in ("agency_staff", "coordinator"):
        response = login_as(role).get(urls(app, "observers.notes_list"))
        assert_safe_and_verbatim(response, PAYLOADS, f"observer notes as {role}")


def test_poll_pages_show_topic_titles_descriptions_and_proposers_as_text(app, world, login_as):
    titles = [p[:80] for p in PAYLOADS]
    for role in ("anonymous", "public", "coordinator"):
        c = app.test_client() if role == "anonymous" else login_as(role)
        assert_safe_and_verbatim(c.get(urls(app, "polls.show", poll_id=world["poll"])), titles,
                                 f"poll page as {role}")
        home = c.get("/")
        assert home.status_code == 200 and executable(home.get_data(as_text=True)) == []
    review = login_as("coordinator").get(urls(app, "polls.review", poll_id=world["poll"]))
    assert_safe_and_verbatim(review, titles + SHORT, "proposal review")


def test_a_display_name_is_shown_as_text_in_the_header_and_the_live_room(app, world):
    # Every name is on the console (above); here the attribute and header contexts, with quote breakouts.
    quoted = [i for i, p in enumerate(SHORT) if p[0] in "\"'" or "<svg" in p or "</title>" in p]
    for username in [world["authors"][i] for i in quoted]:
        c = app.test_client()
        assert login(c, username).status_code == 302
        name = db.session.scalar(db.select(User.display_name).where(User.username == username))
        for path in ("/", urls(app, "episodes.detail", episode_id=world["episode"])):
            assert_safe_and_verbatim(c.get(path), [name], f"{path} as {name!r}")


def test_reports_render_markdown_without_executable_markup(app, users, client):
    from app.findings import reports
    from tests.findings.helpers import finding, report
    from tests.findings.helpers import world as findings_world

    w = findings_world(users)
    rid = report(users, [finding(users, w, now=clock.now())], publish_now=True, now=clock.now())
    body = "\n\n".join(PAYLOADS + ["[x](javascript:alert(1))", "![x](javascript:alert(1))",
                                   "[x](JaVaScRiPt:alert(1))", "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
                                   "<div onmouseover=\"alert(1)\">hover</div>", "<math><mi xlink:href=javascript:alert(1)>"])
    reports.correct(actor_for(users["agency_staff"]), rid, now=clock.now(), body=body, reason="<script>x</script>")
    db.session.commit()

    response = client.get(urls(app, "findings.report", report_id=rid))

    assert response.status_code == 200
    assert executable(response.get_data(as_text=True)) == []
    assert "<script>x</script>" in text_of(response)  # the reason is plain text


def test_comments_travel_over_socketio_as_the_typed_text(app, world, login_as):
    viewer = socket_client(app)
    assert viewer.emit("join", {"episode_id": world["episode"]}, namespace="/live", callback=True)["ok"]
    author = socket_client(app, login_as("observer"))
    coordinator = socket_client(app, login_as("coordinator"))
    sent = []
    for payload in PAYLOADS[:8]:  # the per-user comment limit allows a few in a row
        ack = author.emit("comment", {"episode_id": world["episode"], "body": payload, "kind": "question"},
                          namespace="/live", callback=True)
        assert ack["ok"] is True and ack["state"] == "published", ack
        sent.append(ack["id"])
        answer = coordinator.emit("answer", {"comment_id": ack["id"], "body": payload}, namespace="/live",
                                  callback=True)
        assert answer["ok"] is True, answer
    flush_live()

    items = [i for e in viewer.get_received("/live") if e["name"] == "batch" for i in e["args"][0]["items"]]
    bodies = {i["id"]: i["body"] for i in items if i["type"] == "comment"}
    answers = {i["id"]: i["answer"] for i in items if i["type"] == "answer"}
    assert [bodies[cid] for cid in sent] == PAYLOADS[:8]
    assert [answers[cid] for cid in sent] == PAYLOADS[:8]
    joined = socket_client(app).emit("join", {"episode_id": world["episode"]}, namespace="/live", callback=True)
    history = {c["id"]: c["body"] for c in joined["comments"]}
    assert [history[cid] for cid in sent] == PAYLOADS[:8]


JS_DIR = Path(__file__).resolve().parents[2] / "static" / "js"
HTML_SINKS = re.compile(r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\s*\(|"
                        r"new\s+Function\s*\(|\.html\s*\(|setAttribute\(\s*['\"]on|\bsrcdoc\b")


def test_the_site_scripts_never_write_server_data_as_html():
    scripts = sorted(JS_DIR.glob("*.js"))
    assert scripts, "no site scripts found"
    sinks = [f"{path.name}:{n}: {line.strip()}" for path in scripts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if HTML_SINKS.search(line)]

    assert sinks == []
