"""Several images per run (--image, --images): usage errors, grouped and parallel lookups, one
verdict from many, reports per image, and waiting for several scans at once."""
import json
import os
import time
import unittest

from harness import SLOWDOWN, FakeServerTest, GateTest, parse_github_output, record

TOKEN = "images-SECRET-token"


class ImageSpecs(GateTest):
    def saved(self, records):
        path = os.path.join(self.folder, "saved.json")
        with open(path, "w") as f:
            json.dump({"total_num": len(records), "data_list": records}, f)
        return path

    def usage(self, *args, env=None):
        result = self.gate("check", "--from-file", self.saved([record()]), *args, env=env)
        self.assertEqual(result.code, 2, result.out + result.err)
        return result.err

    def test_bad_specs_are_usage_errors_naming_the_spec(self):
        self.assertIn("--image #1: unknown key 'tag'", self.usage("--image", "cicd_name=shop,tag=1"))
        self.assertIn("--image #1: image_name has no value", self.usage("--image", "cicd_name=shop,image_version=1,image_name="))
        self.assertIn("--image #2: no cicd_name", self.usage("--image", "cicd_name=a,image_version=1",
                                                             "--image", "image_version=1"))
        self.assertIn("--image #1: no image_version", self.usage("--image", "cicd_name=shop"))
        self.assertIn("--image #1 and --image #2: the same image twice",
                      self.usage("--cicd-name", "shop", "--image", "image_version=1", "--image", "image_version=1"))
        for digest in ("latest", "sha256:" + "A" * 64, "sha256:" + "a" * 63, "sha256:" + "a" * 65, "md5:" + "a" * 32,
                       "sha512:" + "a" * 64, "sha256+b64u:" + "a" * 64, "SHA256:" + "a" * 64, "sha256:" + "g" * 64):
            self.assertIn("--image #1: image_digest: expected sha256: and 64 lower-case hex digits",
                          self.usage("--image", "cicd_name=a,image_version=1,image_digest=" + digest), digest)
            self.assertIn("--image-digest: expected sha256: and 64 lower-case hex digits",
                          self.usage("--cicd-name", "a", "--image-version", "1", "--image-digest", digest), digest)
        self.assertIn("--image #1: image_version: expected 1 to 64 characters, got 65",
                      self.usage("--image", "cicd_name=a,image_version=" + "v" * 65))
        self.assertIn("HSS_GATE_IMAGE line 2: unknown key 'x'",
                      self.usage(env={"HSS_GATE_IMAGE": "cicd_name=a,image_version=1\nx=1"}))
        many = os.path.join(self.folder, "many.txt")
        with open(many, "w") as f:
            f.write("".join(f"cicd_name=svc-{i},image_version=1\n" for i in range(101)))
        self.assertIn("101 images: at most 100 in one run", self.usage("--images", many))
        self.assertIn("no such file", self.usage("--images", os.path.join(self.folder, "missing.txt")))

    def test_specs_come_from_flags_then_the_file_with_defaults_and_comments(self):
        listing = os.path.join(self.folder, "images.txt")
        with open(listing, "w") as f:
            f.write("# the release's images\n\nimage_name=worker\n   \n  # migrations run once\nimage_name=migrate,"
                    "dockerfile=db/Dockerfile\n")
        records = [record(image_name=name) for name in ("api", "worker", "migrate")]
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file",
                           self.saved(records), "--image", "image_name=api", "--images", listing,
                           "--json", "report.json", "--junit", "junit.xml")
        self.assertEqual(result.code, 0, result.out + result.err)
        report = result.json()
        self.assertEqual([image["query"]["image_name"] for image in report["images"]], ["api", "worker", "migrate"])
        self.assertEqual([image["decision"] for image in report["images"]], ["pass"] * 3)
        self.assertEqual(len(result.junit().findall("testsuite")), 3)
        self.assert_schema_valid(result.path("junit.xml"))

    def test_without_image_flags_the_single_image_flags_work_as_before(self):
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file",
                           self.saved([record()]))
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertIn("--cicd-name: required", self.usage("--image-version", "1.0.0"))


