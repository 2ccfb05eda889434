#!/usr/bin/env python3
"""Helpers for bench/run (Python standard library only).

    tools.py free-port
    tools.py wait-ready URL START_NS [TIMEOUT_S]     ms from START_NS until URL answers 200
    tools.py wait-current URL START_NS [TIMEOUT_S]   ms from START_NS until /readyz says the
                                                     verification answers in memory are current
    tools.py token BASE CLIENT_ID CLIENT_SECRET [SCOPE]   a client-credentials access token
    tools.py feed-read BASE TOKEN                    the whole change feed from the beginning,
                                                     1,000 entries a request: entries per second
    tools.py webhooks BASE TOKEN OPERATOR_USER OPERATOR_PASSWORD IDS_JSON N   webhook latency
                                                     (N changes) and a burst's deliveries/s
    tools.py feed-latency BASE TOKEN OPERATOR_USER OPERATOR_PASSWORD ID N   N revocations and
                                                     reinstatements of ID, each while a reader
                                                     waits on the feed: change → arrival (ms)
    tools.py seq-get BASE PATH N MAX_S [TOKEN]       N sequential GETs (fewer, but at least 10,
                                                     once MAX_S seconds have passed): percentiles
    tools.py seq-batch BASE TOKEN IDS_TSV N SIZE MAX_S   the same for batches of SIZE random items
    tools.py wrk-json WRK_OUTPUT [CPU0 CPU1]         the "JSON {...}" line that common.lua prints
    tools.py cpu PID                                 CPU seconds the process has used
    tools.py pgbench-json PGBENCH_OUTPUT LOG_PREFIX  tps and latency percentiles of a pgbench run
    tools.py proc PID                                VmRSS, VmHWM, threads (KiB) from /proc
    tools.py export DATABASE_URL OUT_DIR SAMPLE      IDs and user numbers for wrk; registry terms
    tools.py machine                                 the machine block (JSON)
    tools.py put RESULTS_JSON DOTTED.KEY VALUE       VALUE is JSON, or @FILE holding JSON
"""

import glob
import http.client
import json
import math
import os
import platform
import random
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def fail(message):
    print(f"tools.py: {message}", file=sys.stderr)
    sys.exit(1)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(latencies_ms, statuses):
    values = sorted(latencies_ms)
    return {
        "n": len(values),
        "latency_ms": {
            "mean": round(sum(values) / len(values), 3) if values else None,
            "p50": round(percentile(values, 50), 3) if values else None,
            "p95": round(percentile(values, 95), 3) if values else None,
            "p99": round(percentile(values, 99), 3) if values else None,
            "max": round(values[-1], 3) if values else None,
        },
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def connection(base):
    parsed = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=120)


def timed_requests(base, requests, max_seconds=None, min_requests=10):
    """Sends (method, path, headers, body) requests one after the other on one keep-alive
    connection; returns the latencies in ms (time to the last byte) and the status counts.
    With max_seconds, stops once that time has passed and at least min_requests were made, so
    that a slow query cannot stretch the run without bound."""
    conn = connection(base)
    latencies, statuses = [], {}
    started = time.monotonic()
    for method, path, headers, body in requests:
        if (max_seconds is not None and len(latencies) >= min_requests
                and time.monotonic() - started > max_seconds):
            break
        start = time.perf_counter_ns()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter_ns() - start) / 1e6)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = connection(base)
    conn.close()
    return latencies, statuses


def get_json(conn, path, headers):
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        fail(f"GET {path} answered {response.status}: {data[:300]!r}")
    return json.loads(data)


