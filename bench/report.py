#!/usr/bin/env python3
"""Turns a benchmark's results.json into summary.md (both backends side by side, with PASS/MISS
against the targets) and chart.svg (throughput and latencies against the targets).

usage: bench/report.py RESULTS_DIR        (reads RESULTS_DIR/results.json)
Python standard library only; the chart is hand-written SVG.
"""

import json
import math
import os
import sys
from html import escape

BACKENDS = ["sqlite", "postgres"]
COLORS = {"sqlite": "#3b75af", "postgres": "#e1812c", "pgbench": "#7f7f7f", "target": "#c0392b"}


def get(data, *path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def mib(kib):
    return None if kib is None else kib / 1024.0


def fmt(value, unit="", digits=None):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if digits is None:
        digits = 0 if abs(value) >= 100 else (1 if abs(value) >= 10 else 2)
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip()


def p50_p95(result):
    """"p50 / p95", with the number of requests when a time limit cut the series short."""
    if not result:
        return "—"
    text = f"{fmt(get(result, 'latency_ms', 'p50'), 'ms')} / {fmt(get(result, 'latency_ms', 'p95'), 'ms')}"
    n, requested = result.get("n"), result.get("requested")
    if n is not None and requested is not None and n < requested:
        text += f" (n={n})"
    return text


def worst_registry(backend):
    """The registry query with the highest p95, as (label, p50, p95)."""
    queries = backend.get("registry") or {}
    worst = None
    for label, result in queries.items():
        p95 = get(result, "latency_ms", "p95")
        if p95 is not None and (worst is None or p95 > worst[2]):
            worst = (label, get(result, "latency_ms", "p50"), p95)
    return worst


def ratio(a, b):
    return a / b if a is not None and b else None


def rate_of(result, status):
    """Answers with this status per second (wrk scripts that count statuses)."""
    count = get(result, "statuses", str(status))
    seconds = get(result, "duration_s")
    return count / seconds if count is not None and seconds else (0.0 if seconds else None)


def status_mix(result):
    statuses = get(result, "statuses") or {}
    if not statuses:
        return "—"
    total = sum(statuses.values())
    return ", ".join(f"{code}: {n} ({100.0 * n / total:.0f} %)" for code, n in sorted(statuses.items()))


def evaluate(name, backend, connections=64):
    """The targets for one backend: a list of (target, measured text, passed or None)."""
    b = backend
    healthz = get(b, "healthz", "rps")
    verify = get(b, "verify", "rps")
    p99 = get(b, "verify", "latency_ms", "p99")
    factor = 0.5
    checks = []
    r = ratio(verify, healthz)
    checks.append((f"verification ≥ {factor}× /healthz rate", fmt(r, "×", 2),
                   None if r is None else r >= factor))
    checks.append((f"verification p99 ≤ 10 ms at {connections} connections", fmt(p99, "ms"),
                   None if p99 is None else p99 <= 10.0))
    batch = get(b, "batch", "latency_ms", "p95")
    checks.append(("1,000-item batch p95 ≤ 25 ms", fmt(batch, "ms"),
                   None if batch is None else batch <= 25.0))
    worst = worst_registry(b)
    checks.append(("registry search p95 ≤ 50 ms (worst query)",
                   "—" if worst is None else f"{fmt(worst[2], 'ms')} ({worst[0]})",
                   None if worst is None else worst[2] <= 50.0))
    idle = mib(get(b, "memory", "fresh_idle", "rss_kib"))
    checks.append(("idle memory on an empty database ≤ 30 MiB (VmRSS)", fmt(idle, "MiB", 1),
                   None if idle is None else idle <= 30.0))
    steady = mib(get(b, "memory", "phases", "batch", "rss_kib"))
    checks.append(("steady memory at the seeded size ≤ 300 MiB (VmRSS after verifying and the batches)",
                   fmt(steady, "MiB", 1), None if steady is None else steady <= 300.0))
    startup = get(b, "startup", "seeded_ms")
    checks.append(("start-up to /readyz on the seeded database ≤ 2 s", fmt(startup, "ms", 0),
                   None if startup is None else startup <= 2000.0))
    flood = get(b, "flood", "verify", "latency_ms", "p99")
    fr = ratio(flood, p99)
    checks.append(("login flood: verification p99 ≤ 2× quiet",
                   "—" if fr is None else f"{fmt(flood, 'ms')} ({fr:.2f}×)",
                   None if fr is None else fr <= 2.0))
    return checks


def verdict(passed):
    return "—" if passed is None else ("**PASS**" if passed else "**MISS**")


def loadavg(value):
    if isinstance(value, list):
        return " / ".join(f"{x:.2f}" for x in value) + " (1 / 5 / 15 min)"
    return fmt(value)


def median_memory(backend, which):
    """The median of several readings, and their range of the readings when there were several."""
    median = fmt(mib(get(backend, "memory", which, "rss_kib")), "MiB", 1)
    samples = get(backend, "memory", which, "rss_kib_samples") or []
    if len(samples) < 2:
        return median
    return f"{median} ({len(samples)} samples, {mib(min(samples)):.1f}–{mib(max(samples)):.1f})"


def phases(backend):
    steps = get(backend, "memory", "phases") or {}
    return ", ".join(f"{name} {mib(v.get('rss_kib')):.0f}" for name, v in steps.items()
                     if v.get("rss_kib") is not None) or "—"


def summary(results):
    meta = results.get("meta", {})
    machine = meta.get("machine", {})
    settings = meta.get("settings", {})
    backends = {k: v for k, v in (results.get("backends") or {}).items() if k in BACKENDS}
    names = [n for n in BACKENDS if n in backends]
    lines = [
        "# Benchmark results",
        "",
        f"- date: {meta.get('started_at', '?')} – {meta.get('finished_at', '?')} "
        f"({fmt(meta.get('elapsed_s'), 's')} in all); commit `{meta.get('git_commit', '?')}`",
        f"- machine: {machine.get('nproc')} cores ({machine.get('cpu_model')}), "
        f"{machine.get('memory_gib')} GiB, Linux {machine.get('kernel')}, {machine.get('os')}; "
        f"load average at the start {loadavg(machine.get('loadavg_at_start'))}",
        f"- {machine.get('rustc')}; PostgreSQL {machine.get('postgresql')}; {machine.get('wrk')}",
        f"- {fmt(settings.get('declarations'))} declarations seeded; wrk {settings.get('duration_s')} s "
        f"per measurement after {settings.get('warmup_s')} s warm-up, {settings.get('wrk_threads')} "
        f"threads, {settings.get('connections')} connections; wrk and the service share the machine",
        f"- service: {settings.get('http_workers')} HTTP workers, pool {settings.get('db_pool_size')}, "
        f"{settings.get('hashing_threads')} hashing threads (queue {settings.get('hashing_queue')}) on "
        f"{settings.get('cores')} cores, argon2id m={settings.get('argon2_memory_kib')} KiB "
        f"t={settings.get('argon2_iterations')} p={settings.get('argon2_parallelism')}",
        "- PostgreSQL: `VACUUM ANALYZE` after seeding (autovacuum on the server: "
        f"{get(results, 'backends', 'postgres', 'autovacuum') or '—'}); SQLite as the service leaves it "
        "(`ANALYZE` by the seed command, `PRAGMA optimize` at start-up)",
        "",
        "## Targets",
        "",
        "| target | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    evaluated = {n: evaluate(n, backends[n], settings.get("connections", 64)) for n in names}
    if names:
        for i, (target, _, _) in enumerate(evaluated[names[0]]):
            cells = [f"{evaluated[n][i][1]} {verdict(evaluated[n][i][2])}" for n in names]
            lines.append(f"| {target} | " + " | ".join(cells) + " |")

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(backends[n]) for n in names) + " |")

    lines += ["", "## Measurements", "", "| measurement | " + " | ".join(names) + " |",
              "|---|" + "---|" * len(names)]
    row("seeding (s)", lambda b: fmt(get(b, "seed", "seconds"), "s", 1))
    row("start-up to /readyz 200, fresh DB (migrations)", lambda b: fmt(get(b, "startup", "fresh_ms"), "ms"))
    row("start-up to /readyz 200, seeded DB", lambda b: fmt(get(b, "startup", "seeded_ms"), "ms"))
    row("GET /healthz (req/s)", lambda b: fmt(get(b, "healthz", "rps")))
    row("GET /healthz p50 / p99", lambda b: f"{fmt(get(b, 'healthz', 'latency_ms', 'p50'), 'ms')} / "
        f"{fmt(get(b, 'healthz', 'latency_ms', 'p99'), 'ms')}")
    row("pgbench -S -M prepared (tps)", lambda b: fmt(get(b, "pgbench", "tps")))
    row("pgbench -S p50 / p99", lambda b: "—" if not get(b, "pgbench") else
        f"{fmt(get(b, 'pgbench', 'latency_ms', 'p50'), 'ms')} / {fmt(get(b, 'pgbench', 'latency_ms', 'p99'), 'ms')}")
    row("GET /v1/verifications/{id} (req/s)", lambda b: fmt(get(b, "verify", "rps")))
    row("verification p50 / p99", lambda b: f"{fmt(get(b, 'verify', 'latency_ms', 'p50'), 'ms')} / "
        f"{fmt(get(b, 'verify', 'latency_ms', 'p99'), 'ms')}")
    row("the same, 80 % of calls on 5 % of IDs (req/s; p99)", lambda b:
        f"{fmt(get(b, 'verify_skewed', 'rps'))}; {fmt(get(b, 'verify_skewed', 'latency_ms', 'p99'), 'ms')}")
    row("start-up: /readyz; verification answers in memory current", lambda b:
        f"{fmt(get(b, 'startup', 'seeded_ms'), 'ms', 0)}; {fmt(get(b, 'startup', 'seeded_cache_current_ms'), 'ms', 0)}")
    row("verification ÷ /healthz", lambda b: fmt(ratio(get(b, "verify", "rps"), get(b, "healthz", "rps")), "×", 2))
    row("verification ÷ pgbench -S", lambda b: fmt(ratio(get(b, "verify", "rps"), get(b, "pgbench", "tps")), "×", 2))
    row("service CPU per request: /healthz / verification", lambda b:
        f"{fmt(get(b, 'healthz', 'server_cpu_us_per_request'), 'µs')} / "
        f"{fmt(get(b, 'verify', 'server_cpu_us_per_request'), 'µs')}")
    row("verification errors (non-2xx, timeouts)", lambda b: "—" if not get(b, "verify") else
        f"{get(b, 'verify', 'errors', 'status')}, {get(b, 'verify', 'errors', 'timeout')}")
    row("1,000-item batch p50 / p95 (sequential)", lambda b: p50_p95(get(b, "batch")))
    row("batches at 2 connections (items verified/s)", lambda b: fmt(
        None if get(b, "batch_throughput", "rps") is None else
        (rate_of(get(b, "batch_throughput"), 200) or 0) * (get(b, "batch", "items_per_request") or 1000)))
    labels = []
    for n in names:
        for label in (backends[n].get("registry") or {}):
            if label not in labels:
                labels.append(label)
    for label in labels:
        row(f"registry `{label}` p50 / p95", lambda b, label=label: p50_p95(get(b, "registry", label)))
    row("GET /v1/stats uncached p50 / p95", lambda b: p50_p95(get(b, "stats")))
    row("change feed from the beginning: entries (requests of 1,000)",
        lambda b: f"{fmt(get(b, 'feed', 'read', 'entries'))} ({fmt(get(b, 'feed', 'read', 'n'), '', 0)})")
    row("change feed from the beginning: entries/s", lambda b: fmt(get(b, "feed", "read", "entries_per_s"), "", 0))
    row("change feed: a page of 1,000 p50 / p95", lambda b: p50_p95(get(b, "feed", "read")))
    row("webhooks: change → delivery p50 / p99 (first of 10 endpoints)",
        lambda b: f"{fmt(get(b, 'webhooks', 'latency_ms', 'p50'), 'ms')} / "
        f"{fmt(get(b, 'webhooks', 'latency_ms', 'p99'), 'ms')} ({fmt(get(b, 'webhooks', 'missed'), '', 0)} missed)")
    row("webhooks: change → tenth endpoint p50 / p99",
        lambda b: f"{fmt(get(b, 'webhooks', 'tenth_endpoint_latency_ms', 'p50'), 'ms')} / "
        f"{fmt(get(b, 'webhooks', 'tenth_endpoint_latency_ms', 'p99'), 'ms')}")
    row("webhooks: burst deliveries/s (deliveries of expected; changes in s)",
        lambda b: f"{fmt(get(b, 'webhooks', 'burst', 'deliveries_per_s'), '', 0)} "
        f"({fmt(get(b, 'webhooks', 'burst', 'deliveries'), '', 0)} of {fmt(get(b, 'webhooks', 'burst', 'expected'), '', 0)}; "
        f"{fmt(get(b, 'webhooks', 'burst', 'changes'), '', 0)} changes in {fmt(get(b, 'webhooks', 'burst', 'changes_seconds'), 's')})")
    row("change feed: change → waiting reader p50 / p99",
        lambda b: f"{fmt(get(b, 'feed', 'latency', 'latency_ms', 'p50'), 'ms')} / "
        f"{fmt(get(b, 'feed', 'latency', 'latency_ms', 'p99'), 'ms')} ({fmt(get(b, 'feed', 'latency', 'missed'), '', 0)} missed)")
    row(f"applications (201/s, {settings.get('auth_connections')} connections)",
        lambda b: fmt(rate_of(get(b, "apply"), 201), "", 1))
    row("applications: answers", lambda b: status_mix(get(b, "apply")))
    row(f"logins (200/s, {settings.get('auth_connections')} connections)",
        lambda b: fmt(rate_of(get(b, "login"), 200), "", 1))
    row("logins p50 / p99", lambda b: f"{fmt(get(b, 'login', 'latency_ms', 'p50'), 'ms')} / "
        f"{fmt(get(b, 'login', 'latency_ms', 'p99'), 'ms')}")
    row(f"login flood ({settings.get('flood_connections')} connections): answers",
        lambda b: status_mix(get(b, "flood", "login")))
    row("login flood: verification req/s", lambda b: fmt(get(b, "flood", "verify", "rps")))
    row("login flood: verification p50 / p99", lambda b:
        f"{fmt(get(b, 'flood', 'verify', 'latency_ms', 'p50'), 'ms')} / "
        f"{fmt(get(b, 'flood', 'verify', 'latency_ms', 'p99'), 'ms')}")
    row("memory: idle, fresh DB (VmRSS, median of the samples)", lambda b: median_memory(b, "fresh_idle"))
    row("memory: idle, seeded DB (VmRSS, median of the samples)", lambda b: median_memory(b, "idle"))
    row("memory: after the run (VmRSS)", lambda b: fmt(mib(get(b, "memory", "after", "rss_kib")), "MiB", 1))
    row("memory: settled after the run (VmRSS, median of readings 9–13 s after the last phase)",
        lambda b: median_memory(b, "settled"))
    row("memory after each phase (VmRSS, MiB)", phases)
    row("memory: peak (VmHWM)", lambda b: fmt(mib(get(b, "memory", "after", "hwm_kib")), "MiB", 1))
    lines += [
        "",
        "Latencies from wrk are per request over a closed loop (each connection sends its next "
        "request when the answer arrives); sequential latencies (batch, registry, statistics) are "
        "measured one request at a time on one keep-alive connection, time to the last byte. "
        "Registry queries: " + ", ".join(f"`{label}`" for label in labels) + ".",
        "",
        "![chart](chart.svg)",
        "",
    ]
    return "\n".join(lines)


