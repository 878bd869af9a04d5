#!/usr/bin/env python3
"""The capacity run's bookkeeping (Python 3 standard library only), called by capacity-run.sh.

  capacity.py record  --work DIR --out FILE [--meta KEY=VALUE ...]   one run -> one JSON record
  capacity.py append  --history FILE --record FILE                   adds it as one line (locked)
  capacity.py check   --history FILE [--run ID | --campaign ID]      regression check (exit 10)
  capacity.py report  --history FILE --out DIR [--run ID | --campaign ID]   report.md + PNG plots

The history file holds one JSON object per line (JSON lines); docs/operators.md describes the
format ("format": 1). A phase regresses when its wall time exceeds the median of the same phase
in the last --window comparable earlier runs (same label, patients, ranks, threads, shards and
years) by more than --threshold percent. Phases shorter than --min-seconds, and phases with fewer
than --min-runs earlier runs, are reported but not judged: timer noise is not a regression.
Each record also holds the ingest's headline figures ("ingest": CSV MB/s per core, peak RSS per
rank); they regress when more than --threshold percent worse than in the previous comparable run.
"""

import argparse
import datetime
import fcntl
import json
import os
import shutil
import statistics
import subprocess
import sys

FORMAT = 1
EXIT_REGRESSION = 10
HERE = os.path.dirname(os.path.abspath(__file__))


def die(msg, code=2):
    print(f"capacity: {msg}", file=sys.stderr)
    sys.exit(code)


# ---- record --------------------------------------------------------------------------------

def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def tree_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def phase_entry(p, cores):
    """One phase of a manifest, with the derived per-core throughputs."""
    wall = float(p.get("wall_s") or 0.0)
    rows = int(p.get("rows") or 0)
    nbytes = int(p.get("bytes") or 0)
    rss = [int(x) for x in p.get("peak_rss_bytes_per_rank") or []]
    walls = [float(x) for x in p.get("wall_s_per_rank") or []]
    rows_pr = [int(x) for x in p.get("rows_per_rank") or []]
    out = {
        "name": p["name"],
        "wall_s": round(wall, 6),
        "rows": rows,
        "bytes": nbytes,
        "mb_s_per_core": round(nbytes / 1e6 / wall / cores, 4) if nbytes and wall > 0 else None,
        "rows_s_per_core": round(rows / wall / cores, 1) if rows and wall > 0 else None,
        "peak_rss_max_bytes": max(rss) if rss else None,
        "peak_rss_per_rank": rss,
    }
    if walls:
        out["wall_s_min_rank"] = round(min(walls), 6)
    cpu = [float(x) for x in p.get("cpu_s_per_rank") or []]
    if cpu:
        out["cpu_s"] = round(sum(cpu), 3)  # all ranks' processes, all their threads
    exchange = p.get("exchange") or {}
    if exchange:
        out["exchange_rounds"] = int(exchange.get("rounds") or 0)
        out["exchange_bytes"] = int(exchange.get("bytes_sent") or 0)  # sent between ranks
    if rows_pr and sum(rows_pr) > 0:
        # max / mean rows per rank: 1.0 is perfect balance.
        out["rows_imbalance"] = round(max(rows_pr) / (sum(rows_pr) / len(rows_pr)), 3)
    return out


def step_from_manifest(step, kind, manifest_path, wall_s, exit_code, config=None):
    m = load_json(manifest_path)
    ranks = int(m.get("ranks") or 1)
    threads = int(m.get("threads") or 1)
    cores = max(1, ranks * threads)
    return {
        "step": step,
        "kind": kind,
        "config": config,
        "wall_s": round(wall_s, 3),
        "exit": exit_code,
        "ranks": ranks,
        "threads": threads,
        "phases": [phase_entry(p, cores) for p in m.get("phases", [])],
    }


