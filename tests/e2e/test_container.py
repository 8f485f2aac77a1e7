"""The container image, built with podman from the Dockerfile and run the way each CI runs it
against the fake HSS server: as GitLab's Docker executor runs the template's job, and as GitHub
runs a job container or a Docker action in a workspace owned by the runner's user (uid 1001).
Also the .deb from `cpack -G DEB`, installed with apt-get into a clean Debian 12 container.

No registry is reachable here: the Debian base image is made with debootstrap from Debian's
mirror and imported under the name the Dockerfile's FROM uses."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import BIN, GateTest, NOW, SOURCE, parse_github_output, record

sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
from fake_hss import FakeHss  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from test_ci import load_yaml, tools_or_skip  # noqa: E402

BASE = "docker.io/library/debian:bookworm-slim"
IMAGE = "localhost/hss-gate:test"
TOKEN = "container-SECRET-token"
# podman in this sandbox: runc, the host's network, and limits it may set.
RUNTIME = ["--runtime", "runc"]
LIMITS = ["--network", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def podman(*args, timeout=1800, check=True):
    done = subprocess.run(["podman", *RUNTIME, *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def ensure_base_image():
    if podman("image", "exists", BASE, check=False).returncode == 0:
        return
    root = tempfile.mkdtemp(prefix="hss-gate-rootfs-")
    try:
        subprocess.run(["debootstrap", "--variant=minbase", "bookworm", root], check=True, capture_output=True,
                       timeout=1200)
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["podman", "import", "-", BASE], stdin=tar.stdout, check=True, capture_output=True, timeout=600)
        tar.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


class Container(GateTest):
    @classmethod
    def setUpClass(cls):
        cls.skip = None
        missing = [tool for tool in ("podman", "runc", "debootstrap") if shutil.which(tool) is None]
        if missing:
            cls.skip = f"{', '.join(missing)} missing: run scripts/install-deps --test-tools"
            return
        ensure_base_image()
        podman("build", *LIMITS, "-t", IMAGE, SOURCE)
        cls.fake = FakeHss(token=TOKEN).start()

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "fake", None):
            cls.fake.stop()

    def setUp(self):
        super().setUp()
        if self.skip:
            if os.environ.get("HSS_GATE_REQUIRE_CI_TOOLS") == "1":
                self.fail(self.skip)
            self.skipTest(self.skip)

    def gate_env(self):
        return {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                "HSS_GATE_AUTH_TOKEN": TOKEN, "HSS_GATE_NOW": NOW, "HSS_GATE_CICD_NAME": "shop",
                "HSS_GATE_IMAGE_VERSION": "1.0.0",
                # The fake server's host names no region, and the template's GitLab report needs
                # the base-image API, whose region header is required (docs/ci.md says so).
                "HSS_GATE_REGION": "ap-southeast-1"}

    def env_args(self, env):
        args = []
        for key, value in env.items():
            args += ["-e", f"{key}={value}"]
        return args

    def test_the_image_carries_the_licence_and_its_label(self):
        labels = json.loads(podman("inspect", IMAGE, "--format", "{{json .Config.Labels}}").stdout)
        self.assertEqual(labels.get("org.opencontainers.image.licenses"), "Apache-2.0")
        done = podman("run", "--rm", *LIMITS, "--entrypoint", "", IMAGE, "sh", "-c",
                      "head -n1 /usr/share/doc/hss-gate/copyright && grep -c 'Apache License' /usr/share/doc/hss-gate/LICENSE")
        self.assertEqual(done.stdout.splitlines()[0],
                         "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
        self.assertGreater(int(done.stdout.splitlines()[1]), 0)

    def test_gitlab_docker_executor_runs_the_template_job_in_the_image(self):
        tools_or_skip(self)
        template = load_yaml(os.path.join(SOURCE, "ci-templates", "gitlab", "hss-gate.gitlab-ci.yml"))
        job = template[".hss-gate"]
        self.assertEqual(job["image"]["entrypoint"], [""])
        script = "\n".join(job["script"])
        # GitLab's runner clones with umask 0000: the project folder is writable for any user.
        project = os.path.join(self.folder, "project")
        os.makedirs(project)
        os.chmod(project, 0o777)
        for records, expected in (([record()], 0), ([record(vul_num=500)], 1)):
            with self.subTest(expected=expected):
                self.fake.reset(records)
                # GitLab's runner sets CI_JOB_NAME; the template names the job's reports after it.
                env = dict(self.gate_env(), CI_JOB_NAME="Gate: shop")
                done = podman("run", "--rm", *LIMITS, "--entrypoint", "", *self.env_args(env),
                              "-v", f"{project}:/builds/group/project", "-w", "/builds/group/project",
                              IMAGE, "sh", "-c", script, check=False)
                self.assertEqual(done.returncode, expected, done.stdout + done.stderr)
                with open(os.path.join(project, "hss-gate-gate-shop-report.json")) as f:
                    self.assertEqual(json.load(f)["exit_code"], expected)
                with open(os.path.join(project, "hss-gate.env")) as f:
                    dotenv = f.read()
                self.assertIn("HSS_GATE_RESULT_DECISION=", dotenv)
                self.assertIn("HSS_GATE_RESULT_JSON=hss-gate-gate-shop-report.json", dotenv)
                self.assert_schema_valid(os.path.join(project, "hss-gate-gate-shop-junit.xml"))
                self.assertNotIn(TOKEN, done.stdout + done.stderr)
        # Without the cleared entrypoint, the job's shell would reach hss-gate as its command.
        swallowed = podman("run", "--rm", *LIMITS, IMAGE, "sh", "-c", "true", check=False)
        self.assertEqual(swallowed.returncode, 2)

    def test_github_job_container_writes_reports_into_a_workspace_owned_by_uid_1001(self):
        workspace = os.path.join(self.folder, "workspace")
        os.makedirs(workspace)
        os.chown(workspace, 1001, 1001)
        os.chmod(workspace, 0o755)
        output = os.path.join(workspace, "output")
        with open(output, "w"):
            pass
        os.chown(output, 1001, 1001)
        self.fake.reset([record(vul_num=500)])
        env = {**self.gate_env(), "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": "/github/workspace/output",
               "HSS_GATE_JUNIT": "junit.xml", "HSS_GATE_JSON": "report.json"}
        # A Docker action or `docker run` of the image: the entrypoint is hss-gate, the arguments follow.
        done = podman("run", "--rm", *LIMITS, *self.env_args(env), "-v", f"{workspace}:/github/workspace",
                      "-w", "/github/workspace", IMAGE, "check", check=False)
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("::error title=hss-gate vuln-budget", done.stdout)
        for name in ("junit.xml", "report.json"):
            path = os.path.join(workspace, name)
            self.assertEqual(os.stat(path).st_uid, 1001)
        with open(output) as f:
            self.assertEqual(parse_github_output(f.read())["decision"], "fail")

    def test_the_deb_installs_into_a_clean_debian_12_and_runs(self):
        build = os.path.dirname(BIN)  # package the build under test when it is a CMake build
        if not os.path.exists(os.path.join(build, "CPackConfig.cmake")):
            build = tempfile.mkdtemp(prefix="hss-gate-deb-build-")
            self.addCleanup(shutil.rmtree, build, True)
            subprocess.run(["cmake", "-S", SOURCE, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_TESTING=OFF"],
                           check=True, capture_output=True)
            subprocess.run(["cmake", "--build", build, "--target", "hss-gate", f"-j{os.cpu_count() or 2}"],
                           check=True, capture_output=True)
        packages = tempfile.mkdtemp(prefix="hss-gate-deb-")
        self.addCleanup(shutil.rmtree, packages, True)
        done = subprocess.run(["cpack", "-G", "DEB", "-B", packages], cwd=build, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        debs = glob.glob(os.path.join(packages, "hss-gate_*_*.deb"))
        self.assertEqual(len(debs), 1, debs)
        name = os.path.basename(debs[0])
        self.assertRegex(name, r"^hss-gate_\d+\.\d+\.\d+_[a-z0-9]+\.deb$")
        listing = subprocess.run(["dpkg-deb", "-c", debs[0]], capture_output=True, text=True, check=True).stdout
        self.assertIn("./usr/share/doc/hss-gate/copyright", listing)
        script = (f"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                  f"--no-install-recommends ./{name} >/dev/null && hss-gate --version && "
                  "hss-gate check --cicd-name shop --image-version 1.0.0 --from-file clean.json")
        shutil.copy(os.path.join(SOURCE, "tests", "data", "responses", "clean.json"), packages)
        done = podman("run", "--rm", *LIMITS, "-v", f"{packages}:/pkg", "-w", "/pkg", BASE, "sh", "-c", script,
                      check=False)
        self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-3000:])
        self.assertIn("hss-gate 0.", done.stdout)
        self.assertIn("hss-gate: PASS", done.stdout)

        # The GitHub Action's gate-install: package, from a release laid out as GitHub serves it,
        # the checksum file included; a package that does not match its checksum is refused.
        version = name.split("_")[1]
        release = os.path.join(packages, "releases", f"v{version}")
        os.makedirs(release)
        shutil.copy(debs[0], release)
        digest = subprocess.run(["sha256sum", name], cwd=release, capture_output=True, text=True, check=True).stdout
        with open(os.path.join(release, "SHA256SUMS"), "w") as f:
            f.write(digest)
        install = ("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
                   "curl ca-certificates >/dev/null && HSS_GATE_INSTALL=package HSS_GATE_VERSION=" + version +
                   " HSS_GATE_RELEASE_URL=file:///pkg/releases /src/ci-templates/github/install.sh")
        done = podman("run", "--rm", *LIMITS, "-v", f"{packages}:/pkg", "-v", f"{SOURCE}:/src:ro", BASE, "sh", "-c",
                      install, check=False)
        self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-3000:])
        self.assertIn(f"hss-gate {version}", done.stdout)
        with open(os.path.join(release, "SHA256SUMS"), "w") as f:
            f.write("0" * 64 + "  " + name + "\n")
        tampered = podman("run", "--rm", *LIMITS, "-v", f"{packages}:/pkg", "-v", f"{SOURCE}:/src:ro", BASE, "sh",
                          "-c", install, check=False)
        self.assertNotEqual(tampered.returncode, 0)
        self.assertIn("FAILED", tampered.stdout + tampered.stderr)


if __name__ == "__main__":
    unittest.main()
