"""Hostile inputs, part two (run with test_hostile, which imports these classes): no output on an
input, console text that shows every code point, single path segments, secrets never echoed."""
import json
import os

from harness import FakeServerTest, GateTest, record

TOKEN = "tok-SECRET-outputs"
RISKY = {"vul_num": 999, "severity_level": "High"}


class HostileTest(GateTest):
    def saved(self, records, name="saved.json"):
        path = os.path.join(self.folder, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"total_num": len(records), "data_list": records}, f)
        return path

    def offline(self, records, *args, env=None):
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file",
                         self.saved(records), "--junit", "junit.xml", "--json", "report.json", *args, env=env)


OUTPUTS = ("junit", "json", "summary", "dotenv", "sarif", "gitlab-report", "sbom", "attestation", "save-bundle")


class NothingOverwritten(HostileTest, FakeServerTest):
    """No output (any report, --save-bundle) may be an input, however either is spelled or given."""
    TOKEN = TOKEN

    def inputs(self):
        """How it is given -> (its file, the arguments and variables that give it, how errors name it)."""
        files = {}
        for name, text in (("p.toml", 'version = 1\nextends = ["base.toml"]\n'), ("base.toml", "version = 1\n"),
                           ("images.txt", "cicd_name=shop,image_version=1.0.0\n"), ("ca.pem", "not a CA\n")):
            files[name] = os.path.join(self.folder, name)
            with open(files[name], "w") as f:
                f.write(text)
        saved = self.saved([record()])
        online = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                  "HSS_GATE_AUTH_TOKEN": TOKEN}
        image = ["--cicd-name", "shop", "--image-version", "1.0.0"]
        return {
            "--policy": (files["p.toml"], image + ["--policy", files["p.toml"]], online, "the policy file"),
            "extends": (files["base.toml"], image + ["--policy", files["p.toml"]], online, "the policy file"),
            "HSS_GATE_POLICY": (files["p.toml"], image, {**online, "HSS_GATE_POLICY": files["p.toml"]},
                                "the policy file"),
            "--images": (files["images.txt"], ["--images", files["images.txt"]], online, "--images"),
            "--ca-file": (files["ca.pem"], image + ["--ca-file", files["ca.pem"]], online, "the CA file"),
            "SSL_CERT_FILE": (files["ca.pem"], image, {**online, "SSL_CERT_FILE": files["ca.pem"]}, "the CA file"),
            "--from-file": (saved, image + ["--from-file", saved], {}, "--from-file"),
        }

    def spellings(self, path):
        """The same file under other names: ./x, sub/../x, a hard link (created here)."""
        os.makedirs(os.path.join(self.folder, "sub"), exist_ok=True)
        relative = os.path.relpath(path, self.folder)
        hard = os.path.join(self.folder, "hard-" + relative)
        if not os.path.exists(hard):
            os.link(path, hard)
        return ["./" + relative, "sub/../" + relative, hard]

    def test_no_output_is_an_input_in_any_spelling(self):
        for given, (path, args, env, what) in self.inputs().items():
            with open(path, "rb") as f:
                before = f.read()
            for output in OUTPUTS:
                for spelling in self.spellings(path):
                    with self.subTest(input=given, output=output, spelling=spelling):
                        self.fake.reset([record()])
                        result = self.gate("check", *args, f"--{output}", spelling, env=env)
                        self.assertEqual(result.code, 2, result.out + result.err)
                        self.assertIn(f"--{output} {spelling}: would overwrite {what} ", result.err)
                        self.assertEqual(self.fake.requests, [])
                        with open(path, "rb") as f:
                            self.assertEqual(f.read(), before)

    def test_an_output_given_by_its_variable_is_checked_too(self):
        path, args, env, _ = self.inputs()["--policy"]
        for output in ("json", "dotenv", "gitlab-report", "save-bundle"):
            variable = "HSS_GATE_" + output.upper().replace("-", "_")
            with self.subTest(variable=variable):
                result = self.gate("check", *args, env={**env, variable: "./p.toml"})
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(f"{variable} ./p.toml: would overwrite the policy file", result.err)
                self.assertEqual(self.fake.requests, [])

    def test_two_outputs_never_share_a_file(self):
        saved = self.saved([record()])
        pairs = [(a, b) for i, a in enumerate(OUTPUTS) for b in OUTPUTS[i + 1:]]
        for first, second in pairs:
            for spelling in ("out.x", "./out.x", "sub/../out.x"):
                with self.subTest(first=first, second=second, spelling=spelling):
                    os.makedirs(os.path.join(self.folder, "sub"), exist_ok=True)
                    result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file", saved,
                                       f"--{first}", "out.x", f"--{second}", spelling)
                    self.assertEqual(result.code, 2, result.out + result.err)
                    self.assertIn("two reports on one path", result.err)
                    self.assertIn(f"--{first} out.x", result.err)
                    self.assertIn(f"--{second} {spelling}", result.err)
                    self.assertFalse(os.path.exists(os.path.join(self.folder, "out.x")))

    def test_a_github_file_is_an_output_too(self):
        saved = self.saved([record()])
        for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
            with self.subTest(variable=variable):
                env = {"GITHUB_ACTIONS": "true", variable: saved}
                result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file", saved,
                                   env=env)
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(f"{variable} {saved}: would overwrite --from-file", result.err)


