"""The batcher turns many events into one message per room per flush."""
from __future__ import annotations

from app.core.fanout import Batcher


class _Recorder:
    def __init__(self):
        self.sent = []

    def emit(self, event, payload, to=None, namespace=None):
        self.sent.append((event, payload, to, namespace))


def test_many_items_become_one_event_per_room():
    batcher, socketio = Batcher("batch", "/live"), _Recorder()
    for n in range(100):
        batcher.add("episode:1", {"seq": n})
    batcher.add("episode:2", {"seq": 1})
    assert batcher.flush(socketio) == 2
    by_room = {to: payload for _, payload, to, _ in socketio.sent}
    assert [i["seq"] for i in by_room["episode:1"]["items"]] == list(range(100))
    assert by_room["episode:2"]["items"] == [{"seq": 1}]
    assert batcher.flush(socketio) == 0  # nothing pending: nothing sent


def test_latest_values_replace_older_ones():
    batcher, socketio = Batcher("batch", "/live"), _Recorder()
    for total in (5, 9, 12):
        batcher.put("poll:3", "likes", total)
    batcher.flush(socketio)
    assert socketio.sent == [("batch", {"likes": 12}, "poll:3", "/live")]


def test_counts_alone_go_out_at_most_every_latest_every_but_ride_along_with_items():
    now = [100.0]
    batcher, socketio = Batcher("batch", "/live", latest_every=1.0, clock=lambda: now[0]), _Recorder()
    batcher.put("episode:1", "viewers", 10)
    batcher.flush(socketio)
    batcher.put("episode:1", "viewers", 11)
    now[0] += 0.25
    assert batcher.flush(socketio) == 0  # a count alone, 0.25 s after the last: held
    batcher.put("episode:1", "viewers", 12)
    now[0] += 0.25
    batcher.add("episode:1", {"seq": 1})
    batcher.flush(socketio)  # an item goes out at once, with the newest count
    now[0] += 0.25
    batcher.put("episode:1", "likes", 3)
    assert batcher.flush(socketio) == 0
    now[0] += 1.0
    batcher.flush(socketio)
    assert [payload for _, payload, _, _ in socketio.sent] == [
        {"viewers": 10}, {"viewers": 12, "items": [{"seq": 1}]}, {"likes": 3}]


def test_live_batches_put_comments_in_seq_order_and_leave_other_items_in_place():
    from app.live.broadcast import in_seq_order

    batcher, socketio = Batcher("batch", "/live", order=in_seq_order), _Recorder()
    for item in ({"type": "comment", "seq": 11}, {"type": "upvote", "id": 3}, {"type": "comment", "seq": 10},
                 {"type": "comment", "seq": 12}):
        batcher.add("episode:1", item)
    batcher.flush(socketio)
    assert socketio.sent[0][1]["items"] == [{"type": "comment", "seq": 10}, {"type": "upvote", "id": 3},
                                           {"type": "comment", "seq": 11}, {"type": "comment", "seq": 12}]