def step_from_generate(gen_json, wall_s, exit_code):
    g = load_json(gen_json)
    run = g.get("run", {})
    ranks = int(run.get("ranks") or 1)
    threads = int(run.get("threads") or 1)
    rows = sum(int(t.get("rows", 0)) for t in g.get("tables", {}).values())
    phase = {"name": "generate", "wall_s": float(run.get("seconds") or wall_s), "rows": rows,
             "bytes": int(run.get("csv_bytes") or 0)}
    return {
        "step": "generate", "kind": "generate", "config": None, "wall_s": round(wall_s, 3),
        "exit": exit_code, "ranks": ranks, "threads": threads,
        "phases": [phase_entry(phase, max(1, ranks * threads))],
    }


def ingest_summary_from_manifest(manifest_path, cores):
    """The ingest's headline figures: CSV MB/s per core over the whole ingest (the sum of its
    phases' wall times: the program's own time, not the launcher's start-up) and each rank's
    peak RSS (the largest over the phases: the peak of the whole ingest)."""
    m = load_json(manifest_path)
    phases = m.get("phases", [])
    by_name = {p.get("name"): p for p in phases}
    csv_bytes = int((by_name.get("read") or by_name.get("prepare") or {}).get("bytes") or 0)
    wall = sum(float(p.get("wall_s") or 0.0) for p in phases)
    per_rank = []
    for p in phases:
        for r, x in enumerate(p.get("peak_rss_bytes_per_rank") or []):
            if r == len(per_rank):
                per_rank.append(0)
            per_rank[r] = max(per_rank[r], int(x))
    memory = m.get("memory") or {}
    return {
        "csv_bytes": csv_bytes,
        "wall_s": round(wall, 6),
        "mb_s_per_core": round(csv_bytes / 1e6 / wall / cores, 4) if csv_bytes and wall > 0 else None,
        "peak_rss_per_rank": per_rank,
        "peak_rss_max_bytes": max(per_rank) if per_rank else None,
        "memory_budget_mb": memory.get("memory_budget_mb"),
        "spilled_bytes": memory.get("spilled_bytes"),
    }