def cmd_feed_read(base, token):
    """Reads the change feed from the beginning to its end; prints the entries, the requests,
    the time, entries per second, per-request latencies, and one declaration that is live at
    the end (for feed-latency)."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    conn = connection(base)
    cursor, entries, latencies, live = "", 0, [], {}
    started = time.perf_counter()
    while True:
        start = time.perf_counter_ns()
        page = get_json(conn, f"/v1/declaration-changes?limit=1000&after={cursor}", headers)
        latencies.append((time.perf_counter_ns() - start) / 1e6)
        cursor = page["next_cursor"]
        if not page["items"]:
            break
        entries += len(page["items"])
        for item in page["items"]:
            live[item["declaration_id"]] = item["valid"]
    live_ids = [d for d, v in live.items() if v]
    seconds = time.perf_counter() - started
    result = summarize(latencies, {200: len(latencies)})
    result.update({"entries": entries, "seconds": round(seconds, 2),
                   "entries_per_s": round(entries / seconds, 1) if seconds else None,
                   "live_id": live_ids[-1] if live_ids else None,
                   "live_ids": live_ids[-201:-1],
                   "cursor": cursor})
    print(json.dumps(result))


def cmd_feed_latency(base, token, operator_user, operator_password, declaration_id, n):
    """For each of N changes (revocation, then reinstatement, alternately) of a live
    declaration: a reader waits on the feed from its end (wait=25), the change is made over
    HTTP, and the time from sending the change to the reader's answer is measured."""
    import threading
    conn = connection(base)
    conn.request("POST", "/v1/auth/login", headers={"Content-Type": "application/json"},
                 body=json.dumps({"user_number": operator_user, "password": operator_password}))
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        fail(f"operator login answered {response.status}: {data[:300]!r}")
    operator = {"Authorization": f"Bearer {json.loads(data)['access_token']}",
                "Content-Type": "application/json"}
    feed = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    cursor = ""
    while True:
        page = get_json(conn, f"/v1/declaration-changes?limit=1000&after={cursor}", feed)
        cursor = page["next_cursor"]
        if not page["items"]:
            break
    latencies, misses = [], 0
    for i in range(int(n)):
        arrival = {}

        def wait_for_change(after=cursor):
            reader = connection(base)
            reader.request("GET", f"/v1/declaration-changes?after={after}&wait=25", headers=feed)
            body = json.loads(reader.getresponse().read())
            arrival["at"] = time.perf_counter_ns()
            arrival["page"] = body
            reader.close()

        thread = threading.Thread(target=wait_for_change)
        thread.start()
        time.sleep(0.05)  # the reader is waiting
        action = "revocation" if i % 2 == 0 else "reinstatement"
        body = json.dumps({"reason": "other"} if action == "revocation" else {})
        sent = time.perf_counter_ns()
        conn.request("POST", f"/v1/admin/declarations/{declaration_id}/{action}", body=body,
                     headers=operator)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            fail(f"{action} answered {response.status}: {data[:300]!r}")
        thread.join(30)
        page = arrival.get("page") or {}
        if not page.get("items"):
            misses += 1
            continue
        latencies.append((arrival["at"] - sent) / 1e6)
        cursor = page["next_cursor"]
    result = summarize(latencies, {200: len(latencies)})
    result["missed"] = misses
    print(json.dumps(result))


