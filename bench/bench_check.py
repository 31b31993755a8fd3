"""Benchmark POST /v1/check against a bare FastAPI baseline measured in the same run.

    .venv/bin/python bench/bench_check.py [--duration 10] [--connections 4] [--entries 20000]

Starts (one at a time, one uvicorn worker each) our app over a fresh SQLite store with
`--entries` risk entries, and the bare app in bench/_bare_app.py, loads each with the
same generator (wrk with a Lua POST script when installed — `apt-get install -y wrk` —
else a keep-alive asyncio client), single-item requests, and prints both throughputs,
their ratio, p50/p99 at N connections, and the latency of a 1,000-item request.
Targets: ours ≥ bare, p99 ≤ 20 ms, 1,000 items < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                if r.status < 500:
                    return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} not ready")


def prepare_store(home: Path, entries: int) -> tuple[dict, str]:
    """A migrated SQLite store with `entries` risk entries and one org; returns (env, key)."""
    env = os.environ.copy()
    env.update({"ZEROSCAM_HOME": str(home), "ZEROSCAM_ALLIANCE_SECRET": "bench-secret-0123456789abcdef",
                "ZEROSCAM_TESTING": "0", "ZEROSCAM_LOG_LEVEL": os.environ.get("ZEROSCAM_LOG_LEVEL", "INFO")})
    env.pop("ZEROSCAM_DATABASE_URL", None)
    os.environ.update({k: env[k] for k in ("ZEROSCAM_HOME", "ZEROSCAM_ALLIANCE_SECRET")})
    from datetime import datetime

    from zeroscam.check import service as risk
    from zeroscam.config import get_settings
    from zeroscam.kit.db import migrate, session_scope
    from zeroscam.members import service as members

    settings = get_settings()
    settings.ensure_home()
    migrate(settings.relational_url)
    with session_scope(settings.relational_url) as s:
        org = members.create_org(s, "Bench Bank", "bank", bank_codes=["014"])
        key = members.issue_key(s, org)
        rows = [{"kind": "bank_account", "value": f"014-{i:010d}", "source": "report", "ref": f"R-{i}",
                 "score": 0.7, "reason": "victim_reports", "victim_token": f"v{i}",
                 "observed_at": datetime(2025, 3, 2, 2)} for i in range(entries)]
        risk.add_signals_bulk(s, rows)
        risk.refresh_risk(s)
    return env, key


def start(cmd: list[str], env: dict, port: int, ready_path: str) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, ready_path)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------- load generators

WRK_LUA = """
wrk.method = "POST"
wrk.body   = '%s'
wrk.headers["Content-Type"] = "application/json"
%s
"""


def run_wrk(port: int, body: str, headers: dict, duration: int, connections: int) -> dict:
    extra = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_LUA % (body, extra))
        script = f.name
    out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "--latency", "-s", script,
                          f"http://127.0.0.1:{port}/v1/check"], capture_output=True, text=True).stdout
    os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": pct(50), "p99_ms": pct(99), "errors": int(non2xx.group(1)) if non2xx else 0,
            "tool": "wrk"}


async def _client(port: int, request: bytes, stop_at: float, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, length = await _read_response(reader)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _read_response(reader) -> tuple[int, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
    length = int(m.group(1)) if m else 0
    await reader.readexactly(length)
    return status, length


def http_request(port: int, body: str, headers: dict) -> bytes:
    data = body.encode()
    lines = [f"POST /v1/check HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
             f"Content-Length: {len(data)}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def run_asyncio(port: int, body: str, headers: dict, duration: int, connections: int) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    request = http_request(port, body, headers)

    async def main():
        stop_at = time.perf_counter() + duration
        await asyncio.gather(*[_client(port, request, stop_at, latencies, errors) for _ in range(connections)])

    t0 = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / elapsed, "p50_ms": q[49], "p99_ms": q[98], "errors": len(errors),
            "tool": "asyncio"}


def big_request_latency(port: int, headers: dict, n: int = 30) -> dict:
    items = [{"type": "bank_account", "value": f"014-{i:010d}"} for i in range(500)]
    items += [{"type": "phone", "value": f"08{i:08d}"} for i in range(500)]
    request = http_request(port, json.dumps({"items": items}), headers)

    async def main():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        times = []
        for _ in range(n + 3):
            t0 = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, _ = await _read_response(reader)
            assert status == 200, status
            times.append((time.perf_counter() - t0) * 1000)
        writer.close()
        return times[3:]  # warm-up

    times = asyncio.run(main())
    return {"p50_ms": statistics.median(times), "max_ms": max(times)}


def _median(runs: list[dict], field: str) -> float:
    return statistics.median(r[field] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=5, help="seconds per round per server")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians are reported)")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--entries", type=int, default=20000)
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="zeroscam-bench-"))
    procs = []
    try:
        env, key = prepare_store(home, args.entries)
        env["BENCH_ENTRIES"] = str(args.entries)
        body = json.dumps({"items": [{"type": "bank_account", "value": "014-0000000042"}]})
        gen = run_wrk if shutil.which("wrk") else run_asyncio
        uv = [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--log-level", "warning",
              "--no-access-log"]
        ours_port, bare_port = free_port(), free_port()
        procs.append(start(uv + ["--port", str(ours_port), "zeroscam.app:create_app_from_env"], env, ours_port,
                           "/health"))
        bare_env = dict(env, PYTHONPATH=str(ROOT / "bench") + os.pathsep + env.get("PYTHONPATH", ""))
        procs.append(start(uv + ["--port", str(bare_port), "_bare_app:create_app"], bare_env, bare_port, "/docs"))
        auth = {"Authorization": f"Bearer {key}"}
        gen(ours_port, body, auth, 2, args.connections)  # warm-up (and the key into the cache)
        gen(bare_port, body, {}, 2, args.connections)
        ours_runs, bare_runs = [], []
        # Alternate, so that load from elsewhere on the machine hits both alike.
        for _ in range(args.rounds):
            ours_runs.append(gen(ours_port, body, auth, args.duration, args.connections))
            bare_runs.append(gen(bare_port, body, {}, args.duration, args.connections))
        big = big_request_latency(ours_port, auth)
        bare_big = big_request_latency(bare_port, {})
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(home, ignore_errors=True)

    ours = {f: _median(ours_runs, f) for f in ("rps", "p50_ms", "p99_ms")}
    bare = {f: _median(bare_runs, f) for f in ("rps", "p50_ms", "p99_ms")}
    errors = sum(r["errors"] for r in ours_runs) + sum(r["errors"] for r in bare_runs)
    print(f"generator: {ours_runs[0]['tool']}, {args.connections} connections, {args.rounds} alternating rounds "
          f"of {args.duration}s, {args.entries} risk entries, single-item requests, 1 uvicorn worker each")
    print("per round ours/bare req/s: " + ", ".join(f"{o['rps']:.0f}/{b['rps']:.0f}"
                                                    for o, b in zip(ours_runs, bare_runs)))
    print(f"zeroscam /v1/check : {ours['rps']:9.0f} req/s  p50 {ours['p50_ms']:.2f} ms  p99 {ours['p99_ms']:.2f} ms")
    print(f"bare FastAPI       : {bare['rps']:9.0f} req/s  p50 {bare['p50_ms']:.2f} ms  p99 {bare['p99_ms']:.2f} ms")
    print(f"non-2xx responses  : {errors}")
    print(f"ratio ours/bare    : {ours['rps'] / bare['rps']:.2f}  (target >= 1.0)")
    print(f"1,000-item request : zeroscam p50 {big['p50_ms']:.1f} ms (max {big['max_ms']:.1f}); "
          f"bare p50 {bare_big['p50_ms']:.1f} ms  (target < 50 ms)")
    ok = ours["rps"] >= bare["rps"] and ours["p99_ms"] <= 20 and big["p50_ms"] < 50 and errors == 0
    print("targets met" if ok else "targets NOT met (see the figures above; the machine may be busy)")


if __name__ == "__main__":
    main()