class PrintableConsole(HostileTest, FakeServerTest):
    """C1, bidirectional and invisible code points from HSS or a policy show as escapes everywhere
    the console shows them, and never reach a CI output file raw."""
    TOKEN = TOKEN
    SNEAKY = {"\u0085": "\\u0085", "\u009b": "\\u009b", "\u202e": "\\u202e", "\u2066": "\\u2066",
              "\u200b": "\\u200b", "\ufeff": "\\ufeff",
              # Issue 19: the rest of Unicode's Default_Ignorable_Code_Point set (Hangul fillers,
              # variation selectors, the grapheme joiner, tags' block), separators and private use.
              "\u115f": "\\u115f", "\u1160": "\\u1160", "\u3164": "\\u3164", "\uffa0": "\\uffa0",
              "\u034f": "\\u034f", "\ufe0f": "\\ufe0f", "\U000e0100": "\\U000e0100", "\U0001d173": "\\U0001d173",
              "\u2028": "\\u2028", "\ue000": "\\ue000"}

    def run_online(self, policy_text, *args, env=None):
        policy = os.path.join(self.folder, "p.toml")
        with open(policy, "w", encoding="utf-8") as f:
            f.write("version = 1\n" + policy_text)
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                       "HSS_GATE_AUTH_TOKEN": TOKEN, **(env or {})}
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                         "--json", "report.json", "--summary", "summary.md", *args, env=environment)

    def assert_escaped(self, text, raw, escaped):
        self.assertNotIn(raw, text)
        self.assertIn(escaped, text)

    def test_hss_text_and_policy_text_are_escaped_in_every_console_mode(self):
        for raw, escaped in self.SNEAKY.items():
            for mode, extra, env in (("normal", [], {}), ("verbose", ["-v"], {}), ("quiet", ["-q"], {}),
                                     ("github", [], {"GITHUB_ACTIONS": "true",
                                                     "GITHUB_OUTPUT": os.path.join(self.folder, "out"),
                                                     "GITHUB_STEP_SUMMARY": os.path.join(self.folder, "step.md")}),
                                     ("gitlab", [], {"GITLAB_CI": "true"})):
                with self.subTest(code_point=escaped, mode=mode):
                    # In the image name (HSS), a finding's file path (HSS) and the rule's message (policy).
                    self.fake.reset([record(image_name=f"web{raw}app", **RISKY)])
                    with self.fake.lock:
                        self.fake.findings = {"img-1": {"malware": [{"file_name": f"mi{raw}ner",
                                                                     "file_path": f"/usr/bin/mi{raw}ner"}]}}
                    result = self.run_online(f'[rules.m]\nfindings = "malware"\nmessage = "remove{raw} it"\n'
                                             f'[rules.v]\nfield = "vul_num"\nmax = 0\nmessage = "fix{raw} it"\n',
                                             *extra, env=env)
                    self.assertEqual(result.code, 1, result.out + result.err)
                    console = result.out + result.err
                    self.assertNotIn(raw, console)
                    if mode != "quiet":
                        self.assertIn(f"web{escaped}app", console)
                        self.assertIn(f"fix{escaped} it", console)
                        self.assertIn(f"/usr/bin/mi{escaped}ner", console)
                    if mode == "github":
                        annotations = [l for l in result.out.splitlines() if l.startswith("::")]
                        self.assertTrue(any(f"remove{escaped} it" in l for l in annotations), annotations)
                        self.assertNotIn(raw, result.text("out"))
                        self.assertNotIn(raw, result.text("step.md"))
                    self.assertNotIn(raw, result.text("summary.md"))
                    # The machine-readable report keeps the data as it is.
                    self.assertIn(f"web{raw}app", json.dumps(result.json(), ensure_ascii=False))

    def test_policy_show_writes_every_non_printing_code_point_as_a_toml_escape(self):
        for raw, escaped in (("\u202e", "\\u202E"), ("\u0085", "\\u0085"), ("\u200b", "\\u200B")):
            with self.subTest(code_point=escaped):
                policy = os.path.join(self.folder, "p.toml")
                with open(policy, "w", encoding="utf-8") as f:
                    f.write(f'version = 1\n[rules.v]\nfield = "vul_num"\nmax = 0\nmessage = "fix{raw} it"\n')
                result = self.gate("policy", "show", policy)
                self.assertEqual(result.code, 0, result.err)
                self.assertNotIn(raw, result.out + result.err)
                self.assertIn(f'message = "fix{escaped} it"', result.out)

    def test_a_report_path_that_prints_nothing_is_refused(self):
        for raw in ("\u0085", "\u202e", "\n"):
            with self.subTest(code_point=repr(raw)):
                result = self.offline([record()], "--dotenv", f"gate{raw}.env")
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn("--dotenv: expected a path of printable UTF-8 text", result.err)
                self.assertEqual(result.err.count("\n"), 1, result.err)  # one line, the path not echoed raw
                self.assertNotIn(raw, result.err.rstrip("\n"))