class SeveralImagesOnline(FakeServerTest):
    TOKEN = TOKEN

    def run_images(self, records, specs, *args, env=None):
        self.fake.reset(records)
        words = []
        for spec in specs:
            words += ["--image", spec]
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                       "HSS_GATE_AUTH_TOKEN": TOKEN, "GITHUB_ACTIONS": "true",
                       "GITHUB_OUTPUT": os.path.join(self.folder, "out"), **(env or {})}
        open(environment["GITHUB_OUTPUT"], "w").close()
        result = self.gate("check", "--json", "report.json", "--junit", "junit.xml", "--summary", "summary.md",
                           "--dotenv", "result.env", *words, *args, env=environment)
        self.assertNotIn(TOKEN, result.out + result.err)
        return result

    def outputs(self):
        with open(os.path.join(self.folder, "out")) as f:
            return parse_github_output(f.read())

    def test_images_of_one_cicd_name_and_version_share_one_request(self):
        for count in (2, 10):
            with self.subTest(images=count):
                names = [f"img-{i}" for i in range(count)]
                result = self.run_images([record(image_name=n) for n in names],
                                         [f"cicd_name=shop,image_version=1.0.0,image_name={n}" for n in names])
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertEqual(len(self.fake.page_requests()), 1)
                query = dict(self.fake.page_requests()[0]["query"])
                self.assertNotIn("image_name", query)  # the names differ: matched exactly afterwards
                self.assertEqual(self.outputs()["images_pass"], str(count))

    def ten_services(self, **changes_by_index):
        records = []
        for i in range(10):
            records.append(record(cicd_name=f"svc-{i}", image_name=f"svc-{i}", **changes_by_index.get(f"i{i}", {})))
        return records

    SPECS = [f"cicd_name=svc-{i},image_version=1.0.0" for i in range(10)]

    def test_ten_services_one_blocked_one_missing_one_unreadable(self):
        records = self.ten_services(i3={"vul_num": 500})
        del records[6]  # svc-6 is missing
        result = self.run_images(records, self.SPECS)
        self.assertEqual(result.code, 1, result.out + result.err)  # a block outranks a missing verdict
        report = result.json()
        decisions = {image["query"]["cicd_name"]: image["decision"] for image in report["images"]}
        self.assertEqual(decisions["svc-3"], "fail")
        self.assertEqual(decisions["svc-6"], "no_verdict")
        self.assertEqual(sum(d == "pass" for d in decisions.values()), 8)
        self.assertEqual(len(self.fake.page_requests()), 10)
        outputs = self.outputs()
        self.assertEqual((outputs["images_pass"], outputs["images_fail"], outputs["images_no_verdict"]), ("8", "1", "1"))
        with open(result.path("result.env")) as f:
            env = f.read()
        self.assertIn("HSS_GATE_RESULT_IMAGES_FAIL=1\n", env)
        self.assertIn("HSS_GATE_RESULT_IMAGES_NO_VERDICT=1\n", env)
        summary = result.text("summary.md")
        self.assertIn("| Image | Decision | Failed | Warnings | Waived |", summary)
        self.assertEqual(summary.count("\n### "), 2)  # details only for the images that did not pass
        self.assertIn("::error title=hss-gate vuln-budget%3A team/svc-3%3A1.0.0 (cicd_name svc-3)", result.out)
        self.assertEqual(len(result.junit().findall("testsuite")), 10)
        self.assert_schema_valid(result.path("junit.xml"))

    def test_one_service_error_hides_no_other_result(self):
        for on_error, expected in (("fail", 3), ("pass", 0)):
            with self.subTest(on_error=on_error):
                self.fake.reset(self.ten_services())
                self.fake.fail_for["svc-4"] = (403, {"error_code": "HSS.1063", "error_msg": "no permission"})
                words = [w for spec in self.SPECS for w in ("--image", spec)]
                result = self.gate("check", "--json", "report.json", "--on-error", on_error, *words,
                                   env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                                        "HSS_GATE_AUTH_TOKEN": TOKEN})
                self.assertEqual(result.code, expected, result.out + result.err)
                report = result.json()
                decisions = {image["query"]["cicd_name"]: image["decision"] for image in report["images"]}
                self.assertEqual(decisions["svc-4"], "error")
                self.assertEqual(sum(d == "pass" for d in decisions.values()), 9)
                self.assertEqual(report["error_ignored"], on_error == "pass")
                self.assertIn("HSS.1063 no permission", report["images"][4]["errors"][0])
        # An error and a block: the block decides.
        self.fake.reset(self.ten_services(i1={"vul_num": 500}))
        self.fake.fail_for["svc-4"] = (403, {"error_code": "HSS.1063", "error_msg": "no permission"})
        words = [w for spec in self.SPECS for w in ("--image", spec)]
        result = self.gate("check", "--on-error", "pass", *words,
                           env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                                "HSS_GATE_AUTH_TOKEN": TOKEN})
        self.assertEqual(result.code, 1, result.out + result.err)

    def test_waiting_covers_every_image_at_once(self):
        records = [record(cicd_name="slow", image_name="slow"), record(cicd_name="fast", image_name="fast")]
        self.fake.reset(records)
        self.fake.statuses_for["slow"] = __import__("collections").deque(["scanning", "scanning", "success"])
        words = ["--image", "cicd_name=slow,image_version=1.0.0", "--image", "cicd_name=fast,image_version=1.0.0"]
        started = time.monotonic()
        result = self.gate("check", "--wait", "30s", "--poll-interval", "1s", "-v", *words,
                           env={"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                                "HSS_GATE_AUTH_TOKEN": TOKEN})
        elapsed = time.monotonic() - started
        self.assertEqual(result.code, 0, result.out + result.err)
        polls = [line for line in result.out.splitlines() if "poll " in line]
        self.assertEqual(len(polls), 2)
        self.assertIn('cicd_name "slow", image_version "1.0.0": scan_status scanning', polls[0])
        self.assertNotIn('"fast"', polls[0])  # final images are not named, nor asked again
        by_name = [dict(r["query"])["cicd_name"] for r in self.fake.page_requests()]
        self.assertEqual((by_name.count("slow"), by_name.count("fast")), (3, 1))
        self.assertLess(elapsed, 15 * SLOWDOWN)


if __name__ == "__main__":
    unittest.main()
