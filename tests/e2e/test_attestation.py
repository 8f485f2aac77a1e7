"""--attestation: an in-toto Statement v1 with cosign's vulnerability predicate, against the fake
HSS and from a bundle. Subjects are exactly the images judged on a finished scan that have a sha256
digest; the verdict, the policy's hash (of what `policy show` prints) and the waivers ride in
scanner.result; no qualifying image writes no file and removes a stale one. Every statement
written is validated with ajv against tests/data/intoto (see its $comment for its sources)."""
import hashlib
import json
import os
import subprocess
import unittest

from harness import DATA, FakeServerTest, parse_github_output, record
from test_ci import tool, tools_or_skip
import test_findings

TOKEN = "attest-SECRET-token"
SCHEMA = os.path.join(DATA, "intoto", "statement-v1-cosign-vuln.schema.json")
DIGEST = "sha256:" + "a" * 64
PREDICATE = "https://cosign.sigstore.dev/attestation/vuln/v1"


class Attestation(FakeServerTest):
    TOKEN = TOKEN

    def setUp(self):
        super().setUp()
        tools_or_skip(self)
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(test_findings.FINDINGS))}
            self.fake.cves = json.loads(json.dumps(test_findings.CVES))

    def env(self, **more):
        return {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                "HSS_GATE_AUTH_TOKEN": TOKEN, "HSS_GATE_REGION": "ap-southeast-1", **more}

    def policy(self, text, name="policy.toml"):
        path = os.path.join(self.folder, name)
        with open(path, "w") as f:
            f.write("version = 1\n" + text)
        return path

    def attest(self, policy_text, *args, env=None):
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy",
                         self.policy(policy_text), "--json", "report.json", "--attestation", "att.json", *args,
                         env=self.env(**(env or {})))

    def statement(self, result):
        """The statement written, validated against the schema; no secret in it."""
        path = result.path("att.json")
        self.assertTrue(os.path.exists(path), result.out + result.err)
        done = subprocess.run([tool("ajv"), "validate", "--spec=draft7", "--strict=false", "-c", "ajv-formats",
                               "-s", SCHEMA, "-d", path], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        text = result.text("att.json")
        self.assertNotIn(TOKEN, text)
        self.assertNotIn(test_findings.SECRET_CONTENT, text)
        return json.loads(text)

    def test_a_passing_image_is_the_subject_by_digest_with_the_verdict_and_the_policy_hash(self):
        rules = '[rules.n]\nfield = "vul_num"\nmax = 5\n'
        result = self.attest(rules)
        self.assertEqual(result.code, 0, result.out + result.err)
        statement = self.statement(result)
        self.assertEqual(statement["_type"], "https://in-toto.io/Statement/v1")
        self.assertEqual(statement["predicateType"], PREDICATE)
        self.assertEqual(statement["subject"], [{"name": "team/web", "digest": {"sha256": "a" * 64}}])
        verdict = statement["predicate"]["scanner"]["result"]["hss_gate"]
        self.assertEqual((verdict["decision"], verdict["exit_code"]), ("pass", 0))
        [image] = verdict["images"]
        self.assertEqual((image["name"], image["version"], image["digest"], image["decision"]),
                         ("team/web", "1.0.0", DIGEST, "pass"))
        self.assertEqual(image["waivers"], [])
        # The scan time is HSS's (record latest_scan_time), not the run's.
        scanned = "2026-11-26T08:05:00Z"
        self.assertEqual(image["scan_time"], scanned)
        self.assertEqual(statement["predicate"]["metadata"], {"scanStartedOn": scanned, "scanFinishedOn": scanned})
        scanner = statement["predicate"]["scanner"]
        version = self.gate("--version").out.split()[-1]
        self.assertEqual((scanner["uri"], scanner["version"]), (f"pkg:generic/hss-gate@{version}", version))
        # The policy's hash is that of `policy show`'s output, which a reviewer can rebuild.
        shown = self.gate("policy", "show", self.policy(rules))
        self.assertEqual(shown.code, 0, shown.err)
        self.assertEqual(verdict["policy_sha256"], hashlib.sha256(shown.out.encode()).hexdigest())
        other = self.attest('[rules.n]\nfield = "vul_num"\nmax = 6\n')
        self.assertNotEqual(self.statement(other)["predicate"]["scanner"]["result"]["hss_gate"]["policy_sha256"],
                            verdict["policy_sha256"])

    def test_a_blocked_image_is_attested_as_blocked_and_waivers_are_listed(self):
        self.fake.reset([record(vul_num=3)])
        with self.fake.lock:
            self.fake.findings = {"img-1": json.loads(json.dumps(test_findings.FINDINGS))}
        blocked = self.attest('[rules.n]\nfield = "vul_num"\nmax = 0\n')
        self.assertEqual(blocked.code, 1)
        verdict = self.statement(blocked)["predicate"]["scanner"]["result"]["hss_gate"]
        self.assertEqual((verdict["decision"], verdict["exit_code"], verdict["images"][0]["decision"]),
                         ("fail", 1, "fail"))

        waived = self.attest('[rules.n]\nfield = "vul_num"\nmax = 0\n'
                             '[rules.v]\nfindings = "vulnerabilities"\nwhere.severity = { min = "high" }\nmax = 0\n'
                             '[[exceptions]]\nrules = ["n"]\nexpires = 2027-01-01\nreason = "SEC-1: accepted"\n'
                             '[[exceptions]]\nrules = ["v"]\nfinding = { vul_id = "USN-1" }\nexpires = 2027-02-01\n'
                             'reason = "SEC-2: not reachable"\nowner = "team-a"\n')
        self.assertEqual(waived.code, 0, waived.out + waived.err)
        [image] = self.statement(waived)["predicate"]["scanner"]["result"]["hss_gate"]["images"]
        by_rule = {w["rule"]: w for w in image["waivers"]}
        self.assertEqual(set(by_rule), {"n", "v"})
        self.assertEqual(by_rule["n"]["reason"], "SEC-1: accepted")
        self.assertNotIn("finding", by_rule["n"])
        self.assertEqual((by_rule["v"]["kind"], by_rule["v"]["finding"], by_rule["v"]["owner"]),
                         ("vulnerabilities", "USN-1", "team-a"))
        self.assertTrue(by_rule["v"]["expires"].startswith("2027-02-01"))
        self.assertRegex(by_rule["v"]["source"], r"policy\.toml:\d+")

    def test_no_image_judged_on_a_finished_scan_writes_no_file_and_removes_a_stale_one(self):
        cases = {
            "pending, let through": ([record(scan_status="scanning")], '[scan]\non_pending = "pass"\n'),
            "missing, let through": ([], '[scan]\non_missing = "pass"\n'),
            "no digest": ([record(image_digest="")], ""),
            "not a sha256 digest": ([record(image_digest="sha512:" + "b" * 128)], ""),
            "failed scan": ([record(scan_status="failed", scan_failed_desc="x")], ""),
            "no scan time": ([record(latest_scan_time=None)], ""),
        }
        for name, (records, policy_text) in cases.items():
            with self.subTest(name):
                self.fake.reset(records)
                stale = os.path.join(self.folder, "att.json")
                with open(stale, "w") as f:
                    f.write("stale")
                outputs = os.path.join(self.folder, "github-output")
                open(outputs, "w").close()
                result = self.attest(policy_text, "--wait", "0",
                                     env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": outputs})
                self.assertFalse(os.path.exists(stale), f"{name}: {result.out}{result.err}")
                self.assertIn("--attestation att.json: not written: no image was judged", result.err)
                with open(outputs) as f:
                    self.assertEqual(parse_github_output(f.read())["attestation"], "")
                report = result.json()
                self.assertEqual(report["exit_code"], result.code)

    def test_a_tag_holding_another_digest_let_through_by_on_pending_is_never_a_subject(self):
        # HSS lists the tag with yesterday's digest; on_pending lets it through unjudged.
        self.fake.reset([record(vul_num=999)])
        stale = os.path.join(self.folder, "att.json")
        with open(stale, "w") as f:
            f.write("stale")
        for policy_text in ('[scan]\non_pending = "pass"\n', '[scan]\non_pending = "warn"\n'):
            with self.subTest(policy_text):
                result = self.attest(policy_text, "--image-digest", "sha256:" + "c" * 64, "--wait", "0")
                self.assertIn(result.code, (0,), result.out + result.err)
                self.assertFalse(os.path.exists(stale), result.out + result.err)
                self.assertIn("not written: no image was judged", result.err)

    def test_only_the_images_judged_by_digest_are_subjects_and_one_image_named_twice_is_one(self):
        self.fake.reset([record(), record(image_id="img-2", cicd_name="api", image_name="api",
                                          image_digest="sha256:" + "c" * 64),
                         record(image_id="img-3", cicd_name="old", image_name="old", scan_status="scanning")])
        outputs = os.path.join(self.folder, "github-output")
        open(outputs, "w").close()
        result = self.gate("check", "--image", "cicd_name=shop,image_version=1.0.0",
                           "--image", "cicd_name=shop,image_version=1.0.0,image_name=web",
                           "--image", "cicd_name=api,image_version=1.0.0",
                           "--image", "cicd_name=old,image_version=1.0.0", "--wait", "0",
                           "--policy", self.policy('[scan]\non_pending = "pass"\n'), "--attestation", "att.json",
                           env=self.env(GITHUB_ACTIONS="true", GITHUB_OUTPUT=outputs))
        self.assertEqual(result.code, 0, result.out + result.err)
        statement = self.statement(result)
        self.assertEqual([(s["name"], s["digest"]["sha256"]) for s in statement["subject"]],
                         [("team/web", "a" * 64), ("team/api", "c" * 64)])
        self.assertEqual([i["name"] for i in statement["predicate"]["scanner"]["result"]["hss_gate"]["images"]],
                         ["team/web", "team/api"])
        with open(outputs) as f:
            self.assertEqual(parse_github_output(f.read())["attestation"], "att.json")

    def test_a_replayed_bundle_attests_alike(self):
        live = self.attest('[rules.n]\nfield = "vul_num"\nmax = 5\n', "--save-bundle", "bundle.json")
        self.assertEqual(live.code, 0, live.out + live.err)
        first = live.text("att.json")
        os.remove(live.path("att.json"))
        replay = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy",
                           self.policy('[rules.n]\nfield = "vul_num"\nmax = 5\n'), "--from-file",
                           live.path("bundle.json"), "--attestation", "att.json")
        self.assertEqual(replay.code, 0, replay.out + replay.err)
        self.statement(replay)
        self.assertEqual(replay.text("att.json"), first)

    def test_the_attestation_may_not_be_an_input_or_another_report(self):
        policy = self.policy('[rules.n]\nfield = "vul_num"\nmax = 5\n')
        with open(policy) as f:
            before = f.read()
        for args in (["--attestation", policy], ["--attestation", "r.json", "--json", "r.json"]):
            with self.subTest(args):
                result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                                   *args, env=self.env())
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertEqual(len(result.err.strip().splitlines()), 1, result.err)
        with open(policy) as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(self.fake.requests, [])
        via_env = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                            env=self.env(HSS_GATE_ATTESTATION=policy))
        self.assertEqual(via_env.code, 2, via_env.out + via_env.err)

    def test_the_validator_rejects_a_broken_statement(self):
        path = os.path.join(self.folder, "att.json")
        good = self.attest("")
        statement = self.statement(good)
        for breaking in (lambda s: s.update(_type="https://in-toto.io/Statement/v0.1"),
                         lambda s: s["subject"][0]["digest"].update(sha256="TAG"),
                         lambda s: s["predicate"]["scanner"]["result"].pop("hss_gate")):
            broken = json.loads(json.dumps(statement))
            breaking(broken)
            with open(path, "w") as f:
                json.dump(broken, f)
            with self.assertRaises(AssertionError):
                self.statement(good)


if __name__ == "__main__":
    unittest.main()
