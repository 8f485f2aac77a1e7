"""hss-gate policy lint / show through the real binary."""
import os
import unittest

from harness import GateTest, POLICIES


class PolicyCommands(GateTest):
    def write(self, name, text):
        path = os.path.join(self.folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_lint_prints_every_problem_with_file_line_column(self):
        path = self.write("p.toml", 'version = 1\n[rules.a]\nfield = "vul_num"\nmax = "x"\n[rules.b]\nfield = "nope"\n'
                                    '[[exceptions]]\nrules = ["a"]\nreason = "r"\n')
        result = self.gate("policy", "lint", path)
        self.assertEqual(result.code, 2)
        lines = result.out.strip().splitlines()
        self.assertEqual(len(lines), 3, result.out)
        self.assertTrue(lines[0].startswith(path + ":4:7: rules.a.max: expected a whole number"), lines[0])
        self.assertIn(":6:9: rules.b.field: unknown field 'nope'", lines[1])
        self.assertIn(":7:1: exception: missing 'expires'", lines[2])
        self.assertIn("3 problems found", result.err)

    def test_lint_of_clean_files_is_exit_0(self):
        result = self.gate("policy", "lint", os.path.join(POLICIES, "default.toml"), os.path.join(POLICIES, "strict.toml"))
        self.assertEqual(result.code, 0, result.out)
        self.assertEqual(result.out.count(": ok"), 2)

    def test_a_looser_override_names_both_files_and_suggests_an_exception(self):
        base = self.write("org/base.toml", 'version = 1\n[rules.v]\nfield = "vul_num"\nmax = 10\n')
        child = self.write("repo/p.toml", 'version = 1\nextends = ["../org/base.toml"]\n[rules.v]\nfield = "vul_num"\nmax = 20\n')
        result = self.gate("policy", "lint", child)
        self.assertEqual(result.code, 2)
        self.assertIn(child + ":3:8: rule 'v' raises or drops 'max' as inherited from " + base + ":2:8", result.out)
        self.assertIn("[[exceptions]]", result.out)

    def test_an_expired_exception_is_a_warning_not_a_waiver(self):
        path = self.write("p.toml", 'version = 1\n[rules.v]\nfield = "vul_num"\nmax = 10\n[[exceptions]]\nrules = ["v"]\n'
                                    'expires = 2026-11-01\nreason = "SEC-1"\n')
        result = self.check("vulnerable.json", "--policy", path)
        self.assertEqual(result.code, 1)
        self.assertIn("expired on 2026-11-01", result.out)
        self.assertIn("expired on 2026-11-01", result.json()["warnings"][0])

    EXPIRING = ('version = 1\n[exceptions_policy]\nwarn_days = 14\n[rules.v]\nfield = "vul_num"\nmax = 10\n'
                '[[exceptions]]\nrules = ["v"]\nexpires = 2026-11-01\nreason = "SEC-1"\n'
                '[[exceptions]]\nrules = ["v"]\nexpires = 2026-12-05\nreason = "SEC-2"\n'
                '[[exceptions]]\nrules = ["v"]\nexpires = 2027-06-01\nreason = "SEC-3"\n')

    def test_lint_warns_on_an_expired_and_an_expiring_exception_naming_file_line_date_and_days(self):
        path = self.write("p.toml", self.EXPIRING)
        result = self.gate("policy", "lint", path)
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(result.out.splitlines(), [
            f"{path}:7:1: warning: exception for [v] expired on 2026-11-01 (25 days ago): it waives nothing; renew it "
            "with a new reason or fix the findings",
            f"{path}:11:1: warning: exception for [v] expires on 2026-12-05 (in 8 days), within "
            f"exceptions_policy.warn_days = 14 (set in {path})",
            f"{path}: ok, 2 warnings"])

    def test_lint_strict_exits_1_on_warnings_and_2_on_problems(self):
        expiring = self.write("p.toml", self.EXPIRING)
        self.assertEqual(self.gate("policy", "lint", "--strict", expiring).code, 1)
        self.assertEqual(self.gate("policy", "lint", expiring, "--strict").code, 1)
        clean = os.path.join(POLICIES, "default.toml")
        self.assertEqual(self.gate("policy", "lint", "--strict", clean).code, 0)
        broken = self.write("bad.toml", self.EXPIRING + '[rules.b]\nfield = "nope"\n')
        self.assertEqual(self.gate("policy", "lint", "--strict", broken).code, 2)
        self.assertEqual(self.gate("policy", "lint", broken).code, 2)
        self.assertEqual(self.gate("policy", "show", "--strict", clean).code, 2)

    def test_lint_measures_expiry_at_hss_gate_now(self):
        path = self.write("p.toml", self.EXPIRING)
        later = self.gate("policy", "lint", "--strict", path, env={"HSS_GATE_NOW": "2026-12-06T00:00:00Z"})
        self.assertEqual(later.code, 1)
        self.assertIn("exception for [v] expired on 2026-12-05 (today)", later.out)
        self.assertIn("exception for [v] expired on 2026-11-01 (34 days ago)", later.out)
        earlier = self.gate("policy", "lint", "--strict", path, env={"HSS_GATE_NOW": "2026-10-01T00:00:00Z"})
        self.assertEqual(earlier.code, 0, earlier.out)
        self.assertEqual(earlier.out.strip(), f"{path}: ok")
        bad = self.gate("policy", "lint", path, env={"HSS_GATE_NOW": "tomorrow"})
        self.assertEqual(bad.code, 2)
        self.assertIn("HSS_GATE_NOW: expected a date-time", bad.err)

    def test_a_runs_expiry_warnings_are_a_skipped_junit_test_and_counted_apart(self):
        path = self.write("p.toml", self.EXPIRING)
        result = self.check("vulnerable.json", "--policy", path, "--dotenv", "r.env")
        self.assertEqual(result.code, 0, result.out)
        self.assert_schema_valid(result.path("junit.xml"))
        expiry = [c for c in result.junit().iter("testcase") if c.get("name") == "exception expiry"]
        self.assertEqual(len(expiry), 1)
        message = expiry[0].find("skipped").get("message")
        self.assertTrue(message.startswith("2 exceptions expired or expiring: "), message)
        self.assertIn("expired on 2026-11-01", message)
        self.assertIn("expires on 2026-12-05 (in 8 days)", message)
        env = result.text("r.env")
        self.assertIn("HSS_GATE_RESULT_EXPIRY_WARNINGS=2\n", env)
        self.assertIn("HSS_GATE_RESULT_WARNINGS=0\n", env)  # it counts rules that warned
        clean = self.check("clean.json", "--dotenv", "r.env")
        self.assertIn("HSS_GATE_RESULT_EXPIRY_WARNINGS=0\n", clean.text("r.env"))
        self.assertEqual([c for c in clean.junit().iter("testcase") if c.get("name") == "exception expiry"], [])

    def test_a_valid_exception_waives_and_shows_in_junit_as_skipped(self):
        path = self.write("p.toml", 'version = 1\n[rules.v]\nfield = "vul_num"\nmax = 10\n[[exceptions]]\nrules = ["v"]\n'
                                    'cicd_name = "sho*"\nexpires = 2026-12-31\nreason = "SEC-2: patched next sprint"\nowner = "ops"\n')
        result = self.check("vulnerable.json", "--policy", path)
        self.assertEqual(result.code, 0, result.out)
        self.assertIn("WAIVED v", result.out)
        skipped = [c for c in result.junit().iter("testcase") if c.find("skipped") is not None]
        self.assertEqual(len(skipped), 1)
        self.assertIn("SEC-2", skipped[0].find("skipped").get("message"))
        self.assertIn("ops", skipped[0].find("skipped").get("message"))
        self.assert_schema_valid(result.path("junit.xml"))

    def test_when_uses_the_ci_branch_and_says_which_context_is_missing(self):
        path = self.write("p.toml", 'version = 1\n[rules.v]\nfield = "vul_num"\nmax = 10\nwhen = { branch = ["main"] }\n')
        self.assertEqual(self.check("vulnerable.json", "--policy", path, env={"GITHUB_REF_NAME": "main"}).code, 1)
        self.assertEqual(self.check("vulnerable.json", "--policy", path, "--branch", "feature/x").code, 0)
        unknown = self.check("vulnerable.json", "--policy", path)
        self.assertEqual(unknown.code, 0)
        self.assertIn("no branch is known", unknown.out)

    def test_show_prints_the_merged_policy_and_its_origins_apart(self):
        result = self.gate("policy", "show", os.path.join(POLICIES, "repo", ".hss-gate.toml"))
        self.assertEqual(result.code, 0, result.err)
        self.assertTrue(result.out.startswith("version = 1\n"), result.out)
        self.assertIn('max_age = "7d"\n', result.out)
        self.assertIn("[rules.vuln-budget]\n", result.out)
        # Where each piece came from goes to stderr, so that stdout is a policy file of its own.
        self.assertIn("# rules.vuln-budget from " + os.path.join(POLICIES, "repo", ".hss-gate.toml"), result.err)
        self.assertIn("# rules.no-malware from " + os.path.join(POLICIES, "org", "baseline.toml"), result.err)
        self.assertNotIn("#", result.out)
        # Each provenance comment on its own line, never joined by an escaped "\n".
        self.assertNotIn("\\n", result.err)
        comments = [line for line in result.err.splitlines() if line.startswith("# ")]
        self.assertGreaterEqual(len(comments), 3, result.err)
        self.assertTrue(all(line.count("# ") == 1 for line in comments), result.err)

    def shipped_policies(self):
        found = []
        for folder, _, files in os.walk(POLICIES):
            found += [os.path.join(folder, name) for name in sorted(files) if name.endswith(".toml")]
        self.assertGreaterEqual(len(found), 5)
        return found

    def test_show_output_lints_clean_and_shows_identically_for_every_shipped_policy(self):
        for policy in self.shipped_policies():
            with self.subTest(policy):
                first = self.gate("policy", "show", policy)
                self.assertEqual(first.code, 0, first.err)
                path = self.write("shown.toml", first.out)
                lint = self.gate("policy", "lint", path)
                self.assertEqual(lint.code, 0, lint.out + lint.err)
                again = self.gate("policy", "show", path)
                self.assertEqual(again.code, 0, again.err)
                self.assertEqual(again.out, first.out)

    def test_show_escapes_what_toml_must_escape(self):
        message = 'say "hi" \\ it\'s <b> \u00e9'
        path = self.write("p.toml", 'version = 1\n[rules.v]\nfield = "vul_num"\nmax = 1\n'
                                    "message = '''" + message + "'''\n"
                                    '[[exceptions]]\nrules = ["v"]\nexpires = 2026-12-31\nreason = "SEC-1: \\"quoted\\""\n')
        first = self.gate("policy", "show", path)
        self.assertEqual(first.code, 0, first.err)
        shown = self.write("shown.toml", first.out)
        self.assertEqual(self.gate("policy", "lint", shown).code, 0)
        again = self.gate("policy", "show", shown)
        self.assertEqual(again.out, first.out)
        import tomllib
        parsed = tomllib.loads(first.out)
        self.assertEqual(parsed["version"], 1)
        self.assertEqual(parsed["rules"]["v"]["message"], message)
        self.assertEqual(parsed["exceptions"][0]["reason"], 'SEC-1: "quoted"')

if __name__ == "__main__":
    unittest.main()
