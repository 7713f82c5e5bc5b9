"""A would-be worker, in a process of its own (it imports Locust, which patches the
standard library: never in the pytest process):

    python -m tests.loadgen.intruder HOST PORT MODE [TOKEN]

MODE ``token`` joins with TOKEN the way a Gauntlet worker does; MODE ``plain`` is a bare
Locust worker that skips the join and sends ``client_ready`` at once. Prints one JSON
line: ``{"joined": bool, "config": bool, "why": str}`` (``config``: whether a load test
config ever reached it).
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    token = sys.argv[4] if len(sys.argv) > 4 else ""

    import locust.runners
    from locust.env import Environment

    from loadgen import distributed

    seen: list[object] = []
    locust.runners.CONNECT_TIMEOUT = 1
    locust.runners.CONNECT_RETRY_COUNT = 1
    distributed.JOIN_TIMEOUT_S = 3.0

    class Plain(locust.runners.WorkerRunner):
        def handle_message(self, msg: locust.runners.Message) -> None:
            seen.append(msg.type)
            super().handle_message(msg)

    class Joining(distributed.JoiningWorker):
        join_token = token

        def _configure(self, text: str) -> None:
            seen.append(distributed.CONFIG_MESSAGE)

    env = Environment(user_classes=[], stop_timeout=0)
    runner_class = Plain if mode == "plain" else Joining
    try:
        runner = env._create_runner(runner_class, master_host=host, master_port=port)
    except ConnectionError as exc:
        outcome = {"joined": False, "why": str(exc) or "no ack"}
    else:
        outcome = {"joined": True, "why": ""}
        runner.quit()
    outcome["config"] = distributed.CONFIG_MESSAGE in seen
    print(json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
