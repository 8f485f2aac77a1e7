"""Several gate jobs in one pipeline, the Action's inputs against the caller's env, its outputs on
every outcome, and the documented ways in (docs/ci.md's snippets) run as a team would from a clone:
gitlab-ci-local and the runner emulation of test_ci.py against the fake HSS server."""
import json
import os
import re
import shutil
import subprocess
import unittest

from harness import BIN, SOURCE, record
from test_ci import GitHubAction, GitLabJob, load_yaml, tool

DOCS = os.path.join(SOURCE, "docs", "ci.md")


def load_tests(loader, standard_tests, pattern):
    """Only the tests written here: the classes reuse test_ci's runners, whose own tests run there."""
    suite = unittest.TestSuite()
    for cls in (PipelineJobs, ActionInputs, ActionOutcomes, DocumentedPaths):
        suite.addTests(cls(name) for name in loader.getTestCaseNames(cls) if name in vars(cls))
    return suite


def doc_snippet(marker):
    """The one ```yaml block of docs/ci.md that holds `marker`, so that the test runs what the doc shows."""
    with open(DOCS) as f:
        blocks = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
    found = [block for block in blocks if marker in block]
    assert len(found) == 1, f"docs/ci.md: expected one yaml block with {marker!r}, found {len(found)}"
    return found[0]


