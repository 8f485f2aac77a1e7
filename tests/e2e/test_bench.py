"""Keeps bench/run.py from rotting: one run of each command, asserting outcomes, never times."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from harness import BIN, SOURCE


class BenchSmoke(unittest.TestCase):
    def test_the_benchmark_runs_and_every_verdict_takes_one_request(self):
        figures = os.path.join(tempfile.mkdtemp(prefix="hss-gate-bench-"), "bench.json")
        done = subprocess.run([sys.executable, os.path.join(SOURCE, "bench", "run.py"), "--runs", "1", "--gate", BIN,
                               "--json", figures], capture_output=True, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        with open(figures) as f:
            rows = {row["case"]: row for row in json.load(f)}
        for case in ("bare curl of the same URL", "curl + jq script", "hss-gate check (online)"):
            self.assertEqual(rows[case]["exit"], 0, case)
            self.assertEqual(rows[case]["requests_per_verdict"], 1, case)
        for count in (1, 200, 20000):
            self.assertEqual(rows[f"from-file {count}"]["exit"], 0)
        self.assertEqual(rows["10 images, one cicd_name and version"]["requests"], 1)
        self.assertEqual(rows["10 images in 10 cicd_names"]["requests"], 10)
        self.assertEqual(rows["10 images in 10 cicd_names"]["exit"], 0)
        self.assertEqual(rows["registry: scanned image"]["requests"], 1)
        self.assertEqual(rows["registry: scanned image"]["exit"], 0)
        triggered = rows["registry: --trigger-scan, listed and unscanned"]
        self.assertEqual(triggered["exit"], 0)
        self.assertEqual(triggered["task_requests"], 1)
        self.assertGreaterEqual(triggered["requests"], 3)  # the scan takes 3 s: about one poll a second
        self.assertLessEqual(triggered["requests"], 6)
        findings = rows["findings: 1000 vulnerabilities, malware, secrets"]
        self.assertEqual(findings["exit"], 0)
        # the list; 5 vulnerability pages and the empty one at total_num; malware; secrets
        self.assertEqual(findings["requests"], 1 + 6 + 1 + 1)
        self.assertEqual(rows["findings: 10000 vulnerabilities, malware, secrets"]["requests"], 1 + 51 + 1 + 1)
        # A comparison reads its list and its vulnerabilities only (the new_only rule's kind).
        without = rows["comparison: without a comparison"]
        compared = rows["comparison: --compare-with 1.0.6"]
        self.assertEqual((without["exit"], compared["exit"]), (0, 0))
        self.assertEqual(compared["requests"], without["requests"] + 1 + 6)
        # VEX waives every vulnerability; statements by vul_id need no CVE request, by CVE one each.
        no_vex, by_id, by_cve = (rows[f"vex: {name}"] for name in
                                 ("without VEX", "--vex, statements by vul_id", "--vex, statements by CVE"))
        self.assertEqual((no_vex["exit"], by_id["exit"], by_cve["exit"]), (1, 0, 0))
        self.assertEqual((no_vex["cve_requests"], by_id["cve_requests"], by_cve["cve_requests"]), (0, 0, 1000))
        self.assertEqual(by_id["requests"], no_vex["requests"])


if __name__ == "__main__":
    unittest.main()
