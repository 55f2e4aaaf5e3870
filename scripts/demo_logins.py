"""Print the demo logins (`make run` shows them on every start).

With --unless-printed, read `flask demo load` output from stdin and print nothing
when it already listed the logins (i.e. when the demo was just loaded).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.demo.loader import DEMO_LOGINS, DEMO_PASSWORD  # noqa: E402


def main(argv: list[str]) -> int:
    if "--unless-printed" in argv and DEMO_PASSWORD in sys.stdin.read():
        return 0
    if not DEMO_LOGINS:
        print("(no demo logins defined)")
        return 0
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role in DEMO_LOGINS:
        print(f"  {username:<14} {role}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
