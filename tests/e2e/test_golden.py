"""The console, JSON and JUnit reports of the shipped examples, byte for byte, as the dashboards
and the Markdown summary are pinned elsewhere (refresh: HSS_GATE_UPDATE_GOLDEN=1, then read the
diff). Each case runs the real binary offline with the clock pinned, so nothing varies but the
temporary folder, which is replaced by FOLDER."""
import os
import subprocess
import tempfile
import unittest

from harness import BIN, SOURCE, assert_golden

NOW = "2026-12-01T00:00:00Z"

# name: (saved response, policy or None for the built-in one, flags, expected exit code)
CASES = {
    # The example scripts/setup runs: the built-in default policy on examples/.
    "example": ("examples/list-cicd-images.json", None,
                ["--cicd-name", "payments-api", "--image-version", "1.4.2"], 0),
    # The shipped repository policy (extending the org baseline) blocking a vulnerable image.
    "blocked": ("tests/data/responses/vulnerable.json", "policies/repo/.hss-gate.toml",
                ["--cicd-name", "shop", "--image-version", "1.0.0", "--branch", "main"], 1),
    # Findings rules with a waiver, replayed from a bundle written by 0.2 (format 1).
    "findings": ("tests/data/responses/findings-v1.bundle.json", "tests/data/policies/golden-findings.toml",
                 ["--cicd-name", "shop", "--image-version", "1.0.0"], 1),
    # An image HSS does not hold: no verdict.
    "missing": ("examples/list-cicd-images.json", "policies/repo/.hss-gate.toml",
                ["--cicd-name", "payments-api", "--image-version", "9.9.9", "--branch", "main"], 4),
}


class GoldenReports(unittest.TestCase):
    def run_case(self, name):
        response, policy, flags, expected = CASES[name]
        folder = tempfile.mkdtemp(prefix="hss-gate-golden-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", folder], check=False))
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("HSS_GATE_", "GITHUB_", "GITLAB_", "CI"))}
        environment.update({"HSS_GATE_NOW": NOW, "NO_COLOR": "1"})
        arguments = [BIN, "check", "--from-file", response, *flags,
                     "--json", os.path.join(folder, "report.json"), "--junit", os.path.join(folder, "junit.xml")]
        if policy:
            arguments += ["--policy", policy]
        completed = subprocess.run(arguments, cwd=SOURCE, env=environment, capture_output=True, text=True,
                                   timeout=60, check=False)
        self.assertEqual(completed.returncode, expected, completed.stdout + completed.stderr)
        outputs = {"console.txt": completed.stdout + completed.stderr}
        for report in ("report.json", "junit.xml"):
            with open(os.path.join(folder, report), encoding="utf-8") as f:
                outputs[report] = f.read()
        for report, text in outputs.items():
            assert_golden(self, f"{name}.{report}", text.replace(folder, "FOLDER"))

    def test_the_shipped_example_passes(self):
        self.run_case("example")

    def test_the_repository_policy_blocks_a_vulnerable_image(self):
        self.run_case("blocked")

    def test_the_strict_policy_blocks_findings_from_a_bundle(self):
        self.run_case("findings")

    def test_a_missing_image_gets_no_verdict(self):
        self.run_case("missing")


if __name__ == "__main__":
    unittest.main()
