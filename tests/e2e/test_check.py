"""hss-gate check through the real binary, offline (--from-file)."""
import os
import resource
import signal
import subprocess
import unittest

from harness import BIN, NOW, FakeServerTest, GateTest, POLICIES, RESPONSES, SOURCE


def cases(root, status):
    return [case for case in root.iter("testcase") if case.find(status) is not None]


class CheckVerdicts(GateTest):
    def test_a_clean_image_passes_with_every_rule_reported(self):
        result = self.check("clean.json")
        self.assertEqual(result.code, 0, result.err)
        self.assertIn("hss-gate: PASS", result.out)
        self.assertIn("built-in default policy", result.out)
        report = self.assert_reports_agree(result)
        self.assertEqual(report["decision"], "pass")
        root = result.junit()
        names = [case.get("name") for case in root.iter("testcase")]
        self.assertEqual(names, ["scan-status", "no-malware", "risk-level", "vuln-budget", "baseline"])
        self.assertEqual(root.get("failures"), "0")

    def test_a_vulnerable_image_is_blocked_and_says_rule_actual_limit_and_waiver(self):
        result = self.check("vulnerable.json")
        self.assertEqual(result.code, 1)
        self.assertIn("FAIL   vuln-budget: vul_num is 111, above max 50", result.out)
        self.assertIn("FAIL   risk-level: severity_level is High, above max Medium", result.out)
        self.assertIn('waive: add an [[exceptions]] entry to the policy: rules = ["vuln-budget"]', result.out)
        self.assertIn("WARN   baseline: unsafe_setting_num is 12, above max 10", result.out)
        self.assertIn("BLOCKED by policy", result.out)
        report = self.assert_reports_agree(result)
        self.assertEqual(report["decision"], "fail")
        statuses = {r["rule"]: r for r in report["images"][0]["results"]}
        self.assertEqual(statuses["vuln-budget"]["status"], "fail")
        self.assertEqual(statuses["vuln-budget"]["actual"], 111)
        self.assertEqual(statuses["vuln-budget"]["limit"], 50)
        self.assertEqual(statuses["baseline"]["status"], "warn")
        failures = cases(result.junit(), "failure")
        self.assertEqual([c.get("name") for c in failures], ["risk-level", "vuln-budget"])
        message = failures[1].find("failure").get("message")
        self.assertEqual(message, "vul_num is 111, above max 50")
        self.assertIn("WARNING", result.text("junit.xml"))
        self.assertIn("| `vuln-budget` | fail | 111 | max 50 | fail |", result.text("summary.md"))

    def test_an_unfinished_scan_is_no_verdict(self):
        result = self.check("scanning.json")
        self.assertEqual(result.code, 4)
        self.assertIn("NO VERDICT", result.out)
        self.assertIn("scan is not finished (scan_status scanning)", result.out)
        report = self.assert_reports_agree(result)
        self.assertEqual(report["decision"], "no_verdict")
        failure = cases(result.junit(), "failure")
        self.assertEqual([c.get("name") for c in failure], ["scan-status"])

    def test_a_failed_scan_shows_its_cause(self):
        result = self.check("scan-failed.json")
        self.assertEqual(result.code, 4)
        self.assertIn("failed_to_scan_vulnerability: Vulnerability scan failed.", result.out)
        self.assert_reports_agree(result)

    def test_a_missing_image_still_explains_itself_in_every_report(self):
        result = self.check("empty.json")
        self.assertEqual(result.code, 4)
        self.assertIn("not found in HSS", result.out)
        report = self.assert_reports_agree(result)
        self.assertEqual(report["images"][0]["scan_status"], "missing")
        self.assertEqual(report["images"][0]["results"][0]["rule"], "scan-status")
        self.assertEqual([c.get("name") for c in cases(result.junit(), "failure")], ["scan-status"])

    def test_no_verdict_gets_the_likely_causes_never_a_scan_status_waiver(self):
        # Waiving scan-status would pass an image nobody judged: every report lists what to check.
        for response, expected in (("empty.json", "cicd_name \"shop\" is not the name of the CI/CD identifier"),
                                   ("scanning.json", "raise `wait`"),
                                   ("scan-failed.json", "run the pipeline's scan step again")):
            with self.subTest(response):
                result = self.check(response)
                self.assertEqual(result.code, 4, result.out + result.err)
                self.assertNotIn("waive:", result.out)
                self.assertNotIn("[[exceptions]]", result.out)
                self.assertIn(expected, result.out)
                scan_status = self.assert_reports_agree(result)["images"][0]["results"][0]
                self.assertEqual(scan_status["rule"], "scan-status")
                self.assertIn(expected, " ".join(scan_status["hint"]))
                failure = cases(result.junit(), "failure")[0].find("failure").text
                self.assertNotIn("to waive", failure)
                self.assertIn("to check: ", failure)
                self.assertIn(expected, failure)
                self.assertIn(expected, result.text("summary.md").replace("\\", ""))  # Markdown escapes
        missing = self.check("empty.json")
        for cause in ("no scan step", "image_version \"1.0.0\"", "another project, region or enterprise project",
                      "does not record the project", "raise `wait`"):
            self.assertIn(cause, missing.out)

    def test_loose_server_matches_do_not_count(self):
        result = self.check("loose-match.json")
        self.assertEqual(result.code, 4, result.out)
        self.assertIn("not found in HSS", result.out)

    def test_every_exact_match_is_evaluated_and_the_worst_wins(self):
        result = self.check("two-images.json")
        self.assertEqual(result.code, 1)
        report = self.assert_reports_agree(result)
        self.assertEqual([i["decision"] for i in report["images"]], ["pass", "fail"])
        self.assertEqual(len(result.junit().findall("testsuite")), 2)
        narrowed = self.check("two-images.json", "--image-name", "web")
        self.assertEqual(narrowed.code, 0)

    def test_the_api_page_example_shape_is_accepted(self):
        result = self.gate("check", "--cicd-name", "", "--image-version", "common", "--from-file",
                           os.path.join(RESPONSES, "page-example.json"), "--json", "report.json")
        self.assertEqual(result.code, 1, result.out + result.err)  # vul_num 111 breaks the default budget
        self.assertIn("vul_num is 111, above max 50", result.out)

    def test_the_environment_configures_every_flag_and_a_flag_wins(self):
        env = {"HSS_GATE_CICD_NAME": "shop", "HSS_GATE_IMAGE_VERSION": "9.9.9",
               "HSS_GATE_FROM_FILE": os.path.join(RESPONSES, "clean.json"), "HSS_GATE_JSON": "env.json"}
        result = self.gate("check", "--image-version", "1.0.0", env=env)
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(result.json("env.json")["decision"], "pass")

    def test_quiet_prints_only_the_verdict_and_verbose_lists_passing_rules(self):
        quiet = self.check("clean.json", "-q", reports=False)
        self.assertEqual(quiet.out.strip().splitlines(), ["hss-gate: PASS (1 image, 0 failed, 0 warnings, 0 waived; exit 0)"])
        verbose = self.check("clean.json", "--verbose", reports=False)
        self.assertIn("pass   vuln-budget: vul_num is 0, within max 50", verbose.out)

    def test_no_colour_when_not_a_terminal(self):
        result = self.check("vulnerable.json", reports=False)
        self.assertNotIn("\033[", result.out)