class RequestPaths(HostileTest, FakeServerTest):
    """image_id and vul_id are single path segments, live and replayed alike."""
    TOKEN = TOKEN

    def run_online(self, policy_text, *args):
        policy = os.path.join(self.folder, "p.toml")
        with open(policy, "w") as f:
            f.write("version = 1\n" + policy_text)
        env = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url, "HSS_GATE_AUTH_TOKEN": TOKEN}
        return self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                         "--json", "report.json", *args, env=env)

    def assert_no_dot_segment(self):
        for request in self.fake.requests:
            self.assertFalse({".", ".."} & set(request["path"].split("/")), request["path"])

    def test_an_id_with_a_slash_is_sent_encoded(self):
        for image_id in ("a/b", "../etc"):
            with self.subTest(image_id=image_id):
                self.fake.reset([record(image_id=image_id)])
                with self.fake.lock:
                    self.fake.findings = {image_id: {"malware": [{"file_name": "m", "file_path": "/m"}]}}
                result = self.run_online('[rules.m]\nfindings = "malware"\n')
                self.assertEqual(result.code, 1, result.out + result.err)
                paths = [r["path"] for r in self.fake.requests if r["path"].endswith("/malwares")]
                self.assertEqual(paths, ["/v5/test-project/image/" + image_id.replace("/", "%2F") + "/malwares"])
                self.assert_no_dot_segment()

    def test_an_image_id_that_cannot_be_a_segment_is_malformed_hss_data(self):
        for image_id in ("..", "."):
            with self.subTest(image_id=image_id):
                self.fake.reset([record(image_id=image_id)])
                result = self.run_online('[rules.m]\nfindings = "malware"\n', "--save-bundle", "b.json")
                self.assertEqual(result.code, 3, result.out + result.err)
                self.assertIn(f'the path parameter image_id is "{image_id}"', result.out + result.err)
                self.assertIn("malware", result.json()["errors"][0])
                self.assert_no_dot_segment()
                # Replayed, the bundle cannot answer for that image: exit 2 naming the image and the list.
                replay = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy",
                                   os.path.join(self.folder, "p.toml"), "--from-file", "b.json")
                self.assertEqual(replay.code, 2, replay.out + replay.err)
                self.assertIn("the bundle has no malware list for team/web:1.0.0", replay.err)

    def test_a_vul_id_that_cannot_be_a_segment_is_refused_and_one_with_a_slash_encoded(self):
        vulns = [{"vul_id": vul_id, "app_name": "openssl", "version": "1", "app_path": "",
                  "repair_necessity": "immediate_repair"} for vul_id in ("V/1", "..")]
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": {"vulnerabilities": vulns}}
            self.fake.cves = {"V/1": [{"cve_id": "CVE-1", "cvss_score": 9.8}]}
        # Within max, so only the unread CVEs of ".." keep the rule from passing: not judged, exit 3.
        result = self.run_online('[rules.v]\nfindings = "vulnerabilities"\nwhere.cvss = { min = 9 }\nmax = 5\n')
        self.assertEqual(result.code, 3, result.out + result.err)
        self.assertIn('the path parameter vul_id is ".."', result.out + result.err)
        cve_paths = [r["path"] for r in self.fake.requests if r["path"].endswith("/cve")]
        self.assertIn("/v5/test-project/image/vulnerability/V%2F1/cve", cve_paths)
        self.assert_no_dot_segment()


