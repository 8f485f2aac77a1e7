"""The documented ways in, as a team adopting hss-gate takes them: the release workflow and the one
version it checks, and the example pipelines' HSS scan step before the gate (gitlab-ci-local and
the GitHub step's own script). The Action's package mode on each OS is in test_ci.py, with the
runner emulation."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import GateTest, SOURCE
from test_ci import load_yaml, tool, tools_or_skip


def project_version():
    """The version of project() in CMakeLists.txt, the one place that sets it."""
    with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
        return re.search(r"project\(hss-gate VERSION (\d+\.\d+\.\d+)", f.read()).group(1)


class Release(GateTest):
    """release.yml, its steps run from the workflow's own text, and the version every document
    and template names."""

    def setUp(self):
        super().setUp()
        tools_or_skip(self)

    def release_step(self, name):
        workflow = load_yaml(os.path.join(SOURCE, ".github", "workflows", "release.yml"))
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if step.get("name") == name:
                    return step
        self.fail(f"release.yml has no step {name!r}")

    def test_the_release_workflow_runs_on_version_tags_only(self):
        workflow = load_yaml(os.path.join(SOURCE, ".github", "workflows", "release.yml"))
        patterns = workflow["on"]["push"]["tags"]
        self.assertEqual(set(workflow["on"]), {"push"})

        def matches(tag):  # GitHub's filter pattern: + repeats, [] is a class, the rest is literal
            return any(re.fullmatch("".join(c if c in "[]0-9+-" else re.escape(c) for c in p), tag) for p in patterns)
        self.assertTrue(matches(f"v{project_version()}"))
        self.assertTrue(matches("v10.20.30"))
        for tag in ("0.2.0", "v0.2", "v0.2.0-rc1", "v0.2.0.1", "latest", "va.b.c"):
            self.assertFalse(matches(tag), tag)

    def test_the_release_stops_on_a_tag_that_is_not_the_version_cmake_sets(self):
        check = self.release_step("The tag is the version CMakeLists.txt sets")["run"]
        version = project_version()
        good = subprocess.run(["bash", "-e", "-c", check], cwd=SOURCE, capture_output=True, text=True,
                              env={**os.environ, "GITHUB_REF_NAME": f"v{version}"})
        self.assertEqual(good.returncode, 0, good.stdout + good.stderr)
        bad = subprocess.run(["bash", "-e", "-c", check], cwd=SOURCE, capture_output=True, text=True,
                             env={**os.environ, "GITHUB_REF_NAME": "v9.9.9"})
        self.assertEqual(bad.returncode, 1)
        self.assertIn(f"tag v9.9.9: expected v{version}, the version of project() in CMakeLists.txt", bad.stdout)

    def test_the_release_notes_are_the_versions_changelog_section(self):
        notes = self.release_step("Release notes from CHANGELOG.md")["run"]
        folder = tempfile.mkdtemp(prefix="hss-gate-release-")
        self.addCleanup(shutil.rmtree, folder, True)
        shutil.copy(os.path.join(SOURCE, "CHANGELOG.md"), folder)
        done = subprocess.run(["bash", "-e", "-c", notes], cwd=folder, capture_output=True, text=True,
                              env={**os.environ, "GITHUB_REF_NAME": "v0.1.0"})
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        with open(os.path.join(folder, "release-notes.md")) as f:
            text = f.read()
        self.assertIn("hss-gate check", text)        # the 0.1.0 section's first entry
        self.assertNotIn("## [", text)
        self.assertNotIn("--save-bundle", text)      # a later section's
        missing = subprocess.run(["bash", "-e", "-c", notes], cwd=folder, capture_output=True, text=True,
                                 env={**os.environ, "GITHUB_REF_NAME": "v9.9.9"})
        self.assertEqual(missing.returncode, 1)
        self.assertIn('CHANGELOG.md: expected a section "## [9.9.9]"', missing.stdout)

    def test_the_release_attaches_the_package_and_its_checksums(self):
        package = self.release_step("Package")["run"]
        self.assertIn("cpack -G DEB", package)
        self.assertIn("sha256sum hss-gate_*.deb > SHA256SUMS", package)
        publish = self.release_step("Attach the package to the release")["run"]
        self.assertRegex(publish, r'^gh release create "\$TAG" packages/hss-gate_\*\.deb packages/SHA256SUMS ')

    def test_every_release_the_docs_and_templates_name_is_the_version_cmake_sets(self):
        version = project_version()
        files = ["README.md", "SECURITY.md", "Dockerfile", "CMakeLists.txt"]
        for folder in ("docs", os.path.join("ci-templates", "github"), os.path.join("ci-templates", "gitlab"),
                       os.path.join(".github", "workflows")):
            files += [os.path.join(folder, name) for name in sorted(os.listdir(os.path.join(SOURCE, folder)))]
        # hss-gate's own versions: a tag or ref vX.Y.Z (not a pinned action's "# vX.Y.Z" comment nor
        # a specification's URL), the image and package names, and "once X.Y.Z is released".
        patterns = [r"(?<!# )(?<!spec/)\bv(\d+\.\d+\.\d+)\b", r"hss-gate[:_](\d+\.\d+\.\d+)\b",
                    r"[Oo]nce v?(\d+\.\d+\.\d+)", r"(?<![-_])\bversion (\d+\.\d+\.\d+)", r"gate-version: +(\d+\.\d+\.\d+)", r"default: +(\d+\.\d+\.\d+)"]
        found = 0
        for name in files:
            with open(os.path.join(SOURCE, name), encoding="utf-8") as f:
                text = f.read()
            for pattern in patterns:
                for match in re.finditer(pattern, text):
                    found += 1
                    line = text.count("\n", 0, match.start()) + 1
                    self.assertEqual(match.group(1), version, f"{name}:{line}: {match.group(0)} is not the version "
                                     f"CMakeLists.txt sets ({version})")
        self.assertGreater(found, 10)


class ExamplePipelines(GateTest):
    """Both example pipelines run HSS's scan in a step of their own before the gate: a placeholder
    the user fills from the HSS console, which fails the job with a message while it is empty."""

    def setUp(self):
        super().setUp()
        tools_or_skip(self)

    FAKE_DOCKER = "#!/bin/sh\necho \"fake docker $*\"\n"

    def fake_docker_path(self):
        folder = os.path.join(self.folder, "bin")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "docker"), "w") as f:
            f.write(self.FAKE_DOCKER)
        os.chmod(os.path.join(folder, "docker"), 0o755)
        return folder + os.pathsep + os.environ["PATH"]

    def committed_repo(self, pipeline):
        """A scratch project with the template and `pipeline` as its .gitlab-ci.yml, committed
        (gitlab-ci-local copies only tracked files)."""
        repo = tempfile.mkdtemp(prefix="hss-gate-gl-")
        self.addCleanup(shutil.rmtree, repo, True)
        os.makedirs(os.path.join(repo, "ci-templates", "gitlab"))
        shutil.copy(os.path.join(SOURCE, "ci-templates", "gitlab", "hss-gate.gitlab-ci.yml"),
                    os.path.join(repo, "ci-templates", "gitlab"))
        with open(os.path.join(repo, ".gitlab-ci.yml"), "w") as f:
            f.write(pipeline)
        git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
        for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "test"]):
            subprocess.run(git + command, cwd=repo, check=True)
        return repo

    def test_gitlab_examples_run_the_scan_job_between_build_and_gate(self):
        for example, images in (("example.gitlab-ci.yml", ["payments/payments-api"]),
                                ("example-monorepo.gitlab-ci.yml", ["shop/api", "shop/worker", "shop/migrate"])):
            with self.subTest(example):
                pipeline = load_yaml(os.path.join(SOURCE, "ci-templates", "gitlab", example))
                stages = pipeline["stages"]
                self.assertLess(stages.index(pipeline["hss-scan"]["stage"]), stages.index(pipeline["hss-gate"]["stage"]))
                self.assertEqual(pipeline["hss-gate"]["needs"], ["hss-scan"])
                self.assertEqual(len(pipeline["hss-scan"]["needs"]), 1)
                self.assertTrue(pipeline["hss-scan"]["needs"][0].startswith("build-image"))
                # The example as it is, but for Docker-in-Docker services, which the shell executor
                # here cannot start (JSON is YAML); `docker` is a fake that says what it was asked.
                for job in pipeline.values():
                    if isinstance(job, dict):
                        job.pop("services", None)
                repo = self.committed_repo(json.dumps(pipeline, indent=1))
                args = [tool("gitlab-ci-local"), "--no-color", "--force-shell-executor", "--shell-isolation"]
                env = {**os.environ, "PATH": self.fake_docker_path()}
                unset = subprocess.run(args + ["hss-scan"], cwd=repo, capture_output=True, text=True, timeout=300,
                                       env=env)
                self.assertNotEqual(unset.returncode, 0, unset.stdout + unset.stderr)
                self.assertIn("hss-scan: HSS_SCAN_COMMAND is not set", unset.stdout + unset.stderr)
                self.assertNotIn("fake docker", unset.stdout)  # stopped before anything else
                done = subprocess.run(args + ["--variable", 'HSS_SCAN_COMMAND=echo "scanning $IMAGE"', "hss-scan"],
                                      cwd=repo, capture_output=True, text=True, timeout=300, env=env)
                self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
                for image in images:
                    self.assertIn(f"fake docker pull swr.ap-southeast-1.myhuaweicloud.com/{image}:", done.stdout)
                    self.assertRegex(done.stdout, rf"scanning swr\.ap-southeast-1\.myhuaweicloud\.com/{image}:\w+")

    def test_the_github_example_scans_after_the_push_and_gates_after_the_build_job(self):
        workflow = load_yaml(os.path.join(SOURCE, "ci-templates", "github", "example-workflow.yml"))
        self.assertEqual(workflow["jobs"]["gate"]["needs"], "build")
        steps = workflow["jobs"]["build"]["steps"]
        names = [step.get("name", "") for step in steps]
        push = names.index("Build and push")
        scan = [i for i, name in enumerate(names) if name.startswith("HSS scan")]
        self.assertEqual(len(scan), 1, names)
        self.assertGreater(scan[0], push)
        step = steps[scan[0]]
        self.assertEqual(step["env"]["HSS_SCAN_COMMAND"], "${{ secrets.HSS_SCAN_COMMAND }}")
        self.assertEqual(step["env"]["IMAGE"], steps[push]["env"]["IMAGE"])
        base = {k: v for k, v in os.environ.items() if k != "HSS_SCAN_COMMAND"}
        unset = subprocess.run(["bash", "-e", "-c", step["run"]], env={**base, "HSS_SCAN_COMMAND": "", "IMAGE": "x:1"},
                               capture_output=True, text=True)
        self.assertEqual(unset.returncode, 1)
        self.assertRegex(unset.stdout, r"^::error title=HSS scan not configured::HSS_SCAN_COMMAND is not set: ")
        done = subprocess.run(["bash", "-e", "-c", step["run"]], capture_output=True, text=True,
                              env={**base, "HSS_SCAN_COMMAND": 'echo "scanning $IMAGE"', "IMAGE": "registry/app:1"})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, "scanning registry/app:1\n")

if __name__ == "__main__":
    unittest.main()