class PipelineJobs(GitLabJob):
    GATES = ("stages: [gate, deploy]\n"
             "{api}:\n  extends: .hss-gate\n  stage: gate\n  variables:\n"
             "    HSS_GATE_CICD_NAME: shop\n    HSS_GATE_IMAGE_VERSION: \"1.0.0\"\n    HSS_GATE_IMAGE_NAME: api\n{api_vars}"
             "{worker}:\n  extends: .hss-gate\n  stage: gate\n  variables:\n"
             "    HSS_GATE_CICD_NAME: shop\n    HSS_GATE_IMAGE_VERSION: \"1.0.0\"\n    HSS_GATE_IMAGE_NAME: worker\n"
             "{worker_vars}"
             "deploy:\n  stage: deploy\n  needs: [\"{api}\", \"{worker}\"]\n  script:\n{script}")

    def test_two_gate_jobs_named_apart_feed_one_deploy_job_with_their_reports(self):
        # No prefix: each job's reports are named from a slug of its name.
        lenient = {"lenient.toml": 'version = 1\n[rules.v]\nfield = "vul_num"\nmax = 1000\n'}
        pipeline = self.GATES.format(
            api="Gate API (prod)", worker="gate_worker", api_vars="", worker_vars="    HSS_GATE_POLICY: lenient.toml\n",
            script="".join(f"    - {json.dumps(line)}\n" for line in [
                "test -f hss-gate-gate-api-prod-junit.xml && test -f hss-gate-gate-worker-junit.xml",
                "grep -q 'image_name.: .api' hss-gate-gate-api-prod-report.json",
                "grep -q 'image_name.: .worker' hss-gate-gate-worker-report.json",
                "echo \"deployed with $(ls hss-gate-*-junit.xml | tr '\\n' ' ')\""]))
        done, repo = self.run_pipeline([record(image_name="api"), record(image_name="worker", vul_num=500)], pipeline,
                                       jobs=(), files=lenient)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("deployed with hss-gate-gate-api-prod-junit.xml hss-gate-gate-worker-junit.xml", done.stdout)
        builds = os.path.join(repo, ".gitlab-ci-local", "builds")
        envs = {}
        for job in os.listdir(builds):
            if os.path.isfile(os.path.join(builds, job, "hss-gate.env")):
                with open(os.path.join(builds, job, "hss-gate.env")) as f:
                    envs[job] = f.read()
        self.assertEqual(len(envs), 2, envs)
        env = next(text for text in envs.values() if "api-prod" in text)
        self.assertIn("HSS_GATE_RESULT_JUNIT=hss-gate-gate-api-prod-junit.xml\n", env)
        self.assertIn("HSS_GATE_RESULT_JSON=hss-gate-gate-api-prod-report.json\n", env)

    def test_the_prefixes_name_the_reports_and_the_dotenv_keys_point_at_them(self):
        lenient = {"lenient.toml": 'version = 1\n[rules.v]\nfield = "vul_num"\nmax = 1000\n'}
        pipeline = self.GATES.format(
            api="gate-api", worker="gate-worker", api_vars="    HSS_GATE_DOTENV_PREFIX: API_\n",
            worker_vars="    HSS_GATE_DOTENV_PREFIX: WORKER_\n    HSS_GATE_POLICY: lenient.toml\n",
            script="".join(f"    - {json.dumps(line)}\n" for line in [
                "echo \"api=$API_DECISION:$API_JUNIT worker=$WORKER_DECISION:$WORKER_JUNIT\"",
                "test -f \"$API_JUNIT\" && test -f \"$WORKER_JUNIT\" && test -f \"$API_JSON\" && test -f \"$WORKER_JSON\"",
                "grep -q 'image_name.: .api' \"$API_JSON\" && grep -q 'image_name.: .worker' \"$WORKER_JSON\"",
                "echo \"summaries $(ls hss-gate-*-summary.md | tr '\\n' ' ')\""]))
        done, _ = self.run_pipeline([record(image_name="api"), record(image_name="worker", vul_num=500)], pipeline,
                                    jobs=(), files=lenient)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("api=pass:hss-gate-api-junit.xml worker=pass:hss-gate-worker-junit.xml", done.stdout)
        self.assertIn("summaries hss-gate-api-summary.md hss-gate-worker-summary.md", done.stdout)

    def test_the_stock_template_writes_the_deprecated_aliases_without_a_warning(self):
        done, repo = self.run_job([record()])
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertNotIn("deprecated", done.stdout + done.stderr)
        with open(os.path.join(repo, ".gitlab-ci-local", "builds", "hss-gate", "hss-gate.env")) as f:
            self.assertIn("HSS_GATE_DECISION=pass\n", f.read())
        # Run by itself, --dotenv with the default prefix still says the aliases are going.
        plain = self.check("clean.json", "--dotenv", "results.env")
        self.assertEqual(plain.code, 0, plain.err)
        self.assertIn("the dotenv keys HSS_GATE_DECISION, HSS_GATE_EXIT_CODE, HSS_GATE_FAILED_RULES, "
                      "HSS_GATE_WARNINGS are deprecated aliases", plain.err)

    def test_unused_exception_warnings_name_only_exceptions_of_evaluated_images(self):
        policy = ('version = 1\n[rules.v]\nfield = "vul_num"\nmax = 1000\n'
                  '[[exceptions]]\nrules = ["v"]\nimage_name = "api"\nexpires = 2027-01-01\nreason = "api waiver"\n'
                  '[[exceptions]]\nrules = ["v"]\nimage_name = "gone"\nexpires = 2027-01-01\nreason = "gone waiver"\n')
        pipeline = ("hss-gate:\n  extends: .hss-gate\n  variables:\n"
                    "    HSS_GATE_CICD_NAME: shop\n    HSS_GATE_IMAGE_VERSION: \"1.0.0\"\n"
                    "    HSS_GATE_POLICY: p.toml\n    HSS_GATE_WAIT: 0s\n"
                    "    HSS_GATE_IMAGE: |\n      image_name=api\n      image_name=gone\n")
        done, _ = self.run_pipeline([record(image_name="api")], pipeline, files={"p.toml": policy})
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)  # gone is not in HSS: no verdict
        log = [line for line in done.stdout.splitlines() if line.startswith("hss-gate >")]  # the job's own log
        unused = [line for line in log if "waived no failure" in line]
        self.assertEqual(len(unused), 1, done.stdout)
        self.assertIn("p.toml:5)", unused[0])  # the api exception; gone's (line 10) had no image to waive
        self.assertNotIn("p.toml:10)", done.stdout)


