"""The Dockerfile's runtime stage installs every shared library the binary needs, runs as the
runtime user and carries the licence; the .deb from `cpack -G DEB` carries it too.
tests/e2e/test_container.py builds and runs the image and installs the package with podman."""
import fnmatch
import glob
import os
import re
import shutil
import subprocess
import tempfile
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

    def test_the_image_carries_the_licence_and_says_which_it_is(self):
        runtime = stages()["runtime"]
        labels = " ".join(argument for instruction, argument in runtime if instruction == "LABEL")
        self.assertIn('org.opencontainers.image.licenses="Apache-2.0"', labels)
        copies = [argument.split() for instruction, argument in runtime if instruction == "COPY"]
        licence = [words for words in copies if "/src/LICENSE" in words]
        self.assertEqual(len(licence), 1, copies)
        self.assertIn("/src/packaging/copyright", licence[0])
        self.assertEqual(licence[0][-1], "/usr/share/doc/hss-gate/")
        # The build stage copies the whole context: the licence must not be left out of it.
        with open(os.path.join(SOURCE, ".dockerignore"), encoding="utf-8") as f:
            ignored = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        for name in ("LICENSE", "NOTICE", "packaging/copyright"):
            dropped = [p for p in ignored if fnmatch.fnmatch(name, p.rstrip("/")) or fnmatch.fnmatch(name.split("/")[0], p.rstrip("/"))]
            self.assertFalse(dropped, f".dockerignore drops {name}")


class Licence(unittest.TestCase):
    """LICENSE is the Apache License 2.0 and the Debian package installs its copyright file."""

    def test_the_licence_is_the_apache_license_2_0(self):
        with open(os.path.join(SOURCE, "LICENSE"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("Apache License\n                           Version 2.0, January 2004", text)
        self.assertIn("END OF TERMS AND CONDITIONS", text)
        self.assertIn("9. Accepting Warranty or Additional Liability.", text)
        with open(os.path.join(SOURCE, "NOTICE"), encoding="utf-8") as f:
            self.assertIn("Copyright 2026 The hss-gate authors", f.read())

    def test_the_copyright_file_is_in_debian_machine_readable_format(self):
        with open(os.path.join(SOURCE, "packaging", "copyright"), encoding="utf-8") as f:
            paragraphs = f.read().split("\n\n")
        self.assertEqual(paragraphs[0].splitlines()[0],
                         "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
        files = dict(line.split(": ", 1) for line in paragraphs[1].splitlines())
        self.assertEqual(files, {"Files": "*", "Copyright": "2026 The hss-gate authors", "License": "Apache-2.0"})
        self.assertTrue(paragraphs[2].startswith("License: Apache-2.0\n"))
        self.assertIn('"/usr/share/common-licenses/Apache-2.0"', paragraphs[2])
        # Continuation lines start with a space; an empty one is written as " ."
        self.assertFalse([line for line in paragraphs[2].splitlines()[1:] if not line.startswith(" ") or line == " "])

    def test_the_package_installs_the_copyright_file_notice_and_changelog(self):
        build = os.path.dirname(BIN)
        if not os.path.exists(os.path.join(build, "CPackConfig.cmake")) or shutil.which("dpkg-deb") is None:
            self.skipTest("needs the CMake build folder of the binary under test and dpkg-deb")
        packages = tempfile.mkdtemp(prefix="hss-gate-deb-")
        self.addCleanup(shutil.rmtree, packages, True)
        done = subprocess.run(["cpack", "-G", "DEB", "-B", packages], cwd=build, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        debs = glob.glob(os.path.join(packages, "hss-gate_*_*.deb"))
        self.assertEqual(len(debs), 1, debs)
        listing = subprocess.run(["dpkg-deb", "-c", debs[0]], capture_output=True, text=True, check=True).stdout
        paths = {line.split()[-1] for line in listing.splitlines()}
        for path in ("./usr/bin/hss-gate", "./usr/share/doc/hss-gate/copyright", "./usr/share/doc/hss-gate/NOTICE",
                     "./usr/share/doc/hss-gate/CHANGELOG.md"):
            self.assertIn(path, paths)
        unpacked = os.path.join(packages, "root")
        subprocess.run(["dpkg-deb", "-x", debs[0], unpacked], check=True)
        with open(os.path.join(unpacked, "usr", "share", "doc", "hss-gate", "copyright"), encoding="utf-8") as f, \
                open(os.path.join(SOURCE, "packaging", "copyright"), encoding="utf-8") as source:
            self.assertEqual(f.read(), source.read())


if __name__ == "__main__":
    unittest.main()
