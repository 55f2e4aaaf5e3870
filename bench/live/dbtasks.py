"""Database chores of the live-room benchmarks, run in the server's environment (ZHIBO_ASYNC=threading).

    dbtasks.py setup --commenters 20 [--history 1000,100000] [--live-history 200]
                                                             migrate; a live episode (+ history episodes;
                                                             --live-history: comments already in the live one)
    dbtasks.py verify --episode 3                              what the database holds for an episode
    dbtasks.py queries --episodes 4,5                          SQL statements per request, in-process

Each prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PASSWORD = "bench-password-1"


def _episode(db, number: int, agency, domain, now, title: str):
    from app.episodes.models import Episode, EpisodeAgency

    episode = Episode(number=number, title=title, domain_id=domain.id, state="live", host_name="压测主持",
                      scheduled_start=now - timedelta(minutes=5), published_at=now - timedelta(days=1),
                      live_at=now - timedelta(minutes=1), stream_kind="hls",
                      stream_url="https://example.invalid/live.m3u8")
    episode.participations = [EpisodeAgency(agency_id=agency.id, role="lead")]
    db.session.add(episode)
    db.session.flush()
    return episode


def _bulk_comments(db, episode, users: list[int], n: int, now) -> None:
    """INSERT n published comments (seq 1…n) in chunks of executemany; sets last_comment_seq."""
    from sqlalchemy import insert, update

    from app.episodes.models import Episode
    from app.live.models import Comment

    start = now - timedelta(seconds=n // 50 + 60)
    chunk = 10_000
    for first in range(1, n + 1, chunk):
        rows = [{"episode_id": episode.id, "seq": s, "user_id": users[s % len(users)],
                 "kind": "question" if s % 20 == 0 else "comment", "body": f"历史评论 {s}: 这一段执法讲得很清楚",
                 "state": "published", "offset_seconds": s // 50, "upvotes": 0,
                 "created_at": start + timedelta(milliseconds=20 * s)}
                for s in range(first, min(n, first + chunk - 1) + 1)]
        db.session.execute(insert(Comment), rows)
    db.session.execute(update(Episode).where(Episode.id == episode.id).values(last_comment_seq=n))


def setup(commenters: int, history: list[int], live_history: int = 0) -> dict:
    """Migrate a fresh database; a live episode for the swarm and one per history size."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.accounts.models import User
    from app.agencies.models import Agency, Domain
    from app.core import clock
    from app.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        now = clock.now()
        domain = Domain(code="bench", name_zh="压测", name_en="Bench")
        agency = Agency(slug="bench", name_zh="压测执法单位", name_en="Bench agency", short_name="压测",
                        domains=[domain])
        db.session.add_all([domain, agency])
        password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # logins stay fast
        users = [User(username=f"bench{i}", display_name=f"观众{i}", password_hash=password, role="public",
                      created_at=now) for i in range(max(commenters, 1))]
        db.session.add_all(users)
        db.session.flush()
        live = _episode(db, 1, agency, domain, now, "压测直播")
        if live_history:
            _bulk_comments(db, live, [u.id for u in users], live_history, now)
        out = {"episode_id": live.id, "usernames": [u.username for u in users], "history": {}}
        for i, n in enumerate(history):
            episode = _episode(db, 2 + i, agency, domain, now, f"历史 {n} 条评论")
            started = time.perf_counter()
            _bulk_comments(db, episode, [u.id for u in users], n, now)
            out["history"][str(n)] = {"episode_id": episode.id, "insert_s": round(time.perf_counter() - started, 1)}
        db.session.commit()
        return out


def verify(episode_id: int) -> dict:
    """Comments stored for the episode (bench bodies carry `#<i>`), likes and counters."""
    from sqlalchemy import func, select

    from app import create_app
    from app.episodes.models import Episode
    from app.extensions import db
    from app.live.models import Comment

    app = create_app()
    with app.app_context():
        episode = db.session.get(Episode, episode_id)
        seqs = db.session.scalars(select(Comment.seq).where(Comment.episode_id == episode_id)
                                  .order_by(Comment.seq)).all()
        published = db.session.scalar(select(func.count(Comment.id)).where(
            Comment.episode_id == episode_id, Comment.state == "published"))
        return {"comments": len(seqs), "published": published, "seqs": list(seqs),
                "distinct_seqs": len(set(seqs)), "like_count": episode.like_count,
                "peak_viewers": episode.peak_viewers, "view_count": episode.view_count,
                "last_comment_seq": episode.last_comment_seq}


def queries(episode_ids: list[int]) -> dict:
    """SQL statements (before_cursor_execute) and in-process time per request, per episode and URL."""
    from sqlalchemy import event, func, select

    from app import create_app
    from app.extensions import db
    from app.live.models import Comment

    app = create_app()
    counter = {"n": 0}
    out: dict = {}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: counter.__setitem__("n", counter["n"] + 1))
        client = app.test_client()
        for episode_id in episode_ids:
            n = db.session.scalar(select(func.count(Comment.id)).where(Comment.episode_id == episode_id))
            db.session.remove()
            rows = {}
            for name, url in urls(episode_id, n).items():
                client.get(url)  # warm caches (templates, word list, schema)
                counter["n"] = 0
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
                rows[name] = {"status": response.status_code, "queries": counter["n"],
                              "ms": round(elapsed * 1000, 1)}
            out[str(n)] = rows
    return out


def urls(episode_id: int, n: int) -> dict[str, str]:
    """The pages and API calls measured for an episode with n comments."""
    api = f"/api/v1/episodes/{episode_id}/comments"
    return {
        "episode page": f"/episodes/{episode_id}",
        "API resume (since_seq = last−200, limit 200)": f"{api}?since_seq={max(0, n - 200)}&limit=200",
        "API replay (since_seq = half, limit 500)": f"{api}?since_seq={n // 2}&limit=500",
        "API newest page (page 1, per_page 50)": f"{api}?page=1&per_page=50",
        "API deep page (page 10, per_page 100)": f"{api}?page=10&per_page=100",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["setup", "verify", "queries"])
    parser.add_argument("--commenters", type=int, default=20)
    parser.add_argument("--history", default="")
    parser.add_argument("--live-history", type=int, default=0)
    parser.add_argument("--episode", type=int)
    parser.add_argument("--episodes", default="")
    args = parser.parse_args()
    if args.task == "setup":
        result = setup(args.commenters, [int(x) for x in args.history.split(",") if x], args.live_history)
    elif args.task == "verify":
        result = verify(args.episode)
    else:
        result = queries([int(x) for x in args.episodes.split(",") if x])
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
