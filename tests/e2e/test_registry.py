"""Registry images (--source registry) against the fake HSS: the registry image list, naming and
digest rules, findings with each API's identifying parameters, several images mixing sources,
and --trigger-scan (sync, scan, refusals, never twice)."""
import json
import os
import unittest

from harness import FakeServerTest, record

TOKEN = "registry-SECRET-token"
DIGEST = "sha256:" + "b" * 64
OTHER_DIGEST = "sha256:" + "c" * 64
SWR = {"id": "reg-swr", "registry_name": "swr-private", "registry_type": "SwrPrivate", "status": "success"}
FAST = {"HSS_GATE_TEST_TIME_SCALE": "20"}


def registry_record(**changes):
    """A RegistryImagesInfo record of a clean, successful scan (registry-images.md 1b), with changes."""
    base = {"id": 4711, "namespace": "team", "image_name": "web", "image_id": "reg-img-1", "image_digest": DIGEST,
            "image_version": "2.0.0", "image_type": "private_image", "registry_id": "reg-swr",
            "registry_name": "swr-private", "registry_type": "SwrPrivate", "latest_version": True,
            "scan_status": "success", "scan_failed_desc": "", "scan_failed_code": "", "image_size": 1048576,
            "latest_update_time": 1795680000000, "latest_scan_time": 1795680300000,
            "latest_sync_time": 1795680000000, "vul_num": 0, "unsafe_setting_num": 0, "malicious_file_num": 0,
            "severity_level": "Security", "domain_name": "", "shared_status": "", "scannable": True,
            "is_multiple_arch": False, "instance_name": "", "instance_id": "", "instance_url": "",
            "association_images": []}
    base.update(changes)
    return base


def unscanned(**changes):
    return registry_record(scan_status="unscan", latest_scan_time=0, vul_num=0, severity_level="", **changes)