class OnlineHints(FakeServerTest):
    TOKEN = "hints-SECRET-token"

    def test_a_missing_image_names_where_it_was_looked_up_but_no_secret(self):
        self.fake.reset([])
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--json", "report.json",
                           "--enterprise-project-id", "ep-7",
                           env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                                "HSS_GATE_AUTH_TOKEN": self.TOKEN})
        self.assertEqual(result.code, 4, result.out + result.err)
        where = (f'this run asked project "test-project" at {self.fake.url} (region not known), '
                 'enterprise_project_id "ep-7"')
        self.assertIn(where, result.out)
        self.assertIn(where, " ".join(result.json()["images"][0]["results"][0]["hint"]))
        self.assertNotIn("waive:", result.out)
        self.assertNotIn(self.TOKEN, result.out + result.err + result.text("report.json"))


class ShippedExamples(GateTest):
    def test_the_shipped_example_response_passes_one_tag_and_blocks_the_other(self):
        example = os.path.join(SOURCE, "examples", "list-cicd-images.json")
        ok = self.gate("check", "--cicd-name", "payments-api", "--image-version", "1.4.2", "--from-file", example)
        self.assertEqual(ok.code, 0, ok.out + ok.err)
        blocked = self.gate("check", "--cicd-name", "payments-api", "--image-version", "1.4.2-rc1",
                            "--from-file", example, "--junit", "junit.xml", "--json", "report.json")
        self.assertEqual(blocked.code, 1)
        self.assertIn("FAIL   vuln-budget: vul_num is 75, above max 50", blocked.out)
        self.assert_reports_agree(blocked)

    def test_hss_gate_policy_may_list_several_files(self):
        env = {"HSS_GATE_POLICY": os.path.join(POLICIES, "org", "baseline.toml") + "\n" +
                                  os.path.join(POLICIES, "strict.toml")}
        # strict.toml has findings rules: a bundle answers them, a plain list response cannot
        result = self.check("clean.bundle.json", env=env, reports=False)
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertIn("baseline.toml, ", result.out)
        self.assertIn("strict.toml (from HSS_GATE_POLICY)", result.out)


