#!/usr/bin/env python3
"""The capacity run's regression check and report, fed synthetic histories
(scripts/capacity/capacity.py check | report). Each test states the rule it checks."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("SNDS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(SOURCE, "scripts", "capacity", "capacity.py")


def run_record(n, write_s, *, ranks=2, threads=1, patients=20000, label="lab", status="ok",
               campaign=None, read_s=5.0, short_s=0.2, rss=200_000_000, with_ingest=False):
    """A history line with an ingest (read, write, a short phase) and one job. `with_ingest`: with
    the record's "ingest" headline figures, as capacity.py record writes them (older records lack
    them: the check derives them from the ingest's phases)."""
    def phase(name, wall, rows=1_000_000, nbytes=0):
        return {"name": name, "wall_s": wall, "rows": rows, "bytes": nbytes,
                "mb_s_per_core": nbytes / 1e6 / wall / (ranks * threads) if nbytes else None,
                "rows_s_per_core": rows / wall / (ranks * threads),
                "peak_rss_max_bytes": rss, "peak_rss_per_rank": [rss] * ranks}
    ingest = None
    if with_ingest:
        wall = read_s + write_s + short_s
        ingest = {"csv_bytes": 300_000_000, "wall_s": wall,
                  "mb_s_per_core": 300 / wall / (ranks * threads), "peak_rss_per_rank": [rss] * ranks,
                  "peak_rss_max_bytes": rss, "memory_budget_mb": 2048, "spilled_bytes": 0}
    return {
        "format": 1, "run_id": f"run{n:02d}", "campaign": campaign or f"run{n:02d}", "label": label,
        "started": f"2026-01-{n:02d}T02:00:00Z", "finished": f"2026-01-{n:02d}T02:10:00Z",
        "host": "node1", "nodes": "node1", "slurm_job": None, "launcher": "srun",
        "program_version": "0.1.0", "git": None, "years": "2019-2022", "patients": patients, "seed": 1,
        "ranks": ranks, "threads": threads, "shards": 64, "cores": ranks * threads,
        "extract_bytes": 300_000_000, "store_bytes": 150_000_000,
        "total_wall_s": read_s + write_s + 3.0, "status": status, "ingest": ingest,
        "steps": [
            {"step": "ingest", "kind": "ingest", "config": "ingest.yaml", "wall_s": read_s + write_s,
             "exit": 0 if status == "ok" else 3, "ranks": ranks, "threads": threads,
             "phases": [phase("read", read_s, nbytes=300_000_000), phase("write", write_s, nbytes=150_000_000),
                        phase("prepare", short_s, rows=10)]},
            {"step": "cohort_statins_mi", "kind": "cohort", "config": "configs/cohort_statins_mi.yaml",
             "wall_s": 3.0, "exit": 0, "ranks": ranks, "threads": threads, "phases": [phase("shards", 2.5)]},
        ],
    }


class CapacityCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="snds-capacity-test-")
        self.history = os.path.join(self.tmp.name, "history.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, records, raw_lines=()):
        with open(self.history, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
            for line in raw_lines:
                f.write(line + "\n")

    def check(self, *extra):
        r = subprocess.run([sys.executable, TOOL, "check", "--history", self.history, *extra],
                           capture_output=True, text=True, check=False)
        return r.returncode, r.stdout + r.stderr

    def baseline(self, writes=(10.0, 10.5, 9.5, 10.2, 9.8)):
        return [run_record(i + 1, w) for i, w in enumerate(writes)]

    def test_a_phase_more_than_10_percent_slower_than_the_median_of_the_last_5_fails_with_exit_10(self):
        self.write(self.baseline() + [run_record(6, 11.5)])
        code, out = self.check()
        self.assertEqual(code, 10, out)
        self.assertIn("REGRESSION in ingest/write", out)
        self.assertIn("15.0% slower than the median 10.00 s of its last 5 comparable runs", out)
        self.assertNotIn("ingest/read", out)

    def test_a_phase_less_than_10_percent_slower_passes(self):
        self.write(self.baseline() + [run_record(6, 10.9)])
        code, out = self.check()
        self.assertEqual(code, 0, out)
        self.assertIn("no phase more than 10% slower", out)

    def test_the_threshold_is_configurable(self):
        self.write(self.baseline() + [run_record(6, 11.5)])
        self.assertEqual(self.check("--threshold", "20")[0], 0)
        self.assertEqual(self.check("--threshold", "5")[0], 10)

    def test_only_the_last_window_runs_make_the_median(self):
        older = [run_record(i + 1, 20.0) for i in range(5)]
        recent = [run_record(i + 6, 10.0) for i in range(5)]
        self.write(older + recent + [run_record(11, 11.5)])
        self.assertEqual(self.check()[0], 10)  # median of the last 5: 10 s
        self.assertEqual(self.check("--window", "10")[0], 0)  # median of 10: 15 s

    def test_runs_at_another_layout_scale_or_label_are_not_compared(self):
        others = [run_record(i + 1, 5.0, ranks=4) for i in range(5)]
        others += [run_record(i + 6, 5.0, patients=10000) for i in range(5)]
        others += [run_record(i + 11, 5.0, label="other-cluster") for i in range(5)]
        self.write(others + [run_record(16, 10.0)])
        code, out = self.check()
        self.assertEqual(code, 0, out)  # no comparable history: nothing judged
        self.assertIn("0 phases judged", out)

    def test_phases_shorter_than_min_seconds_are_not_judged(self):
        history = [run_record(i + 1, 10.0, short_s=0.2) for i in range(5)]
        self.write(history + [run_record(6, 10.0, short_s=0.6)])  # +200%, but 0.6 s
        self.assertEqual(self.check()[0], 0)
        self.assertEqual(self.check("--min-seconds", "0.1")[0], 10)

    def test_fewer_earlier_runs_than_min_runs_are_not_judged(self):
        # The write doubles, the read gets as much faster: the ingest's MB/s per core stays the same.
        self.write([run_record(1, 10.0, read_s=12.0), run_record(2, 10.0, read_s=12.0),
                    run_record(3, 20.0, read_s=2.0)])
        code, out = self.check()  # 2 earlier runs < 3
        self.assertEqual(code, 0, out)
        self.assertNotIn("REGRESSION", out)
        self.assertEqual(self.check("--min-runs", "2")[0], 10)

    def test_ingest_mb_s_per_core_more_than_10_percent_below_the_previous_comparable_run_fails(self):
        # One earlier run is enough: the headline figures compare with the previous run.
        self.write([run_record(1, 10.0, with_ingest=True), run_record(2, 12.0, with_ingest=True)])
        code, out = self.check()
        self.assertEqual(code, 10, out)
        self.assertIn("REGRESSION in ingest MB/s per core (run run02): 8.72 MB/s per core, 11.6% below "
                      "the previous comparable run's 9.87 (run run01", out)
        self.assertNotIn("REGRESSION in ingest peak RSS", out)
        self.write([run_record(1, 10.0, with_ingest=True), run_record(2, 11.0, with_ingest=True)])
        code, out = self.check()
        self.assertEqual(code, 0, out)  # 6.2% slower
        self.assertIn("ingest MB/s per core 9.26 MB/s per core (-6.2%): ok", out)

    def test_ingest_peak_rss_more_than_10_percent_above_the_previous_comparable_run_fails(self):
        self.write([run_record(1, 10.0, rss=1_000_000_000), run_record(2, 10.0, rss=1_150_000_000)])
        code, out = self.check()
        self.assertEqual(code, 10, out)
        self.assertIn("REGRESSION in ingest peak RSS per rank (run run02): 1150.00 MB, 15.0% above the "
                      "previous comparable run's 1000.00 (run run01", out)
        self.write([run_record(1, 10.0, rss=1_000_000_000), run_record(2, 10.0, rss=1_080_000_000)])
        self.assertEqual(self.check()[0], 0)
        self.assertEqual(self.check("--threshold", "5")[0], 10)

    def test_the_headline_baseline_is_the_previous_comparable_run_not_the_median(self):
        slow = [run_record(i + 1, 30.0, rss=2_000_000_000) for i in range(5)]
        other = [run_record(7, 5.0, ranks=4, rss=100_000_000)]  # another layout: skipped
        self.write(slow + [run_record(6, 10.0, rss=1_000_000_000)] + other + [run_record(8, 12.0, rss=1_200_000_000)])
        code, out = self.check()
        self.assertEqual(code, 10, out)  # against run06, not the median of the slow runs
        self.assertIn("(run run06", out)
        self.assertIn("REGRESSION in ingest peak RSS per rank (run run08)", out)
        self.assertIn("REGRESSION in ingest MB/s per core (run run08)", out)
        self.assertNotIn("REGRESSION in ingest/write", out)  # the phase's median is 30 s

    def test_the_first_run_of_a_layout_has_no_headline_baseline(self):
        self.write([run_record(1, 10.0, ranks=4), run_record(2, 50.0, rss=9_000_000_000)])
        code, out = self.check()
        self.assertEqual(code, 0, out)
        self.assertIn("no previous comparable run): new", out)

    def test_failed_runs_are_left_out_of_the_baseline(self):
        failed = [run_record(i + 6, 30.0, status="failed") for i in range(3)]
        self.write(self.baseline() + failed + [run_record(9, 10.5)])
        self.assertEqual(self.check()[0], 0)

    def test_a_failed_run_checked_exits_1(self):
        self.write(self.baseline() + [run_record(6, 10.0, status="failed")])
        code, out = self.check()
        self.assertEqual(code, 1, out)
        self.assertIn("failed", out)

    def test_a_campaign_is_checked_run_by_run(self):
        camp = [run_record(6, 10.0, campaign="night"), run_record(7, 10.0, ranks=4, campaign="night")]
        base4 = [run_record(i + 11, 5.0, ranks=4) for i in range(5)]
        self.write(self.baseline() + base4 + camp)
        code, out = self.check("--campaign", "night")
        self.assertEqual(code, 10, out)  # the 4-rank run doubled
        self.assertIn("run07", out)
        self.assertNotIn("REGRESSION in ingest/write (run run06)", out)

    def test_a_malformed_history_line_is_refused_naming_the_line(self):
        self.write(self.baseline(), raw_lines=["{not json"])
        code, out = self.check()
        self.assertEqual(code, 2, out)
        self.assertIn("line 6", out)

    def test_the_report_shows_the_regression_and_draws_the_plots(self):
        self.write(self.baseline() + [run_record(6, 11.5, campaign="n"), run_record(7, 5.0, ranks=4, campaign="n")])
        out_dir = os.path.join(self.tmp.name, "report")
        r = subprocess.run([sys.executable, TOOL, "report", "--history", self.history, "--out", out_dir,
                            "--campaign", "n"], capture_output=True, text=True, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out_dir, "report.md"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("**REGRESSION**: ingest/write 11.50 s vs median 10.00 s (+15.0%)", text)
        self.assertIn("| ingest/read |", text)
        self.assertIn("| ingest MB/s per core (MB/s per core) | 8.98 | 10.00 (run05) | -10.2% | REGRESSION |", text)
        self.assertIn("| ingest peak RSS per rank (MB) | 200.00 | 200.00 (run05) | +0.0% | ok |", text)
        for png in ("throughput.png", "scale.png", "scaling.png"):
            with open(os.path.join(out_dir, "plots", png), "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", png)
            self.assertIn(f"(plots/{png})", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