class RegistryTest(FakeServerTest):
    TOKEN = TOKEN

    def setUp(self):
        super().setUp()
        self.fake.reset()
        with self.fake.lock:
            self.fake.registries = [dict(SWR)]

    def policy(self, text):
        path = os.path.join(self.folder, "policy.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("version = 1\n" + text)
        return path

    def run_gate(self, *args, names=True, env=None):
        image = ["--source", "registry", "--namespace", "team", "--image-name", "web", "--image-version", "2.0.0",
                 "--image-digest", DIGEST] if names else []
        return self.gate("check", "--endpoint", self.fake.url, "--project-id", "test-project", *image,
                         "--json", "report.json", "--junit", "junit.xml", *args,
                         env={"HSS_GATE_AUTH_TOKEN": TOKEN, **(env or {})})

    def registry_queries(self):
        return [dict(r["query"]) for r in self.fake.registry_list_requests()]

    def posts(self, operation=None):
        return [p for p in self.fake.posts if operation is None or p["operation"] == operation]


class Lookup(RegistryTest):
    def test_a_scanned_image_passes_with_one_list_request_named_by_its_own_names(self):
        self.fake.registry_images = [registry_record(), registry_record(image_version="2.0.0-rc1", id=1)]
        result = self.run_gate()
        self.assertEqual(result.code, 0, result.err)
        self.assertEqual(len(self.fake.page_requests()), 1, "a verdict on a scanned image costs one list request")
        query = self.registry_queries()[0]
        self.assertEqual(query["image_type"], "private_image")
        self.assertEqual((query["namespace"], query["image_name"], query["image_version"]), ("team", "web", "2.0.0"))
        self.assertNotIn("cicd_name", query)
        report = self.assert_reports_agree(result)
        image = report["images"][0]
        self.assertEqual(image["query"]["source"], "registry")
        self.assertEqual(image["query"]["image_type"], "private_image")
        self.assertIsNone(image["query"]["instance_id"])
        self.assertEqual(image["image_digest"], DIGEST)
        suites = [s.get("name") for s in result.junit().iter("testsuite")]
        self.assertIn("hss-gate team/web:2.0.0 (registry swr-private)", suites)

    def test_rules_block_on_the_registry_record_and_on_its_extra_fields(self):
        cases = {
            "vul_num": ('[rules.vulns]\nfield = "vul_num"\nmax = 3\n', {"vul_num": 7}, 1),
            "scannable": ('[rules.scannable]\nfield = "scannable"\nequals = true\n', {"scannable": False}, 1),
            "registry_type": ('[rules.swr]\nfield = "registry_type"\nin = ["SwrPrivate"]\n', {}, 0),
            "instance_id missing": ('[rules.instance]\nfield = "instance_id"\nin = ["ins-1"]\n', {"instance_id": None}, 1),
            "cicd_name": ('[rules.pipeline]\nfield = "cicd_name"\nin = ["shop"]\n', {}, 1),
            "pipeline_type": ('[rules.pipeline]\nfield = "pipeline_type"\nin = ["jenkins"]\n', {}, 1),
        }
        for name, (rule, changes, code) in cases.items():
            with self.subTest(name):
                self.fake.reset()
                self.fake.registry_images = [registry_record(**changes)]
                result = self.run_gate("--policy", self.policy(rule))
                self.assertEqual(result.code, code, result.out + result.err)
                report = self.assert_reports_agree(result)
                self.assertEqual(report["images"][0]["decision"], "fail" if code else "pass")

    def test_a_record_with_another_digest_is_no_verdict_whatever_on_pending_says(self):
        for on_pending in ("pass", "warn", "fail"):
            with self.subTest(on_pending=on_pending):
                self.fake.reset()
                self.fake.registry_images = [registry_record(image_digest=OTHER_DIGEST)]
                policy = self.policy(f'[scan]\non_pending = "{on_pending}"\n')
                result = self.run_gate("--policy", policy, "--wait", "2s", "--poll-interval", "1s", env=FAST)
                self.assertEqual(result.code, 4, result.out + result.err)
                self.assertIn(OTHER_DIGEST, result.out)
                self.assertGreaterEqual(len(self.fake.registry_list_requests()), 2, "a digest that differs is waited for")
                report = self.assert_reports_agree(result)
                self.assertEqual(report["images"][0]["decision"], "no_verdict")
                self.assertIn("--trigger-scan", json.dumps(report["images"][0]["results"][0]["hint"]))
                self.assertEqual(self.posts(), [], "nothing is asked of HSS without --trigger-scan")

    def test_an_image_not_listed_is_no_verdict_with_the_registry_causes(self):
        self.fake.registry_images = [registry_record(namespace="other")]
        result = self.run_gate()
        self.assertEqual(result.code, 4, result.err)
        self.assertIn("not synced", result.out.replace("has not synced", "not synced"))
        self.assertIn("--trigger-scan", result.out)
        self.assertEqual(self.posts(), [])

    def test_the_list_s_type_and_instance_are_matched_exactly(self):
        cases = {"another image_type": {"image_type": "shared_image"},
                 "another instance": {"image_type": "instance_image", "instance_id": "ins-2"}}
        for name, changes in cases.items():
            with self.subTest(name):
                self.fake.reset()
                self.fake.loose = True
                self.fake.registry_images = [registry_record(**changes)]
                self.fake.script.extend([{"body": {"total_num": 1, "data_list": [registry_record(**changes)]}}])
                args = ["--image-type", "instance_image", "--instance-id", "ins-1"] if "instance" in name else []
                result = self.run_gate(*args)
                self.assertEqual(result.code, 4, result.out + result.err)
                self.assertFalse(result.json()["images"][0]["found"])

    def test_an_enterprise_instance_is_asked_for_with_its_instance_and_its_findings_with_theirs(self):
        self.fake.registry_images = [registry_record(image_type="instance_image", instance_id="ins-1",
                                                     registry_type="SwrEnterprise", instance_url="https://x")]
        self.fake.findings = {"reg-img-1": {"vulnerabilities": [], "malware": [], "baseline": []}}
        policy = self.policy('[rules.v]\nfindings = "vulnerabilities"\nmax = 0\n'
                             '[rules.m]\nfindings = "malware"\nmax = 0\n[rules.b]\nfindings = "baseline"\nmax = 0\n')
        result = self.run_gate("--image-type", "instance_image", "--instance-id", "ins-1", "--policy", policy)
        self.assertEqual(result.code, 0, result.out + result.err)
        query = self.registry_queries()[0]
        self.assertEqual((query["image_type"], query["instance_id"]), ("instance_image", "ins-1"))
        vulns = dict(self.fake.finding_requests("vulnerabilities")[0]["query"])
        self.assertEqual((vulns["image_type"], vulns["instance_id"], vulns["tag_name"]), ("instance_image", "ins-1", "2.0.0"))
        malware = dict(self.fake.finding_requests("malware")[0]["query"])
        self.assertEqual(malware["image_type"], "instance_image")
        self.assertNotIn("instance_id", malware, "the malware API takes no instance_id")
        baseline = dict(self.fake.finding_requests("baseline")[0]["query"])
        self.assertEqual((baseline["image_type"], baseline["instance_id"]), ("registry", "ins-1"))
        self.assertEqual(result.json()["images"][0]["query"]["instance_id"], "ins-1")


class Findings(RegistryTest):
    KINDS = {"vulnerabilities": ("private_image", "tag_name"), "malware": ("private_image", "tag_name"),
             "secrets": ("private_image", "image_version"), "software": ("private_image", "tag_name"),
             "base_image": ("private_image", "image_version"), "baseline": ("registry", "image_version"),
             "build_risks": ("registry", None)}

    def test_each_finding_api_gets_the_image_type_and_names_it_needs_for_a_registry_image(self):
        self.fake.registry_images = [registry_record()]
        self.fake.findings = {"reg-img-1": {kind: [] for kind in self.KINDS}}
        rules = "".join(f'[rules.{kind}]\nfindings = "{kind}"\nmax = 0\n' for kind in self.KINDS)
        result = self.run_gate("--policy", self.policy(rules), "--region", "ap-southeast-1")
        self.assertEqual(result.code, 0, result.out + result.err)
        for kind, (image_type, tag_key) in self.KINDS.items():
            with self.subTest(kind):
                query = dict(self.fake.finding_requests(kind)[0]["query"])
                self.assertEqual(query["image_type"], image_type)
                if tag_key:
                    self.assertEqual((query["namespace"], query["image_name"], query[tag_key]), ("team", "web", "2.0.0"))

    def test_a_finding_that_blocks_a_registry_image_is_found_by_its_image_id(self):
        self.fake.registry_images = [registry_record()]
        self.fake.findings = {"reg-img-1": {"malware": [{"file_name": "miner", "file_path": "/usr/bin/miner",
                                                         "size": 1, "description": "coin miner"}]}}
        result = self.run_gate("--policy", self.policy('[rules.m]\nfindings = "malware"\nmax = 0\n'))
        self.assertEqual(result.code, 1, result.out + result.err)
        self.assertIn("miner", result.out)

    def test_a_list_whose_api_does_not_take_the_image_type_is_exit_2_before_any_request(self):
        # registry-images.md section 3: only ListImageVulnerabilities takes jfrog images.
        jfrog = registry_record(image_type="jfrog", registry_type="Jfrog")
        cases = {"malware rule": ("malware", ["--policy", '[rules.m]\nfindings = "malware"\nmax = 0\n']),
                 "secrets rule": ("secrets", ["--policy", '[rules.s]\nfindings = "secrets"\nmax = 0\n']),
                 "the SBOM's software list": ("software", ["--sbom", "sbom.json"]),
                 "GitLab's base image list": ("base_image", ["--gitlab-report", "gl.json", "--region", "ap-southeast-1"])}
        for name, (kind, args) in cases.items():
            with self.subTest(name):
                if args[0] == "--policy":
                    args = ["--policy", self.policy(args[1])]
                self.fake.reset()
                self.fake.registry_images = [jfrog]
                result = self.run_gate("--image-type", "jfrog", *args)
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(f"the {kind} (", result.err)
                self.assertIn("does not take jfrog images", result.err)
                self.assertEqual(self.fake.requests, [], "nothing is sent")
        self.fake.reset()
        self.fake.registry_images = [jfrog]
        self.fake.findings = {"reg-img-1": {"vulnerabilities": []}}
        result = self.run_gate("--image-type", "jfrog",
                               "--policy", self.policy('[rules.v]\nfindings = "vulnerabilities"\nmax = 0\n'))
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(dict(self.fake.finding_requests("vulnerabilities")[0]["query"])["image_type"], "jfrog")

    def test_the_fake_refuses_a_registry_finding_request_without_the_name_triplet(self):
        import urllib.request
        import urllib.error
        for path, query in (("/v5/test-project/image/reg-img-1/vulnerabilities", "image_type=private_image&namespace=team&image_name=web"),
                            ("/v5/test-project/image/reg-img-1/malwares", "image_type=private_image")):
            with self.subTest(path):
                request = urllib.request.Request(f"{self.fake.url}{path}?{query}", headers={"X-Auth-Token": TOKEN})
                with self.assertRaises(urllib.error.HTTPError) as caught:
                    urllib.request.urlopen(request, timeout=10)
                self.assertEqual(caught.exception.code, 400)


class Mixed(RegistryTest):
    def test_several_images_mix_sources_and_each_list_is_asked_once(self):
        self.fake.records = [record()]
        self.fake.registry_images = [registry_record(), registry_record(image_name="api", id=2, image_id="reg-img-2")]
        result = self.run_gate(
            "--image", "cicd_name=shop,image_version=1.0.0",
            "--image", f"source=registry,namespace=team,image_name=web,image_version=2.0.0,image_digest={DIGEST}",
            "--image", f"source=registry,namespace=team,image_name=api,image_version=2.0.0,image_digest={DIGEST}",
            names=False, env={"HSS_GATE_CICD_NAME": "shop"})
        self.assertEqual(result.code, 0, result.out + result.err)
        paths = sorted(r["path"].rsplit("/", 2)[-2] for r in self.fake.page_requests())
        self.assertEqual(paths, ["cicd", "registries"], "one query per source group")
        report = self.assert_reports_agree(result)
        self.assertEqual([i["query"]["source"] for i in report["images"]], ["cicd", "registry", "registry"])
        self.assertEqual([i["found"] for i in report["images"]], [True, True, True])


class Naming(RegistryTest):
    def test_a_registry_image_without_its_names_or_digest_is_a_usage_error(self):
        base = ["--source", "registry", "--namespace", "team", "--image-name", "web", "--image-version", "2.0.0",
                "--image-digest", DIGEST]
        cases = {
            "no digest": (base[:-2], "image_digest"),
            "no namespace": (base[2:4] and base[0:2] + base[4:], "namespace"),
            "no image name": (base[0:4] + base[6:], "image_name"),
            "cicd_name given": (base + ["--cicd-name", "shop"], "--cicd-name"),
            "cicd_name in the SPEC": (["--image", f"source=registry,cicd_name=shop,namespace=t,image_name=w,"
                                                  f"image_version=1,image_digest={DIGEST}"], "cicd_name"),
            "image_type for a CI/CD image": (["--cicd-name", "shop", "--image-version", "1", "--image-type", "harbor"],
                                             "--image-type"),
            "instance without an enterprise type": (base + ["--instance-id", "ins-1"], "instance_image"),
            "unknown image type": (base + ["--image-type", "local_image"], "private_image, shared_image"),
            "unknown source": (["--source", "swr"] + base[2:], "cicd, registry"),
        }
        for name, (args, named) in cases.items():
            with self.subTest(name):
                result = self.run_gate(*args, names=False)
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(named, result.err)
                self.assertEqual(len(result.err.strip().splitlines()), 1, result.err)
                self.assertEqual(self.fake.page_requests(), [], "nothing is looked up")

    def test_variables_set_for_a_whole_group_do_not_stop_images_of_the_other_source(self):
        self.fake.registry_images = [registry_record()]
        self.fake.records = [record()]
        cases = {"HSS_GATE_CICD_NAME on a registry image": ({"HSS_GATE_CICD_NAME": "shop"}, True),
                 "HSS_GATE_IMAGE_TYPE on a CI/CD image": ({"HSS_GATE_IMAGE_TYPE": "harbor", "HSS_GATE_CICD_NAME": "shop"}, False)}
        for name, (env, registry) in cases.items():
            with self.subTest(name):
                if registry:
                    result = self.run_gate(env=env)
                else:
                    result = self.run_gate("--image-version", "1.0.0", names=False, env=env)
                self.assertEqual(result.code, 0, result.out + result.err)

    def test_the_source_and_image_type_come_from_their_variables(self):
        self.fake.registry_images = [registry_record(image_type="harbor", registry_type="Harbor")]
        result = self.run_gate("--namespace", "team", "--image-name", "web", "--image-version", "2.0.0",
                               "--image-digest", DIGEST, names=False,
                               env={"HSS_GATE_SOURCE": "registry", "HSS_GATE_IMAGE_TYPE": "harbor"})
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(self.registry_queries()[0]["image_type"], "harbor")


class Trigger(RegistryTest):
    WAIT = ("--trigger-scan", "--wait", "30s", "--poll-interval", "1s")

    def test_an_image_not_listed_is_synced_then_scanned_then_judged(self):
        self.fake.unsynced = [unscanned()]
        self.fake.sync_delay = 0.5
        self.fake.scan_delay = 1.0
        self.fake.scan_result = {"scan_status": "success", "vul_num": 2, "severity_level": "Low"}
        result = self.run_gate(*self.WAIT)
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual([p["operation"] for p in self.posts()], ["CreateImageSynchronizeTask", "CreateManualImageScanTask"])
        sync = self.posts("CreateImageSynchronizeTask")[0]["body"]
        self.assertEqual(sync, {"sync_all_registries": False, "registry_info": [{"registry_id": "reg-swr",
                                                                                 "registry_type": "SwrPrivate"}]})
        scan = self.posts("CreateManualImageScanTask")[0]
        self.assertEqual(scan["query"], {"global_image_type": "registry"})
        self.assertFalse(scan["body"]["is_all"])
        self.assertEqual(scan["body"]["image_info"][0]["id"], 4711)
        report = self.assert_reports_agree(result)
        image = report["images"][0]
        self.assertEqual([t["operation"] for t in image["triggers"]],
                         ["CreateImageSynchronizeTask", "CreateManualImageScanTask"])
        self.assertEqual(image["scan_status"], "success")
        self.assertIn("CreateManualImageScanTask", result.out)

    def test_a_listed_unscanned_image_costs_one_trigger_then_one_poll_per_interval(self):
        self.fake.registry_images = [unscanned()]
        self.fake.scan_delay = 2.5
        self.fake.scan_result = {"scan_status": "success", "severity_level": "Low"}
        result = self.run_gate(*self.WAIT)
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(len(self.posts()), 1, "one trigger, never a second")
        polls = len(self.fake.registry_list_requests())
        self.assertGreaterEqual(polls, 3)
        self.assertLessEqual(polls, 6, "about one poll per interval")
        self.assertEqual(len(self.fake.tasks), 1)
        self.assertEqual(self.fake.tasks[0]["task_status"], 100)

    def test_a_lookup_that_fails_after_a_trigger_still_reports_the_trigger(self):
        self.fake.registry_images = [unscanned()]
        self.fake.scan_delay = 5
        # The first list request and the trigger succeed; every later request fails.
        self.fake.script.extend([{}, {}] + [{"status": 500, "body": {"error_msg": "down"}}] * 40)
        result = self.run_gate(*self.WAIT, env=FAST)
        self.assertEqual(result.code, 3, result.out + result.err)
        self.assertEqual(len(self.posts("CreateManualImageScanTask")), 1)
        report = self.assert_reports_agree(result)
        image = report["images"][0]
        self.assertEqual(image["decision"], "error")
        self.assertEqual([t["operation"] for t in image["triggers"]], ["CreateManualImageScanTask"])
        self.assertIn("CreateManualImageScanTask", result.out)

    def test_a_scan_older_than_the_tag_is_rescanned_and_the_old_scan_is_not_judged(self):
        self.fake.registry_images = [registry_record(latest_update_time=1795680300000, latest_scan_time=1795680000000,
                                                     vul_num=99)]
        self.fake.scan_delay = 1.0
        self.fake.scan_result = {"scan_status": "success", "vul_num": 0}
        policy = self.policy('[rules.v]\nfield = "vul_num"\nmax = 0\n')
        result = self.run_gate(*self.WAIT, "--policy", policy)
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(len(self.posts("CreateManualImageScanTask")), 1)

    def test_a_refused_or_failed_trigger_is_no_verdict_naming_the_operation_even_with_on_error_pass(self):
        cases = {
            "scan 403": ("CreateManualImageScanTask", (403, {"error_code": "HSS.1001", "error_msg": "no permission"}), True),
            "sync 403": ("CreateImageSynchronizeTask", (403, {"error_code": "HSS.1001", "error_msg": "no permission"}), False),
            "scan 400": ("CreateManualImageScanTask", (400, {"error_code": "HSS.0001", "error_msg": "bad"}), True),
            "scan 503": ("CreateManualImageScanTask", (503, {"error_code": "HSS.0500", "error_msg": "busy"}), True),
        }
        for name, (operation, failure, listed) in cases.items():
            with self.subTest(name):
                self.needs_trigger(listed)
                self.fake.fail_tasks = {operation: failure}
                result = self.run_gate(*self.WAIT, "--on-error", "pass", env=FAST)
                self.assertEqual(result.code, 4, result.out + result.err)
                self.assertIn(operation, result.out)
                self.assertIn(str(failure[0]), result.out)
                report = self.assert_reports_agree(result)
                self.assertEqual(report["images"][0]["decision"], "no_verdict")
                self.assertFalse(report["error_ignored"])

    def post_requests(self):
        return [r for r in self.fake.requests if r["method"] == "POST"]

    def needs_trigger(self, listed):
        """A fresh fake whose image needs a scan (listed) or a sync of its registry (not yet listed)."""
        self.fake.reset()
        self.fake.registries = [dict(SWR)]
        if listed:
            self.fake.registry_images = [unscanned()]
        else:
            self.fake.unsynced = [unscanned()]

    def test_a_trigger_that_hss_may_have_acted_on_is_never_sent_again(self):
        # A lost answer (the task exists) and a 5xx other than 503 leave it unknown whether HSS
        # created the task: a second POST could start a second scan or sync.
        cases = {
            "scan, answer lost": ("CreateManualImageScanTask", True, {"lose_answer": True}, 1),
            "sync, answer lost": ("CreateImageSynchronizeTask", False, {"lose_answer": True}, 1),
            "scan 500": ("CreateManualImageScanTask", True,
                         {"status": 500, "body": {"error_code": "HSS.0500", "error_msg": "internal"}}, 0),
            "sync 502": ("CreateImageSynchronizeTask", False, {"status": 502, "body": {"error_msg": "bad gateway"}}, 0),
            "scan 504": ("CreateManualImageScanTask", True, {"status": 504, "body": {"error_msg": "timeout"}}, 0),
        }
        for name, (operation, listed, action, tasks) in cases.items():
            with self.subTest(name):
                self.needs_trigger(listed)
                self.fake.post_script.extend([action, action, action])
                result = self.run_gate(*self.WAIT, "--on-error", "pass", env=FAST)
                self.assertEqual(result.code, 4, result.out + result.err)
                self.assertEqual(len(self.post_requests()), 1, "sent once, never again")
                self.assertEqual(len(self.fake.tasks), tasks)
                self.assertIn(operation, result.out)
                self.assertIn("not sent again", result.out)
                report = self.assert_reports_agree(result)
                self.assertEqual(report["images"][0]["decision"], "no_verdict")

    def test_a_trigger_hss_turned_away_is_sent_again_and_creates_one_task(self):
        for status in (429, 503):
            with self.subTest(status):
                self.fake.reset()
                self.fake.registries = [dict(SWR)]
                self.fake.registry_images = [unscanned()]
                self.fake.scan_delay = 0.3
                self.fake.scan_result = {"scan_status": "success", "severity_level": "Low"}
                self.fake.post_script.extend([{"status": status, "body": {"error_msg": "busy"}}])
                result = self.run_gate(*self.WAIT, env=FAST)
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertEqual(len(self.post_requests()), 2, "turned away once, then sent again")
                self.assertEqual(len(self.fake.tasks), 1)

    def test_images_hss_cannot_scan_are_refused_with_a_reason_and_nothing_asked(self):
        cases = {"multi-architecture": ({"is_multiple_arch": True}, "multi-architecture"),
                 "not scannable": ({"scannable": False}, "not scannable")}
        for name, (changes, reason) in cases.items():
            with self.subTest(name):
                self.fake.reset()
                self.fake.registry_images = [unscanned(**changes)]
                result = self.run_gate(*self.WAIT, env=FAST)
                self.assertEqual(result.code, 4, result.out + result.err)
                self.assertIn(reason, result.out)
                self.assertEqual(self.posts(), [])

    def test_a_scan_that_fails_is_judged_by_on_failed_with_the_advice_of_its_code_class(self):
        cases = {"swr_authentication_error": "grant it access", "get_detail_info_not_found": "gone from the registry",
                 "image_layer_over_sized": "slim it", "database_error": "fault of HSS's scanner"}
        for code, advice in cases.items():
            with self.subTest(code):
                self.fake.reset()
                self.fake.registry_images = [unscanned()]
                self.fake.scan_delay = 0.3
                self.fake.scan_result = {"scan_status": "failed", "scan_failed_code": code, "scan_failed_desc": code}
                result = self.run_gate(*self.WAIT)
                self.assertEqual(result.code, 4, result.out + result.err)
                self.assertIn(f"scan_failed_code {code}", result.out)
                self.assertIn(advice, result.out)
                self.assertEqual(len(self.posts()), 1)
                self.assertEqual(self.fake.tasks[0]["task_status"], -3)

    def test_a_scan_that_does_not_finish_within_the_wait_is_pending(self):
        self.fake.registry_images = [unscanned()]
        self.fake.scan_delay = 60
        result = self.run_gate("--trigger-scan", "--wait", "3s", "--poll-interval", "1s")
        self.assertEqual(result.code, 4, result.out + result.err)
        self.assertEqual(len(self.posts()), 1)

    def test_a_saved_file_that_cannot_answer_a_registry_image_is_exit_2_naming_the_file(self):
        response = os.path.join(os.path.dirname(__file__), "..", "data", "responses", "clean.json")
        names = ("--source", "registry", "--namespace", "team", "--image-name", "web", "--image-version", "2.0.0",
                 "--image-digest", DIGEST)
        result = self.gate("check", *names, "--from-file", response)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn(f"--from-file {response}: a plain CI/CD list response cannot answer", result.err)
        self.assertIn("the registry image list", result.err)
        self.fake.registry_images = [registry_record()]
        saved = self.run_gate("--save-bundle", "bundle.json")
        self.assertEqual(saved.code, 0, saved.out + saved.err)
        other = [n if n != "web" else "api" for n in names]
        result = self.gate("check", *other, "--from-file", "bundle.json")
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("the registry image list for", result.err)
        self.assertIn("cannot be replayed", result.err)

    def test_trigger_scan_is_refused_offline(self):
        response = os.path.join(os.path.dirname(__file__), "..", "data", "responses", "clean.json")
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file", response,
                           "--trigger-scan")
        self.assertEqual(result.code, 2, result.err)
        self.assertIn("--trigger-scan", result.err)