def cmd_record(args):
    work = args.work
    meta = {}
    for kv in args.meta or []:
        k, _, v = kv.partition("=")
        meta[k] = v
    steps_file = os.path.join(work, "steps.tsv")
    if not os.path.exists(steps_file):
        die(f"{steps_file} is missing: nothing to record")
    steps = []
    ingest = None
    # steps.tsv: step, kind, exit code, wall seconds, manifest path, config path (tab-separated)
    with open(steps_file, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5:
                continue
            step, kind, code, wall, manifest = parts[:5]
            config = parts[5] if len(parts) > 5 and parts[5] else None
            code, wall = int(code), float(wall)
            if code != 0 or not os.path.exists(manifest):
                steps.append({"step": step, "kind": kind, "config": config, "wall_s": round(wall, 3),
                              "exit": code, "phases": []})
            elif kind == "generate":
                steps.append(step_from_generate(manifest, wall, code))
            else:
                steps.append(step_from_manifest(step, kind, manifest, wall, code, config))
                if kind == "ingest":
                    ingest = ingest_summary_from_manifest(manifest, max(1, steps[-1]["ranks"] * steps[-1]["threads"]))
    ints = ("patients", "seed", "ranks", "threads", "shards")
    rec = {"format": FORMAT}
    for k in ("run_id", "campaign", "label", "started", "finished", "host", "nodes", "slurm_job",
              "launcher", "program_version", "git", "years") + ints:
        v = meta.get(k)
        if v in (None, ""):
            rec[k] = None
        elif k in ints:
            rec[k] = int(v)
        else:
            rec[k] = v
    rec["cores"] = (rec["ranks"] or 1) * (rec["threads"] or 1)
    rec["extract_bytes"] = tree_bytes(os.path.join(work, "extract"))
    rec["store_bytes"] = tree_bytes(os.path.join(work, "store"))
    rec["total_wall_s"] = round(sum(s["wall_s"] for s in steps), 3)
    rec["status"] = "ok" if steps and all(s["exit"] == 0 for s in steps) else "failed"
    rec["ingest"] = ingest
    rec["steps"] = steps
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")


def cmd_append(args):
    rec = load_json(args.record)
    if rec.get("format") != FORMAT:
        die(f"{args.record}: not a format {FORMAT} capacity record")
    line = json.dumps(rec, separators=(",", ":"), sort_keys=False) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.history)), exist_ok=True)
    # Several runs of a Slurm chain may finish together: one writer at a time.
    with open(args.history, "a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(line)
        f.flush()
        os.fsync(f.fileno())
        fcntl.flock(f, fcntl.LOCK_UN)


# ---- history and the regression check ------------------------------------------------------

def read_history(path):
    if not os.path.exists(path):
        die(f"history file {path} does not exist")
    runs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                die(f"{path}, line {n}: not a JSON object ({e.msg})")
            if not isinstance(rec, dict) or rec.get("format") != FORMAT:
                die(f"{path}, line {n}: not a format {FORMAT} capacity record")
            runs.append(rec)
    return runs


def comparison_key(rec):
    return (rec.get("label"), rec.get("patients"), rec.get("ranks"), rec.get("threads"),
            rec.get("shards"), rec.get("years"))


def phase_walls(rec):
    """{"step/phase": wall_s} for a run's successful steps."""
    out = {}
    for s in rec.get("steps", []):
        if s.get("exit") != 0:
            continue
        for p in s.get("phases", []):
            out[f"{s['step']}/{p['name']}"] = float(p["wall_s"])
    return out


def selected_runs(runs, run_id=None, campaign=None):
    if run_id:
        chosen = [i for i, r in enumerate(runs) if r.get("run_id") == run_id]
        if not chosen:
            die(f"no run {run_id} in the history")
    elif campaign:
        chosen = [i for i, r in enumerate(runs) if r.get("campaign") == campaign]
        if not chosen:
            die(f"no run of campaign {campaign} in the history")
    else:
        if not runs:
            die("the history is empty")
        chosen = [len(runs) - 1]
    return chosen


def judge(runs, index, opts):
    """Verdicts for every phase of runs[index] against its earlier comparable runs."""
    rec = runs[index]
    key = comparison_key(rec)
    earlier = [r for r in runs[:index] if comparison_key(r) == key and r.get("status") == "ok"]
    verdicts = []
    for name, wall in phase_walls(rec).items():
        past = [phase_walls(r)[name] for r in earlier if name in phase_walls(r)][-opts.window:]
        v = {"phase": name, "wall_s": wall, "runs": len(past), "median_s": None, "change_pct": None}
        if past:
            med = statistics.median(past)
            v["median_s"] = med
            v["change_pct"] = (wall / med - 1.0) * 100.0 if med > 0 else None
        if len(past) < opts.min_runs:
            v["verdict"] = "new" if not past else "few runs"
        elif max(wall, v["median_s"]) < opts.min_seconds:
            v["verdict"] = "too short"
        elif v["change_pct"] is not None and v["change_pct"] > opts.threshold:
            v["verdict"] = "REGRESSION"
        else:
            v["verdict"] = "ok"
        verdicts.append(v)
    return verdicts


def ingest_figures(rec):
    """A run's ingest headline figures: the record's "ingest", or, for records written before it
    existed, the same figures derived from the ingest step's phases."""
    if rec.get("ingest"):
        return rec["ingest"]
    for s in rec.get("steps", []):
        if s.get("kind") != "ingest" or s.get("exit") != 0 or not s.get("phases"):
            continue
        phases = {p["name"]: p for p in s["phases"]}
        csv_bytes = int((phases.get("read") or phases.get("prepare") or {}).get("bytes") or 0)
        wall = sum(float(p.get("wall_s") or 0.0) for p in s["phases"])
        cores = max(1, int(s.get("ranks") or 1) * int(s.get("threads") or 1))
        per_rank = []
        for p in s["phases"]:
            for r, x in enumerate(p.get("peak_rss_per_rank") or []):
                if r == len(per_rank):
                    per_rank.append(0)
                per_rank[r] = max(per_rank[r], int(x))
        return {"csv_bytes": csv_bytes, "wall_s": wall,
                "mb_s_per_core": csv_bytes / 1e6 / wall / cores if csv_bytes and wall > 0 else None,
                "peak_rss_per_rank": per_rank, "peak_rss_max_bytes": max(per_rank) if per_rank else None}
    return None


# The headline figures judged against the previous comparable run: (name, key, unit, scale,
# whether a higher value is worse).
HEADLINE = (("ingest MB/s per core", "mb_s_per_core", "MB/s per core", 1.0, False),
            ("ingest peak RSS per rank", "peak_rss_max_bytes", "MB", 1e-6, True))


def judge_headline(runs, index, opts):
    """Verdicts on the ingest's MB/s per core and peak RSS per rank (the largest of the ranks')
    against the previous comparable successful run that has them: more than --threshold percent
    worse (slower, or more memory) is a regression. An ingest shorter than --min-seconds is too
    short to judge its speed; its memory is judged whatever its length."""
    rec = runs[index]
    key = comparison_key(rec)
    mine = ingest_figures(rec)
    previous = None
    for r in reversed(runs[:index]):
        if comparison_key(r) == key and r.get("status") == "ok" and ingest_figures(r):
            previous = r
            break
    verdicts = []
    if not mine:
        return verdicts
    before = ingest_figures(previous) if previous else None
    for name, field, unit, scale, higher_is_worse in HEADLINE:
        value = mine.get(field)
        if value is None:
            continue
        v = {"figure": name, "value": value * scale, "unit": unit, "previous": None,
             "previous_run": previous.get("run_id") if previous else None, "change_pct": None}
        if before and before.get(field):
            v["previous"] = before[field] * scale
            v["change_pct"] = (value / before[field] - 1.0) * 100.0
        worse = v["change_pct"] is not None and (
            v["change_pct"] > opts.threshold if higher_is_worse else v["change_pct"] < -opts.threshold)
        if v["previous"] is None:
            v["verdict"] = "new"
        elif field == "mb_s_per_core" and max(mine.get("wall_s") or 0, before.get("wall_s") or 0) < opts.min_seconds:
            v["verdict"] = "too short"
        else:
            v["verdict"] = "REGRESSION" if worse else "ok"
        verdicts.append(v)
    return verdicts


def headline_message(v, rec, threshold):
    return (f"capacity: REGRESSION in {v['figure']} (run {rec.get('run_id')}): {v['value']:.2f} {v['unit']}, "
            f"{abs(v['change_pct']):.1f}% {'above' if v['change_pct'] > 0 else 'below'} the previous comparable "
            f"run's {v['previous']:.2f} (run {v['previous_run']}, {describe(rec)}); the threshold is "
            f"{threshold:g}%")


def describe(rec):
    return (f"{rec.get('label')}, {rec.get('patients')} patients, {rec.get('ranks')} ranks x "
            f"{rec.get('threads')} threads, {rec.get('shards')} shards")


def cmd_check(args):
    runs = read_history(args.history)
    regression = failed_run = False
    for i in selected_runs(runs, args.run, args.campaign):
        rec = runs[i]
        if rec.get("status") != "ok":
            print(f"capacity: run {rec.get('run_id')} failed (a step exited non-zero): not compared",
                  file=sys.stderr)
            failed_run = True
            continue
        verdicts = judge(runs, i, args)
        bad = [v for v in verdicts if v["verdict"] == "REGRESSION"]
        judged = sum(1 for v in verdicts if v["verdict"] in ("ok", "REGRESSION"))
        headline = judge_headline(runs, i, args)
        bad_headline = [v for v in headline if v["verdict"] == "REGRESSION"]
        for v in bad_headline:
            print(headline_message(v, rec, args.threshold), file=sys.stderr)
        for v in headline:
            if v["verdict"] != "REGRESSION":
                change = f"{v['change_pct']:+.1f}%" if v["change_pct"] is not None else "no previous comparable run"
                print(f"capacity: run {rec.get('run_id')}: {v['figure']} {v['value']:.2f} {v['unit']} "
                      f"({change}): {v['verdict']}")
        regression |= bool(bad_headline)
        for v in bad:
            print(f"capacity: REGRESSION in {v['phase']} (run {rec.get('run_id')}): {v['wall_s']:.2f} s, "
                  f"{v['change_pct']:.1f}% slower than the median {v['median_s']:.2f} s of its last "
                  f"{v['runs']} comparable runs ({describe(rec)}); the threshold is {args.threshold:g}%",
                  file=sys.stderr)
        if not bad:
            print(f"capacity: run {rec.get('run_id')}: no phase more than {args.threshold:g}% slower than "
                  f"the median of its last {args.window} comparable runs ({judged} phases judged, "
                  f"{len(verdicts) - judged} not: shorter than {args.min_seconds:g} s or fewer than "
                  f"{args.min_runs} earlier runs)")
        regression |= bool(bad)
    if regression:
        return EXIT_REGRESSION
    return 1 if failed_run else 0


# ---- report --------------------------------------------------------------------------------

def fmt_num(x, digits=2):
    if x is None:
        return "-"
    if isinstance(x, int):
        return f"{x:,}".replace(",", " ")
    return f"{x:.{digits}f}"


def mb(x):
    return None if x is None else x / 1e6


def epoch(iso):
    try:
        return int(datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp())
    except (TypeError, ValueError):
        return None


def write_blocks(path, series):
    """gnuplot data: one block per series (first line its quoted title), two blank lines apart."""
    with open(path, "w", encoding="utf-8") as f:
        for title, points in series:
            f.write(f'"{title}"\n')
            for pt in points:
                f.write(" ".join(str(v) for v in pt) + "\n")
            f.write("\n\n")


def gnuplot(script, data, out, title):
    if not shutil.which("gnuplot"):
        return "gnuplot is not installed (scripts/install-deps.sh installs gnuplot-nox)"
    cmd = ["gnuplot", "-e", f"data='{data}'; out='{out}'; plot_title='{title}'",
           os.path.join(HERE, script)]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        if os.path.exists(out):
            os.remove(out)  # a half-drawn picture would pass for a result
        return f"gnuplot failed on {script}: {r.stderr.strip()[:300]}"
    return None


def key_phases(rec):
    """The phases worth a line in the plots: those taking at least a tenth of their step's time
    (ingest read, join and write, each job's shard work), not the set-up ones."""
    out = []
    for s in rec.get("steps", []):
        if s.get("exit") != 0 or not s.get("phases"):
            continue
        total = sum(p["wall_s"] for p in s["phases"])
        out += [f"{s['step']}/{p['name']}" for p in s["phases"]
                if p.get("rows") and p["wall_s"] >= 0.1 * total]
    return out


def phase_record(rec, name):
    step, _, phase = name.partition("/")
    for s in rec.get("steps", []):
        if s["step"] == step and s.get("exit") == 0:
            for p in s.get("phases", []):
                if p["name"] == phase:
                    return p
    return None


def step_walls(rec):
    return {s["step"]: s["wall_s"] for s in rec.get("steps", []) if s.get("exit") == 0}


def scaling_group(runs, rec):
    return [r for r in runs if r.get("status") == "ok" and
            (r.get("label"), r.get("patients"), r.get("threads"), r.get("shards")) ==
            (rec.get("label"), rec.get("patients"), rec.get("threads"), rec.get("shards"))]


def make_plots(runs, latest, plots_dir, chosen=()):
    os.makedirs(plots_dir, exist_ok=True)
    made, notes = [], []
    key = comparison_key(latest)
    group = [r for r in runs if comparison_key(r) == key and r.get("status") == "ok"]

    # Throughput per phase across the history of this configuration.
    names = key_phases(latest)
    series_mb, series_rows = [], []
    for name in names:
        pts_mb, pts_rows = [], []
        for r in group:
            p, t = phase_record(r, name), epoch(r.get("started"))
            if p is None or t is None:
                continue
            if p.get("mb_s_per_core"):
                pts_mb.append((t, p["mb_s_per_core"]))
            if p.get("rows_s_per_core"):
                pts_rows.append((t, p["rows_s_per_core"] / 1e3))
        if pts_mb:
            series_mb.append((name, pts_mb))
        if pts_rows:
            series_rows.append((name, pts_rows))
    if series_rows:
        write_blocks(os.path.join(plots_dir, "throughput_mb.dat"), series_mb or [("none", [(0, 0)])])
        write_blocks(os.path.join(plots_dir, "throughput_rows.dat"), series_rows)
        err = gnuplot("throughput.gp", os.path.join(plots_dir, "throughput"),
                      os.path.join(plots_dir, "throughput.png"), f"Throughput per core, {describe(latest)}")
        (notes.append(err) if err else made.append(("Throughput per phase across the history", "throughput.png")))

    # Wall time against scale, same label, ranks, threads.
    by_scale = {}
    for r in runs:
        if r.get("status") != "ok" or (r.get("label"), r.get("ranks"), r.get("threads")) != (
                latest.get("label"), latest.get("ranks"), latest.get("threads")):
            continue
        for step, wall in step_walls(r).items():
            by_scale.setdefault(step, {}).setdefault(r["patients"], []).append(wall)
    if len({p for d in by_scale.values() for p in d}) >= 1:
        series = [(step, sorted((p, statistics.median(w)) for p, w in d.items()))
                  for step, d in sorted(by_scale.items())]
        write_blocks(os.path.join(plots_dir, "scale.dat"), series)
        err = gnuplot("scale.gp", os.path.join(plots_dir, "scale.dat"), os.path.join(plots_dir, "scale.png"),
                      f"Wall time against scale, {latest.get('ranks')} ranks x {latest.get('threads')} threads")
        (notes.append(err) if err else made.append(("Time against scale", "scale.png")))

    # Scaling at the scale of the selected runs with the most rank counts (a campaign's chain over
    # rank counts, not its single large-size run), the latest on a tie.
    ref = latest
    for r in chosen or [latest]:
        if len({x["cores"] for x in scaling_group(runs, r)}) > len({x["cores"] for x in scaling_group(runs, ref)}):
            ref = r
    by_cores = {}
    for r in scaling_group(runs, ref):
        for step, wall in step_walls(r).items():
            by_cores.setdefault(step, {}).setdefault(r["cores"], []).append(wall)
    core_counts = {c for d in by_cores.values() for c in d}
    if len(core_counts) >= 2:
        series = []
        for step, d in sorted(by_cores.items()):
            pts = sorted((c, statistics.median(w)) for c, w in d.items())
            base_c, base_w = pts[0]
            series.append((step, [(c, round(base_w / w * base_c, 4) if w > 0 else 0) for c, w in pts]))
        write_blocks(os.path.join(plots_dir, "scaling.dat"), series)
        err = gnuplot("scaling.gp", os.path.join(plots_dir, "scaling.dat"), os.path.join(plots_dir, "scaling.png"),
                      f"Scaling at {ref.get('patients')} patients, {ref.get('threads')} threads per rank")
        (notes.append(err) if err else made.append(("Scaling with the rank count", "scaling.png")))
    else:
        notes.append("no scaling chart: the history holds one rank count only at this scale "
                     "(scripts/capacity-submit.sh --ranks 1,2,4 runs several)")
    return made, notes


def cmd_report(args):
    runs = read_history(args.history)
    chosen = selected_runs(runs, args.run, args.campaign)
    os.makedirs(args.out, exist_ok=True)
    latest = runs[chosen[-1]]
    plots_dir = os.path.join(args.out, "plots")
    made, notes = make_plots(runs, latest, plots_dir, [runs[i] for i in chosen])

    L = []
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    L.append("# snds-batch capacity report\n")
    L.append(f"Generated {now} from `{os.path.basename(args.history)}` ({len(runs)} runs). "
             f"A phase regresses when it is more than {args.threshold:g}% slower than the median of its "
             f"last {args.window} comparable runs (same label, patients, ranks, threads, shards and years); "
             f"phases under {args.min_seconds:g} s or with fewer than {args.min_runs} earlier runs are not judged. "
             f"The ingest's CSV MB/s per core and peak RSS per rank regress when more than {args.threshold:g}% "
             f"worse than in the previous comparable run.\n")
    any_regression = False
    for i in chosen:
        rec = runs[i]
        verdicts = {v["phase"]: v for v in judge(runs, i, args)} if rec.get("status") == "ok" else {}
        bad = [v for v in verdicts.values() if v["verdict"] == "REGRESSION"]
        headline = judge_headline(runs, i, args) if rec.get("status") == "ok" else []
        bad_headline = [v for v in headline if v["verdict"] == "REGRESSION"]
        any_regression |= bool(bad) or bool(bad_headline)
        L.append(f"## Run {rec.get('run_id')}\n")
        status = rec.get("status")
        if status != "ok":
            failed = [s["step"] for s in rec.get("steps", []) if s.get("exit") != 0]
            L.append(f"**FAILED**: step(s) {', '.join(failed) or '?'} exited non-zero; see the run's logs.\n")
        elif bad or bad_headline:
            L.append("**REGRESSION**: " + "; ".join(
                [f"{v['phase']} {v['wall_s']:.2f} s vs median {v['median_s']:.2f} s (+{v['change_pct']:.1f}%)"
                 for v in bad] +
                [f"{v['figure']} {v['value']:.2f} {v['unit']} vs {v['previous']:.2f} in the previous run "
                 f"({v['change_pct']:+.1f}%)" for v in bad_headline]) + "\n")
        else:
            L.append("No regression.\n")
        L.append("| | |\n|---|---|")
        L.append(f"| started | {rec.get('started')} |")
        L.append(f"| host / nodes | {rec.get('host')} / {rec.get('nodes') or '-'} |")
        L.append(f"| label, campaign | {rec.get('label')}, {rec.get('campaign')} |")
        L.append(f"| program | {rec.get('program_version')} (git {rec.get('git') or '-'}) |")
        L.append(f"| scale | {fmt_num(rec.get('patients'))} patients, years {rec.get('years')}, seed {rec.get('seed')}, {rec.get('shards')} shards |")
        L.append(f"| ranks x threads | {rec.get('ranks')} x {rec.get('threads')} = {rec.get('cores')} cores, launcher {rec.get('launcher')} |")
        L.append(f"| extract, store | {fmt_num(mb(rec.get('extract_bytes')), 1)} MB of CSV, {fmt_num(mb(rec.get('store_bytes')), 1)} MB of store |")
        L.append(f"| total wall time | {fmt_num(rec.get('total_wall_s'), 1)} s |\n")
        ing = ingest_figures(rec)
        if ing:
            rss = ", ".join(fmt_num(mb(x), 0) for x in ing.get("peak_rss_per_rank") or [])
            L.append(f"Ingest: {fmt_num(mb(ing.get('csv_bytes')), 1)} MB of CSV in {fmt_num(ing.get('wall_s'))} s; "
                     f"peak RSS per rank (MB): {rss or '-'}.\n")
            L.append("| ingest figure | this run | previous comparable run | change | verdict |")
            L.append("|---|---:|---:|---:|---|")
            for v in headline:
                change = f"{v['change_pct']:+.1f}%" if v.get("change_pct") is not None else "-"
                L.append(f"| {v['figure']} ({v['unit']}) | {fmt_num(v['value'])} | "
                         f"{fmt_num(v['previous'])} {('(' + v['previous_run'] + ')') if v['previous_run'] else ''} | "
                         f"{change} | {v['verdict']} |")
            L.append("")
        L.append("| step / phase | wall s | rows | MB | MB/s/core | k rows/s/core | peak RSS/rank MB (max) | "
                 f"median of last {args.window} (s) | change | verdict |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for s in rec.get("steps", []):
            if s.get("exit") != 0:
                L.append(f"| **{s['step']}** | {fmt_num(s['wall_s'])} | | | | | | | | exit {s['exit']} |")
                continue
            for p in s.get("phases", []):
                name = f"{s['step']}/{p['name']}"
                v = verdicts.get(name, {})
                change = f"{v['change_pct']:+.1f}%" if v.get("change_pct") is not None else "-"
                L.append(f"| {name} | {fmt_num(p['wall_s'])} | {fmt_num(p['rows'])} | {fmt_num(mb(p['bytes']) or None, 1)} | "
                         f"{fmt_num(p.get('mb_s_per_core'))} | {fmt_num(p['rows_s_per_core'] / 1e3 if p.get('rows_s_per_core') else None)} | "
                         f"{fmt_num(mb(p.get('peak_rss_max_bytes')), 0)} | {fmt_num(v.get('median_s'))} | {change} | {v.get('verdict', '-')} |")
        L.append("")

    L.append("## Plots\n")
    for title, png in made:
        L.append(f"### {title}\n\n![{title}](plots/{png})\n")
    for n in notes:
        L.append(f"- {n}")
    L.append("")

    L.append("## History (latest 30 runs)\n")
    L.append("| started | run | patients | ranks x threads | total s | ingest MB/s/core | ingest peak RSS/rank MB | store MB | status |")
    L.append("|---|---|---:|---|---:|---:|---:|---:|---|")
    for r in runs[-30:][::-1]:
        ing = ingest_figures(r) or {}
        L.append(f"| {r.get('started')} | {r.get('run_id')} | {fmt_num(r.get('patients'))} | {r.get('ranks')} x {r.get('threads')} | "
                 f"{fmt_num(r.get('total_wall_s'), 1)} | {fmt_num(ing.get('mb_s_per_core'))} | "
                 f"{fmt_num(mb(ing.get('peak_rss_max_bytes')), 0)} | {fmt_num(mb(r.get('store_bytes')), 1)} | {r.get('status')} |")
    L.append("")
    path = os.path.join(args.out, "report.md")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(L))
    os.replace(tmp, path)
    print(f"capacity: report written to {path}" + (" (regression found)" if any_regression else ""))
    return 0


def add_judge_options(p):
    p.add_argument("--threshold", type=float, default=10.0, help="percent slower than the median that fails (10)")
    p.add_argument("--window", type=int, default=5, help="earlier comparable runs the median is taken over (5)")
    p.add_argument("--min-runs", type=int, default=3, help="earlier runs needed to judge a phase (3)")
    p.add_argument("--min-seconds", type=float, default=1.0, help="phases shorter than this are not judged (1.0)")
    p.add_argument("--run", help="judge this run id (default: the last run)")
    p.add_argument("--campaign", help="judge every run of this campaign")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("record")
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--meta", action="append")
    p = sub.add_parser("append")
    p.add_argument("--history", required=True)
    p.add_argument("--record", required=True)
    p = sub.add_parser("check")
    p.add_argument("--history", required=True)
    add_judge_options(p)
    p = sub.add_parser("report")
    p.add_argument("--history", required=True)
    p.add_argument("--out", required=True)
    add_judge_options(p)
    args = ap.parse_args()
    if getattr(args, "window", 1) < 1 or getattr(args, "min_runs", 1) < 1:
        die("--window and --min-runs must be at least 1")
    rc = {"record": cmd_record, "append": cmd_append, "check": cmd_check, "report": cmd_report}[args.cmd](args)
    sys.exit(rc or 0)


if __name__ == "__main__":
    main()
