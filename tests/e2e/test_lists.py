"""A list is complete or it is not judged: a finding or image page holding more records than the
limit sent, or a first page that promises records and holds none, is exit 3 naming the list online;
in a replay (v2 bundle, v1 bundle, plain list response) a null, missing or ill-typed list, image
entry, exchange body, `cves` map or CVE entry, and the same page defects, are exit 2 naming the
image and the list, never an empty list and never a crash."""
import copy
import json
import os
import re
import unittest

import test_bundles as bundles
import test_findings as base
from harness import FakeServerTest, record

# A policy per kind that passes on the findings the fake serves, so a list judged in part passes.
PASSING = {kind: f'[rules.r]\nfindings = "{kind}"\n{missing}\n' for kind, (_, missing) in base.CONDITIONS.items()}
CVE_POLICY = '[rules.c]\nfindings = "vulnerabilities"\nwhere.cvss = { min = 9.5, unknown = "skip" }\n'


class OnlineServer(FakeServerTest):
    """The fake server with the findings of test_findings, and its runner (not its tests)."""
    TOKEN = base.TOKEN
    policy = base.Findings.policy
    run_gate = base.Findings.run_gate

    def setUp(self):
        super().setUp()
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": copy.deepcopy(base.FINDINGS)}
            self.fake.cves = copy.deepcopy(base.CVES)


class OnlineLists(OnlineServer):
    def serve(self, kind, body):
        with self.fake.lock:
            self.fake.fail_findings = {kind: (200, body)}

    def assert_not_judged(self, result, list_name, problem):
        self.assertEqual(result.code, 3, result.out + result.err)
        report = result.json()
        self.assertEqual(report["decision"], "error")
        self.assertEqual(report["exit_code"], 3)
        self.assertIn(list_name, result.out + result.err)
        self.assertIn(problem, result.out + result.err)

    def test_a_finding_page_over_the_limit_is_exit_3_naming_the_list_for_every_kind(self):
        for kind, policy in PASSING.items():
            for extra in (0, 50):
                with self.subTest(kind=kind, extra=extra):
                    item = base.FINDINGS[kind][0]
                    self.serve(kind, {"total_num": 201 + extra, "data_list": [dict(item) for _ in range(201 + extra)]})
                    result = self.run_gate(policy, "--region", "ap-southeast-1")
                    self.assert_not_judged(result, f"the {kind} of team/web:1.0.0",
                                           f"holds {201 + extra} records, more than the limit 200")

    def test_an_empty_first_finding_page_that_promises_records_is_exit_3_for_every_kind(self):
        for kind, policy in PASSING.items():
            for shape in ({"total_num": 3, "data_list": []}, {"total_num": 1, "data_list": None},
                          {"total_num": 2}):
                with self.subTest(kind=kind, shape=shape):
                    self.serve(kind, shape)
                    result = self.run_gate(policy, "--region", "ap-southeast-1", "--on-error", "fail")
                    self.assertEqual(result.code, 3, result.out + result.err)
                    self.assertIn(f"the {kind} of team/web:1.0.0", result.out + result.err)

    def test_a_cve_list_over_the_limit_or_empty_while_promising_records_is_exit_3(self):
        cve = dict(base.CVES["USN-1"][0], cvss_score=1.0)  # low: a list judged in part would pass
        for body, problem in (({"total_num": 201, "data_list": [dict(cve) for _ in range(201)]}, "more than the limit"),
                              ({"total_num": 4, "data_list": []}, "total_num is 4 but the first page holds no")):
            with self.subTest(problem=problem):
                self.serve("cves", body)
                result = self.run_gate(CVE_POLICY)
                self.assert_not_judged(result, "the CVEs of vulnerability USN-", problem)

    def test_an_image_page_over_the_limit_or_empty_while_promising_records_is_exit_3(self):
        records = [record(image_name=f"img-{i}") for i in range(201)]
        self.fake.reset(records)
        self.fake.script.append({"status": 200, "body": {"total_num": 201, "data_list": records}})
        result = self.run_gate('[rules.v]\nfield = "vul_num"\nmax = 1000\n')
        self.assert_not_judged(result, "the CI/CD image list", "holds 201 records, more than the limit 200")
        for claimed in (1, 300):
            with self.subTest(total_num=claimed):
                self.fake.reset([])
                self.fake.total_override = claimed
                result = self.run_gate('[rules.v]\nfield = "vul_num"\nmax = 1000\n')
                self.assert_not_judged(result, "the CI/CD image list", f"total_num is {claimed} but the first page")