class CheckErrors(GateTest):
    def test_an_unreadable_response_is_exit_3_with_an_error_report(self):
        for name, expected in [("truncated.json", "not valid JSON"), ("html.json", "not valid JSON"),
                               ("wrong-type.json", "data_list[0].vul_num: expected an integer, got a string")]:
            with self.subTest(name):
                result = self.check(name)
                self.assertEqual(result.code, 3)
                self.assertIn(expected, result.out)
                report = self.assert_reports_agree(result)
                self.assertEqual(report["decision"], "error")
                self.assertIn(expected, report["errors"][0])
                errors = [c for c in result.junit().iter("testcase") if c.find("error") is not None]
                self.assertEqual(len(errors), 1)
                self.assertIn(expected, errors[0].find("error").get("message"))

    def test_on_error_pass_turns_exit_3_into_a_loud_exit_0(self):
        result = self.check("truncated.json", "--on-error", "pass")
        self.assertEqual(result.code, 0)
        self.assertIn("ERROR IGNORED", result.out)
        report = self.assert_reports_agree(result)
        self.assertEqual(report["decision"], "error")

    def test_usage_errors_are_exit_2_one_line_and_write_no_report(self):
        cases_ = [
            (["check", "--image-version", "1"], "--cicd-name: required"),
            (["check", "--cicd-name", "a" * 129, "--image-version", "1"], "--cicd-name: expected 0 to 128 characters, got 129"),
            (["check", "--cicd-name", "a", "--image-version", "v" * 65], "--image-version: expected 1 to 64 characters, got 65"),
            (["check", "--cicd-name", "a", "--image-version", "1", "--bogus"], "unknown flag --bogus"),
            (["check", "--cicd-name", "a", "--image-version", "1", "--from-file", "missing.json"], "no such file"),
            (["check", "--cicd-name", "a", "--image-version", "1", "--policy", "missing.toml"], "no such policy file"),
            (["check", "--cicd-name", "a", "--image-version", "1"], "--project-id: required"),
            (["frobnicate"], "unknown command 'frobnicate'"),
        ]
        for args, expected in cases_:
            with self.subTest(expected):
                result = self.gate(*args, "--junit", "junit.xml") if args[0] == "check" else self.gate(*args)
                self.assertEqual(result.code, 2, result.err)
                lines = result.err.strip().splitlines()
                self.assertEqual(len(lines), 1, result.err)
                self.assertTrue(lines[0].startswith("hss-gate: error: "), lines[0])
                self.assertIn(expected, lines[0])
                self.assertFalse(os.path.exists(os.path.join(self.folder, "junit.xml")))

    def test_a_bad_policy_is_exit_2_with_file_line_and_column(self):
        with open(os.path.join(self.folder, "bad.toml"), "w") as f:
            f.write('version = 1\n[rules.v]\nfield = "vul_num"\nmaximum = 3\n')
        result = self.check("clean.json", "--policy", "bad.toml")
        self.assertEqual(result.code, 2)
        self.assertIn("bad.toml:4:1: rules.v: unknown key 'maximum'", result.err)
        self.assertFalse(os.path.exists(result.path("junit.xml")))

    def test_help_and_version_document_the_exit_codes(self):
        self.assertEqual(self.gate("--version").code, 0)
        self.assertRegex(self.gate("--version").out, r"^hss-gate \d+\.\d+\.\d+")
        for args in (["--help"], ["check", "--help"]):
            result = self.gate(*args)
            self.assertEqual(result.code, 0)
            for code in ("0  pass", "1  blocked", "2  usage", "3  HSS service", "4  no verdict"):
                self.assertIn(code, result.out)
        self.assertIn("--cicd-name NAME", self.gate("check", "--help").out)


