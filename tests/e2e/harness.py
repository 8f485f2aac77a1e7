"""Shared helpers for the end-to-end tests: run the real hss-gate binary and read its reports."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

BIN = os.path.abspath(os.environ.get("HSS_GATE_BIN", os.path.join(os.path.dirname(__file__), "../../build/hss-gate")))
SOURCE = os.path.abspath(os.environ.get("HSS_GATE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../..")))
DATA = os.path.join(SOURCE, "tests", "data")
RESPONSES = os.path.join(DATA, "responses")
POLICIES = os.path.join(SOURCE, "policies")
JUNIT_XSD = os.path.join(DATA, "junit", "junit.xsd")
NOW = "2026-11-27T12:00:00Z"
# Wall-clock bounds in tests are multiplied by this (tests/CMakeLists.txt sets it for sanitized builds).
SLOWDOWN = float(os.environ.get("HSS_GATE_TEST_SLOWDOWN", "1"))

# Variables of the CI systems and of hss-gate itself that must not leak in from the caller.
_SCRUBBED = ("HSS_GATE_", "HUAWEICLOUD_", "CLOUD_SDK_", "GITHUB_", "GITLAB_", "CI_", "NO_COLOR",
             "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE")


GOLDEN = os.path.join(SOURCE, "tests", "data", "golden")


def assert_golden(test, name, actual):
    """`actual` must equal tests/data/golden/NAME byte for byte; HSS_GATE_UPDATE_GOLDEN=1 rewrites
    the file first (then read the diff)."""
    path = os.path.join(GOLDEN, name)
    if os.environ.get("HSS_GATE_UPDATE_GOLDEN") == "1":
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(actual)
    with open(path, encoding="utf-8") as f:
        test.assertEqual(actual, f.read(), f"{name} differs from the golden file; refresh with HSS_GATE_UPDATE_GOLDEN=1 if meant")


def parse_github_output(text):
    """Reads a $GITHUB_OUTPUT file as the runner does: `name=value` lines, and `name<<DELIMITER`
    blocks whose value runs until a line that is the delimiter."""
    outputs, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            while lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            i += 1
            outputs[name] = "\n".join(value)
        else:
            name, _, value = line.partition("=")
            outputs[name] = value
    return outputs


def record(**changes):
    """The record of tests/data/responses/clean.json (a clean, successful scan), with changes."""
    with open(os.path.join(RESPONSES, "clean.json"), encoding="utf-8") as f:
        base = json.load(f)["data_list"][0]
    base.update(changes)
    return base


class Result:
    def __init__(self, completed, folder):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr
        self.folder = folder

    def path(self, name):
        return os.path.join(self.folder, name)

    def json(self, name="report.json"):
        with open(self.path(name), encoding="utf-8") as f:
            return json.load(f)

    def junit(self, name="junit.xml"):
        return ET.parse(self.path(name)).getroot()

    def text(self, name):
        with open(self.path(name), encoding="utf-8") as f:
            return f.read()


class GateTest(unittest.TestCase):
    """A fresh folder per test, and a runner for the binary inside it."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="hss-gate-e2e-")
        self.addCleanup(shutil.rmtree, self.folder, True)

    def gate(self, *args, env=None, timeout=60, cwd=None):
        environment = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
        environment["HSS_GATE_NOW"] = NOW
        environment.update(env or {})
        completed = subprocess.run([BIN, *args], cwd=cwd or self.folder, env=environment, capture_output=True,
                                   text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return Result(completed, self.folder)

    def check(self, response, *args, env=None, reports=True):
        extra = ["--junit", "junit.xml", "--json", "report.json", "--summary", "summary.md"] if reports else []
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0",
                         "--from-file", os.path.join(RESPONSES, response), *extra, *args, env=env)

    def assert_schema_valid(self, path):
        """Validates a JUnit file against the Jenkins schema vendored in tests/data/junit."""
        if not shutil.which("xmllint"):
            self.fail("xmllint is missing: run scripts/install-deps")
        done = subprocess.run(["xmllint", "--noout", "--schema", JUNIT_XSD, path], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)

    def assert_reports_agree(self, result):
        report = result.json()
        self.assertEqual(report["exit_code"], result.code)
        self.assert_schema_valid(result.path("junit.xml"))
        return report


class FakeServerTest(GateTest):
    """GateTest with one fake HSS server for the tests of a class, accepting the class's TOKEN."""

    TOKEN = "test-token"

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
        from fake_hss import FakeHss
        cls.fake = FakeHss(token=cls.TOKEN).start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()


def make_pki(certificates, self_signed=()):
    """A throw-away CA in a new folder, and server certificates it signs: {name: (subjectAltName,
    days)} (negative days give an expired certificate). Names in `self_signed` are signed by
    themselves instead. Returns the folder; files are NAME.pem and NAME.key, the CA is ca.pem."""
    folder = tempfile.mkdtemp(prefix="hss-gate-pki-")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=hss-gate test CA")
    for name in self_signed:
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    for name, (san, days) in certificates.items():
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj",
                f"/CN={name}")
        with open(os.path.join(folder, f"{name}.ext"), "w") as f:
            f.write(f"subjectAltName={san}\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                f"{name}.pem", "-days", str(days), "-extfile", f"{name}.ext")
    return folder