class PagesCutShort(OnlineServer):
    """A short page ends a list; before the count total_num promised, the list was not sent whole:
    exit 3 naming the list online, exit 2 replayed, for the image list, every finding kind and the
    CVEs. And the shapes a file can take that a gate must never judge."""

    def test_a_list_cut_short_is_exit_3_naming_it_for_the_image_list_every_kind_and_cves(self):
        for kind, policy in PASSING.items():
            for extra in (1, 4800):
                with self.subTest(kind=kind, extra=extra):
                    count = len(base.FINDINGS[kind])
                    with self.fake.lock:
                        self.fake.finding_totals = {kind: count + extra}
                    result = self.run_gate(policy, "--region", "ap-southeast-1")
                    OnlineLists.assert_not_judged(self, result, f"the {kind} of team/web:1.0.0",
                                                  f"cut short at {count} records while total_num promised {count + extra}")
        # Prefetched pages: 250 records, total_num 5000; the short page is the second.
        with self.fake.lock:
            self.fake.findings["img-1"]["software"] = [dict(base.FINDINGS["software"][0], app_name=f"a{i}")
                                                       for i in range(250)]
            self.fake.finding_totals = {"software": 5000}
        result = self.run_gate(PASSING["software"])
        OnlineLists.assert_not_judged(self, result, "the software of team/web:1.0.0",
                                      "the page at offset 200 holds 50 of the 200 records asked for")
        with self.fake.lock:
            self.fake.finding_totals = {"cves": 9}
        result = self.run_gate(CVE_POLICY)
        OnlineLists.assert_not_judged(self, result, "the CVEs of vulnerability USN-", "while total_num promised 9")
        for claimed in (2, 1000000):
            with self.subTest(image_list=claimed):
                self.fake.reset([record()])
                self.fake.total_override = claimed
                result = self.run_gate('[rules.v]\nfield = "vul_num"\nmax = 1000\n')
                OnlineLists.assert_not_judged(self, result, "the CI/CD image list",
                                              f"cut short at 1 records while total_num promised {claimed}")

    def test_a_record_read_before_the_list_was_found_cut_short_still_blocks(self):
        self.fake.reset([record(**RISKY)])
        self.fake.total_override = 7
        result = self.run_gate('[rules.v]\nfield = "vul_num"\nmax = 10\n', "--on-error", "pass")
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertIn("cut short", result.out + result.err)

    def test_a_list_cut_short_in_a_bundle_is_exit_2_for_the_image_list_and_cves(self):
        replayed = ReplayedLists.replay_changed
        for path_end in ("/cicd/images", "/cve", "/apps"):
            with self.subTest(list=path_end):
                def cut(bundle):
                    response = exchange(bundle, path_end)["response"]
                    response["total_num"] = len(response["data_list"]) + 3
                result = replayed(self, cut)
                self.assertIn("cut short", result.err)
                self.assertIn("--from-file", result.err)

    save, edit_bundle = bundles.Bundles.save, bundles.Bundles.edit_bundle
    online, replay = bundles.Bundles.online, bundles.Bundles.replay

    def test_an_integer_written_with_an_exponent_is_refused_online_and_replayed(self):
        for spelled in ("1e3", "0.0", "2E1", "1.5e1"):
            with self.subTest(spelled=spelled):
                self.fake.reset([record()])
                body = json.dumps({"total_num": 1, "data_list": [record(vul_num=123456789)]}).replace("123456789", spelled)
                self.fake.script.append({"status": 200, "body": body})
                result = self.run_gate('[rules.v]\nfield = "vul_num"\nmax = 5000\n')
                OnlineLists.assert_not_judged(self, result, "vul_num",
                                              "expected an integer, got a number written with a fraction or an exponent")
                # The same text in a saved bundle (exit 2, the file's defect) and in a plain
                # response (exit 3, HSS's answer read as online): the same words.
                self.fake.reset([record(vul_num=123456789)])
                self.save('[rules.v]\nfield = "vul_num"\nmax = 5000000000\n')
                path = os.path.join(self.folder, "bundle.json")
                with open(path) as f:
                    text = f.read()
                self.assertIn("123456789", text)
                with open(path, "w") as f:
                    f.write(text.replace("123456789", spelled))
                with open(os.path.join(self.folder, "plain.json"), "w") as f:
                    f.write(body)
                for saved, code in (("bundle.json", 2), ("plain.json", 3)):
                    result = self.replay('[rules.v]\nfield = "vul_num"\nmax = 5000\n', saved)
                    self.assertEqual(result.code, code, result.out + result.err)
                    self.assertIn("expected an integer, got a number written with a fraction or an exponent",
                                  result.out + result.err)
                    self.assertIn(saved, result.out + result.err)

    def test_a_defective_saved_file_is_refused_with_where_it_went_wrong(self):
        cases = {
            '{"total_num": 1, "data_list": [{"cicd_name": "shop", "image_version": "1.0.0", "vul_num": "0"}]}':
                "vul_num: expected an integer, got a string",
            '{"total_num": 1,\n "data_list": [\n  {"cicd_name": "shop",}]}': "not valid JSON at line 3, column 24",
            '{"total_num": 1, "data_list": []} trailing': "not valid JSON at line 1, column 35",
            '<html>502</html>': "not valid JSON at line 1, column 1",
        }
        for text, problem in cases.items():
            with self.subTest(problem=problem):
                with open(os.path.join(self.folder, "plain.json"), "w") as f:
                    f.write(text)
                result = self.replay('[rules.v]\nfield = "vul_num"\nmax = 1000\n', "plain.json")
                self.assertEqual(result.code, 3, result.out + result.err)
                self.assertIn("plain.json: unreadable HSS response", result.out + result.err)
                self.assertIn(problem, result.out + result.err)
        # Text that names itself a bundle is the user's file, however broken: exit 2, never passed.
        self.fake.reset([record()])
        self.save(bundles.BLOCKING)
        with open(os.path.join(self.folder, "bundle.json")) as f:
            saved = f.read()
        broken = {"duplicated key": re.sub(r'("hss_gate_bundle"\s*:\s*\d+)', r'\1, \1', saved, count=1),
                  "truncated": saved[:len(saved) // 2], "trailing bytes": saved + "\nx"}
        for name, text in broken.items():
            with self.subTest(bundle=name):
                self.assertNotEqual(text, saved)
                with open(os.path.join(self.folder, "broken.json"), "w") as f:
                    f.write(text)
                result = self.replay(bundles.BLOCKING, "broken.json", "--on-error", "pass")
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn("--from-file broken.json: not a readable bundle", result.err)
        # A saved list that promises more records than it holds: a plain response, a v1 bundle.
        for total in (2, 300):
            with self.subTest(total_num=total):
                with open(os.path.join(self.folder, "plain.json"), "w") as f:
                    json.dump({"total_num": total, "data_list": [record()]}, f)
                with open(os.path.join(self.folder, "v1.json"), "w") as f:
                    json.dump({"hss_gate_bundle": 1, "fetched_at": "2026-11-28T12:00:00Z",
                               "images": {"total_num": total, "data_list": [record()]}}, f)
                for saved_file in ("plain.json", "v1.json"):
                    result = self.replay('[rules.v]\nfield = "vul_num"\nmax = 1000\n', saved_file, "--on-error", "pass")
                    self.assertEqual(result.code, 2, result.out + result.err)
                    self.assertIn(f"the {total} records total_num promises", result.err)
        # Two recorded answers to one request: the file's order must not decide the verdict.
        self.fake.reset([record()])
        self.save(bundles.BLOCKING)

        def doubled(bundle):
            twin = copy.deepcopy(exchange(bundle, "/cicd/images"))
            twin["response"]["data_list"] = []
            twin["response"]["total_num"] = 0
            bundle["exchanges"].append(twin)
        self.edit_bundle(doubled)
        result = self.replay(bundles.BLOCKING, "bundle.json", "--on-error", "pass")
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("one answer per request", result.err)


RISKY = {"vul_num": 999, "severity_level": "High"}


class EvidenceSeenWhileWaiting(OnlineServer):
    """The wait saw one image blocked while another's scan ran; then HSS fails: exit 1 with that
    verdict, under --on-error pass too, for one query and for several images listed together."""

    def test_a_block_seen_before_hss_fails_during_the_wait_stands(self):
        images = {"one query": [], "two images": ["--image", "image_name=web", "--image", "image_name=api"]}
        failures = {"500": {"status": 500, "body": {"error_code": "HSS.0002", "error_msg": "internal error"}},
                    "reset": {"drop": True}}
        for (how, args), (name, failure) in ((i, f) for i in images.items() for f in failures.items()):
            with self.subTest(images=how, failure=name):
                self.fake.reset([record(image_name="web", **RISKY),
                                 record(image_id="img-2", image_name="api", scan_status="scanning")])
                self.fake.script.extend([{}] + [failure] * 20)
                environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                               "HSS_GATE_AUTH_TOKEN": base.TOKEN, "HSS_GATE_TEST_TIME_SCALE": "50"}
                result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", *args, "--wait", "60s", "--poll-interval", "5s", "--on-error", "pass",
                                   "--json", "report.json", env=environment)
                self.assertEqual(result.code, 1, result.out + result.err)
                report = result.json()
                self.assertEqual(report["decision"], "fail")
                self.assertFalse(report["error_ignored"])
                self.assertEqual(report["exit_code"], 1)
                blocked = [i for i in report["images"] if i["decision"] == "fail"]
                self.assertEqual([i["image_name"] for i in blocked], ["web"])
                self.assertTrue(any(i["decision"] == "error" for i in report["images"]))
                self.assertIn("BLOCKED", result.out)
        # what the wait saw passing proves nothing: the error stands, and --on-error pass may excuse it
        self.fake.reset([record(image_name="web"), record(image_id="img-2", image_name="api", scan_status="scanning")])
        self.fake.script.extend([{}] + [failures["500"]] * 20)
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--wait", "60s",
                           "--poll-interval", "5s", "--json", "report.json",
                           env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                                "HSS_GATE_AUTH_TOKEN": base.TOKEN, "HSS_GATE_TEST_TIME_SCALE": "50"})
        self.assertEqual(result.code, 3, result.out + result.err)

    def test_a_block_seen_before_a_poll_showing_the_image_scanning_again_still_stands(self):
        # Poll 1: web blocked, api scanning. Poll 2: web scanning again (or gone). Then HSS fails.
        rescanning = {"web scanning": [record(image_name="web", scan_status="scanning"),
                                       record(image_id="img-2", image_name="api", scan_status="scanning")],
                      "web gone": [record(image_id="img-2", image_name="api", scan_status="scanning")]}
        for name, second in rescanning.items():
            with self.subTest(second_poll=name):
                self.fake.reset([record(image_name="web", **RISKY),
                                 record(image_id="img-2", image_name="api", scan_status="scanning")])
                self.fake.script.extend([{}, {"status": 200, "body": {"total_num": len(second), "data_list": second}}]
                                        + [{"status": 500, "body": {"error_code": "HSS.0002", "error_msg": "boom"}}] * 20)
                result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--wait", "60s",
                                   "--poll-interval", "5s", "--on-error", "pass", "--json", "report.json",
                                   env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                                        "HSS_GATE_AUTH_TOKEN": base.TOKEN, "HSS_GATE_TEST_TIME_SCALE": "50"})
                self.assertEqual(result.code, 1, result.out + result.err)
                self.assertEqual(result.json()["decision"], "fail")
                self.assertIn("BLOCKED", result.out)