class SecretsNeverEchoed(HostileTest, FakeServerTest):
    TOKEN = TOKEN
    URLS = ("https://hss.example.com/?token=SECRET42", "http://127.0.0.1:1/?token=SECRET42",
            "https://user:SECRET42@hss.example.com/", "https://hss.example.com/SECRET42",
            "https://hss.example.com#SECRET42", "http://SECRET42@127.0.0.1:1/x?t=SECRET42")

    def test_an_endpoint_with_a_query_path_or_userinfo_is_refused_without_echo(self):
        for url in self.URLS:
            for command in ("check", "doctor"):
                for given in ("flag", "variable"):
                    with self.subTest(url=url, command=command, given=given):
                        env = {"HSS_GATE_AUTH_TOKEN": "t", "HSS_GATE_PROJECT_ID": "p"}
                        args = [command, "--cicd-name", "a", "--image-version", "1", "--json", "r.json",
                                "--save-bundle", "b.json"]
                        if given == "flag":
                            args += ["--endpoint", url]
                        else:
                            env["HSS_GATE_ENDPOINT"] = url
                        result = self.gate(*args, env=env)
                        self.assertEqual(result.code, 2, result.out + result.err)
                        origin = "--endpoint" if given == "flag" else "HSS_GATE_ENDPOINT"
                        self.assertIn(f"{origin}: ", result.out + result.err)
                        self.assertNotIn("SECRET42", result.out + result.err)
                        self.assertFalse(os.path.exists(result.path("r.json")))
                        self.assertFalse(os.path.exists(result.path("b.json")))

    # Issue 19: shapes a lenient parser took as a host (";", "&") or echoed when refusing them.
    SHAPES = ("https://hss.example.com/%3Ftoken=SECRET43", "https://hss.example.com&token=SECRET43",
              "https://hss.example.com;token=SECRET43", "https://hss.example.com:99999?token=SECRET43",
              "https://hss.exa mple.com?token=SECRET43", "https://user\\@host?token=SECRET43",
              "https://u:SECRET43@hss.example.com", "https://hss.example.com\n::warning::SECRET43",
              "https://hss_SECRET43.example.com", "https://[::1;SECRET43]", "SECRET43")

    def assert_refused_without_echo(self, result, origin):
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn(f"{origin}: ", result.err)
        written = "".join(result.text(name) for name in os.listdir(self.folder)
                          if os.path.isfile(result.path(name)) and name != "saved.json")
        self.assertNotIn("SECRET43", result.out + result.err + written)
        self.assertEqual(len(result.err.splitlines()), 1, result.err)
        for line in result.out.splitlines():
            if line.startswith("::"):
                self.assertTrue(line.startswith("::error title=hss-gate configuration error::"), line)

    def test_every_url_shape_is_refused_without_echo(self):
        github = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": os.path.join(self.folder, "out"),
                  "GITHUB_STEP_SUMMARY": os.path.join(self.folder, "step.md")}
        for url in self.SHAPES:
            for command in ("check", "doctor"):
                for given in ("flag", "variable"):
                    with self.subTest(url=url, command=command, given=given):
                        env = {"HSS_GATE_AUTH_TOKEN": "t", "HSS_GATE_PROJECT_ID": "p", **github}
                        args = [command, "--cicd-name", "a", "--image-version", "1", "--json", "r.json"]
                        if given == "flag":
                            args += ["--endpoint", url]
                        else:
                            env["HSS_GATE_ENDPOINT"] = url
                        result = self.gate(*args, env=env)
                        origin = "--endpoint" if given == "flag" else "HSS_GATE_ENDPOINT"
                        if command == "doctor":  # doctor's checklist says it on stdout
                            self.assertEqual(result.code, 2, result.out + result.err)
                            self.assertIn(f"configuration: {origin}: ", result.out)
                            self.assertNotIn("SECRET43", result.out + result.err)
                        else:
                            self.assert_refused_without_echo(result, origin)

    def test_a_proxy_url_of_any_shape_is_refused_without_echo(self):
        for proxy in ("http://user:SECRET43@proxy;x:3128", "http://user:SECRET43@proxy:99999",
                      "proxy.example:3128/?token=SECRET43", "socks5://SECRET43@proxy:1080",
                      "http://user:SECRET43@pro xy:3128", "http://proxy\n::warning::SECRET43"):
            for name in ("HTTPS_PROXY", "https_proxy"):
                with self.subTest(proxy=proxy, name=name):
                    result = self.gate("check", "--cicd-name", "a", "--image-version", "1", "--json", "r.json",
                                       "--endpoint", "https://hss.example.com", "--project-id", "p",
                                       env={"HSS_GATE_AUTH_TOKEN": "t", name: proxy, "GITHUB_ACTIONS": "true"})
                    self.assert_refused_without_echo(result, name)

    def test_a_bundle_never_holds_a_secrets_content_in_any_case_or_depth(self):
        secrets = [{"sensitive_info_id": "S-1", "severity": "high", "file_path": "/a", "position": "l",
                    "Content": "SECRET-A", "extra": {"CONTENT": "SECRET-B", "list": [{"content": "SECRET-C"},
                                                                                       {"cOnTeNt": ["SECRET-D"]}]}}]
        self.fake.reset([record()])
        with self.fake.lock:
            self.fake.findings = {"img-1": {"secrets": secrets}}
        env = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url, "HSS_GATE_AUTH_TOKEN": TOKEN}
        policy = os.path.join(self.folder, "p.toml")
        with open(policy, "w") as f:
            f.write('version = 1\n[rules.s]\nfindings = "secrets"\n')
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                           "--save-bundle", "b.json", "--json", "r.json", env=env)
        self.assertEqual(result.code, 1, result.out + result.err)
        bundle = result.text("b.json")
        self.assertIn("S-1", bundle)
        for secret in ("SECRET-A", "SECRET-B", "SECRET-C", "SECRET-D"):
            self.assertNotIn(secret, bundle)
            self.assertNotIn(secret, result.out + result.err + result.text("r.json"))