# --- the chart -------------------------------------------------------------------------------

def svg_text(x, y, text, size=12, anchor="start", weight="normal", color="#222", rotate=None):
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{color}"{transform}>{escape(str(text))}</text>')


def nice_max(value):
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def short(value):
    if value is None:
        return "—"
    if value >= 10000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.0f}k" if value % 1000 == 0 else f"{value / 1000:.1f}k"
    if value >= 10:
        return f"{value:.0f}"
    return f"{value:.2g}" if value < 1 else f"{value:.1f}"


def bar_panel(x0, y0, width, height, title, groups, series, log=False, unit=""):
    """groups: [(label, {series: value}, target or None)]; series: [(key, label, color)]."""
    out = [svg_text(x0, y0 - 12, title, 14, weight="bold")]
    values = [v for _, vals, _ in groups for v in vals.values() if v]
    targets = []
    for _, _, t in groups:
        if isinstance(t, dict):
            targets += [x for x in t.values() if x]
        elif t:
            targets.append(t)
    top = max(values + targets + [1e-9])
    if log:
        low = 10 ** math.floor(math.log10(max(min(values + targets) * 0.9, 1e-3)))
        high = 10 ** math.ceil(math.log10(top))
        if high <= low:
            high = low * 10

        def scale(v):
            v = max(v, low)
            return height * (math.log10(v) - math.log10(low)) / (math.log10(high) - math.log10(low))
        ticks = []
        t = low
        while t <= high * 1.0001:
            ticks.append(t)
            t *= 10
    else:
        high = nice_max(top)

        def scale(v):
            return height * v / high
        ticks = [high * i / 5 for i in range(6)]
    out.append(f'<rect x="{x0}" y="{y0}" width="{width}" height="{height}" fill="#fafafa" stroke="#ddd"/>')
    for t in ticks:
        y = y0 + height - scale(t)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + width}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(svg_text(x0 - 6, y + 4, short(t) + (f" {unit}" if unit and t == ticks[-1] else ""),
                            10, anchor="end", color="#555"))
    slot = width / max(len(groups), 1)
    bar = min(34.0, slot * 0.8 / max(len(series), 1))
    for i, (label, vals, target) in enumerate(groups):
        present = [s for s in series if vals.get(s[0]) is not None]
        start = x0 + slot * i + (slot - bar * len(present)) / 2
        for j, (key, _, color) in enumerate(present):
            v = vals[key]
            h = max(scale(v), 0.5)
            x = start + j * bar
            out.append(f'<rect x="{x + 1:.1f}" y="{y0 + height - h:.1f}" width="{bar - 2:.1f}" '
                       f'height="{h:.1f}" fill="{color}"><title>{escape(label)} {key}: {v:.3g}</title></rect>')
            out.append(svg_text(x + bar / 2, y0 + height - h - 4, short(v), 9, anchor="middle", color="#333"))
            if isinstance(target, dict) and target.get(key):
                y = y0 + height - scale(target[key])
                out.append(f'<line x1="{x - 2:.1f}" y1="{y:.1f}" x2="{x + bar + 2:.1f}" y2="{y:.1f}" '
                           f'stroke="{COLORS["target"]}" stroke-width="2" stroke-dasharray="5,3"/>')
        if target and not isinstance(target, dict):
            y = y0 + height - scale(target)
            out.append(f'<line x1="{x0 + slot * i + 6:.1f}" y1="{y:.1f}" x2="{x0 + slot * (i + 1) - 6:.1f}" '
                       f'y2="{y:.1f}" stroke="{COLORS["target"]}" stroke-width="2" stroke-dasharray="5,3"/>')
        for k, part in enumerate(label.split("\n")):
            out.append(svg_text(x0 + slot * (i + 0.5), y0 + height + 16 + 13 * k, part, 11, anchor="middle"))
    return out