POLICY = bundles.BLOCKING + '[rules.sw]\nfindings = "software"\nwhere.app_type = "npm"\n'


def exchange(bundle, path_end):
    return [e for e in bundle["exchanges"] if e["path"].endswith(path_end)][0]


class ReplayedLists(FakeServerTest):
    TOKEN = base.TOKEN
    policy, online, replay = bundles.Bundles.policy, bundles.Bundles.online, bundles.Bundles.replay
    save, edit_bundle = bundles.Bundles.save, bundles.Bundles.edit_bundle

    def setUp(self):
        super().setUp()
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": copy.deepcopy(base.FINDINGS)}
            self.fake.cves = copy.deepcopy(base.CVES)
            self.fake.findings["img-1"]["software"] = copy.deepcopy(base.FINDINGS["software"])

    def replay_changed(self, change, policy=POLICY):
        self.save(policy)
        self.edit_bundle(change)
        result = self.replay(policy, "bundle.json", "--on-error", "pass")
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertNotIn("internal error", result.err)
        return result

    def test_a_defective_v2_list_entry_or_body_is_exit_2_naming_the_image_and_the_list(self):
        images, vulns, apps, cves = "/cicd/images", "/vulnerabilities", "/apps", "/cve"
        cases = [
            (lambda b: exchange(b, images)["response"]["data_list"].__setitem__(0, None), "CI/CD image list"),
            (lambda b: exchange(b, images)["response"]["data_list"].__setitem__(0, "img-1"), "CI/CD image list"),
            (lambda b: exchange(b, images)["response"].__setitem__("data_list", {"x": 1}), "CI/CD image list"),
            (lambda b: exchange(b, images)["response"].__setitem__("data_list", []), "CI/CD image list"),
            (lambda b: exchange(b, images).__setitem__("response", None), "cicd/images).response"),
            (lambda b: exchange(b, vulns).__setitem__("response", [1]), "vulnerabilities).response"),
            (lambda b: exchange(b, apps).pop("response"), "apps).response"),
            (lambda b: exchange(b, vulns)["response"]["data_list"].__setitem__(1, None), "the vulnerabilities of team/web"),
            (lambda b: exchange(b, apps)["response"].__setitem__("data_list", None), "the software of team/web"),
            (lambda b: exchange(b, apps)["response"].__setitem__("data_list", 7), "the software of team/web"),
            (lambda b: exchange(b, vulns)["response"].__setitem__("data_list", []), "the vulnerabilities of team/web"),
            (lambda b: exchange(b, cves)["response"]["data_list"].__setitem__(0, None), "the CVEs of vulnerability"),
            (lambda b: exchange(b, cves)["response"].__setitem__("data_list", "x"), "the CVEs of vulnerability"),
            (lambda b: b["exchanges"].__setitem__(0, None), "exchanges[0]"),
        ]
        for i, (change, named) in enumerate(cases):
            with self.subTest(case=i, named=named):
                result = self.replay_changed(change)
                self.assertIn(named, result.err)
                self.assertIn("--from-file", result.err)

    def test_a_recorded_page_over_the_limit_is_exit_2_naming_the_list(self):
        def overfull(path_end, kind):
            def change(bundle):
                response = exchange(bundle, path_end)["response"]
                response["data_list"] = [dict(base.FINDINGS[kind][0]) for _ in range(201)]
                response["total_num"] = 201
            return change
        for path_end, kind in (("/apps", "software"), ("/sensitive", "secrets")):
            with self.subTest(kind=kind):
                result = self.replay_changed(overfull(path_end, kind))
                self.assertIn(f"the {kind} of team/web:1.0.0", result.err)
                self.assertIn("more than the limit 200", result.err)

    def v1_bundle(self):
        findings = {kind: copy.deepcopy(base.FINDINGS[kind]) for kind in ("vulnerabilities", "secrets", "base_image",
                                                                           "software")}
        findings["secrets"] = [{k: v for k, v in s.items() if k != "content"} for s in findings["secrets"]]
        findings["cves"] = {v["vul_id"]: copy.deepcopy(base.CVES[v["vul_id"]]) for v in base.VULNS}
        return {"hss_gate_bundle": 1, "fetched_at": "2026-11-28T12:00:00Z",
                "images": {"total_num": 1, "data_list": [record()]}, "findings": {"img-1": findings}}

    def test_a_defective_v1_list_entry_or_cve_map_is_exit_2_naming_the_image_and_the_list(self):
        lists = lambda b: b["findings"]["img-1"]
        cases = [
            (lambda b: b["images"]["data_list"].__setitem__(0, None), "image list (images.data_list)[0]"),
            (lambda b: b["images"]["data_list"].append(None), "image list (images.data_list)[1]"),
            (lambda b: b["images"].__setitem__("data_list", None), "image list (images.data_list)"),
            (lambda b: b.__setitem__("images", None), "image list (images)"),
            (lambda b: b["findings"].__setitem__("img-1", None), "findings of image shop:1.0.0 (img-1)"),
            (lambda b: b["findings"].__setitem__("img-1", []), "findings of image shop:1.0.0 (img-1)"),
            (lambda b: lists(b).__setitem__("vulnerabilities", None), "vulnerabilities list of image shop:1.0.0"),
            (lambda b: lists(b).__setitem__("software", {"a": 1}), "software list of image shop:1.0.0"),
            (lambda b: lists(b)["secrets"].__setitem__(0, None), "secrets list of image shop:1.0.0 (img-1)[0]"),
            (lambda b: lists(b).pop("vulnerabilities"), "no vulnerabilities list for team/web:1.0.0"),
            (lambda b: lists(b).__setitem__("cves", None), "cves map of image shop:1.0.0"),
            (lambda b: lists(b).__setitem__("cves", ["USN-1"]), "cves map of image shop:1.0.0"),
            (lambda b: lists(b)["cves"].__setitem__("USN-1", None), "CVE list of vulnerability USN-1 of image"),
            (lambda b: lists(b)["cves"]["USN-1"].__setitem__(0, None), "CVE list of vulnerability USN-1 of image"),
            (lambda b: lists(b)["cves"].pop("USN-1"), "no CVEs of vulnerability USN-1 of team/web:1.0.0"),
        ]
        for i, (change, named) in enumerate(cases):
            with self.subTest(case=i, named=named):
                bundle = self.v1_bundle()
                change(bundle)
                with open(os.path.join(self.folder, "v1.json"), "w") as f:
                    json.dump(bundle, f)
                result = self.replay(POLICY, "v1.json", "--on-error", "pass")
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(named, result.err)

    def test_a_plain_list_response_that_is_not_a_complete_list_is_exit_2(self):
        for body in ({"total_num": 1, "data_list": [None]}, {"total_num": 2, "data_list": [record(), "x"]},
                     {"total_num": 1, "data_list": "x"}, {"total_num": 1, "data_list": []},
                     {"total_num": 3, "data_list": None}, {"total_num": 1}):
            with self.subTest(body=body):
                with open(os.path.join(self.folder, "plain.json"), "w") as f:
                    json.dump(body, f)
                result = self.replay('[rules.v]\nfield = "vul_num"\nmax = 1000\n', "plain.json", "--on-error", "pass")
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn("plain.json", result.err)
                self.assertIn("CI/CD image list", result.err)


if __name__ == "__main__":
    unittest.main()
