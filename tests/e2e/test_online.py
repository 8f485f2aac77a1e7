"""hss-gate check against the fake HSS server on 127.0.0.1: the real binary, real HTTP(S)."""
import json
import os
import socket
import subprocess
import sys
import time
import unittest

from harness import BIN, GateTest, SLOWDOWN, SOURCE, make_pki, record

sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
from fake_hss import FakeHss  # noqa: E402

TOKEN = "tok-SECRET-7f3a9c"
AK = "AKSECRETVALUE0001"
SK = "SKsecretvalue-do-not-print-0001"
SECRETS = (TOKEN, AK, SK, "sts-SECRET-token")

# The test-only scaled clock (docs/reliability.md): retries, backoff and polling keep their counts
# and budgets but sleep 20 times shorter. Not for tests that measure a pause in real seconds.
FAST = {"HSS_GATE_TEST_TIME_SCALE": "20"}

class Online(GateTest):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeHss(token=TOKEN, ak=AK, sk=SK).start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        super().setUp()
        self.fake.reset([record()])

    def online(self, *args, env=None, endpoint=None, auth="token", timeout=90):
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": endpoint or self.fake.url}
        if auth == "token":
            environment["HSS_GATE_AUTH_TOKEN"] = TOKEN
        elif auth == "aksk":
            environment.update({"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK})
        environment.update(env or {})
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--junit", "junit.xml",
                           "--json", "report.json", *args, env=environment, timeout=timeout)
        self.assert_no_secret(result)
        return result

    def assert_no_secret(self, result):
        texts = [result.out, result.err]
        for name in ("junit.xml", "report.json"):
            if os.path.exists(result.path(name)):
                texts.append(result.text(name))
        for text in texts:
            for secret in SECRETS:
                self.assertNotIn(secret, text)

    def test_a_report_lost_after_the_verdict_withholds_a_pass_but_never_hides_a_block(self):
        import shutil
        from harness import _SCRUBBED, NOW
        for changes, expected in [({}, 3), ({"vul_num": 999}, 1)]:
            with self.subTest(expected=expected):
                self.fake.reset([record(**changes)])
                self.fake.script.append({"delay": 1.5})  # time to take the folder away mid-run
                gone = os.path.join(self.folder, f"gone-{expected}")
                os.makedirs(gone)
                env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
                env.update({"HSS_GATE_NOW": NOW, "HSS_GATE_PROJECT_ID": "test-project",
                            "HSS_GATE_ENDPOINT": self.fake.url, "HSS_GATE_AUTH_TOKEN": TOKEN})
                process = subprocess.Popen([BIN, "check", "--cicd-name", "shop", "--image-version", "1.0.0",
                                            "--junit", os.path.join(gone, "junit.xml"), "--json", f"report-{expected}.json"],
                                           cwd=self.folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True)
                deadline = time.time() + 20
                while not self.fake.requests and time.time() < deadline:
                    time.sleep(0.01)
                shutil.rmtree(gone)
                out, err = process.communicate(timeout=60)
                self.assertEqual(process.returncode, expected, out + err)
                self.assertIn(os.path.join(gone, "junit.xml"), err)  # names the report that was lost
                with open(os.path.join(self.folder, f"report-{expected}.json")) as f:
                    # the rest is written, and states the exit status the process returns
                    self.assertEqual(json.load(f)["exit_code"], expected)

    def test_a_token_lookup_takes_one_request_and_passes(self):
        result = self.online("-v")
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(len(self.fake.page_requests()), 1)
        request = self.fake.page_requests()[0]
        self.assertEqual(request["headers"]["X-Auth-Token"], TOKEN)
        self.assertEqual(dict(request["query"])["limit"], "200")
        self.assertEqual(self.assert_reports_agree(result)["decision"], "pass")

    def test_aksk_requests_are_signed_as_the_sdk_does(self):
        result = self.online(auth="aksk")
        self.assertEqual(result.code, 0, result.out + result.err)
        headers = self.fake.page_requests()[0]["headers"]
        self.assertTrue(headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=" + AK))
        self.assertEqual(headers["X-Project-Id"], "test-project")

    def test_special_characters_are_encoded_and_signed_correctly(self):
        name, version = "team a/app+web*~v=1&x é😀", "1.0 beta%2"
        self.fake.reset([record(cicd_name=name, image_version=version)])
        result = self.gate("check", "--cicd-name", name, "--image-version", version, "--json", "report.json",
                           env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                                "HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK})
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(dict(self.fake.page_requests()[0]["query"])["cicd_name"], name)

    def test_temporary_credentials_send_and_sign_the_security_token(self):
        result = self.online(auth="aksk", env={"HUAWEICLOUD_SDK_SECURITY_TOKEN": "sts-SECRET-token"})
        self.assertEqual(result.code, 0, result.out + result.err)
        headers = self.fake.page_requests()[0]["headers"]
        self.assertEqual(headers["X-Security-Token"], "sts-SECRET-token")
        self.assertIn("x-security-token", headers["Authorization"])

    def test_a_rejected_token_is_exit_3_with_code_and_request_id_and_is_not_retried(self):
        result = self.online(env={"HSS_GATE_AUTH_TOKEN": "wrong-SECRET"})
        self.assertEqual(result.code, 3)
        self.assertIn("HSS request failed: 401 APIG.0301 Incorrect IAM authentication information "
                      "(request id fake-req-error)", result.out)
        self.assertEqual(len(self.fake.page_requests()), 1)
        self.assertNotIn("wrong-SECRET", result.out + result.err + result.text("junit.xml"))
        self.assertEqual(self.assert_reports_agree(result)["decision"], "error")

    def test_no_credentials_is_a_usage_error_before_any_request(self):
        result = self.online(auth=None)
        self.assertEqual(result.code, 2)
        self.assertIn("no HSS credentials", result.err)
        self.assertEqual(self.fake.requests, [])

    def test_paging_reads_every_record_and_keeps_exact_matches(self):
        others = [record(cicd_name="shop", image_version=f"1.0.0-{i}") for i in range(430)]
        self.fake.reset(others + [record(vul_num=77)])
        result = self.online()
        self.assertEqual(result.code, 1, result.out)  # the exact match has 77 vulnerabilities
        self.assertEqual([dict(r["query"])["offset"] for r in self.fake.page_requests()], ["0", "200", "400"])
        self.assertEqual(len(result.json()["images"]), 1)

    def test_a_lying_total_num_does_not_cause_extra_requests(self):
        # Too large beside a short page: the list was not sent whole, so no verdict on it (exit 3),
        # and no request is spent chasing records that the short page says are not there.
        self.fake.total_override = 1000000
        result = self.online()
        self.assertEqual(result.code, 3, result.out + result.err)
        self.assertIn("while total_num promised 1000000", result.out + result.err)
        self.assertEqual(len(self.fake.page_requests()), 1)

    def test_waiting_polls_until_the_scan_finishes(self):
        self.fake.statuses.extend(["waiting_for_scan", "scanning", "success"])
        result = self.online("--wait", "30s", "--poll-interval", "1s", env=FAST)
        self.assertEqual(result.code, 0, result.out)
        self.assertEqual(len(self.fake.page_requests()), 3)
        self.assertEqual(result.out.count("hss-gate: poll "), 2)  # one progress line per poll
        self.assertIn("scan_status waiting_for_scan", result.out)

    def test_a_scan_that_never_finishes_is_no_verdict_after_the_wait(self):
        self.fake.statuses.append("scanning")
        started = time.monotonic()
        result = self.online("--wait", "3s", "--poll-interval", "1s", env=FAST)
        self.assertEqual(result.code, 4, result.out)
        self.assertLess(time.monotonic() - started, 10)
        self.assertIn("giving up", result.out)
        self.assertGreaterEqual(len(self.fake.page_requests()), 3)

    def test_a_re_pushed_tag_with_another_digest_is_pending_and_names_both(self):
        expected = "sha256:" + "b" * 64
        result = self.online("--image-digest", expected)
        self.assertEqual(result.code, 4, result.out)
        self.assertIn(expected, result.out)
        self.assertIn("sha256:" + "a" * 64, result.out)

    def test_server_errors_are_retried_honouring_retry_after(self):
        self.fake.script.extend([{"status": 503, "body": "busy", "headers": {"Retry-After": "1"}},
                                 {"status": 429, "body": {"error_code": "APIG.0308", "error_msg": "throttled"},
                                  "headers": {"Retry-After": "0"}}])
        started = time.monotonic()
        result = self.online()
        self.assertEqual(result.code, 0, result.out)
        self.assertEqual(len(self.fake.page_requests()), 3)
        self.assertGreaterEqual(time.monotonic() - started, 1.0)

    def test_retry_after_beyond_the_budget_fails_promptly(self):
        self.fake.script.append({"status": 429, "body": {"error_code": "APIG.0308", "error_msg": "throttled"},
                                 "headers": {"Retry-After": "120"}})
        started = time.monotonic()
        result = self.online()
        self.assertEqual(result.code, 3)
        self.assertLess(time.monotonic() - started, 10)
        self.assertIn("429 APIG.0308 throttled", result.out)
        self.assertIn("beyond the 30s retry budget", result.out)

    def test_unreadable_bodies_are_exit_3_never_a_pass(self):
        cases = [({"status": 200, "body": "<html>maintenance</html>"}, "not valid JSON"),
                 ({"status": 200, "body": '{"total_num": 1, "data_list": [{"scan_status": "success", "vul_num": "x"}]}'},
                  "data_list[0].vul_num: expected an integer"),
                 ({"status": 200, "body": '{"total_num": 1, "data_list": [', "truncate": 10}, "cannot reach HSS")]
        for action, expected in cases:
            with self.subTest(expected):
                self.fake.reset([record()])
                self.fake.script.extend([action] * 5)
                result = self.online(env=FAST)
                self.assertEqual(result.code, 3, result.out)
                self.assertIn(expected, result.out)

    def test_a_redirect_is_not_followed(self):
        self.fake.script.append({"status": 302, "redirect": "http://evil.example/steal"})
        result = self.online()
        self.assertEqual(result.code, 3)
        self.assertIn("redirected to http://evil.example/steal; not followed", result.out)
        self.assertEqual(len(self.fake.requests), 1)

    def test_a_huge_body_is_refused_without_reading_it(self):
        self.fake.script.append({"status": 200, "huge": 300 * 1024 * 1024})
        result = self.online()
        self.assertEqual(result.code, 3)
        self.assertIn("too large", result.out)

    def test_a_server_that_never_answers_hits_the_timeout(self):
        self.fake.script.extend([{"delay": 5}] * 2)
        started = time.monotonic()
        result = self.online("--timeout", "1s", env=FAST)
        self.assertEqual(result.code, 0, result.out)  # two timeouts, retried, then an answer
        self.assertEqual(len(self.fake.page_requests()), 3)
        self.assertLess(time.monotonic() - started, 20)

    def test_a_dead_service_fails_the_step_promptly(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        started = time.monotonic()
        result = self.online(endpoint=f"http://127.0.0.1:{port}", env=FAST)
        elapsed = time.monotonic() - started
        self.assertEqual(result.code, 3)
        self.assertIn("cannot reach HSS", result.out)
        self.assertIn("gave up after 5 attempts", result.out)
        self.assertLess(elapsed, 35 * SLOWDOWN)

    def test_on_error_pass_lets_the_pipeline_through_loudly(self):
        result = self.online("--on-error", "pass", env={"HSS_GATE_AUTH_TOKEN": "wrong"})
        self.assertEqual(result.code, 0)
        self.assertIn("ERROR IGNORED", result.out)
        self.assertEqual(result.json()["decision"], "error")
        self.assertEqual(result.json()["exit_code"], 0)

    def test_sigterm_during_a_wait_ends_promptly_with_exit_3_and_reports(self):
        import signal
        self.fake.statuses.append("scanning")
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("HSS_GATE_", "HUAWEICLOUD_"))}
        environment.update({"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                            "HSS_GATE_AUTH_TOKEN": TOKEN})
        process = subprocess.Popen([BIN, "check", "--cicd-name", "shop", "--image-version", "1.0.0", "--wait", "60s",
                                    "--poll-interval", "1s", "--on-error", "pass", "--junit", "junit.xml", "--json",
                                    "report.json"], cwd=self.folder, env=environment, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        out, err = process.communicate(timeout=10)
        self.assertLess(time.monotonic() - sent, 2.0)
        self.assertEqual(process.returncode, 3, out + err)  # --on-error pass does not turn a cancel into a pass
        self.assertIn("interrupted while waiting for the scan", out)
        report = json.load(open(os.path.join(self.folder, "report.json")))
        self.assertEqual((report["decision"], report["exit_code"]), ("error", 3))
        self.assert_schema_valid(os.path.join(self.folder, "junit.xml"))

    def test_plain_http_to_a_remote_host_is_refused(self):
        result = self.online(endpoint="http://hss.example.com")
        self.assertEqual(result.code, 2)
        self.assertIn("refusing to send credentials over plain HTTP", result.err)


class Tls(GateTest):
    """HTTPS with a test CA made by openssl: verification, --ca-file, --insecure."""

    @classmethod
    def setUpClass(cls):
        cls.pki = make_pki({"good": ("DNS:localhost,IP:127.0.0.1", 2), "wrong": ("DNS:other.example", 2)})
        cls.good = FakeHss([record()], token=TOKEN, certfile=os.path.join(cls.pki, "good.pem"),
                           keyfile=os.path.join(cls.pki, "good.key")).start()
        cls.wrong = FakeHss([record()], token=TOKEN, certfile=os.path.join(cls.pki, "wrong.pem"),
                            keyfile=os.path.join(cls.pki, "wrong.key")).start()

    @classmethod
    def tearDownClass(cls):
        cls.good.stop()
        cls.wrong.stop()

    def run_tls(self, fake, *args):
        env = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": fake.url, "HSS_GATE_AUTH_TOKEN": TOKEN}
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", *args, env=env)

    def test_an_unknown_ca_is_rejected(self):
        result = self.run_tls(self.good)
        self.assertEqual(result.code, 3, result.out)
        self.assertIn("TLS handshake", result.out)

    def test_ca_file_trusts_a_private_ca(self):
        result = self.run_tls(self.good, "--ca-file", os.path.join(self.pki, "ca.pem"))
        self.assertEqual(result.code, 0, result.out + result.err)

    def test_ssl_cert_file_is_honoured(self):
        env = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.good.url, "HSS_GATE_AUTH_TOKEN": TOKEN,
               "SSL_CERT_FILE": os.path.join(self.pki, "ca.pem")}
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", env=env)
        self.assertEqual(result.code, 0, result.out + result.err)

    def test_a_wrong_host_name_is_rejected_even_with_the_right_ca(self):
        result = self.run_tls(self.wrong, "--ca-file", os.path.join(self.pki, "ca.pem"))
        self.assertEqual(result.code, 3, result.out)

    def test_insecure_skips_verification_with_a_warning(self):
        result = self.run_tls(self.wrong, "--insecure")
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertIn("TLS certificates are NOT verified", result.err)


if __name__ == "__main__":
    unittest.main()


class Proxy(GateTest):
    """HTTP_PROXY through a small forwarding proxy that records what passes, and NO_PROXY."""

    @classmethod
    def setUpClass(cls):
        import http.server
        import threading
        import urllib.request
        seen = cls.seen = []

        class Forward(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_CONNECT(self):
                # HTTPS through the proxy: a tunnel; the proxy sees only the host and port.
                seen.append({"target": "CONNECT " + self.path, "auth": self.headers.get("Proxy-Authorization")})
                host, port = self.path.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)), timeout=10)
                self.send_response(200, "Connection established")
                self.end_headers()
                sockets = [self.connection, upstream]
                import select
                while True:
                    readable, _, _ = select.select(sockets, [], [], 5)
                    if not readable:
                        break
                    for source in readable:
                        data = source.recv(65536)
                        if not data:
                            upstream.close()
                            return
                        (upstream if source is self.connection else self.connection).sendall(data)
                upstream.close()

            def do_GET(self):
                seen.append({"target": self.path, "auth": self.headers.get("Proxy-Authorization")})
                request = urllib.request.Request(self.path, headers={k: v for k, v in self.headers.items()
                                                                     if not k.lower().startswith("proxy-")})
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                try:
                    with opener.open(request, timeout=10) as answer:
                        status, body, headers = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as error:
                    status, body, headers = error.code, error.read(), error.headers
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Request-Id", headers.get("X-Request-Id", ""))
                self.end_headers()
                self.wfile.write(body)

        cls.proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        threading.Thread(target=cls.proxy.serve_forever, daemon=True).start()
        cls.fake = FakeHss([record()], token=TOKEN).start()
        cls.pki = make_pki({"good": ("DNS:localhost,IP:127.0.0.1", 2)})
        cls.tls = FakeHss([record()], token=TOKEN, certfile=os.path.join(cls.pki, "good.pem"),
                          keyfile=os.path.join(cls.pki, "good.key")).start()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.shutdown()
        cls.fake.stop()
        cls.tls.stop()

    def run_via_proxy(self, extra):
        env = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url, "HSS_GATE_AUTH_TOKEN": TOKEN,
               "HTTP_PROXY": f"http://proxyuser:proxy-SECRET-pw@127.0.0.1:{self.proxy.server_address[1]}"}
        env.update(extra)
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "-v", env=env)

    def test_plain_http_never_goes_through_a_proxy(self):
        # Plain HTTP reaches only loopback; through a proxy the token would travel in clear text.
        self.seen.clear()
        result = self.run_via_proxy({"HTTPS_PROXY": f"http://proxyuser:proxy-SECRET-pw@127.0.0.1:{self.proxy.server_address[1]}"})
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(self.seen, [])
        self.assertNotIn("proxy-SECRET-pw", result.out + result.err)

    def test_https_goes_through_the_proxy_as_a_verified_tunnel(self):
        self.seen.clear()
        proxy = f"http://proxyuser:proxy-SECRET-pw@127.0.0.1:{self.proxy.server_address[1]}"
        env = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.tls.url, "HSS_GATE_AUTH_TOKEN": TOKEN,
               "HTTPS_PROXY": proxy, "HTTP_PROXY": "http://127.0.0.1:1"}
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--ca-file",
                           os.path.join(self.pki, "ca.pem"), env=env)
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual([s["target"] for s in self.seen], [f"CONNECT 127.0.0.1:{self.tls.port}"])
        self.assertTrue(self.seen[0]["auth"].startswith("Basic "))
        self.assertEqual(len(self.tls.requests), 1)  # the tunnel reached the server; the proxy saw no request
        self.assertNotIn("proxy-SECRET-pw", result.out + result.err)

    def test_no_proxy_bypasses_it(self):
        self.seen.clear()
        result = self.run_via_proxy({"NO_PROXY": "localhost,127.0.0.1"})
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(self.seen, [])