class ActionInputs(GitHubAction):
    """An input given wins over the caller's HSS_GATE_* env; an input left out leaves it alone."""

    def gate(self, inputs, env):
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        fresh_runner(self)
        codes, outputs, summary = self.run_action({"cicd-name": "shop", "image-version": "1.0.0", **inputs},
                                                  {**self.credentials(), **env})
        self.assertEqual(codes[-1][0], "gate")
        return codes[-1][1], outputs

    def test_the_caller_endpoint_and_project_are_used_when_the_inputs_are_left_out(self):
        self.fake.reset([record()])
        gate, outputs = self.gate({}, {"HSS_GATE_ENDPOINT": self.fake.url, "HSS_GATE_PROJECT_ID": "test-project"})
        self.assertEqual(gate.returncode, 0, gate.stdout + gate.stderr)
        self.assertEqual(outputs["decision"], "pass")
        self.assertTrue(self.fake.page_requests())

    def test_the_policy_input_wins_and_the_caller_policy_applies_without_it(self):
        with open(os.path.join(self.folder, "strict.toml"), "w") as f:
            f.write('version = 1\n[rules.no-vulns]\nfield = "vul_num"\nmax = 0\n')
        with open(os.path.join(self.folder, "lenient.toml"), "w") as f:
            f.write('version = 1\n[rules.v]\nfield = "vul_num"\nmax = 1000\n')
        caller = {"HSS_GATE_POLICY": "strict.toml", "HSS_GATE_PROJECT_ID": "test-project"}
        for inputs, code, policy in (({}, 1, "strict.toml"), ({"policy": "lenient.toml"}, 0, "lenient.toml")):
            with self.subTest(inputs=inputs):
                self.fake.reset([record(vul_num=5)])
                gate, _ = self.gate({"endpoint": self.fake.url, **inputs}, caller)
                self.assertEqual(gate.returncode, code, gate.stdout + gate.stderr)
                self.assertIn(f"policy: {policy} (from", gate.stdout)

    def test_the_junit_input_wins_and_the_caller_path_applies_without_it(self):
        base = {"endpoint": self.fake.url, "project-id": "test-project"}
        for inputs, path in (({}, "caller-junit.xml"), ({"junit": "input-junit.xml"}, "input-junit.xml")):
            with self.subTest(inputs=inputs):
                self.fake.reset([record()])
                gate, outputs = self.gate({**base, **inputs}, {"HSS_GATE_JUNIT": "caller-junit.xml"})
                self.assertEqual(gate.returncode, 0, gate.stdout + gate.stderr)
                self.assertEqual(outputs["junit"], path)
                self.assert_schema_valid(os.path.join(self.folder, path))
                os.remove(os.path.join(self.folder, path))
        # Neither given: the action's own default.
        self.fake.reset([record()])
        gate, outputs = self.gate(base, {})
        self.assertEqual(outputs["junit"], "hss-gate-junit.xml")

    def test_the_on_error_input_wins_and_the_caller_setting_applies_without_it(self):
        base = {"endpoint": self.fake.url, "project-id": "test-project"}
        for inputs, code in (({}, 0), ({"on-error": "fail"}, 3)):
            with self.subTest(inputs=inputs):
                self.fake.reset([record()])
                fresh_runner(self)
                codes, outputs, _ = self.run_action({"cicd-name": "shop", "image-version": "1.0.0", **base, **inputs},
                                                    {"HSS_GATE_AUTH_TOKEN": "wrong-SECRET", "HSS_GATE_ON_ERROR": "pass"})
                self.assertEqual(codes[-1][1].returncode, code, codes[-1][1].stdout + codes[-1][1].stderr)
                self.assertEqual((outputs["decision"], outputs["exit-code"]), ("error", str(code)))