class OneLineErrors(HostileTest, FakeServerTest):
    """Issue 19: a flag or a variable holding a line break made a multi-line error and extra
    workflow commands. Each message is one line of stderr and one annotation, whatever it quotes."""
    TOKEN = TOKEN
    BREAKS = ("\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\x0b")

    def test_an_hss_error_message_with_line_breaks_is_one_line_everywhere(self):
        for brk in ("\n", "\u2028", "\u0085"):
            for on_error in ("fail", "pass"):
                with self.subTest(line_break=repr(brk), on_error=on_error):
                    for name in ("step.md", "out"):
                        if os.path.exists(os.path.join(self.folder, name)):
                            os.remove(os.path.join(self.folder, name))
                    self.fake.reset([record()])
                    self.fake.script.append({"status": 400, "body": {
                        "error_code": "HSS.1000", "error_msg": f"boom{brk}::warning::EVIL{brk}> **Fix:** forged"}})
                    env = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                           "HSS_GATE_AUTH_TOKEN": TOKEN, "GITHUB_ACTIONS": "true",
                           "GITHUB_STEP_SUMMARY": os.path.join(self.folder, "step.md"),
                           "GITHUB_OUTPUT": os.path.join(self.folder, "out")}
                    result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--on-error",
                                       on_error, "--summary", "summary.md", "--json", "report.json", env=env)
                    self.assertEqual(result.code, 3 if on_error == "fail" else 0, result.out + result.err)
                    lines = (result.out + result.err).splitlines()
                    self.assertFalse([l for l in lines if l.startswith("::warning::") or l.startswith("> ")], lines)
                    for line in lines:
                        if line.startswith("::"):
                            self.assertRegex(line, r"^::(error|warning) title=hss-gate")
                    self.assertTrue(any("HSS.1000 boom\\n::warning::EVIL" in l or "HSS.1000 boom\\u" in l
                                        for l in lines if l.startswith("::")), lines)
                    for summary in ("summary.md", "step.md"):
                        errors = [l for l in result.text(summary).splitlines() if "HSS.1000" in l]
                        self.assertEqual(len(errors), 1, result.text(summary))
                        self.assertTrue(errors[0].startswith("> **Error:** "), errors)
                        self.assertNotIn("<br>", errors[0])
                    # The machine-readable report keeps the message as HSS sent it.
                    self.assertIn(f"boom{brk}::warning::EVIL", result.json()["errors"][0])

    def test_a_value_with_a_line_break_makes_one_line_and_one_annotation(self):
        saved = self.saved([record()])
        for brk in self.BREAKS:
            evil = f"A{brk}::warning::EVIL{brk}##[error]EVIL{brk}::add-mask::x"
            cases = {
                "--dotenv-prefix": (["--dotenv-prefix", evil, "--from-file", saved], {}),
                "--wait": (["--wait", evil], {"HSS_GATE_PROJECT_ID": "p", "HSS_GATE_REGION": "ap-southeast-1"}),
                "--region": (["--region", evil, "--project-id", "p"], {}),
                "--on-error": (["--on-error", evil, "--from-file", saved], {}),
                "--image": (["--image", f"cicd_name=a,image_version={evil}", "--from-file", saved], {}),
                "HSS_GATE_DOTENV_PREFIX": (["--from-file", saved], {"HSS_GATE_DOTENV_PREFIX": evil}),
                "HSS_GATE_ENDPOINT": ([], {"HSS_GATE_ENDPOINT": "https://" + evil, "HSS_GATE_PROJECT_ID": "p"}),
                "HSS_GATE_NOW": (["--from-file", saved], {"HSS_GATE_NOW": evil}),
                "HSS_GATE_TIMEOUT": (["--project-id", "p", "--region", "ap-southeast-1"], {"HSS_GATE_TIMEOUT": evil}),
            }
            for origin, (args, env) in cases.items():
                with self.subTest(origin=origin, line_break=repr(brk)):
                    image = [] if "--image" in args else ["--cicd-name", "shop", "--image-version", "1.0.0"]
                    result = self.gate("check", *image, *args, env={"HSS_GATE_AUTH_TOKEN": "t",
                                                                    "GITHUB_ACTIONS": "true", **env})
                    self.assertEqual(result.code, 2, result.out + result.err)
                    # splitlines() breaks at every line break Python knows, U+0085 and U+2028 included.
                    self.assertEqual(len(result.err.splitlines()), 1, repr(result.err))
                    self.assertTrue(result.err.startswith(f"hss-gate: error: {origin}"), repr(result.err))
                    self.assertEqual(len(result.out.splitlines()), 1, repr(result.out))
                    self.assertTrue(result.out.startswith("::error title=hss-gate configuration error::"),
                                    repr(result.out))
                    self.assertNotIn(brk, result.out.rstrip("\n"))
                    self.assertNotIn(brk, result.err.rstrip("\n"))

    def test_several_problems_are_one_line_each(self):
        policy = os.path.join(self.folder, "p.toml")
        with open(policy, "w") as f:
            f.write('version = 1\n[rules.x]\nfoo = 1\n[rules.y]\nbar = 2\n')
        for github in (False, True):
            with self.subTest(github=github):
                result = self.offline([record()], "--policy", policy, env={"GITHUB_ACTIONS": "true"} if github else {})
                self.assertEqual(result.code, 2, result.out + result.err)
                errors = result.err.splitlines()
                self.assertEqual(len(errors), 2, result.err)
                self.assertTrue(all(line.startswith(f"hss-gate: error: {policy}:") for line in errors), errors)
                annotations = [line for line in result.out.splitlines() if line.startswith("::")]
                self.assertEqual(len(annotations), 2 if github else 0, result.out)