class Policies(GateTest):
    def test_the_working_directory_policy_is_used_when_present(self):
        with open(os.path.join(self.folder, ".hss-gate.toml"), "w") as f:
            f.write('version = 1\n[rules.zero]\nfield = "vul_num"\nmax = 0\n')
        result = self.check("vulnerable.json", reports=False)
        self.assertIn("./.hss-gate.toml", result.out)
        self.assertIn("FAIL   zero: vul_num is 111, above max 0", result.out)
        self.assertNotIn("risk-level", result.out)

    def test_every_shipped_policy_lints_clean_and_decides_as_documented(self):
        expectations = {  # policy -> (clean.json exit, vulnerable.json exit)
            "default.toml": (0, 1),
            "strict.toml": (0, 1),
            "advisory.toml": (0, 0),
            "org/baseline.toml": (0, 1),
            "repo/.hss-gate.toml": (0, 1),
        }
        for name, (clean, vulnerable) in expectations.items():
            with self.subTest(name):
                path = os.path.join(POLICIES, name)
                lint = self.gate("policy", "lint", path)
                self.assertEqual(lint.code, 0, lint.out + lint.err)
                # a policy with findings rules needs a bundle (with empty finding lists here)
                suffix = ".bundle.json" if name == "strict.toml" else ".json"
                self.assertEqual(self.check("vulnerable" + suffix, "--policy", path, reports=False).code, vulnerable)
                result = self.check("clean" + suffix, "--policy", path, reports=False)
                self.assertEqual(result.code, clean, result.out)


class UnwrittenReports(GateTest):
    """A report that cannot be written: every report written states the exit status returned."""

    def run_limited(self, folder, response, limit, *args):
        def limit_file_size():
            # The default SIGXFSZ action would kill the process: the gate ignores the signal itself
            # (found by the invariant review), so a write past the limit fails with EFBIG.
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        os.makedirs(folder, exist_ok=True)
        environment = {"PATH": os.environ.get("PATH", ""), "HSS_GATE_NOW": NOW}
        return subprocess.run([BIN, "check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file",
                               os.path.join(RESPONSES, response), "--json", "r.json", "--dotenv", "r.env",
                               "--summary", "r.md", "-q", *args], cwd=folder, env=environment, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL, preexec_fn=limit_file_size)

    def test_every_report_states_the_exit_status_when_another_cannot_be_written(self):
        for response, args, decided, returned in [("clean.json", [], 0, 3), ("vulnerable.json", [], 1, 1),
                                                  ("truncated.json", ["--on-error", "pass"], 0, 3)]:
            with self.subTest(response=response):
                free = os.path.join(self.folder, response + "-free")
                first = self.run_limited(free, response, resource.RLIM_INFINITY, *args)
                self.assertEqual(first.returncode, decided, first.stderr)
                sizes = {name: os.path.getsize(os.path.join(free, name)) for name in ("r.json", "r.env", "r.md")}
                # The JSON report is the largest: a file size limit below it fails it alone.
                self.assertGreater(sizes["r.json"], max(sizes["r.env"], sizes["r.md"]))
                limit = (sizes["r.json"] + max(sizes["r.env"], sizes["r.md"])) // 2
                folder = os.path.join(self.folder, response)
                result = self.run_limited(folder, response, limit, *args)
                self.assertEqual(result.returncode, returned, result.stderr)
                self.assertIn("r.json: cannot write report", result.stderr)
                self.assertEqual(sorted(os.listdir(folder)), ["r.env", "r.md"])
                with open(os.path.join(folder, "r.env"), encoding="utf-8") as f:
                    self.assertIn(f"HSS_GATE_RESULT_EXIT_CODE={returned}\n", f.read())
                with open(os.path.join(folder, "r.md"), encoding="utf-8") as f:
                    self.assertIn(f"(exit {returned})", f.read())