def cmd_webhooks(base, token, operator_user, operator_password, ids_json, n):
    """Webhooks to a local receiver: 10 endpoints (the most a client may have) watching the
    declarations in IDS_JSON (a JSON list of live IDs). First N changes one after the other,
    each timed from sending the change to its first delivery (and to the tenth); then every
    declaration revoked and reinstated by 8 threads at once, and the deliveries per second
    from the first change sent to the last delivery received."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    ids = json.loads(ids_json)
    if len(ids) < 10:
        fail(f"webhooks: need at least 10 live declarations, got {len(ids)}")
    arrivals, lock = [], threading.Lock()

    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            at = time.perf_counter_ns()
            event = json.loads(body)
            with lock:
                arrivals.append((at, event["declaration_id"], event["kind"], self.headers["webhook-id"]))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    conn = connection(base)
    client = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(c, method, path, headers, body=None, expect=(200,)):
        c.request(method, path, headers=headers, body=None if body is None else json.dumps(body))
        response = c.getresponse()
        data = response.read()
        if response.status not in expect:
            fail(f"{method} {path} answered {response.status}: {data[:300]!r}")
        return json.loads(data) if data else None

    for _ in range(10):
        call(conn, "POST", "/v1/webhook-endpoints", client,
             {"url": receiver, "event_types": ["declaration.revoked", "declaration.reinstated"]}, (201,))
    for declaration_id in ids:
        call(conn, "PUT", f"/v1/watchlist/{declaration_id}", client, None, (204,))
    login = call(conn, "POST", "/v1/auth/login", {"Content-Type": "application/json"},
                 {"user_number": operator_user, "password": operator_password})
    operator = {"Authorization": f"Bearer {login['access_token']}", "Content-Type": "application/json"}

    def change(c, declaration_id, revoke):
        action = "revocation" if revoke else "reinstatement"
        call(c, "POST", f"/v1/admin/declarations/{declaration_id}/{action}", operator,
             {"reason": "other"} if revoke else {})

    def wait_until(count, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with lock:
                if len(arrivals) >= count:
                    return True
            time.sleep(0.002)
        return False

    first_latencies, tenth_latencies, misses = [], [], 0
    target = ids[0]
    for i in range(int(n)):
        before = len(arrivals)
        sent = time.perf_counter_ns()
        change(conn, target, i % 2 == 0)
        if not wait_until(before + 10, 30):
            misses += 1
            continue
        with lock:
            mine = sorted(a[0] for a in arrivals[before:before + 10])
        first_latencies.append((mine[0] - sent) / 1e6)
        tenth_latencies.append((mine[-1] - sent) / 1e6)
    if int(n) % 2 == 1:
        change(conn, target, False)
        wait_until(len(arrivals) + 10, 30)
    burst_ids = ids[1:]
    before = len(arrivals)
    expected = before + 2 * len(burst_ids) * 10
    started = time.perf_counter_ns()

    def worker(part):
        c = connection(base)
        for declaration_id in part:
            change(c, declaration_id, True)
        for declaration_id in part:
            change(c, declaration_id, False)

    threads = [threading.Thread(target=worker, args=(burst_ids[k::8],)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    changes_done = time.perf_counter_ns()
    complete = wait_until(expected, 180)
    with lock:
        burst = arrivals[before:]
        ids_seen = [a[3] for a in arrivals]
    last = max(a[0] for a in burst) if burst else changes_done
    seconds = (last - started) / 1e9
    server.shutdown()
    result = summarize(first_latencies, {204: len(first_latencies)})
    result.update({
        "missed": misses,
        "tenth_endpoint_latency_ms": summarize(tenth_latencies, {})["latency_ms"],
        "burst": {
            "changes": 2 * len(burst_ids),
            "changes_seconds": round((changes_done - started) / 1e9, 2),
            "deliveries": len(burst),
            "expected": expected - before,
            "complete": complete,
            "seconds": round(seconds, 2),
            "deliveries_per_s": round(len(burst) / seconds, 1) if seconds else None,
        },
        "duplicates": len(ids_seen) - len(set(ids_seen)),
    })
    print(json.dumps(result))


def cmd_free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def cmd_wait_ready(url, start_ns, timeout_s="120"):
    start_ns, deadline = int(start_ns), time.time() + float(timeout_s)
    parsed = urllib.parse.urlsplit(url)
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=2)
            conn.request("GET", parsed.path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                print(f"{(time.time_ns() - start_ns) / 1e6:.1f}")
                return
        except OSError:
            pass
        time.sleep(0.005)
    fail(f"{url} did not answer 200 within {timeout_s} s")


def cmd_wait_current(url, start_ns, timeout_s="300"):
    start_ns, deadline = int(start_ns), time.time() + float(timeout_s)
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if json.load(answer).get("verification_cache") == "current":
                    print(f"{(time.time_ns() - start_ns) / 1e6:.1f}")
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    fail(f"{url} did not say verification_cache: current within {timeout_s} s")


def cmd_token(base, client_id, secret, scope="declarations:verify"):
    conn = connection(base)
    body = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": client_id,
        "client_secret": secret, "scope": scope})
    conn.request("POST", "/v1/oauth/token", body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        fail(f"token request answered {response.status}: {data[:300]!r}")
    print(json.loads(data)["access_token"])


def cmd_seq_get(base, path, n, max_seconds, token=None):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    requests = [("GET", path, headers, None)] * int(n)
    # One unmeasured request first: connection set-up and first-use costs are not the point.
    timed_requests(base, requests[:1])
    latencies, statuses = timed_requests(base, requests, float(max_seconds))
    result = summarize(latencies, statuses)
    result["requested"] = int(n)
    print(json.dumps(result))


def read_tsv(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts and parts[0]:
                rows.append((parts + ["", ""])[:3])
    return rows


def cmd_seq_batch(base, token, ids_tsv, n, size, max_seconds):
    rows, rng = read_tsv(ids_tsv), random.Random(20261122)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    requests = []
    for _ in range(int(n) + 1):
        items = []
        for declaration_id, corporate, name in rng.choices(rows, k=int(size)):
            item = {"declaration_id": declaration_id}
            if corporate:
                item["corporate_number"] = corporate
            if name:
                item["organization_name"] = name
            items.append(item)
        body = json.dumps({"items": items}, ensure_ascii=False).encode()
        requests.append(("POST", "/v1/verifications/batch", headers, body))
    timed_requests(base, requests[:1])
    latencies, statuses = timed_requests(base, requests[1:], float(max_seconds))
    result = summarize(latencies, statuses)
    result["requested"] = int(n)
    result["items_per_request"] = int(size)
    result["request_bytes"] = len(requests[1][3])
    print(json.dumps(result))


def cmd_wrk_json(path, cpu_before=None, cpu_after=None):
    """With the service's CPU seconds before and after the run, adds the CPU it spent per
    request: a figure that other load on the machine disturbs far less than req/s."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("JSON "):
                result = json.loads(line[5:])
                if cpu_before is not None and cpu_after is not None:
                    spent = float(cpu_after) - float(cpu_before)
                    result["server_cpu_s"] = round(spent, 2)
                    if result.get("requests"):
                        result["server_cpu_us_per_request"] = round(spent * 1e6 / result["requests"], 1)
                print(json.dumps(result))
                return
    fail(f"no JSON line in {path} (did wrk fail? see that file)")