class ActionOutcomes(GitHubAction):
    """decision, exit-code and the step summary on every way the action can end."""

    def outcome(self, inputs, env=None):
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        fresh_runner(self)
        codes, outputs, summary = self.run_action(
            {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project",
             **inputs}, {**self.credentials(), **(env or {})})
        for _, done in codes:
            self.assertNotIn("SECRET", done.stdout + done.stderr)
        self.assertNotIn("SECRET", summary)
        return codes, outputs, summary

    def test_a_bad_policy_is_config_error_with_exit_code_2_and_a_summary(self):
        self.fake.reset([record()])
        with open(os.path.join(self.folder, "bad.toml"), "w") as f:
            f.write('version = 1\n[rules.v]\nfield = "no_such_field"\nmax = 1\n')
        codes, outputs, summary = self.outcome({"policy": "bad.toml"})
        self.assertEqual((codes[-1][0], codes[-1][1].returncode), ("gate", 2))
        self.assertEqual((outputs["decision"], outputs["exit-code"]), ("config_error", "2"))
        self.assertIn("hss-gate: configuration error (exit 2)", summary)
        self.assertIn("    hss-gate: error: bad.toml", summary)
        self.assertEqual(self.fake.page_requests(), [])

    def test_a_wrong_action_input_is_config_error_with_exit_code_2_and_a_summary(self):
        codes, outputs, summary = self.outcome({"gate-install": "sideways"})
        self.assertEqual([(step, done.returncode) for step, done in codes], [("plan", 2), ("stopped", 0)])
        self.assertEqual((outputs["decision"], outputs["exit-code"]), ("config_error", "2"))
        self.assertIn("configuration error: an input of the action is wrong", summary)

    def test_a_wrong_action_input_with_line_breaks_makes_one_workflow_command(self):
        for value in ("side\n::warning::EVIL", "100%\r\n::add-mask::x"):
            with self.subTest(value=value):
                codes, outputs, _ = self.outcome({"gate-install": value})
                plan = dict(codes)["plan"]
                self.assertEqual(plan.returncode, 2)
                commands = [line for line in plan.stdout.splitlines() if line.startswith("::")]
                self.assertEqual(len(commands), 1, plan.stdout)
                self.assertTrue(commands[0].startswith("::error title=hss-gate configuration error::"), commands)
                self.assertIn("%0A", commands[0])
                self.assertEqual(outputs["decision"], "config_error")

    def test_a_failed_install_is_install_error_with_exit_code_2_and_a_summary(self):
        # Package mode against a release location that holds nothing: the download fails.
        codes, outputs, summary = self.outcome(
            {"gate-install": "package"}, {"HSS_GATE_RELEASE_URL": "file://" + os.path.join(self.folder, "no-release")})
        steps = [(step, done.returncode != 0) for step, done in codes]
        self.assertEqual(steps, [("plan", False), ("install", True), ("stopped", False)])
        self.assertEqual((outputs["decision"], outputs["exit-code"]), ("install_error", "2"))
        self.assertIn("hss-gate could not be installed", summary)

    def test_a_service_error_is_error_with_exit_code_3_and_a_summary(self):
        self.fake.reset([record()])
        codes, outputs, summary = self.outcome({}, {"HSS_GATE_AUTH_TOKEN": "wrong-SECRET"})
        self.assertEqual(codes[-1][0], "gate")
        self.assertEqual(codes[-1][1].returncode, 3)
        self.assertEqual((outputs["decision"], outputs["exit-code"]), ("error", "3"))
        self.assertIn("HSS request failed: 401", summary)

    def test_block_and_pass_set_both_outputs_and_the_summary(self):
        for vul_num, decision, code, line in ((500, "fail", "1", "BLOCKED by policy"), (0, "pass", "0", "**PASS**")):
            with self.subTest(decision):
                self.fake.reset([record(vul_num=vul_num)])
                codes, outputs, summary = self.outcome({})
                self.assertEqual((outputs["decision"], outputs["exit-code"]), (decision, code))
                self.assertIn(line, summary)
                self.assertNotIn("stopped", [step for step, _ in codes])


