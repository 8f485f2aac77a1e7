"""CI integration: the GitHub Action and GitLab template run for real against the fake HSS server,
checked with third-party tools (action-validator, gitlab-ci-local, junit2json) from tests/ci."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import BIN, GateTest, NOW, SOURCE, assert_golden, parse_github_output, record

sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
from fake_hss import FakeHss  # noqa: E402

TOOLS = os.path.join(SOURCE, "tests", "ci", "node_modules")
TOKEN = "ci-SECRET-token-41"


def tools_or_skip(test):
    """The tools come from `scripts/install-deps --test-tools`; CI requires them, a user may lack Node."""
    if os.path.isdir(os.path.join(TOOLS, ".bin")):
        return
    message = f"{TOOLS} is missing: run scripts/install-deps --test-tools"
    if os.environ.get("HSS_GATE_REQUIRE_CI_TOOLS") == "1":
        test.fail(message)
    test.skipTest(message)


def tool(name):
    return os.path.join(TOOLS, ".bin", name)


def load_yaml(path):
    script = "const y=require('js-yaml');const fs=require('fs');process.stdout.write(JSON.stringify(y.load(fs.readFileSync(process.argv[1],'utf8'))))"
    done = subprocess.run(["node", "-e", script, path], capture_output=True, text=True, check=True,
                          env={**os.environ, "NODE_PATH": TOOLS})
    return json.loads(done.stdout)


VEX_DIGEST = "sha256:" + "1" * 64  # the image tests/data/vex's documents are about
VEX_XZ = {"vul_id": "USN-2", "repair_necessity": "immediate_repair", "app_name": "xz-utils", "version": "5.6.0",
          "app_path": "", "description": "", "position": "", "solution": "", "url": ""}
VEX_POLICY = 'version = 1\n[vex]\nallow = true\n[rules.vulns]\nfindings = "vulnerabilities"\nmax = 0\n'


class Templates(GateTest):
    def setUp(self):
        super().setUp()
        tools_or_skip(self)

    def test_the_action_and_every_workflow_pass_the_action_validator(self):
        files = [os.path.join(SOURCE, "ci-templates", "github", name) for name in ("action.yml", "example-workflow.yml")]
        workflows = os.path.join(SOURCE, ".github", "workflows")
        files += [os.path.join(workflows, name) for name in sorted(os.listdir(workflows))]
        self.assertGreaterEqual(len(files), 3)
        for path in files:
            with self.subTest(path):
                done = subprocess.run([tool("action-validator"), path], capture_output=True, text=True)
                self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_templates_pin_the_release_they_belong_to_and_actions_by_commit(self):
        with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
            version = re.search(r"project\(hss-gate VERSION (\d+\.\d+\.\d+)", f.read()).group(1)
        template = load_yaml(os.path.join(SOURCE, "ci-templates", "gitlab", "hss-gate.gitlab-ci.yml"))
        self.assertEqual(template["variables"]["HSS_GATE_CONTAINER_IMAGE"], f"ghcr.io/hss-gate/hss-gate:{version}")
        action = load_yaml(os.path.join(SOURCE, "ci-templates", "github", "action.yml"))
        self.assertEqual(action["inputs"]["gate-version"]["default"], version)
        for path in (os.path.join(SOURCE, "ci-templates", "github", "example-workflow.yml"),
                     os.path.join(SOURCE, "ci-templates", "github", "action.yml"),
                     os.path.join(SOURCE, ".github", "workflows", "release.yml")):
            with open(path) as f:
                for uses in re.findall(r"uses: *(\S+)", f.read()):
                    if uses.startswith(("hss-gate/", "./.github/hss-gate/")):
                        continue  # hss-gate itself: released with it, or a copy of it
                    self.assertRegex(uses, r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$", f"{path}: {uses} is not pinned by commit")

    def test_the_action_offers_every_documented_input_and_output(self):
        action = load_yaml(os.path.join(SOURCE, "ci-templates", "github", "action.yml"))
        for name in ("cicd-name", "image-version", "image-name", "namespace", "image-digest", "policy", "region",
                     "endpoint", "project-id", "enterprise-project-id", "environment", "wait", "junit", "json",
                     "summary", "on-error", "warnings-exit", "gate-install", "gate-version", "gate-image"):
            self.assertIn(name, action["inputs"])
        # The gate's own image and version are named apart from the checked image's inputs; the
        # old names stay one minor version as deprecated aliases.
        self.assertIn("Deprecated", action["inputs"]["version"]["description"])
        self.assertIn("Deprecated", action["inputs"]["image"]["description"])
        self.assertEqual(set(action["outputs"]), {"decision", "exit-code", "junit", "json", "sarif", "sbom", "attestation",
                                                  "images-pass",
                                                  "images-warn", "images-fail", "images-no-verdict", "images-error",
                                                  "expiry-warnings"})
        # Each output reads the step output of the name the gate writes.
        self.assertEqual(action["outputs"]["expiry-warnings"]["value"], "${{ steps.gate.outputs.expiry-warnings }}")
        gate_step = next(step for step in action["runs"]["steps"] if step.get("id") == "gate")
        self.assertIn("INPUT_HSS_GATE_WARNINGS_EXIT", gate_step["env"])
        for name in ("sarif", "sarif-location", "sbom", "attestation", "compare-with", "compare-with-file", "vex"):
            self.assertIn(name, action["inputs"])
        self.assertEqual(gate_step["env"]["INPUT_HSS_GATE_VEX"], "${{ inputs.vex }}")
        self.assertEqual(gate_step["env"]["INPUT_HSS_GATE_COMPARE_WITH"], "${{ inputs.compare-with }}")
        self.assertEqual(gate_step["env"]["INPUT_HSS_GATE_COMPARE_WITH_FILE"], "${{ inputs.compare-with-file }}")
        self.assertEqual(action["outputs"]["attestation"]["value"], "${{ steps.gate.outputs.attestation }}")
        self.assertEqual(gate_step["env"]["INPUT_HSS_GATE_ATTESTATION"], "${{ inputs.attestation }}")
        self.assertIn("images", action["inputs"])
        # Credentials are never inputs: they come from secrets through env.
        self.assertFalse([n for n in action["inputs"] if re.search("token|secret|ak|sk|password", n)])

    def test_the_gitlab_template_validates_and_does_not_allow_failure(self):
        template = load_yaml(os.path.join(SOURCE, "ci-templates", "gitlab", "hss-gate.gitlab-ci.yml"))
        job = template[".hss-gate"]
        self.assertNotIn("allow_failure", job)
        self.assertEqual(job["artifacts"]["when"], "always")
        # Reports are named after the job (hss-gate-NAME-junit.xml), so that gate jobs never collide.
        self.assertEqual(job["artifacts"]["reports"]["junit"], "hss-gate-*-junit.xml")
        self.assertIn("hss-gate-*-junit.xml", job["artifacts"]["paths"])
        repo = self.git_repo({"ci-templates/gitlab/example.gitlab-ci.yml": None}, example=True)
        done = subprocess.run([tool("gitlab-ci-local"), "--no-color", "--list"], cwd=repo, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("hss-gate", done.stdout)

    def git_repo(self, extra, example=False):
        repo = tempfile.mkdtemp(prefix="hss-gate-gl-")
        self.addCleanup(shutil.rmtree, repo, True)
        os.makedirs(os.path.join(repo, "ci-templates", "gitlab"))
        for name in ("hss-gate.gitlab-ci.yml", "example.gitlab-ci.yml", "example-monorepo.gitlab-ci.yml"):
            shutil.copy(os.path.join(SOURCE, "ci-templates", "gitlab", name), os.path.join(repo, "ci-templates", "gitlab"))
        if example:
            shutil.copy(os.path.join(SOURCE, "ci-templates", "gitlab", "example.gitlab-ci.yml"),
                        os.path.join(repo, ".gitlab-ci.yml"))
        for name, text in extra.items():
            if text is not None:
                os.makedirs(os.path.dirname(os.path.join(repo, name)), exist_ok=True)
                with open(os.path.join(repo, name), "w") as f:
                    f.write(text)
        git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
        subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
        subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
        subprocess.run(git + ["commit", "-qm", "test"], cwd=repo, check=True)
        return repo


class WithFakeServer(Templates):
    """One fake HSS server for the tests of a class."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeHss(token=TOKEN).start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()


