"""Markdown table rows from the JSON reports of run.py, likes.py and history.py (`--json` files).

    .venv/bin/python bench/live/report.py /tmp/c1000.json /tmp/c5000.json /tmp/likes.json /tmp/history.json
"""
from __future__ import annotations

import json
import sys


def _s(ms: float | None) -> str:
    return "–" if ms is None else (f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms")


def comments_row(r: dict) -> str:
    load = r["machine_before"]["load_avg"][0], r["machine_after"]["load_avg"][0]
    return (f"| {r['viewers']:,} | {r['rate']:g}/s | {r['engine']} | {_s(r['latency_p50_ms'])} | "
            f"{_s(r['latency_p99_ms'])} | {_s(r['all_viewers_had_it_p99_ms'])} | {_s(r['ack_p50_ms'])} / "
            f"{_s(r['ack_p99_ms'])} | {r['comments_sent']:,} / {r['comments_acked']:,} / "
            f"{r['comments_persisted']:,} / {r['delivered_distinct_seqs']:,} | "
            f"{'yes' if r['every_viewer_got_every_seq_once'] else 'NO'} | {sum(r['comments_failed'].values()):,} | "
            f"{r['server_cpu_pct']:.0f}% | {r['server_rss_mb_joined']:.0f} → {r['server_rss_mb_end']:.0f} MB | "
            f"{r['server_kb_per_connection']:.0f} KB | {'/'.join(str(c) for c in r['client_cpu_pct'])}% | "
            f"{r['connect_s']:.0f} s | {load[0]:.1f} → {load[1]:.1f} |")


def likes_row(r: dict) -> str:
    load = r["machine_before"]["load_avg"][0], r["machine_after"]["load_avg"][0]
    return (f"| {r['tappers']:,} × {r['taps_per_message']}/s | {r['offered_taps_per_s']:,}/s | {r['engine']} | "
            f"{r['taps_sent']:,} | {r['taps_accepted']:,} | {r['taps_absorbed_per_s']:,}/s | "
            f"{r['like_count_stored']:,} | {r['lost_or_extra']} | {r['db_like_writes_per_s']}/s | "
            f"{r['server_cpu_pct']:.0f}% | {load[0]:.1f} → {load[1]:.1f} |")


def history_rows(r: dict) -> list[str]:
    rows = []
    for size, urls in r["http"].items():
        for name, t in urls.items():
            q = r["queries"][size][name]
            rows.append(f"| {int(size):,} | {name} | {t['p50_ms']:.0f} ms | {t['p95_ms']:.0f} ms | "
                        f"{t['p99_ms']:.0f} ms | {q['queries']} | {q['ms']:.0f} ms |")
    return rows


def main() -> None:
    for path in sys.argv[1:]:
        r = json.load(open(path))
        kind = r.get("benchmark")
        if kind == "live comments":
            print(comments_row(r))
        elif kind == "live likes":
            print(likes_row(r))
        elif kind == "live history":
            print("\n".join(history_rows(r)))


if __name__ == "__main__":
    main()
