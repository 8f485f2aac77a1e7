"""Bundles against the fake HSS: a run saved with --save-bundle replays with --from-file to the same
verdict and reports through the same readers; version 1 bundles still replay; a list a bundle
holds only in part is never judged; path parameters reach HSS as whole, encoded segments."""
import copy
import json
import os
import unittest

import test_findings as base
from harness import FakeServerTest, record

AK, SK = "TESTAK0123456789", "TestSecretKey0123456789"
BLOCKING = ('[scan]\nmax_age = "7d"\n[rules.c]\nfindings = "vulnerabilities"\nwhere.cvss = { min = 9.0 }\n'
            '[rules.s]\nfindings = "secrets"\n[rules.b]\nfindings = "base_image"\nwhere.os_version = "9"\n')
PASSING = ('[rules.c]\nfindings = "vulnerabilities"\nwhere.app_name = "nothing*"\n'
           '[rules.m]\nfindings = "malware"\nwhere.file_path = "/opt/*"\n')


def without_times(value):
    """A JSON report with the members that say when it was made left out."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items()
                if not any(word in k for word in ("time", "_at", "waited", "duration", "date"))}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def members_named(value, name):
    """Every member called `name` (in any letter case) at any depth."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() == name:
                found.append(item)
            found += members_named(item, name)
    elif isinstance(value, list):
        for item in value:
            found += members_named(item, name)
    return found