class GitLabJob(WithFakeServer):
    """The template's jobs, run by gitlab-ci-local's shell executor against the fake server."""

    STRICT = 'version = 1\n[rules.no-vulns]\nfield = "vul_num"\nmax = 0\n'
    JOB = ("hss-gate:\n  extends: .hss-gate\n  variables:\n"
           "    HSS_GATE_CICD_NAME: shop\n    HSS_GATE_IMAGE_VERSION: \"1.0.0\"\n")

    def run_pipeline(self, records, pipeline, variables=None, jobs=("hss-gate",), files=None):
        if records is not None:  # None: the fake server as the test set it up
            self.fake.reset(records)
        text = "include:\n  - local: ci-templates/gitlab/hss-gate.gitlab-ci.yml\n" + pipeline
        repo = self.git_repo({".gitlab-ci.yml": text, **(files or {})})
        # Project-level CI/CD variables, as --variable gives them. The region: the template's GitLab
        # report needs the base-image API, whose region a loopback endpoint does not name.
        project = {"HSS_GATE_BIN": BIN, "HSS_GATE_ENDPOINT": self.fake.url, "HSS_GATE_AUTH_TOKEN": TOKEN,
                   "HSS_GATE_NOW": NOW, "HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_REGION": "ap-southeast-1",
                   **(variables or {})}
        args = [tool("gitlab-ci-local"), "--no-color", "--force-shell-executor", "--shell-isolation"]
        for key, value in project.items():
            args += ["--variable", f"{key}={value}"]
        done = subprocess.run(args + list(jobs), cwd=repo, capture_output=True, text=True, timeout=300)
        self.assertNotIn(TOKEN, done.stdout + done.stderr)
        return done, repo

    def run_job(self, records, variables=None):
        return self.run_pipeline(records, self.JOB, variables)

    def test_a_clean_image_passes_the_job_and_leaves_the_reports(self):
        with self.fake.lock:
            self.fake.findings = {}
        done, repo = self.run_job([record()], {"HSS_GATE_REGION": "ap-southeast-1"})
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("hss-gate: PASS", done.stdout)
        self.assert_artifacts(repo, "pass")
        # GitLab's security reports, published as container_scanning and cyclonedx
        artifacts = os.path.join(repo, ".gitlab-ci-local", "artifacts", "hss-gate")
        report = os.path.join(artifacts, "hss-gate-hss-gate-container-scanning.json")
        checked = subprocess.run([tool("ajv"), "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats", "-s",
                                  os.path.join(SOURCE, "tests", "data", "gitlab", "container-scanning-report-format.json"),
                                  "-d", report], capture_output=True, text=True)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        with open(report) as f:
            self.assertEqual(json.load(f)["scan"]["status"], "success")
        with open(os.path.join(artifacts, "hss-gate-hss-gate-sbom.cdx.json")) as f:
            self.assertEqual(json.load(f)["bomFormat"], "CycloneDX")
        template = load_yaml(os.path.join(SOURCE, "ci-templates", "gitlab", "hss-gate.gitlab-ci.yml"))
        reports = template[".hss-gate"]["artifacts"]["reports"]
        self.assertEqual((reports["container_scanning"], reports["cyclonedx"]),
                         ("hss-gate-*-container-scanning.json", "hss-gate-*-sbom.cdx.json"))

    def test_hss_gate_vex_names_the_documents_that_may_waive(self):
        with open(os.path.join(SOURCE, "tests", "data", "vex", "openvex.json")) as f:
            document = f.read()
        files = {".hss-gate.toml": VEX_POLICY, "security/openvex.json": document}
        for variables, code in (({"HSS_GATE_VEX": "security/openvex.json"}, 0), ({}, 1)):
            with self.subTest(variables):
                self.fake.reset([record(image_digest=VEX_DIGEST)])
                with self.fake.lock:
                    self.fake.findings = {"img-1": {"vulnerabilities": [VEX_XZ]}}
                    self.fake.cves = {"USN-2": [{"cve_id": "CVE-2024-3094", "cvss_score": 10.0, "publish_time": 0,
                                                  "description": ""}]}
                done, repo = self.run_pipeline(None, self.JOB, {"HSS_GATE_SECURITY_REPORTS": "false", **variables},
                                               files=files)
                if code == 0:
                    self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
                    self.assertIn("VEX: security/openvex.json", done.stdout)
                else:
                    self.assertIn("FAIL 1", done.stdout + done.stderr, "without HSS_GATE_VEX the finding counts")

    def test_hss_gate_attest_publishes_the_jobs_attestation(self):
        done, repo = self.run_job([record()], {"HSS_GATE_ATTEST": "true", "HSS_GATE_SECURITY_REPORTS": "false"})
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        path = os.path.join(repo, ".gitlab-ci-local", "artifacts", "hss-gate", "hss-gate-hss-gate-attestation.intoto.json")
        checked = subprocess.run([tool("ajv"), "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats", "-s",
                                  os.path.join(SOURCE, "tests", "data", "intoto", "statement-v1-cosign-vuln.schema.json"),
                                  "-d", path], capture_output=True, text=True)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        with open(path) as f:
            self.assertEqual(json.load(f)["subject"][0]["digest"]["sha256"], "a" * 64)
        # Left at its default, the template writes none; another path is refused like every report's.
        done, repo = self.run_job([record()], {"HSS_GATE_SECURITY_REPORTS": "false"})
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertFalse(glob.glob(os.path.join(repo, ".gitlab-ci-local", "**", "*attestation*"), recursive=True))
        done, _ = self.run_job([record()], {"HSS_GATE_ATTESTATION": "elsewhere.json"})
        self.assertIn("FAIL 2", done.stdout + done.stderr)
        self.assertIn("HSS_GATE_ATTESTATION=elsewhere.json: this template writes its reports to fixed paths", done.stderr + done.stdout)

    def test_security_reports_can_be_left_out(self):
        done, repo = self.run_job([record()], {"HSS_GATE_SECURITY_REPORTS": "false"})
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(len(self.fake.page_requests()), 1)
        self.assertFalse(os.path.exists(os.path.join(repo, ".gitlab-ci-local", "builds", "hss-gate",
                                                     "hss-gate-hss-gate-container-scanning.json")))

    def test_a_blocked_image_fails_the_job_says_why_on_the_last_line_and_leaves_the_reports(self):
        done, repo = self.run_job([record(vul_num=500)])
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("BLOCKED by policy: vuln-budget (1 image", done.stdout)
        self.assert_artifacts(repo, "fail")

    def test_a_service_error_fails_the_job_and_leaves_the_reports(self):
        self.fake.reset([record()])
        done, repo = self.run_job([record()], {"HSS_GATE_AUTH_TOKEN": "wrong-token"})
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)  # gitlab-ci-local: 1 for any failed job
        self.assertIn("ERROR: HSS could not be read: HSS request failed: 401", done.stdout)
        self.assert_artifacts(repo, "error")

    def test_settings_take_effect_from_every_level_gitlab_offers(self):
        strict = {"strict.toml": self.STRICT}
        levels = {
            "top-level variables": ("variables:\n  HSS_GATE_POLICY: strict.toml\n" + self.JOB, None),
            "job variables": (self.JOB + "    HSS_GATE_POLICY: strict.toml\n", None),
            "project variables (--variable)": (self.JOB, {"HSS_GATE_POLICY": "strict.toml"}),
        }
        # Five vulnerabilities pass the built-in policy and fail strict.toml.
        control, _ = self.run_pipeline([record(vul_num=5)], self.JOB, files=strict)
        self.assertEqual(control.returncode, 0, control.stdout + control.stderr)
        for level, (pipeline, variables) in levels.items():
            with self.subTest(level):
                done, repo = self.run_pipeline([record(vul_num=5)], pipeline, variables, files=strict)
                self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
                self.assertIn("BLOCKED by policy: no-vulns", done.stdout)
                with open(os.path.join(repo, ".gitlab-ci-local", "artifacts", "hss-gate", "hss-gate-hss-gate-report.json")) as f:
                    self.assertEqual(json.load(f)["policy_files"], ["strict.toml"])

    def test_the_template_default_wait_ranks_below_the_policy_and_the_user(self):
        waiting = {"p.toml": 'version = 1\n[scan]\nwait = "0s"\n'}
        # The policy's wait of 0s outranks the template's 10m: one look, no verdict, at once.
        done, _ = self.run_pipeline([record(scan_status="scanning")], self.JOB, {"HSS_GATE_POLICY": "p.toml"},
                                    files=waiting)
        self.assertIn("NO VERDICT", done.stdout)
        self.assertEqual(len(self.fake.page_requests()), 1)
        # A user's wait outranks the policy's.
        done, _ = self.run_pipeline([record(scan_status="scanning")], self.JOB,
                                    {"HSS_GATE_POLICY": "p.toml", "HSS_GATE_WAIT": "2s", "HSS_GATE_POLL_INTERVAL": "1s"},
                                    files=waiting)
        self.assertIn("NO VERDICT", done.stdout)
        self.assertGreaterEqual(len(self.fake.page_requests()), 2)

    def test_custom_report_paths_are_refused_not_lost(self):
        done, _ = self.run_job([record()], {"HSS_GATE_JUNIT": "custom.xml"})
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("HSS_GATE_JUNIT=custom.xml: this template writes its reports to fixed paths", done.stdout + done.stderr)

    def test_two_gate_jobs_feed_one_deploy_job_without_feeding_each_other(self):
        pipeline = ("stages: [gate, deploy]\n"
                    "gate-api:\n  extends: .hss-gate\n  stage: gate\n  variables:\n"
                    "    HSS_GATE_CICD_NAME: shop\n    HSS_GATE_IMAGE_VERSION: \"1.0.0\"\n"
                    "    HSS_GATE_IMAGE_NAME: api\n    HSS_GATE_DOTENV_PREFIX: API_\n"
                    "gate-worker:\n  extends: .hss-gate\n  stage: gate\n  variables:\n"
                    "    HSS_GATE_CICD_NAME: shop\n    HSS_GATE_IMAGE_VERSION: \"1.0.0\"\n"
                    "    HSS_GATE_IMAGE_NAME: worker\n    HSS_GATE_DOTENV_PREFIX: WORKER_\n"
                    "deploy:\n  stage: deploy\n  needs: [gate-api, gate-worker]\n  script:\n"
                    "    - echo \"results api=$API_DECISION worker=$WORKER_DECISION junit=${HSS_GATE_JUNIT:-unset}\"\n")
        done, _ = self.run_pipeline([record(image_name="api"), record(image_name="worker", unsafe_setting_num=20)],
                                    pipeline, jobs=())
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("results api=pass worker=warn junit=unset", done.stdout)

    def test_one_job_gates_a_monorepo_release_from_a_list_of_images(self):
        pipeline = ("hss-gate:\n  extends: .hss-gate\n  variables:\n"
                    "    HSS_GATE_CICD_NAME: shop\n    HSS_GATE_IMAGE_VERSION: \"1.0.0\"\n"
                    "    HSS_GATE_IMAGE: |\n      image_name=api\n      image_name=worker\n      image_name=migrate\n")
        done, repo = self.run_pipeline([record(image_name=n) for n in ("api", "worker", "migrate")], pipeline)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        lists = [r for r in self.fake.page_requests() if r["path"].endswith("/image/cicd/images")]
        self.assertEqual(len(lists), 1)
        with open(os.path.join(repo, ".gitlab-ci-local", "builds", "hss-gate", "hss-gate.env")) as f:
            self.assertIn("HSS_GATE_RESULT_IMAGES_PASS=3\n", f.read())

    def test_the_example_pipelines_validate(self):
        for example in ("example.gitlab-ci.yml", "example-monorepo.gitlab-ci.yml"):
            with self.subTest(example):
                repo = self.git_repo({})
                shutil.copy(os.path.join(SOURCE, "ci-templates", "gitlab", example), os.path.join(repo, ".gitlab-ci.yml"))
                done = subprocess.run([tool("gitlab-ci-local"), "--no-color", "--list"], cwd=repo, capture_output=True,
                                      text=True)
                self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
                self.assertIn("hss-gate", done.stdout)

    def assert_artifacts(self, repo, decision):
        artifacts = os.path.join(repo, ".gitlab-ci-local", "artifacts", "hss-gate")
        self.assert_schema_valid(os.path.join(artifacts, "hss-gate-hss-gate-junit.xml"))
        with open(os.path.join(artifacts, "hss-gate-hss-gate-report.json")) as f:
            self.assertEqual(json.load(f)["decision"], decision)
        with open(os.path.join(repo, ".gitlab-ci-local", "builds", "hss-gate", "hss-gate.env")) as f:
            text = f.read()
        self.assertIn(f"HSS_GATE_RESULT_DECISION={decision}\n", text)
        self.assertNotIn("HSS_GATE_JUNIT", text)  # a later gate job must not read it as input


