"""Zalo delivery benchmark (issue 14): sustained sends through the engine's pacer against the fake's limit.

    .venv/bin/python bench/bench_zalo.py [--messages 40] [--limit 10] [--chats 0]

The fake Zalo Bot API refuses (429) more than `--limit` messages a second overall and more than
one a second to one chat; the engine's ZaloPacer, set to the same limits, should keep close to the
limit without a single 429. `--chats N` spreads the messages over N chats (0: one chat each), so the
per-chat gap shows too. Each line prints the figure, its target and the ratio (target/figure for
an "at least" target: <= 1.0 means the target is met).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.delivery.pacing import ZaloPacer  # noqa: E402
from engine.delivery.send import paced  # noqa: E402
from notifiers.base import Message, NotifierError, Recipient  # noqa: E402
from notifiers.zalo import ZaloNotifier  # noqa: E402
from tests.fakes.zalo_api import zalo_api  # noqa: E402


def report(name: str, figure: float, target: float, unit: str, extra: str = "") -> bool:
    ratio = target / figure if figure else float("inf")
    print(f"{name}: {figure:.1f} {unit} (target >= {target:g} {unit}) ratio {ratio:.2f}"
          f"{' OK' if ratio <= 1 else ' MISSED'}{'  ' + extra if extra else ''}", flush=True)
    return ratio <= 1


def message(i: int, chat: str) -> Message:
    person = Recipient(f"p{i}", f"Cán bộ Nguyễn Văn {i}", zalo=chat)
    return Message(key=f"dd-{i}-bench", notification_ids=(i,), channel="zalo", recipient=person,
                   subject=f"Nhắc việc số {i}",
                   text=f"Nhắc việc – còn 3 ngày làm việc\nBáo cáo số {i}: kết quả thực hiện CCHC quý IV.\n"
                        "Hạn: Thứ Ba, 14/10/2025.", html="")


async def bench(n: int, limit: int, chats: int) -> bool:
    with zalo_api(per_second=limit, per_chat_interval=1.0) as zl:
        addresses = [f"{(i % chats if chats else i):016x}" for i in range(n)]
        zl.known_chats.update(addresses)
        notifier = ZaloNotifier(zl.token, zl.base_url)
        pacer = ZaloPacer(per_second=limit, chat_gap=1.0)
        await notifier.check()   # the connection is opened first, as a running engine has it open
        t = time.perf_counter()
        outcomes = [await paced(notifier, message(i, chat), pacer) for i, chat in enumerate(addresses)]
        elapsed = time.perf_counter() - t
        await notifier.aclose()
        refused = sum(1 for r in zl.calls("sendMessage") if r.status == 429)
        delivered = len(zl.sent())
    failed = sum(isinstance(o, NotifierError) for o in outcomes)
    # With fewer chats than a second's worth, the per-chat gap is the limit: one a second per chat.
    ceiling = min(limit, chats) if chats else limit
    ok = report(f"Zalo sustained to the fake's limit ({limit}/s, 1/s per chat)", delivered / elapsed,
                0.9 * ceiling, "msg/s", f"{delivered}/{n} delivered, {failed} failed, {refused} answered 429")
    return ok and refused == 0 and failed == 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--chats", type=int, default=0)
    args = parser.parse_args()
    return 0 if asyncio.run(bench(args.messages, args.limit, args.chats)) else 1


if __name__ == "__main__":
    sys.exit(main())
