"""The Dockerfile without a Docker engine: its build stage's commands run here, and its runtime
stage installs every shared library the binary needs."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import SOURCE

# In debian:bookworm-slim already; apt itself depends on them.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}


def stages():
    """{stage name: [(instruction, argument)]}, with continuation lines joined."""
    with open(os.path.join(SOURCE, "Dockerfile"), encoding="utf-8") as f:
        text = re.sub(r"\\\n", " ", f.read())
    result, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, argument = line.partition(" ")
        if instruction == "FROM":
            current = argument.split(" AS ")[-1].strip()
            result[current] = [(instruction, argument)]
        else:
            result[current].append((instruction, argument.strip()))
    return result


class Dockerfile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        """Runs the build stage's RUN commands on a copy of the tracked sources, as docker build would."""
        cls.work = tempfile.mkdtemp(prefix="hss-gate-docker-")
        source = os.path.join(cls.work, "src")
        files = subprocess.run(["git", "ls-files", "-z"], cwd=SOURCE, capture_output=True, check=True).stdout
        for name in filter(None, files.decode().split("\0")):
            if not os.path.exists(os.path.join(SOURCE, name)):
                continue
            target = os.path.join(source, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.join(SOURCE, name), target)
        build = os.path.join(cls.work, "build")
        cls.runs = []
        for instruction, argument in stages()["build"]:
            if instruction != "RUN":
                continue
            # Emptying apt's lists only slims the image; on a shared machine it would hurt.
            command = argument.replace("&& rm -rf /var/lib/apt/lists/*", "").replace("/build", build)
            cls.runs.append((command, subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=source,
                                                     capture_output=True, text=True, timeout=900)))
        cls.binary = os.path.join(build, "hss-gate")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, True)

    def test_the_build_stage_commands_build_a_working_binary(self):
        self.assertEqual(len(self.runs), 2)
        for command, done in self.runs:
            self.assertEqual(done.returncode, 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        version = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        self.assertRegex(version.stdout, r"^hss-gate \d+\.\d+\.\d+")

    def test_the_runtime_stage_installs_every_library_the_binary_links(self):
        binary = self.binary  # the image's binary, not the (possibly sanitized) one under test
        runtime = " ".join(argument for instruction, argument in stages()["runtime"] if instruction == "RUN")
        # The libraries the binary names itself; theirs come with their packages' dependencies.
        direct = set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                                subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True).stdout))
        resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(["ldd", binary], capture_output=True, text=True,
                                                                          check=True).stdout, re.M))
        needed = set()
        for path in (resolved[name] for name in direct):
            real = os.path.realpath(path)
            # After usrmerge a library may be registered under /lib or under /usr/lib.
            for candidate in (real, real[len("/usr"):] if real.startswith("/usr/") else "/usr" + real):
                owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
                if owner.returncode == 0:
                    needed.add(owner.stdout.split(":")[0])
                    break
            else:
                self.fail(f"no package owns {real}")
        self.assertIn("libpocofoundation80", needed)
        for package in sorted(needed - BASE_PACKAGES):
            self.assertRegex(runtime, rf"(^|\s){re.escape(package)}(\s|$)", f"runtime stage lacks {package}")
        self.assertIn("ca-certificates", runtime)

    def test_the_runtime_stage_runs_as_a_non_root_user(self):
        runtime = stages()["runtime"]
        users = [argument for instruction, argument in runtime if instruction == "USER"]
        self.assertEqual(users, ["1001"])  # the uid that owns the workspace on GitHub's runners
        self.assertIn(("ENTRYPOINT", '["hss-gate"]'), runtime)


if __name__ == "__main__":
    unittest.main()
