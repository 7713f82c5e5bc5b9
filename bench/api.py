"""Throughput of authenticated ``GET /client/v1/apps`` against a bare route of the same
app doing the same listing (same query, same rows) without key, envelope or rate limit,
in the same server process, in the same run: the ratio is the price of the API's
machinery (auth, scopes, limits, envelope, request ids), not of the listing itself.

    .venv/bin/python bench/api.py [--seconds 10] [--connections 32] [--embedded|--scaled]

The server runs in its own process (uvicorn, one worker); the load comes from ``wrk``
when it is installed (apt-get install wrk), else from a threaded httpx client, which
is slower than the server and so understates both numbers alike. The rate limit is set
out of reach so that its *check* is measured, not its refusals. Prints req/s of both
routes and their ratio (aim: >= 0.6).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench._targets import free_port  # noqa: E402


def serve(port: int, org_id: str) -> None:
    """Child process: the real app plus one bare route, on uvicorn."""
    import uvicorn
    from sqlmodel import Session

    from core.settings import get_settings
    from orchestrator.app import create_app
    from orchestrator.logging import configure_logging
    from orchestrator.services import apps as app_service

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)

    @app.get("/bare", include_in_schema=False)
    def bare() -> list[dict[str, object]]:
        with Session(app.state.runtime.engine) as session:
            page = app_service.page(session, org_id, 0, 20)
            return [app_service.public(a).model_dump(mode="json") for a in page.items]

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} non-2xx answers; the benchmark is void")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def threaded(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    count = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        nonlocal count
        done = 0
        with httpx.Client(headers=headers) as client:
            while time.monotonic() < deadline:
                assert client.get(url).status_code == 200
                done += 1
        with lock:
            count += done

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    data = Path(tempfile.mkdtemp(prefix="gauntlet-bench-"))
    env = os.environ | {
        "GAUNTLET_DATA_DIR": str(data),
        "GAUNTLET_RATE_LIMIT_PER_MINUTE": "1000000000",
        "GAUNTLET_RATE_LIMIT_BURST": "1000000000",
        "GAUNTLET_LOG_LEVEL": "WARNING",
    }
    key = (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "orchestrator.cli",
                "keys",
                "create",
                "--org",
                "bench",
                "--name",
                "b",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    org_id = (
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from sqlmodel import Session; from orchestrator.runtime import build_runtime;"
                "from core.settings import get_settings; from storage.orgs import get_or_create;"
                "rt = build_runtime(get_settings()); s = Session(rt.engine); print(get_or_create(s, 'bench')[0].id)",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), org_id], env=env, cwd=ROOT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {key}"}
        for i in range(5):
            httpx.post(
                f"{base}/client/v1/apps",
                headers=auth,
                json={"name": f"a{i}", "endpoint": "http://127.0.0.1:9"},
            )
        load = wrk if shutil.which("wrk") else threaded
        print(
            f"load generator: {'wrk' if load is wrk else 'httpx threads'}; {args.connections} connections, {args.seconds} s per measurement"
        )
        bare, full = [], []
        for _ in range(args.rounds):  # alternate, so drift affects both alike
            bare.append(load(f"{base}/bare", args.seconds, args.connections, {}))
            full.append(load(f"{base}/client/v1/apps", args.seconds, args.connections, auth))
        b, f = max(bare), max(full)
        print(
            f"bare route              : {b:8.0f} req/s (rounds: {', '.join(f'{x:.0f}' for x in bare)})"
        )
        print(
            f"GET /client/v1/apps     : {f:8.0f} req/s (rounds: {', '.join(f'{x:.0f}' for x in full)})"
        )
        print(f"ratio (authenticated / bare): {f / b:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
