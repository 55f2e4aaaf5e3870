"""Likes in memory with batched writes, questions and answers, pins, live notes, the API."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import event

from app.episodes.models import Episode
from app.extensions import db
from app.live import likes
from app.legal.models import LegalBasis, Statute
from app.live.models import Comment, LiveNote
from tests.conftest import csrf_token
from tests.live.conftest import flush, items, sock


def test_likes_are_counted_in_memory_and_flushed_with_one_update(app, live):
    tappers = [sock(app) for _ in range(4)]
    for t in tappers:
        t.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for t in tappers:
            for _ in range(4):
                assert t.emit("like", {"episode_id": live.id, "count": 5}, namespace="/live", callback=True)["ok"]
        taps_writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
        assert taps_writes == []  # 80 taps, no database write
        db.session.expire_all()
        statements.clear()
        assert likes.flush_likes() == 1
        updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
        assert len(updates) == 1 and "like_count" in updates[0]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    db.session.expire_all()
    assert db.session.get(Episode, live.id).like_count == 80
    flush()
    assert [b for b in [e["args"][0] for e in tappers[0].get_received("/live") if e["name"] == "batch"]][-1]["likes"] == 80
    assert likes.flush_likes() == 0


def test_likes_are_rate_limited_per_connection(app, live, monkeypatch):
    # The bucket's clock stands still (a loaded machine must not refill it between the taps),
    # then moves half a second: 20 taps a second refill 10.
    now = [1000.0]
    monkeypatch.setattr(likes, "_bucket_clock", lambda: now[0])
    client = sock(app)
    acks = [client.emit("like", {"episode_id": live.id, "count": 10}, namespace="/live", callback=True) for _ in range(3)]
    assert [a.get("accepted") for a in acks[:2]] == [10, 10]
    assert acks[2]["ok"] is False and acks[2]["error"]["code"] == "like_rate_limited"
    now[0] += 0.5
    later = client.emit("like", {"episode_id": live.id, "count": 15}, namespace="/live", callback=True)
    assert later["ok"] and later["accepted"] == 10
    bad = client.emit("like", {"episode_id": live.id, "count": 10_000}, namespace="/live", callback=True)
    assert bad["error"]["code"] == "bad_payload" and client.is_connected("/live")


def test_questions_answer_upvote_and_pin(app, live, login_as, users):
    asker, viewer = sock(app, login_as("public")), sock(app)
    viewer.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    q = asker.emit("comment", {"episode_id": live.id, "body": "多久复查？", "kind": "question"},
                   namespace="/live", callback=True)
    observer = sock(app, login_as("observer"))
    assert observer.emit("upvote", {"comment_id": q["id"]}, namespace="/live", callback=True)["upvotes"] == 1
    assert observer.emit("upvote", {"comment_id": q["id"]}, namespace="/live",
                         callback=True)["error"]["code"] == "already_upvoted"
    assert observer.emit("answer", {"comment_id": q["id"], "body": "x"}, namespace="/live",
                         callback=True)["error"]["code"] == "answer_forbidden"
    staff = sock(app, login_as("coordinator"))
    assert staff.emit("answer", {"comment_id": q["id"], "body": "30 天内复查"}, namespace="/live", callback=True)["ok"]
    assert staff.emit("pin", {"episode_id": live.id, "comment_id": q["id"]}, namespace="/live", callback=True)["ok"]
    flush()
    got = items(viewer)
    assert {"type": "answer", "id": q["id"], "answer": "30 天内复查", "by": users["coordinator"].display_name} in got
    assert [i["item"]["id"] for i in got if i["type"] == "pin"] == [q["id"]]
    api = app.test_client().get(f"/api/v1/episodes/{live.id}/questions").json
    assert api["data"][0]["answer"] == "30 天内复查" and api["data"][0]["upvotes"] == 1


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_host_posts_a_note_with_image_and_legal_basis(app, live, login_as):
    basis = LegalBasis(statute=Statute(title="《中华人民共和国食品安全法》"), article="第五十四条")
    db.session.add(basis)
    db.session.commit()
    viewer = sock(app)
    viewer.emit("join", {"episode_id": live.id}, namespace="/live", callback=True)
    host = login_as("coordinator")
    url = f"/episodes/{live.id}/console/notes"
    token = csrf_token(host, f"/episodes/{live.id}/console")
    response = host.post(url, data={"body": "冷藏温度应在 0–8℃", "legal_basis_id": basis.id, "csrf_token": token,
                                    "image": (io.BytesIO(_png()), "t.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    note = db.session.query(LiveNote).one()
    assert note.offset_seconds >= 600 and note.image_path.endswith(".png")
    flush()
    assert [i["legal_basis"]["citation"] for i in items(viewer) if i["type"] == "note"] == ["《中华人民共和国食品安全法》第五十四条"]
    assert host.get(f"/live/note-images/{note.image_path}").status_code == 200

    bad = host.post(url, data={"body": "x", "csrf_token": token, "image": (io.BytesIO(b"not an image"), "x.png")},
                    content_type="multipart/form-data")
    assert bad.status_code == 422 and "image" in bad.get_data(as_text=True)
    assert db.session.query(LiveNote).count() == 1


def test_api_since_seq_and_pages(app, live, login_as):
    client = sock(app, login_as("public"))
    for i in range(3):
        client.emit("comment", {"episode_id": live.id, "body": f"c{i}"}, namespace="/live", callback=True)
    http = app.test_client()
    body = http.get(f"/api/v1/episodes/{live.id}/comments?since_seq=1&limit=1").json
    assert [c["seq"] for c in body["data"]] == [2] and body["meta"]["more"] is True
    paged = http.get(f"/api/v1/episodes/{live.id}/comments?per_page=2").json
    assert [c["seq"] for c in paged["data"]] == [3, 2] and paged["meta"]["total"] == 3
    counts = http.get(f"/api/v1/episodes/{live.id}/live").json["data"]
    assert counts["last_seq"] == 3 and counts["comments"] == 3 and counts["state"] == "live"
    assert http.get("/api/v1/episodes/999/comments").status_code == 404


def test_api_comment_items_are_exactly_what_the_documented_schema_dumps(app, live, login_as):
    """The list builds its items directly (hot path); they must not drift from LiveCommentSchema."""
    from app.api.live import LiveCommentSchema
    from app.live.comments import history

    client = sock(app, login_as("public"))
    client.emit("comment", {"episode_id": live.id, "body": "问一下", "kind": "question"}, namespace="/live",
                callback=True)
    host = sock(app, login_as("coordinator"))
    question = db.session.scalars(db.select(Comment)).one()
    assert host.emit("answer", {"comment_id": question.id, "body": "已答复"}, namespace="/live", callback=True)["ok"]
    client.emit("comment", {"episode_id": live.id, "body": "普通评论"}, namespace="/live", callback=True)
    served = app.test_client().get(f"/api/v1/episodes/{live.id}/comments?since_seq=0").json["data"]
    db.session.expire_all()
    rows, _more = history(live.id, 0)
    assert served == LiveCommentSchema(many=True).dump(rows)
    assert served[0]["answer"] == "已答复" and served[0]["answered_at"] and served[1]["body"] == "普通评论"


def test_api_post_comment_uses_the_same_rules(app, live, login_as):
    user = login_as("public")
    token = csrf_token(user, "/")
    ok = user.post(f"/api/v1/episodes/{live.id}/comments", json={"body": "API 评论"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 201 and ok.json["data"]["seq"] == 1
    bad = user.post(f"/api/v1/episodes/{live.id}/comments", json={"body": "  "}, headers={"X-CSRFToken": token})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "comment_empty"


def test_history_query_count_does_not_grow(app, live, users):
    from app.live.models import Comment

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    http = app.test_client()

    def count_for(n: int) -> int:
        start = live.last_comment_seq
        for i in range(n):
            db.session.add(Comment(episode_id=live.id, seq=start + i + 1, user_id=users["public"].id, body="x"))
        live.last_comment_seq = start + n
        db.session.commit()
        statements.clear()
        assert http.get(f"/api/v1/episodes/{live.id}/comments?since_seq=0&limit=100").status_code == 200
        return len(statements)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert count_for(5) == count_for(150)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