def cmd_cpu(pid):
    """CPU seconds (user + system) the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    print(f"{ticks / os.sysconf('SC_CLK_TCK'):.2f}")


def cmd_pgbench_json(output_path, log_prefix):
    result = {}
    with open(output_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("tps = "):
                result["tps"] = float(line.split()[2])
            elif line.startswith("latency average = "):
                result["latency_avg_ms"] = float(line.split()[3])
            elif line.startswith("number of transactions actually processed:"):
                result["transactions"] = int(line.split(":")[1].split("/")[0])
            elif line.startswith("number of failed transactions:"):
                result["failed"] = int(line.split(":")[1].split()[0])
    if "tps" not in result:
        fail(f"no tps in {output_path}")
    # Per-transaction log lines: client_id transaction_no time_us script_no time_epoch time_us
    latencies = []
    for path in glob.glob(log_prefix + "*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    latencies.append(int(parts[2]) / 1000.0)
    latencies.sort()
    if latencies:
        result["latency_ms"] = {
            "p50": round(percentile(latencies, 50), 3),
            "p95": round(percentile(latencies, 95), 3),
            "p99": round(percentile(latencies, 99), 3),
            "max": round(latencies[-1], 3),
            "sampled": len(latencies),
        }
    result["rps"] = result["tps"]
    print(json.dumps(result))


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                fields[key] = int(value.split()[0])
    return {"rss_kib": fields.get("VmRSS"), "hwm_kib": fields.get("VmHWM"),
            "threads": fields.get("Threads")}


def cmd_proc(pid):
    print(json.dumps(proc_status(pid)))


def cmd_proc_idle(pid, samples="5", interval="1"):
    """An idle process's memory: `samples` readings `interval` seconds apart, the first after
    one interval; rss_kib is their median (one reading of a process that has just started can
    catch a moment's allocation), and every reading is kept."""
    readings = []
    for _ in range(int(samples)):
        time.sleep(float(interval))
        readings.append(proc_status(pid))
    rss = sorted(r["rss_kib"] for r in readings)
    result = dict(readings[-1])
    result["rss_kib"] = rss[len(rss) // 2]
    result["rss_kib_samples"] = [r["rss_kib"] for r in readings]
    print(json.dumps(result))


EXPORT_IDS = ("SELECT d.public_id, COALESCE(d.corporate_number, ''), r.organization_name "
              "FROM declarations d JOIN declarers r ON r.id = d.declarer_id "
              "ORDER BY random() LIMIT {sample}")
EXPORT_USERS = ("SELECT user_number FROM accounts WHERE role = 'declarer' "
                "ORDER BY random() LIMIT {sample}")
# The registry's "one company" queries take the live declaration in the middle of the ID range,
# so that the same seed gives the same terms.
MIDDLE_LIVE = ("SELECT COALESCE(d.corporate_number, ''), r.organization_name "
               "FROM declarations d JOIN declarers r ON r.id = d.declarer_id "
               "WHERE d.status IN ('declared', 'accepted') AND d.corporate_number IS NOT NULL "
               "AND d.id >= (SELECT (MIN(id) + MAX(id)) / 2 FROM declarations) "
               "ORDER BY d.id LIMIT 1")


def query_rows(database_url, sql):
    if database_url.startswith("sqlite://"):
        conn = sqlite3.connect(database_url[len("sqlite://"):])
        try:
            return [tuple("" if v is None else str(v) for v in row) for row in conn.execute(sql)]
        finally:
            conn.close()
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-d", database_url, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def cmd_export(database_url, out_dir, sample):
    sample = int(sample)
    ids = query_rows(database_url, EXPORT_IDS.format(sample=sample))
    users = query_rows(database_url, EXPORT_USERS.format(sample=sample))
    if not ids or not users:
        fail("the database has no declarations or no declarer accounts: was it seeded?")
    with open(os.path.join(out_dir, "ids.tsv"), "w", encoding="utf-8") as f:
        for row in ids:
            f.write("\t".join(c.replace("\t", " ") for c in row) + "\n")
    with open(os.path.join(out_dir, "users.txt"), "w") as f:
        for (user,) in users:
            f.write(user + "\n")
    middle = query_rows(database_url, MIDDLE_LIVE)
    corporate, name = middle[0] if middle else ("", "")
    print(json.dumps({"ids": len(ids), "users": len(users),
                      "corporate_number": corporate, "organization_name": name},
                     ensure_ascii=False))


def run_text(command):
    """The command's first line of output (wrk --version exits with 1 after printing it)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (done.stdout.strip() or done.stderr.strip()).splitlines()
    return text[0].strip() if text and (done.returncode == 0 or done.stdout.strip()) else None


def cmd_machine():
    cpu_model, memory_kib = None, None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    os_name = None
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    pg_url = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    wrk = run_text(["wrk", "--version"])
    print(json.dumps({
        "hostname": platform.node(),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_gib": round(memory_kib / 1048576, 1) if memory_kib else None,
        "kernel": platform.release(),
        "os": os_name,
        "rustc": run_text(["rustc", "--version"]),
        "postgresql": run_text(["psql", "-X", "-At", "-d", pg_url, "-c", "SHOW server_version"]),
        "sqlite": sqlite3.sqlite_version + " (Python's; the service bundles its own)",
        "wrk": wrk.split("Copyright")[0].strip() if wrk else None,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }))


def cmd_put(path, key, value):
    if value.startswith("@"):
        with open(value[1:], encoding="utf-8") as f:
            value = f.read()
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        fail(f"no JSON value to store under {key} (the step before failed)")
    data = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = parsed
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


COMMANDS = {
    "free-port": cmd_free_port, "wait-ready": cmd_wait_ready, "wait-current": cmd_wait_current, "token": cmd_token,
    "seq-get": cmd_seq_get, "seq-batch": cmd_seq_batch, "wrk-json": cmd_wrk_json,
    "pgbench-json": cmd_pgbench_json, "proc": cmd_proc,
    "proc-idle": cmd_proc_idle, "cpu": cmd_cpu, "export": cmd_export,
    "machine": cmd_machine, "put": cmd_put, "feed-read": cmd_feed_read,
    "feed-latency": cmd_feed_latency, "webhooks": cmd_webhooks,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