class WarningsExit(GateTest):
    """--warnings-exit CODE replaces exit 0 for a warn decision and an ignored HSS error only, and
    every report states CODE."""

    def policy(self, level):
        path = os.path.join(self.folder, f"{level}.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f'version = 1\n[rules.vulns]\nfield = "vul_num"\nmax = 5\nlevel = "{level}"\n')
        return path

    def run_with(self, response, level, *args, env=None):
        return self.check(response, "--policy", self.policy(level), "--dotenv", "r.env", *args, env=env)

    def assert_reports_state(self, result, code):
        self.assertEqual(result.code, code, result.out + result.err)
        self.assertEqual(self.assert_reports_agree(result)["exit_code"], code)
        self.assertIn(f"HSS_GATE_RESULT_EXIT_CODE={code}\n", result.text("r.env"))
        self.assertIn(f"(exit {code})", result.text("summary.md"))
        self.assertIn(f"exit {code})", result.out)

    def test_a_warning_exits_with_the_code_and_every_report_says_so(self):
        result = self.run_with("vulnerable.json", "warn", "--warnings-exit", "42")
        self.assertIn("PASS WITH WARNINGS", result.out)
        self.assert_reports_state(result, 42)

    def test_a_clean_pass_still_exits_0(self):
        self.assert_reports_state(self.run_with("clean.json", "warn", "--warnings-exit", "42"), 0)

    def test_a_block_still_exits_1(self):
        self.assert_reports_state(self.run_with("vulnerable.json", "fail", "--warnings-exit", "42"), 1)

    def test_an_error_let_through_by_on_error_pass_exits_with_the_code(self):
        result = self.run_with("truncated.json", "warn", "--on-error", "pass", "--warnings-exit", "7")
        self.assertIn("ERROR IGNORED", result.out)
        self.assert_reports_state(result, 7)
        # Without --on-error pass the error is exit 3, whatever --warnings-exit says.
        self.assertEqual(self.run_with("truncated.json", "warn", "--warnings-exit", "7").code, 3)

    def test_without_the_flag_a_warning_exits_0(self):
        self.assert_reports_state(self.run_with("vulnerable.json", "warn"), 0)

    def test_the_bounds_5_and_125_are_accepted(self):
        for code in (5, 125):
            with self.subTest(code=code):
                self.assert_reports_state(self.run_with("vulnerable.json", "warn", "--warnings-exit", str(code)), code)

    def test_a_value_outside_5_to_125_or_not_an_integer_is_exit_2_naming_the_flag(self):
        for value in ("4", "126", "abc", "1e1", "", "-7", "0x7", "7.0", " 7"):
            with self.subTest(value=value):
                result = self.run_with("vulnerable.json", "warn", f"--warnings-exit={value}")
                self.assertEqual(result.code, 2, result.err)
                self.assertEqual(result.err.strip().splitlines(),
                                 [f'hss-gate: error: --warnings-exit: expected an integer from 5 to 125, got "{value}"'])
                self.assertFalse(os.path.exists(result.path("report.json")))

    def test_the_variable_sets_it_and_the_flag_wins(self):
        by_variable = self.run_with("vulnerable.json", "warn", env={"HSS_GATE_WARNINGS_EXIT": "9"})
        self.assert_reports_state(by_variable, 9)
        both = self.run_with("vulnerable.json", "warn", "--warnings-exit", "11", env={"HSS_GATE_WARNINGS_EXIT": "9"})
        self.assert_reports_state(both, 11)
        bad = self.run_with("vulnerable.json", "warn", env={"HSS_GATE_WARNINGS_EXIT": "200"})
        self.assertEqual(bad.code, 2)
        self.assertIn('HSS_GATE_WARNINGS_EXIT: expected an integer from 5 to 125, got "200"', bad.err)


if __name__ == "__main__":
    unittest.main()
