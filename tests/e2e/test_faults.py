"""The fault matrix (docs/reliability.md): the real binary against a misbehaving fake HSS server.
None may pass, crash or exceed its time bound, and no secret may leak into any output."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from harness import BIN, GateTest, SLOWDOWN, SOURCE, make_pki, record

sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
from fake_hss import FakeHss  # noqa: E402

AK = "AKfault-SECRET-0001"
SK = "SKfault-SECRET-do-not-print"
# The test-only scaled clock (docs/reliability.md): retries and backoff keep their counts and
# budgets but sleep 20 times shorter; --timeout stays real.
FAST = {"HSS_GATE_TEST_TIME_SCALE": "20"}


def error(code, message):
    return json.dumps({"error_code": code, "error_msg": message})


def page(records, total=None):
    return json.dumps({"total_num": len(records) if total is None else total, "data_list": records})


# name: (scripted answers, extra flags, exit code, message, seconds at most, requests (min, max))
MATRIX = {
    "401 unauthorized": ([{"status": 401, "body": error("APIG.0301", "Incorrect IAM authentication information")}],
                         [], 3, "HSS request failed: 401 APIG.0301 Incorrect IAM authentication information", 5, (1, 1)),
    "403 forbidden": ([{"status": 403, "body": error("HSS.1063", "no permission")}], [], 3,
                      "HSS refused ListCicdImages (GET /v5/{project_id}/image/cicd/images): 403 HSS.1063 no permission",
                      5, (1, 1)),
    "404 not found": ([{"status": 404, "body": error("APIGW.0101", "The API does not exist")}], [], 3,
                      "HSS request failed: 404 APIGW.0101", 5, (1, 1)),
    "429 with Retry-After": ([{"status": 429, "body": error("APIG.0308", "throttled"), "headers": {"Retry-After": "1"}}] * 5,
                             [], 3, "429 APIG.0308 throttled (request id fake-req-scripted) (gave up after 5 attempts)", 10, (5, 5)),
    "429 without Retry-After": ([{"status": 429, "body": error("APIG.0308", "throttled")}] * 5, [], 3,
                                "429 APIG.0308 throttled (request id fake-req-scripted) (gave up after 5 attempts)", 35, (5, 5)),
    "500": ([{"status": 500, "body": error("HSS.0002", "internal error")}] * 5, [], 3,
            "500 HSS.0002 internal error (request id fake-req-scripted) (gave up after 5 attempts)", 35, (5, 5)),
    "502": ([{"status": 502, "body": "<html>Bad Gateway</html>", "headers": {"Content-Type": "text/html"}}] * 5, [], 3,
            "502 Bad Gateway (request id fake-req-scripted) (gave up after 5 attempts)", 35, (5, 5)),
    "503": ([{"status": 503, "body": "", "headers": {"Retry-After": "0"}}] * 5, [], 3,
            "503 Service Unavailable (request id fake-req-scripted) (gave up after 5 attempts)", 10, (5, 5)),
    "504": ([{"status": 504, "body": ""}] * 5, [], 3, "504 Gateway Timeout (request id fake-req-scripted) (gave up after 5 attempts)", 35, (5, 5)),
    "reset mid-body": ([{"status": 200, "body": page([record()]), "truncate": 40}] * 5, [], 3,
                       "connection closed after 40 of", 35, (5, 5)),
    "never answers": ([{"delay": 30}] * 5, ["--timeout", "1s"], 3, "no answer within --timeout 1s", 30, (5, 5)),
    "slow-drip body": ([{"status": 200, "body": page([record()]), "drip": 0.02}] * 5, ["--timeout", "1s"], 3,
                       "no complete answer within --timeout 1s", 30, (5, 5)),
    "truncated JSON": ([{"status": 200, "body": '{"total_num": 1, "data_list": [{"cicd_name": "sh'}], [], 3,
                       "unreadable HSS response: not valid JSON", 5, (1, 1)),
    "HTML error page with 200": ([{"status": 200, "body": "<html><body>Service maintenance</body></html>",
                                   "headers": {"Content-Type": "text/html"}}], [], 3,
                                 "unreadable HSS response: not valid JSON", 5, (1, 1)),
    "wrong types": ([{"status": 200, "body": page([record(vul_num="0")])}], [], 3,
                    "data_list[0].vul_num: expected an integer, got a string", 5, (1, 1)),
    "integer beyond 64 bits": ([{"status": 200, "body": page([record()]).replace('"vul_num": 0', '"vul_num": 18446744073709551616')}],
                               [], 3, "a number is out of the 64-bit range", 5, (1, 1)),
    "300 MiB body": ([{"status": 200, "huge": 300 * 1024 * 1024}], [], 3, "HSS response too large", 5, (1, 1)),
    "invalid UTF-8 in names": ([{"status": 200, "body": page([record()]).replace('"web"', '"we\\u00ff"').encode()
                                 .replace(b"we\\u00ff", b"we\xff\xc3")}], [], 3, "unreadable HSS response", 5, (1, 1)),
}


class FaultMatrix(GateTest):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeHss(ak=AK, sk=SK).start()
        cls.elsewhere = FakeHss(ak=AK, sk=SK).start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()
        cls.elsewhere.stop()

    def run_gate(self, endpoint, *flags, env=None):
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": endpoint,
                       "HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK}
        environment.update(env or {})
        started = time.monotonic()
        result = self.check_online(environment, *flags)
        return result, time.monotonic() - started

    def check_online(self, environment, *flags):
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--junit", "junit.xml",
                         "--json", "report.json", *flags, env=environment, timeout=120)

    def assert_failed_closed(self, result, code, message):
        self.assertEqual(result.code, code, result.out + result.err)
        self.assertIn(message, result.out)
        report = self.assert_reports_agree(result)
        self.assertEqual(report["decision"], "error")
        self.assertIn(message, report["errors"][0])
        errors = [c for c in result.junit().iter("testcase") if c.find("error") is not None]
        self.assertEqual(len(errors), 1)
        for text in (result.out, result.err, result.text("junit.xml"), result.text("report.json")):
            self.assertNotIn("SECRET", text)

    def test_every_fault_fails_closed_within_its_bound(self):
        # Most faults spend their time in the gate's retry backoff, so the cases run side by side,
        # each against its own server and in its own folder; each keeps its own time bound.
        from concurrent.futures import ThreadPoolExecutor

        def run_case(item):
            name, (script, flags, code, message, bound, requests) = item
            folder = tempfile.mkdtemp(prefix="hss-gate-fault-")
            self.addCleanup(shutil.rmtree, folder, True)
            fake = FakeHss([record()], ak=AK, sk=SK).start()
            try:
                fake.script.extend(script)
                environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": fake.url,
                               "HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK, **FAST}
                started = time.monotonic()
                result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--junit", "junit.xml",
                                   "--json", "report.json", *flags, env=environment, timeout=120, cwd=folder)
                result.folder = folder
                return name, result, time.monotonic() - started, len(fake.requests)
            finally:
                fake.stop()

        with ThreadPoolExecutor(max_workers=6) as pool:
            outcomes = list(pool.map(run_case, MATRIX.items()))
        for name, result, elapsed, requests in outcomes:
            _, _, code, message, bound, (low, high) = MATRIX[name]
            with self.subTest(name):
                self.assert_failed_closed(result, code, message)
                self.assertLess(elapsed, bound * SLOWDOWN, f"{name} took {elapsed:.1f}s")
                self.assertTrue(low <= requests <= high, f"{name}: {requests} requests")
                print(f"\n  {name}: exit {result.code} in {elapsed:.1f}s after {requests} request(s)", end="")

    def test_connection_refused(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        result, elapsed = self.run_gate(f"http://127.0.0.1:{port}", env=FAST)
        self.assert_failed_closed(result, 3, "Connection refused")
        self.assertIn("gave up after 5 attempts", result.out)
        self.assertLess(elapsed, 35 * SLOWDOWN)

    def test_a_redirect_to_another_host_gets_no_credentials(self):
        self.fake.reset([record()])
        self.elsewhere.reset([record()])
        self.fake.script.append({"status": 307, "redirect": self.elsewhere.url + "/v5/test-project/image/cicd/images"})
        result, _ = self.run_gate(self.fake.url)
        self.assert_failed_closed(result, 3, "not followed")
        self.assertEqual(self.elsewhere.requests, [])

    def test_a_refused_finding_api_is_named_and_a_refused_list_is_not_the_credentials(self):
        policy = os.path.join(self.folder, "policy.toml")
        with open(policy, "w") as f:
            f.write('version = 1\n[rules.v]\nfindings = "vulnerabilities"\n')
        self.fake.reset([record()])
        self.fake.fail_findings["vulnerabilities"] = (403, {"error_code": "HSS.1063", "error_msg": "no permission"})
        result, _ = self.run_gate(self.fake.url, "--policy", policy)
        refused = ("HSS refused ListImageVulnerabilities (GET /v5/{project_id}/image/{image_id}/vulnerabilities): "
                   "403 HSS.1063 no permission")
        self.assertEqual(result.code, 3, result.out + result.err)
        self.assertIn(refused, result.out)
        self.assertIn(refused, " ".join(self.assert_reports_agree(result)["errors"]))
        self.assertEqual(len(self.fake.finding_requests("vulnerabilities")), 1)  # a 403 is not retried
        # A 401 on the same API is the credentials, told as before: no operation to grant.
        self.fake.reset([record()])
        self.fake.fail_findings["vulnerabilities"] = (401, {"error_code": "APIG.0301", "error_msg": "Incorrect IAM"})
        unknown, _ = self.run_gate(self.fake.url, "--policy", policy)
        self.assertEqual(unknown.code, 3, unknown.out + unknown.err)
        self.assertIn("HSS request failed: 401 APIG.0301 Incorrect IAM", unknown.out)
        self.assertNotIn("HSS refused", unknown.out)

    def test_total_num_that_lies_neither_loops_nor_misses_data(self):
        for total in (0, 1000000):
            with self.subTest(total):
                self.fake.reset([record(vul_num=999)])
                self.fake.total_override = total
                result, elapsed = self.run_gate(self.fake.url)
                self.assertEqual(result.code, 1, result.out)  # the record is read and blocked
                self.assertEqual(len(self.fake.requests), 1)
                self.assertLess(elapsed, 5 * SLOWDOWN)


class CancelledRetry(GateTest):
    """SIGTERM while the gate pauses before retrying a finding request: a cancelled job, never an
    error that --on-error pass may let through."""

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeHss([record()], ak=AK, sk=SK).start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def test_sigterm_during_a_finding_retry_pause_is_exit_3_under_on_error_pass_and_sends_nothing_after(self):
        import signal
        busy = {"status": 503, "body": error("APIG.0308", "busy"), "headers": {"Retry-After": "20"}}
        self.fake.script.extend([{}] + [busy] * 5)  # the image list answers; the malware list is busy
        policy = os.path.join(self.folder, "policy.toml")
        with open(policy, "w") as f:
            f.write('version = 1\n[rules.m]\nfindings = "malware"\n')
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("HSS_GATE_", "HUAWEICLOUD_"))}
        environment.update({"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                            "HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK})
        process = subprocess.Popen([BIN, "check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                                    "--on-error", "pass", "--junit", "junit.xml", "--json", "report.json"],
                                   cwd=self.folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        try:
            deadline = time.monotonic() + 10
            while not self.fake.finding_requests() and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertEqual(len(self.fake.finding_requests()), 1, "the malware list was never asked for")
            time.sleep(0.5)  # well inside the 20 s Retry-After pause
            with self.fake.lock:
                before_signal = len(self.fake.requests)
            process.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            out, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        self.assertLess(time.monotonic() - sent, 2.0)
        self.assertEqual(process.returncode, 3, out + err)  # a cancel is never the error --on-error pass ignores
        self.assertIn("interrupted while retrying", out + err)
        self.assertEqual(len(self.fake.requests), before_signal, "a request was sent after the signal")
        self.assertEqual(before_signal, 2)  # the image list and the one malware request
        with open(os.path.join(self.folder, "report.json"), encoding="utf-8") as f:
            report = json.load(f)
        self.assertEqual((report["decision"], report["exit_code"]), ("error", 3))
        self.assertNotIn("ERROR IGNORED", out)
        self.assert_schema_valid(os.path.join(self.folder, "junit.xml"))
        self.assertNotIn("SECRET", out + err)


class TlsFaults(GateTest):
    """Certificates that must be refused: expired, self-signed, issued for another host."""

    @classmethod
    def setUpClass(cls):
        cls.pki = make_pki({"expired": ("DNS:localhost,IP:127.0.0.1", -1), "wrong": ("DNS:other.example", 2)},
                           self_signed=["self"])
        cls.servers = {name: FakeHss([record()], ak=AK, sk=SK, certfile=os.path.join(cls.pki, f"{name}.pem"),
                                     keyfile=os.path.join(cls.pki, f"{name}.key")).start()
                       for name in ("expired", "self", "wrong")}

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers.values():
            server.stop()

    def test_bad_certificates_are_refused_before_anything_is_sent(self):
        for name in ("expired", "self", "wrong"):
            with self.subTest(name):
                server = self.servers[name]
                environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": server.url,
                               "HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK}
                started = time.monotonic()
                result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--ca-file",
                                   os.path.join(self.pki, "ca.pem"), "--junit", "junit.xml", "--json", "report.json",
                                   env=environment)
                self.assertEqual(result.code, 3, result.out + result.err)
                self.assertIn("TLS handshake with 127.0.0.1 failed", result.out)
                self.assertEqual(server.requests, [])
                self.assertLess(time.monotonic() - started, 5)
                self.assertNotIn("SECRET", result.out + result.err + result.text("junit.xml"))


if __name__ == "__main__":
    unittest.main()
