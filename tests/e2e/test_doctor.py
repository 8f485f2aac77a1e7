"""hss-gate doctor against the fake server: every check ok over HTTPS, and each failure a user
meets in the first hour (a wrong CA, a wrong token, a closed port, a proxy, a skewed clock, an
unwritable report path) said on its own line with a fix, no secret printed, no report written."""
import os
import socket
import sys
import unittest

from harness import GateTest, SOURCE, make_pki, record

sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
from fake_hss import FakeHss  # noqa: E402

TOKEN = "doctor-SECRET-token"
AK, SK = "AKdoctorSECRET01", "SKdoctor-SECRET-do-not-print"


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Doctor(GateTest):
    @classmethod
    def setUpClass(cls):
        cls.pki = make_pki({"good": ("DNS:localhost,IP:127.0.0.1", 2)})
        cls.other = make_pki({"other": ("DNS:localhost,IP:127.0.0.1", 2)})
        cls.fake = FakeHss([record()], token=TOKEN, ak=AK, sk=SK, certfile=os.path.join(cls.pki, "good.pem"),
                           keyfile=os.path.join(cls.pki, "good.key")).start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        super().setUp()
        self.fake.reset([record()])

    def doctor(self, *args, env=None, ca=None):
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                       "HSS_GATE_AUTH_TOKEN": TOKEN, **(env or {})}
        result = self.gate("doctor", "--cicd-name", "shop", "--image-version", "1.0.0", "--junit", "junit.xml",
                           "--ca-file", ca or os.path.join(self.pki, "ca.pem"), *args, env=environment)
        for secret in (TOKEN, AK, SK):
            self.assertNotIn(secret, result.out + result.err)
        self.assertFalse(os.path.exists(result.path("junit.xml")))  # doctor never writes a report
        return result

    def test_everything_ok_over_https(self):
        result = self.doctor()
        self.assertEqual(result.code, 0, result.out + result.err)
        for line in ("ok    setting: cicd-name = \"shop\" (from --cicd-name)",
                     "ok    setting: project-id = \"test-project\" (from HSS_GATE_PROJECT_ID)",
                     "ok    credentials: HSS_GATE_AUTH_TOKEN set, HUAWEICLOUD_SDK_AK unset",
                     "ok    policy: built-in default policy",
                     "ok    proxy: direct: no HTTPS_PROXY is set",
                     "ok    DNS: 127.0.0.1 resolves to 127.0.0.1",
                     "ok    TCP: connected to 127.0.0.1:",
                     "ok    TLS: ", "CA source: --ca-file",
                     "ok    credentials: IAM token accepted: the list of CI/CD images answered with 1 record",
                     "(request id fake-req-1)",
                     "ok    clock: this machine is",
                     "ok    report: --junit junit.xml: writable",
                     "ok    CI: none detected",
                     "hss-gate doctor: 0 FAIL, 0 warn (exit 0)"):
            self.assertIn(line, result.out)
        self.assertEqual(len(self.fake.page_requests()), 1)
        self.assertEqual(dict(self.fake.page_requests()[0]["query"])["limit"], "10")

    def test_a_wrong_ca_fails_tls(self):
        result = self.doctor(ca=os.path.join(self.other, "ca.pem"))
        self.assertEqual(result.code, 3, result.out)
        self.assertIn("FAIL  TLS: TLS handshake with 127.0.0.1 failed", result.out)
        self.assertIn("fix: give the CA that signed the endpoint's certificate", result.out)

    def test_a_wrong_token_fails_the_credentials_once(self):
        result = self.doctor(env={"HSS_GATE_AUTH_TOKEN": "wrong-token"})
        self.assertEqual(result.code, 3, result.out)
        self.assertIn("FAIL  credentials: HSS request failed: 401 APIG.0301", result.out)
        self.assertEqual(len(self.fake.page_requests()), 1)  # no retry: an AK locks after repeated failures

    def test_a_closed_port_fails_tcp(self):
        result = self.doctor(env={"HSS_GATE_ENDPOINT": f"https://127.0.0.1:{closed_port()}"})
        self.assertEqual(result.code, 3, result.out)
        self.assertIn("FAIL  TCP: cannot connect to 127.0.0.1:", result.out)

    def test_the_proxy_chosen_and_why(self):
        port = closed_port()
        result = self.doctor(env={"HTTPS_PROXY": f"http://user:proxy-SECRET@127.0.0.1:{port}"})
        self.assertEqual(result.code, 3, result.out)
        self.assertIn(f"ok    proxy: through HTTPS_PROXY 127.0.0.1:{port} (with credentials)", result.out)
        self.assertIn(f"FAIL  TCP: cannot connect to 127.0.0.1:{port}", result.out)
        self.assertNotIn("proxy-SECRET", result.out + result.err)
        bypassed = self.doctor(env={"HTTPS_PROXY": f"http://127.0.0.1:{port}", "NO_PROXY": "127.0.0.1"})
        self.assertEqual(bypassed.code, 0, bypassed.out)
        self.assertIn("ok    proxy: direct: NO_PROXY lists the endpoint's host", bypassed.out)

    def test_a_skewed_server_clock(self):
        self.fake.date_offset = 3600
        signed = self.doctor(env={"HSS_GATE_AUTH_TOKEN": "", "HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK})
        self.assertEqual(signed.code, 3, signed.out)
        self.assertRegex(signed.out, r"FAIL  clock: this machine is 3[56]\d\ds behind the server; AK/SK signatures fail")
        token = self.doctor()
        self.assertEqual(token.code, 0, token.out)
        self.assertIn("warn  clock: this machine is", token.out)

    def test_each_finding_api_the_run_would_call_is_tried_once(self):
        policy = os.path.join(self.folder, "p.toml")
        with open(policy, "w") as f:
            f.write('version = 1\n[rules.s]\nfindings = "secrets"\n[rules.c]\nfindings = "vulnerabilities"\n'
                    'where.cvss = { min = 9.0 }\n')
        with self.fake.lock:
            self.fake.findings = {"img-1": {"vulnerabilities": [{"vul_id": "USN-1"}], "secrets": [], "software": []}}
        result = self.doctor("--policy", policy, "--sbom", "sbom.json")
        self.assertEqual(result.code, 0, result.out)
        for line in ("ok    findings: ListImageVulnerabilities answered with 1 record",
                     "ok    findings: ListImageSensitive answered with 0 records",
                     "ok    findings: ListImageApps answered with 0 records",
                     "ok    findings: ListVulnerabilityCve answered with 0 records"):
            self.assertIn(line, result.out)
        self.assertNotIn("ListImageMalware", result.out)
        self.assertFalse(os.path.exists(result.path("sbom.json")))
        self.assertTrue(all(dict(r["query"]).get("limit") == "10" for r in self.fake.page_requests()))

        with self.fake.lock:
            self.fake.fail_findings["secrets"] = (403, {"error_code": "HSS.0004", "error_msg": "no permission"})
        refused = self.doctor("--policy", policy)
        self.assertEqual(refused.code, 3, refused.out)
        self.assertIn("FAIL  findings: HSS refused ListImageSensitive (GET /v5/{project_id}/image/{image_id}/sensitive): "
                      "403 HSS.0004 no permission", refused.out)
        self.assertIn("fix: allow these credentials HSS's ListImageSensitive API in IAM", refused.out)

        plain = self.doctor()
        self.assertEqual(plain.code, 0, plain.out)
        self.assertIn("ok    findings: no finding API is needed", plain.out)

    def test_a_refused_list_is_a_permission_naming_the_operation_not_the_credentials(self):
        self.fake.fail_for["shop"] = (403, {"error_code": "HSS.1063", "error_msg": "no permission"})
        refused = self.doctor()
        self.assertEqual(refused.code, 3, refused.out)
        self.assertIn("FAIL  permission: HSS refused ListCicdImages (GET /v5/{project_id}/image/cicd/images): 403 "
                      "HSS.1063 no permission", refused.out)
        self.assertIn("fix: allow these credentials HSS's ListCicdImages API in IAM", refused.out)
        self.assertNotIn("FAIL  credentials", refused.out)
        # A 401 is the credentials themselves, said apart from a permission.
        self.fake.fail_for["shop"] = (401, {"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information"})
        unknown = self.doctor()
        self.assertEqual(unknown.code, 3, unknown.out)
        self.assertIn("FAIL  credentials: HSS request failed: 401 APIG.0301", unknown.out)
        self.assertIn("fix: HSS did not accept the credentials (401)", unknown.out)
        self.assertNotIn("permission", unknown.out)

    def test_a_run_needing_the_base_image_without_a_region_is_a_configuration_failure(self):
        result = self.doctor("--gitlab-report", "gl.json")
        self.assertEqual(result.code, 2, result.out)
        self.assertIn("FAIL  configuration: --region (or HSS_GATE_REGION): required, since the policy or the reports "
                      "need the base_image (ListImageBasicImage) list", result.out)
        self.assertEqual(self.fake.page_requests(), [])
        with self.fake.lock:
            self.fake.findings = {"img-1": {"vulnerabilities": [], "base_image": [{"os_name": "Debian"}]}}
        named = self.doctor("--gitlab-report", "gl.json", "--region", "cn-north-4")
        self.assertEqual(named.code, 0, named.out)
        self.assertIn("ok    findings: ListImageBasicImage answered with 1 record", named.out)
        basic = self.fake.finding_requests("base_image")
        self.assertEqual([r["headers"].get("region") for r in basic], ["cn-north-4"])

    def test_an_unwritable_report_path_is_a_configuration_failure(self):
        result = self.doctor("--json", "/no/such/folder/report.json")
        self.assertEqual(result.code, 2, result.out)
        self.assertIn("FAIL  configuration: --json /no/such/folder/report.json: the folder /no/such/folder does not exist",
                      result.out)
        self.assertEqual(self.fake.page_requests(), [])


if __name__ == "__main__":
    unittest.main()