def chart(results):
    backends = results.get("backends") or {}
    names = [n for n in BACKENDS if n in backends]
    width, height = 980, 760
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    meta = results.get("meta", {})
    machine = meta.get("machine", {})
    settings = meta.get("settings", {})
    out.append(svg_text(20, 28, "security-action benchmark", 18, weight="bold"))
    out.append(svg_text(20, 48, f"{meta.get('started_at', '')} · {machine.get('nproc')} cores "
                        f"({machine.get('cpu_model')}) · {fmt(settings.get('declarations'))} declarations · "
                        f"{settings.get('connections')} connections · wrk on the same machine · load average "
                        f"{(machine.get('loadavg_at_start') or ['?'])[0]} at the start", 11, color="#555"))
    series = [(n, n, COLORS[n]) for n in names]
    if any(get(backends[n], "pgbench") for n in names):
        series_rps = series + [("pgbench", "pgbench -S (PostgreSQL's own ceiling)", COLORS["pgbench"])]
    else:
        series_rps = series

    def v(n, *path):
        return get(backends.get(n, {}), *path)
    groups = [
        ("GET /healthz\n(HTTP ceiling)", {n: v(n, "healthz", "rps") for n in names}, None),
        ("database ceiling\n(pgbench -S)", {"pgbench": v("postgres", "pgbench", "tps")}, None),
        ("GET /v1/verifications/{id}", {n: v(n, "verify", "rps") for n in names}, None),
        ("verification during\nlogin flood", {n: v(n, "flood", "verify", "rps") for n in names}, None),
    ]
    out += bar_panel(90, 100, 860, 230, "Requests per second (higher is better)", groups, series_rps)

    def worst(n):
        w = worst_registry(backends[n]) if n in backends else None
        return w[2] if w else None
    quiet = {n: v(n, "verify", "latency_ms", "p99") for n in names}
    latency_groups = [
        ("verification p99\n(target 10 ms)", quiet, 10.0),
        ("verification p99, login flood\n(target 2× quiet)", {n: v(n, "flood", "verify", "latency_ms", "p99") for n in names},
         {n: 2 * quiet[n] for n in names if quiet.get(n)}),
        ("1,000-item batch p95\n(target 50 ms)", {n: v(n, "batch", "latency_ms", "p95") for n in names}, 50.0),
        ("registry p95, worst query\n(target 50 ms)", {n: worst(n) for n in names}, 50.0),
        ("statistics p95\n(uncached)", {n: v(n, "stats", "latency_ms", "p95") for n in names}, None),
    ]
    out += bar_panel(90, 440, 860, 230, "Latency in ms, log scale (lower is better; dashed red: target)",
                     latency_groups, series, log=True, unit="ms")
    legend_y = height - 34
    x = 90
    for key, label, color in series_rps:
        out.append(f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{color}"/>')
        out.append(svg_text(x + 18, legend_y, label, 12))
        x += 30 + 6.8 * len(label)
    out.append(f'<line x1="{x}" y1="{legend_y - 4}" x2="{x + 24}" y2="{legend_y - 4}" stroke="{COLORS["target"]}" '
               f'stroke-width="2" stroke-dasharray="5,3"/>')
    out.append(svg_text(x + 30, legend_y, "target", 12))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    directory = sys.argv[1]
    with open(os.path.join(directory, "results.json"), encoding="utf-8") as f:
        results = json.load(f)
    text = summary(results)
    with open(os.path.join(directory, "summary.md"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(directory, "chart.svg"), "w", encoding="utf-8") as f:
        f.write(chart(results))
    print(text)


if __name__ == "__main__":
    main()