class Doctor(RegistryTest):
    def doctor(self, *args):
        return self.gate("doctor", "--endpoint", self.fake.url, "--project-id", "test-project", "--source", "registry",
                         "--namespace", "team", "--image-name", "web", "--image-version", "2.0.0", "--image-digest",
                         DIGEST, *args, env={"HSS_GATE_AUTH_TOKEN": TOKEN})

    def test_doctor_checks_the_registry_list_and_with_trigger_scan_reads_the_task_apis_without_starting_any(self):
        self.fake.registry_images = [registry_record()]
        plain = self.doctor()
        self.assertEqual(plain.code, 0, plain.out + plain.err)
        self.assertIn("ListRegistryImages", plain.out)
        self.assertNotIn("ListImageScanTask", plain.out)
        triggered = self.doctor("--trigger-scan")
        self.assertEqual(triggered.code, 0, triggered.out + triggered.err)
        self.assertIn("ListRegistry answered: registries swr-private (SwrPrivate)", triggered.out)
        self.assertIn("ListImageScanTask answered", triggered.out)
        self.assertRegex(triggered.out, r"warn  trigger: .*CreateImageSynchronizeTask, CreateManualImageScanTask")
        self.assertEqual(self.posts(), [], "doctor starts nothing")
        self.assertFalse([r for r in self.fake.requests if r["method"] == "POST"])

    def test_doctor_names_a_refused_task_list_and_a_refused_registry_list(self):
        self.fake.registry_images = [registry_record()]
        self.fake.script.extend([{}, {"status": 403, "body": {"error_code": "HSS.1001", "error_msg": "no permission"}}])
        result = self.doctor("--trigger-scan")
        self.assertEqual(result.code, 3, result.out + result.err)
        self.assertIn("HSS refused ListRegistry", result.out)
        self.fake.reset()
        self.fake.script.extend([{"status": 403, "body": {"error_code": "HSS.1001", "error_msg": "no permission"}}])
        result = self.doctor()
        self.assertEqual(result.code, 3, result.out + result.err)
        self.assertIn("HSS refused ListRegistryImages", result.out)

    def test_doctor_probes_each_source_s_list_of_a_mixed_run(self):
        self.fake.records = [record()]
        self.fake.registry_images = [registry_record()]
        result = self.gate("doctor", "--endpoint", self.fake.url, "--project-id", "test-project",
                           "--image", "cicd_name=shop,image_version=1.0.0",
                           "--image", f"source=registry,namespace=team,image_name=web,image_version=2.0.0,image_digest={DIGEST}",
                           env={"HSS_GATE_AUTH_TOKEN": TOKEN})
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertIn("ListCicdImages", result.out)
        self.assertIn("ListRegistryImages", result.out)


if __name__ == "__main__":
    unittest.main()