class DocumentedPaths(GitLabJob, GitHubAction):
    """The from-a-clone snippets of docs/ci.md, run as written against the fake server."""

    def test_the_documented_local_include_runs_green(self):
        snippet = doc_snippet("- local: ci/hss-gate.gitlab-ci.yml")
        with open(os.path.join(SOURCE, "ci-templates", "gitlab", "hss-gate.gitlab-ci.yml")) as f:
            template = f.read()
        repo = self.git_repo({})
        os.makedirs(os.path.join(repo, "ci"))
        with open(os.path.join(repo, "ci", "hss-gate.gitlab-ci.yml"), "w") as f:
            f.write(template)
        with open(os.path.join(repo, ".gitlab-ci.yml"), "w") as f:
            f.write(snippet)
        git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
        subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
        subprocess.run(git + ["commit", "-qm", "the documented pipeline"], cwd=repo, check=True)
        short_sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                                   check=True).stdout.strip()[:8]
        self.fake.reset([record(cicd_name="payments-api", image_version=short_sha)])
        args = [tool("gitlab-ci-local"), "--no-color", "--force-shell-executor", "--shell-isolation"]
        for key, value in {"HSS_GATE_BIN": BIN, "HSS_GATE_ENDPOINT": self.fake.url, "HSS_GATE_AUTH_TOKEN": "ci-SECRET-token-41",
                           "HSS_GATE_PROJECT_ID": "test-project"}.items():
            args += ["--variable", f"{key}={value}"]
        done = subprocess.run(args, cwd=repo, capture_output=True, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("hss-gate: PASS", done.stdout)
        self.assertNotIn("SECRET", done.stdout + done.stderr)
        self.assertTrue(os.path.isfile(os.path.join(repo, ".gitlab-ci-local", "artifacts", "hss-gate",
                                                    "hss-gate-hss-gate-junit.xml")))

    def test_the_documented_project_include_validates(self):
        snippet = doc_snippet("- project: your-group/hss-gate")
        include = load_yaml_text(self, snippet)["include"]
        self.assertEqual(include, [{"project": "your-group/hss-gate", "ref": "COMMIT",
                                    "file": "ci-templates/gitlab/hss-gate.gitlab-ci.yml"}])
        # The file it names is the template, and a pipeline with the include and a gate job is valid.
        self.assertTrue(os.path.isfile(os.path.join(SOURCE, include[0]["file"])))
        repo = self.git_repo({".gitlab-ci.yml": snippet + "\nhss-gate:\n  extends: .hss-gate\n"})
        done = subprocess.run([tool("gitlab-ci-local"), "--no-color", "--preview"], cwd=repo, capture_output=True,
                              text=True)
        if "project" in done.stderr and done.returncode != 0:
            # gitlab-ci-local fetches project includes over git; offline, validate the expanded form.
            with open(os.path.join(repo, ".gitlab-ci.yml"), "w") as f:
                f.write("include:\n  - local: " + include[0]["file"] + "\nhss-gate:\n  extends: .hss-gate\n")
            done = subprocess.run([tool("gitlab-ci-local"), "--no-color", "--list"], cwd=repo, capture_output=True,
                                  text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_the_documented_workflow_step_with_a_vendored_copy_runs_green(self):
        snippet = doc_snippet("uses: ./hss-gate/ci-templates/github")
        steps = load_yaml_text(self, "steps:\n" + snippet)["steps"]
        vendored = os.path.join(self.folder, "hss-gate")
        listed = subprocess.run(["git", "ls-files", "CMakeLists.txt", "gate", "policies", "scripts", "ci-templates"],
                                cwd=SOURCE, capture_output=True, text=True, check=True).stdout.split()
        for name in listed:
            os.makedirs(os.path.dirname(os.path.join(vendored, name)), exist_ok=True)
            shutil.copy2(os.path.join(SOURCE, name), os.path.join(vendored, name))
        self.fake.reset([record(cicd_name="payments-api", image_version="build-7")])
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        contexts = {"needs.build.outputs.tag": "build-7", "vars.HUAWEICLOUD_PROJECT_ID": "test-project",
                    "secrets.HUAWEICLOUD_SDK_AK": "AKgithub-SECRET", "secrets.HUAWEICLOUD_SDK_SK": "SKgithub-SECRET"}

        def expand(value):
            return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: contexts[m.group(1)], str(value))

        ran = []
        for step in steps:
            uses = step.get("uses", "")
            if not uses.startswith("./"):
                self.assertRegex(uses, r"^actions/checkout@[0-9a-f]{40}$")  # the checkout the runner does
                continue
            inputs = {name: expand(value) for name, value in step.get("with", {}).items()}
            # The region stays as documented; the endpoint (the fake server) outranks it, as the job's env.
            env = {**{name: expand(value) for name, value in step.get("env", {}).items()},
                   "HSS_GATE_ENDPOINT": self.fake.url}
            codes, outputs, summary = self.run_action(inputs, env, action_path=os.path.join(self.folder, uses[2:]))
            ran.append(uses)
            self.assertEqual(codes[-1][1].returncode, 0, codes[-1][1].stdout + codes[-1][1].stderr)
            self.assertEqual((outputs["decision"], outputs["exit-code"]), ("pass", "0"))
            self.assertIn(":white_check_mark: **PASS**", summary)
        self.assertEqual(ran, ["./hss-gate/ci-templates/github"])


def fresh_runner(test):
    """A new runner for each run_action of one test: its temp folder and step summary start empty."""
    shutil.rmtree(os.path.join(test.folder, "runner-temp"), ignore_errors=True)


def load_yaml_text(test, text):
    path = os.path.join(test.folder, "snippet.yml")
    with open(path, "w") as f:
        f.write(text)
    return load_yaml(path)


if __name__ == "__main__":
    unittest.main()
