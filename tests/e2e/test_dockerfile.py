"""The Dockerfile's runtime stage installs every shared library the binary needs and runs as the
runtime user; tests/e2e/test_container.py builds and runs the image with podman."""
import os
import re
import subprocess
import unittest

from harness import BIN, SOURCE

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
    """Checks of the Dockerfile's text; test_container.py builds and runs the image for real."""

    def test_the_runtime_stage_installs_every_library_the_binary_links(self):
        binary = BIN  # built as the image builds it: same sources, same Debian packages
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