class Bundles(FakeServerTest):
    TOKEN = base.TOKEN

    def setUp(self):
        super().setUp()
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": copy.deepcopy(base.FINDINGS)}
            self.fake.cves = copy.deepcopy(base.CVES)

    def policy(self, text):
        path = os.path.join(self.folder, "policy.toml")
        with open(path, "w") as f:
            f.write("version = 1\n" + text)
        return path

    def online(self, policy, *args, env=None):
        # The base-image API requires a region, which a loopback endpoint does not name.
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                       "HSS_GATE_AUTH_TOKEN": base.TOKEN, "HSS_GATE_REGION": "ap-southeast-1", **(env or {})}
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", self.policy(policy),
                           "--json", "report.json", *args, env=environment)
        self.assertNotIn(base.TOKEN, result.out + result.err)
        return result

    def replay(self, policy, bundle="bundle.json", *args):
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", self.policy(policy),
                         "--from-file", bundle, "--json", "report.json", *args, env={"HSS_GATE_NOW": ""})

    def save(self, policy):
        online = self.online(policy, "--region", "ap-southeast-1", "--save-bundle", "bundle.json",
                             env={"HSS_GATE_NOW": ""})
        self.assertIn(online.code, (0, 1), online.out + online.err)
        return online

    def edit_bundle(self, change):
        path = os.path.join(self.folder, "bundle.json")
        with open(path) as f:
            bundle = json.load(f)
        change(bundle)
        with open(path, "w") as f:
            json.dump(bundle, f)

    def test_a_saved_run_replays_to_the_same_verdict_and_reports(self):
        for policy, code in ((BLOCKING, 1), (PASSING, 0)):
            with self.subTest(code=code):
                online = self.save(policy)
                self.assertEqual(online.code, code, online.out + online.err)
                text = online.text("bundle.json")
                self.assertNotIn(base.SECRET_CONTENT, text)
                bundle = json.loads(text)
                self.assertEqual(bundle["hss_gate_bundle"], 2)
                self.assertEqual(bundle["index"]["cicd_name"], {"shop": ["img-1"]})
                self.assertEqual(bundle["index"]["namespace/image_name"], {"team/web": ["img-1"]})
                self.assertEqual(members_named(bundle["exchanges"], "content"), [])
                paths = {e["path"] for e in bundle["exchanges"]}
                self.assertIn("/v5/{project_id}/image/cicd/images", paths)
                self.assertIn("/v5/{project_id}/image/{image_id}/vulnerabilities", paths)
                first = online.json()

                replay = self.replay(policy)
                self.assertEqual(replay.code, code, replay.out + replay.err)
                self.assertIn("when the bundle was fetched", replay.out)
                self.assertEqual(without_times(replay.json()), without_times(first))

        # a policy that needs a list the bundle lacks cannot be answered by it
        missing = self.replay('[rules.m]\nfindings = "software"\n')
        self.assertEqual(missing.code, 2, missing.out + missing.err)
        self.assertIn("the bundle has no software list for team/web:1.0.0", missing.err)
        plain = os.path.join(self.folder, "plain.json")
        with open(plain, "w") as f:
            json.dump({"total_num": 1, "data_list": [record()]}, f)
        result = self.replay('[rules.m]\nfindings = "malware"\n', plain)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("holds no findings", result.err)

    def test_a_version_1_bundle_still_replays_to_the_online_verdict(self):
        online = self.online(BLOCKING, env={"HSS_GATE_NOW": "2026-11-28T12:00:00Z"})
        self.assertEqual(online.code, 1, online.out + online.err)
        findings = {kind: base.FINDINGS[kind] for kind in ("vulnerabilities", "secrets", "base_image")}
        findings["secrets"] = [{k: v for k, v in s.items() if k != "content"} for s in findings["secrets"]]
        findings["cves"] = {v["vul_id"]: base.CVES[v["vul_id"]] for v in base.VULNS}
        v1 = {"hss_gate_bundle": 1, "fetched_at": "2026-11-28T12:00:00Z",
              "images": {"total_num": 1, "data_list": [record()]}, "findings": {"img-1": findings}}
        with open(os.path.join(self.folder, "v1.json"), "w") as f:
            json.dump(v1, f)
        replay = self.replay(BLOCKING, "v1.json")
        self.assertEqual(replay.code, 1, replay.out + replay.err)
        results = lambda report: [i["results"] for i in report["images"]]
        self.assertEqual(results(replay.json()), results(online.json()))
        # the project's own version 1 files replay too
        shipped = os.path.join(base.os.path.dirname(__file__), "..", "data", "responses", "vulnerable.bundle.json")
        result = self.replay('[rules.v]\nfindings = "vulnerabilities"\n', shipped)
        self.assertEqual(result.code, 0, result.out + result.err)

    def test_a_recorded_page_cut_short_is_never_judged(self):
        self.save(BLOCKING)

        def cut(bundle):
            for exchange in bundle["exchanges"]:
                if exchange["path"].endswith("/vulnerabilities"):
                    exchange["response"]["data_list"] = exchange["response"]["data_list"][:1]
        self.edit_bundle(cut)
        os.remove(os.path.join(self.folder, "report.json"))
        result = self.replay(BLOCKING)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("the vulnerabilities of team/web:1.0.0", result.err)
        self.assertIn("cut short", result.err)
        self.assertFalse(os.path.exists(result.path("report.json")))

    def test_a_recorded_list_that_is_null_or_missing_is_never_an_empty_list(self):
        # Found by the invariant review: total_num promised records, data_list held none, and the
        # replay passed. Both shapes, on a finding list and on the image list.
        self.save(BLOCKING)
        for path_end, key in (("/vulnerabilities", None), ("/vulnerabilities", "drop"), ("/cicd/images", None)):
            with self.subTest(path=path_end, shape=key or "null"):
                self.save(BLOCKING)

                def empty(bundle):
                    for exchange in bundle["exchanges"]:
                        if exchange["path"].endswith(path_end):
                            if key == "drop":
                                del exchange["response"]["data_list"]
                            else:
                                exchange["response"]["data_list"] = None
                self.edit_bundle(empty)
                result = self.replay(BLOCKING, "bundle.json", "--on-error", "pass")
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn("data_list: expected an array of records, since total_num is", result.err)

    def test_a_bundle_version_of_another_type_is_a_usage_error_even_under_on_error_pass(self):
        for version in ("1", 1.0, True, None):
            with self.subTest(version=version):
                self.save(BLOCKING)
                self.edit_bundle(lambda bundle: bundle.__setitem__("hss_gate_bundle", version))
                result = self.replay(BLOCKING, "bundle.json", "--on-error", "pass")
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn("hss_gate_bundle", result.err)

    def test_a_list_whose_recorded_pages_stop_early_is_never_judged(self):
        with self.fake.lock:
            self.fake.findings["img-1"]["malware"] = [{"file_name": f"m{i}", "file_path": f"/opt/m{i}"}
                                                      for i in range(250)]
        policy = '[rules.m]\nfindings = "malware"\nwhere.file_path = "/usr/*"\n'
        online = self.save(policy)
        self.assertEqual(online.code, 0, online.out + online.err)
        self.assertEqual(self.replay(policy).code, 0)

        def drop_second_page(bundle):
            bundle["exchanges"] = [e for e in bundle["exchanges"]
                                   if not (e["path"].endswith("/malwares") and e["query"].get("offset") == "200")]
        self.edit_bundle(drop_second_page)
        result = self.replay(policy)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("the malware of team/web:1.0.0", result.err)
        self.assertIn("offset=200", result.err)

    def test_path_parameters_reach_hss_as_whole_encoded_segments(self):
        for credentials in ({}, {"HSS_GATE_AUTH_TOKEN": "", "HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK}):
            with self.subTest(signed=bool(credentials)):
                self.fake.reset([record(image_id="../a/b")])
                with self.fake.lock:
                    self.fake.findings = {"../a/b": copy.deepcopy(base.FINDINGS)}
                    self.fake.cves = copy.deepcopy(base.CVES)
                result = self.online(BLOCKING, env=credentials)
                self.assertEqual(result.code, 1, result.out + result.err)
                paths = [r["path"] for r in self.fake.finding_requests()]
                self.assertIn("/v5/test-project/image/..%2Fa%2Fb/vulnerabilities", paths)
                for path in paths:
                    self.assertNotIn("..", path.split("/"))

        self.fake.reset([record(image_id="..")])
        result = self.online('[rules.m]\nfindings = "malware"\n')
        self.assertEqual(result.code, 3, result.out + result.err)
        self.assertIn('the path parameter image_id is ".."', result.out + result.err)
        self.assertEqual(self.fake.finding_requests(), [])


if __name__ == "__main__":
    unittest.main()