class GitHubAction(WithFakeServer):
    """The composite action's steps run as the runner would: inputs substituted into each step's
    env, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, `uses:` steps skipped."""


    def run_action(self, inputs, env, action_path=os.path.join(SOURCE, "ci-templates", "github")):
        action = load_yaml(os.path.join(action_path, "action.yml"))
        values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
        values.update(inputs)
        temp = os.path.join(self.folder, "runner-temp")
        build_dir = os.path.join(temp, "hss-gate-build")
        os.makedirs(build_dir)
        os.symlink(BIN, os.path.join(build_dir, "hss-gate"))  # the cache step restored a build
        steps_outputs = {}
        summary = os.path.join(self.folder, "step-summary.md")
        open(summary, "w").close()

        outcomes = {}

        def expand(text):
            def one(match):
                # `a || b`: the first operand that is not empty, as GitHub evaluates it for strings.
                return next((v for v in (value(e.strip()) for e in match.group(1).split("||")) if v), "")

            def value(expression):
                if expression.startswith("inputs."):
                    return str(values[expression[len("inputs."):]])
                if expression == "runner.temp":
                    return temp
                if expression == "github.action_path":
                    return action_path
                step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
                if step:
                    return steps_outputs.get(step.group(1), {}).get(step.group(2), "")
                step = re.fullmatch(r"steps\.([\w-]+)\.outcome", expression)
                if step:
                    return outcomes.get(step.group(1), "skipped")
                raise AssertionError(f"unexpected expression {expression}")
            return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))

        def value_of(reference):
            if reference.startswith("inputs."):
                return str(values[reference[len("inputs."):]])
            step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", reference)
            self.assertIsNotNone(step, f"unsupported reference in if: {reference}")
            if step.group(1) == "restore" and step.group(2) == "cache-hit":
                return "true"  # the cache step restored a build (below)
            return steps_outputs.get(step.group(1), {}).get(step.group(2), "")

        def condition(text, failed):
            # A step runs only while every step before it succeeded, unless its `if` says always().
            terms = [term.strip() for term in text.split("&&")] if text else []
            if "always()" in terms:
                terms.remove("always()")
            elif failed:
                return False
            for term in terms:
                match = re.fullmatch(r"\s*([\w.-]+) (==|!=) '([^']*)'\s*", term)
                self.assertIsNotNone(match, f"unsupported if: {text}")
                equal = value_of(match.group(1)) == match.group(3)
                if equal != (match.group(2) == "=="):
                    return False
            return True

        codes = []
        failed = False
        for step in action["runs"]["steps"]:
            if not condition(step.get("if", ""), failed):
                continue
            if "uses" in step:
                continue
            output_file = os.path.join(self.folder, f"output-{len(codes)}")
            open(output_file, "w").close()
            step_env = {k: v for k, v in os.environ.items() if not k.startswith(("HSS_GATE_", "GITHUB_"))}
            step_env.update(env)
            step_env.update({"GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": action_path, "GITHUB_OUTPUT": output_file,
                             "GITHUB_STEP_SUMMARY": summary, "RUNNER_TEMP": temp, "HSS_GATE_NOW": NOW})
            step_env.update({k: expand(v) for k, v in step.get("env", {}).items()})
            done = subprocess.run(["bash", "-e", "-c", expand(step["run"])], cwd=self.folder, env=step_env,
                                  capture_output=True, text=True, timeout=300)
            codes.append((step.get("id"), done))
            with open(output_file) as f:
                outputs = parse_github_output(f.read())
            if step.get("id"):
                steps_outputs[step["id"]] = outputs
                outcomes[step["id"]] = "success" if done.returncode == 0 else "failure"
            failed = failed or done.returncode != 0
        action_outputs = {name: expand(spec["value"]) for name, spec in action["outputs"].items()}
        with open(summary) as f:
            return codes, action_outputs, f.read()

    def credentials(self):
        return {"HUAWEICLOUD_SDK_AK": "AKgithub-SECRET", "HUAWEICLOUD_SDK_SK": "SKgithub-SECRET"}

    def test_a_blocked_image_fails_the_step_with_outputs_annotations_and_summary(self):
        self.fake.reset([record(vul_num=500)])
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        codes, outputs, summary = self.run_action(
            {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project"},
            self.credentials())
        gate = codes[-1][1]
        self.assertEqual(codes[-1][0], "gate")
        self.assertEqual(gate.returncode, 1, gate.stdout + gate.stderr)
        self.assertEqual(outputs, {"decision": "fail", "exit-code": "1", "junit": "hss-gate-junit.xml",
                                   "json": "hss-gate-report.json", "sarif": "", "sbom": "", "attestation": "", "images-pass": "0", "images-warn": "0",
                                   "images-fail": "1", "images-no-verdict": "0", "images-error": "0",
                                   "expiry-warnings": "0"})
        self.assertIn("::error title=hss-gate vuln-budget%3A team/web%3A1.0.0 (cicd_name shop)::vul_num is 500, "
                      "above max 50%0AFix: ", gate.stdout)
        self.assertIn(":no_entry: **BLOCKED by policy**", summary)
        self.assert_schema_valid(os.path.join(self.folder, "hss-gate-junit.xml"))
        for text in (gate.stdout, gate.stderr, summary):
            self.assertNotIn("SECRET", text)

    def test_container_mode_keeps_every_policy_file_of_a_multi_line_input(self):
        # A stand-in for docker: it runs the gate with exactly the variables `-e NAME` passes, as
        # docker would copy them into the container, in the working folder given by -w.
        bin_dir = os.path.join(self.folder, "bin")
        os.makedirs(bin_dir)
        with open(os.path.join(bin_dir, "docker"), "w") as f:
            f.write(f"""#!{sys.executable}
import os, sys
args = sys.argv[1:]
env, cwd, i = {{"PATH": os.environ["PATH"]}}, ".", 2
while args[i].startswith("-"):
    if args[i] == "-e":
        name = args[i + 1]
        if name in os.environ:
            env[name] = os.environ[name]
    if args[i] == "-w":
        cwd = args[i + 1]
    i += 2
os.chdir(cwd)
os.execve({BIN!r}, [{BIN!r}] + args[i + 1:], env)
""")
        os.chmod(os.path.join(bin_dir, "docker"), 0o755)
        with open(os.path.join(self.folder, "a.toml"), "w") as f:
            f.write('version = 1\n[rules.vulns]\nfield = "vul_num"\nmax = 1000\n')
        with open(os.path.join(self.folder, "b.toml"), "w") as f:
            f.write('version = 1\n[rules.registry]\nfield = "registry_name"\nin = ["harbor*"]\n')
        self.fake.reset([record()])
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        env = {**self.credentials(), "PATH": bin_dir + os.pathsep + os.environ["PATH"],
               "GITHUB_WORKSPACE": self.folder}
        codes, outputs, summary = self.run_action(
            {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project",
             "gate-install": "container", "gate-version": "9.9.9", "policy": "a.toml\nb.toml\n"}, env)
        gate = codes[-1][1]
        self.assertEqual(gate.returncode, 1, gate.stdout + gate.stderr)  # b.toml's rule reached the gate
        self.assertIn("a.toml, b.toml (from input policy (HSS_GATE_POLICY))", gate.stdout)
        self.assertEqual(outputs["decision"], "fail")

    def test_a_configuration_error_still_sets_exit_code_and_names_the_input(self):
        codes, outputs, _ = self.run_action({"cicd-name": "shop", "image-version": "1.0.0",
                                             "endpoint": self.fake.url}, self.credentials())
        gate = codes[-1][1]
        self.assertEqual(gate.returncode, 2, gate.stdout + gate.stderr)
        self.assertEqual(outputs["exit-code"], "2")
        self.assertIn("input project-id: required", gate.stderr)
        self.assertIn("::error title=hss-gate configuration error::input project-id: required", gate.stdout)

    def test_deprecated_inputs_still_work_and_warn(self):
        self.fake.reset([record()])
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        codes, outputs, _ = self.run_action(
            {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project",
             "version": "source"}, self.credentials())
        self.assertEqual(codes[-1][1].returncode, 0, codes[-1][1].stdout + codes[-1][1].stderr)
        plan = codes[0][1]
        self.assertIn("::warning title=hss-gate::input version is deprecated", plan.stdout)

    OS_RELEASES = {
        "ubuntu-22.04": 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n',
        "debian-11": 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nVERSION_ID="11"\nID=debian\n',
        "debian-12": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n',
    }

    def os_release(self, name):
        path = os.path.join(self.folder, f"os-release-{name}")
        with open(path, "w") as f:
            f.write(self.OS_RELEASES[name])
        return path

    def test_package_mode_stops_before_installing_anywhere_but_debian_12_and_names_container_mode(self):
        # A release whose checksum does not match: on Debian 12 the script gets as far as checking
        # it and stops there, so nothing is installed on this machine either way.
        release = os.path.join(self.folder, "releases", "v9.9.9")
        os.makedirs(release)
        deb = f"hss-gate_9.9.9_{subprocess.run(['dpkg', '--print-architecture'], capture_output=True, text=True, check=True).stdout.strip()}.deb"
        with open(os.path.join(release, deb), "w") as f:
            f.write("not a package")
        with open(os.path.join(release, "SHA256SUMS"), "w") as f:
            f.write("0" * 64 + "  " + deb + "\n")
        for name in ("ubuntu-22.04", "debian-11", "debian-12"):
            with self.subTest(name):
                output = os.path.join(self.folder, f"output-{name}")
                open(output, "w").close()
                env = {k: v for k, v in os.environ.items() if not k.startswith(("HSS_GATE_", "GITHUB_"))}
                env.update({"HSS_GATE_INSTALL": "package", "HSS_GATE_VERSION": "9.9.9", "GITHUB_OUTPUT": output,
                            "HSS_GATE_TEST_OS_RELEASE": self.os_release(name),
                            "HSS_GATE_RELEASE_URL": "file://" + os.path.join(self.folder, "releases")})
                done = subprocess.run([os.path.join(SOURCE, "ci-templates", "github", "install.sh")], env=env,
                                      capture_output=True, text=True, timeout=60)
                with open(output) as f:
                    outputs = parse_github_output(f.read())
                if name == "debian-12":
                    self.assertNotEqual(done.returncode, 0)
                    self.assertIn("FAILED", done.stdout + done.stderr)  # it reached the checksum
                    self.assertNotIn("::error", done.stdout)
                    self.assertEqual(outputs, {})
                    continue
                self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
                errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
                self.assertEqual(len(errors), 1, done.stdout)
                self.assertIn("gate-install: container", errors[0])
                self.assertIn("Debian 12", errors[0])
                self.assertIn(name.replace("-", " "), errors[0])
                self.assertNotIn("FAILED", done.stdout + done.stderr)  # stopped before downloading
                self.assertEqual(outputs, {"decision": "install_error", "exit-code": "2"})

    def test_package_mode_on_ubuntu_stops_the_action_before_the_gate_runs(self):
        codes, _, _ = self.run_action({"cicd-name": "shop", "image-version": "1.0.0", "gate-install": "package"},
                                      {"HSS_GATE_TEST_OS_RELEASE": self.os_release("ubuntu-22.04")})
        # The install step stops the action: the gate never runs, and the last step reports why.
        self.assertEqual([step for step, _ in codes], ["plan", "install", "stopped"])
        install = codes[1][1]
        self.assertEqual(install.returncode, 2, install.stdout + install.stderr)
        self.assertIn("use gate-install: container", install.stdout)

    def test_the_cache_key_names_the_runner_image_architecture_and_sources(self):
        codes, _, _ = self.run_action({"cicd-name": "shop", "image-version": "1.0.0"}, {"RUNNER_OS": "Linux",
                                      "RUNNER_ARCH": "ARM64", "ImageOS": "ubuntu24"})
        with open(os.path.join(self.folder, "output-0")) as f:
            plan = dict(line.rstrip("\n").split("=", 1) for line in f)
        self.assertRegex(plan["cache-key"], r"^hss-gate-Linux-ubuntu24-ARM64-[0-9a-f]{16}$")
        self.assertEqual(plan["install"], "source")

    def test_a_monorepo_gates_several_images_in_one_step(self):
        self.fake.reset([record(image_name="api"), record(image_name="worker", vul_num=500)])
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        codes, outputs, summary = self.run_action(
            {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project",
             "images": "image_name=api\nimage_name=worker\n"}, self.credentials())
        gate = codes[-1][1]
        self.assertEqual(gate.returncode, 1, gate.stdout + gate.stderr)
        self.assertEqual((outputs["images-pass"], outputs["images-fail"]), ("1", "1"))
        self.assertIn("| Image | Decision |", summary)
        self.assertEqual(len(self.fake.page_requests()), 1)

    def test_a_clean_image_passes_and_still_writes_the_summary(self):
        self.fake.reset([record()])
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        codes, outputs, summary = self.run_action(
            {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project"},
            self.credentials())
        gate = codes[-1][1]
        self.assertEqual(gate.returncode, 0, gate.stdout + gate.stderr)
        self.assertEqual(outputs["decision"], "pass")
        self.assertEqual(outputs["exit-code"], "0")
        self.assertNotIn("::error", gate.stdout)
        self.assertIn(":white_check_mark: **PASS**", summary)

    def test_the_attestation_input_writes_it_and_the_output_names_it_only_when_written(self):
        self.fake.reset([record()])
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        inputs = {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project",
                  "attestation": "hss-gate.intoto.json"}
        codes, outputs, _ = self.run_action(inputs, self.credentials())
        self.assertEqual(codes[-1][1].returncode, 0, codes[-1][1].stdout + codes[-1][1].stderr)
        self.assertEqual(outputs["attestation"], "hss-gate.intoto.json")
        with open(os.path.join(self.folder, "hss-gate.intoto.json")) as f:
            self.assertEqual(json.load(f)["subject"][0]["digest"], {"sha256": "a" * 64})
        # An image without a digest qualifies for no subject: no file, and an empty output.
        self.fake.reset([record(image_digest="")])
        shutil.rmtree(os.path.join(self.folder, "runner-temp"))  # a fresh runner for the second run
        codes, outputs, _ = self.run_action(inputs, self.credentials())
        self.assertEqual(codes[-1][1].returncode, 0, codes[-1][1].stdout + codes[-1][1].stderr)
        self.assertEqual(outputs["attestation"], "")
        self.assertFalse(os.path.exists(os.path.join(self.folder, "hss-gate.intoto.json")))

    def test_the_compare_with_input_gates_only_what_the_version_adds(self):
        self.fake.reset([record(image_id="img-0", image_version="0.9.0", image_digest="sha256:" + "0" * 64),
                         record()])
        self.fake.findings = {"img-0": {"malware": [{"file_name": "m", "file_path": "/m", "size": 1, "description": ""}]},
                              "img-1": {"malware": [{"file_name": "m", "file_path": "/m", "size": 1, "description": ""}]}}
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        with open(os.path.join(self.folder, ".hss-gate.toml"), "w") as f:
            f.write('version = 1\n[rules.new-malware]\nfindings = "malware"\nnew_only = true\nmax = 0\n')
        inputs = {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project",
                  "json": "report.json"}
        codes, outputs, _ = self.run_action(dict(inputs, **{"compare-with": "0.9.0"}), self.credentials())
        self.assertEqual(codes[-1][1].returncode, 0, codes[-1][1].stdout + codes[-1][1].stderr)
        self.assertEqual(outputs["decision"], "pass")
        shutil.rmtree(os.path.join(self.folder, "runner-temp"))
        codes, outputs, _ = self.run_action(inputs, self.credentials())
        self.assertEqual(outputs["decision"], "fail", "without a comparison every finding is new")

    def test_the_vex_input_takes_documents_one_per_line(self):
        self.fake.reset([record(image_digest=VEX_DIGEST)])
        self.fake.findings = {"img-1": {"vulnerabilities": [VEX_XZ]}}
        self.fake.cves = {"USN-2": [{"cve_id": "CVE-2024-3094", "cvss_score": 10.0, "publish_time": 0, "description": ""}]}
        self.fake.ak, self.fake.sk = "AKgithub-SECRET", "SKgithub-SECRET"
        with open(os.path.join(self.folder, ".hss-gate.toml"), "w") as f:
            f.write(VEX_POLICY)
        for name in ("openvex.json", "csaf.json"):
            shutil.copy(os.path.join(SOURCE, "tests", "data", "vex", name), self.folder)
        inputs = {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project",
                  "json": "report.json"}
        codes, outputs, _ = self.run_action(dict(inputs, vex="openvex.json\ncsaf.json\n"), self.credentials())
        gate = codes[-1][1]
        self.assertEqual(gate.returncode, 0, gate.stdout + gate.stderr)
        self.assertIn("VEX: openvex.json", gate.stdout)
        self.assertIn("VEX: csaf.json", gate.stdout)
        self.assertEqual(outputs["decision"], "pass")
        shutil.rmtree(os.path.join(self.folder, "runner-temp"))
        codes, outputs, _ = self.run_action(inputs, self.credentials())
        self.assertEqual(outputs["decision"], "fail", "without the documents the finding counts")

    def test_an_hss_error_with_on_error_pass_passes_loudly(self):
        self.fake.reset([record()])
        codes, outputs, summary = self.run_action(
            {"cicd-name": "shop", "image-version": "1.0.0", "endpoint": self.fake.url, "project-id": "test-project",
             "on-error": "pass"},
            {"HSS_GATE_AUTH_TOKEN": "wrong-SECRET"})
        gate = codes[-1][1]
        self.assertEqual(gate.returncode, 0, gate.stdout + gate.stderr)
        self.assertEqual(outputs["decision"], "error")
        self.assertIn("::warning title=hss-gate%3A HSS could not be read::HSS request failed: 401", gate.stdout)
        self.assertIn("ERROR IGNORED", summary)


class Golden(GateTest):
    """The Markdown summary and the annotations, byte for byte (refresh: HSS_GATE_UPDATE_GOLDEN=1)."""

    def compare(self, name, actual):
        assert_golden(self, name, actual)

    def test_summary_and_annotations_match_the_golden_files(self):
        policy = os.path.join(SOURCE, "tests", "data", "policies", "golden.toml")
        result = self.check("vulnerable.json", "--policy", policy, "-q",
                            env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": os.path.join(self.folder, "out")})
        self.assertEqual(result.code, 1, result.out + result.err)
        annotations = "".join(line + "\n" for line in result.out.splitlines() if line.startswith("::"))
        self.compare("vulnerable.summary.md", result.text("summary.md").replace(policy, "POLICY"))
        self.compare("vulnerable.annotations.txt", annotations.replace(policy, "POLICY"))
        # Each value has a fresh random delimiter; the golden file holds them normalised.
        self.compare("vulnerable.github-output.txt", re.sub(r"ghadelimiter_[0-9a-f]{32}", "ghadelimiter_RANDOM",
                                                            result.text("out")))

    def test_an_independent_junit_consumer_reads_the_counts(self):
        tools_or_skip(self)
        result = self.check("two-images.json")
        done = subprocess.run([tool("junit2json"), "-p", result.path("junit.xml")], capture_output=True, text=True,
                              env={**os.environ, "NODE_PATH": TOOLS})
        self.assertEqual(done.returncode, 0, done.stderr)
        parsed = json.loads(done.stdout)
        self.assertEqual(parsed["tests"], 10)
        self.assertEqual(parsed["failures"], 1)
        suites = parsed["testsuite"]
        self.assertEqual(len(suites), 2)
        failing = [case for suite in suites for case in suite["testcase"] if "failure" in case]
        self.assertEqual([case["name"] for case in failing], ["vuln-budget"])
        self.assertEqual(failing[0]["failure"][0]["message"], "vul_num is 80, above max 50")


if __name__ == "__main__":
    unittest.main()
