"""Policy bases named by a pinned URL in `extends`: fetched through the gate's own HTTP client from a
server on 127.0.0.1 (the fake HSS server's `files`), checked against the pinned SHA-256, cached by
digest, saved in bundles, listed by `policy show` and `doctor`; every failure exit 2, never a
secret sent to the policy's host or echoed."""
import hashlib
import http.server
import json
import os
import select
import socket
import sys
import threading
import unittest

from harness import GateTest, SOURCE, make_pki, record

sys.path.insert(0, os.path.join(SOURCE, "tests", "fake_hss"))
from fake_hss import FakeHss  # noqa: E402

TOKEN = "url-SECRET-token-4b1e"
AK, SK = "AKurlSECRET00001", "SKurl-SECRET-do-not-send"
SECRETS = (TOKEN, AK, SK)
# Scaled clock: retries keep their counts and budgets, sleeping 1000 times shorter.
FAST = {"HSS_GATE_TEST_TIME_SCALE": "1000"}

BASE = 'version = 1\n[scan]\nmax_age = "30d"\n[rules.vulns]\nfield = "vul_num"\nmax = 5\n'
REPO = 'version = 1\nextends = ["{url}"]\n[rules.vulns]\nfield = "vul_num"\nmax = 3\n'
# Headers that carry HSS credentials or name the HSS project: none may reach a policy's host.
HSS_HEADERS = ("x-auth-token", "authorization", "x-sdk-date", "x-project-id", "x-security-token")


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TunnelProxy:
    """An HTTPS proxy that records each CONNECT and tunnels it."""

    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_CONNECT(self):
                seen.append(self.path)
                host, port = self.path.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)), timeout=10)
                self.send_response(200, "Connection established")
                self.end_headers()
                sockets = [self.connection, upstream]
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

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class PolicyUrls(GateTest):
    @classmethod
    def setUpClass(cls):
        cls.fake = FakeHss(token=TOKEN, ak=AK, sk=SK).start()
        cls.pki = make_pki({"good": ("DNS:localhost,IP:127.0.0.1", 2), "wrong": ("DNS:other.example", 2)})
        cls.tls = FakeHss(token=TOKEN, certfile=os.path.join(cls.pki, "good.pem"),
                          keyfile=os.path.join(cls.pki, "good.key")).start()
        cls.wrong = FakeHss(token=TOKEN, certfile=os.path.join(cls.pki, "wrong.pem"),
                            keyfile=os.path.join(cls.pki, "wrong.key")).start()
        cls.proxy = TunnelProxy()

    @classmethod
    def tearDownClass(cls):
        for server in (cls.fake, cls.tls, cls.wrong, cls.proxy):
            server.stop()

    def setUp(self):
        super().setUp()
        for server in (self.fake, self.tls, self.wrong):
            server.reset([record()])
        self.proxy.seen.clear()
        self.cache = os.path.join(self.folder, "cache")

    # -- helpers --------------------------------------------------------------------------------

    def serve(self, text, name="org.toml", server=None):
        """Serves `text` at /org/NAME; returns its pinned URL."""
        server = server or self.fake
        server.files[f"/org/{name}"] = text.encode()
        return f"{server.url}/org/{name}#sha256={sha256(text)}"

    def write(self, name, text):
        path = os.path.join(self.folder, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def repo(self, url, text=REPO):
        return self.write("repo.toml", text.format(url=url))

    def env(self, **more):
        return {"HSS_GATE_CACHE_DIR": self.cache, **more}

    def online(self, policy, *args, env=None, auth="token", endpoint=None):
        environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": endpoint or self.fake.url,
                       **self.env(), **(env or {})}
        if auth == "token":
            environment["HSS_GATE_AUTH_TOKEN"] = TOKEN
        else:
            environment.update({"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK})
        result = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                           "--json", "report.json", *args, env=environment)
        for secret in SECRETS:
            self.assertNotIn(secret, result.out + result.err)
        return result

    def lint(self, policy, env=None):
        return self.gate("policy", "lint", policy, env={**self.env(), **(env or {})})

    def show(self, policy, env=None):
        return self.gate("policy", "show", policy, env={**self.env(), **(env or {})})

    def file_requests(self, server=None):
        return [r for r in (server or self.fake).requests if r["path"].startswith("/org/")]

    def cache_entry(self, text):
        return os.path.join(self.cache, "policies", sha256(text) + ".toml")

    # -- fetching -------------------------------------------------------------------------------

    def test_a_pinned_base_applies_as_a_file_base_would_and_gets_no_credential(self):
        for auth in ("token", "aksk"):
            for vul_num, code in ((0, 0), (4, 1), (9, 1)):
                with self.subTest(auth=auth, vul_num=vul_num):
                    self.fake.reset([record(vul_num=vul_num)])
                    url = self.serve(BASE)
                    cache = os.path.join(self.folder, f"cache-{auth}-{vul_num}")
                    result = self.online(self.repo(url), auth=auth, env={"HSS_GATE_CACHE_DIR": cache})
                    self.assertEqual(result.code, code, result.out + result.err)
                    report = result.json()
                    self.assertEqual(report["policy_files"][0], url)
                    self.assertTrue(report["policy_files"][1].endswith("repo.toml"))
                    requests = self.file_requests()
                    self.assertEqual(len(requests), 1)
                    sent = {name.lower() for name in requests[0]["headers"]}
                    self.assertFalse(sent & set(HSS_HEADERS), sent)
                    # the HSS requests of the same run did carry them
                    hss_sent = {name.lower() for name in self.fake.page_requests()[0]["headers"]}
                    self.assertTrue(hss_sent & set(HSS_HEADERS), hss_sent)
                    # the base's rule counts: the repository's tighter max = 3 replaced it
                    results = {r["rule"]: r["status"] for r in report["images"][0]["results"]}
                    self.assertEqual(results.get("vulns"), "pass" if code == 0 else "fail")

    def test_a_looser_override_of_a_url_base_is_refused_naming_the_url(self):
        url = self.serve(BASE)
        for text, wanted in (('version = 1\nextends = ["{url}"]\n[rules.vulns]\nfield = "vul_num"\nmax = 50\n',
                              "rule 'vulns' raises or drops 'max' as inherited from"),
                             ('version = 1\nextends = ["{url}"]\n[scan]\nmax_age = "90d"\n',
                              "scan.max_age = \"90d\"")):
            with self.subTest(wanted=wanted):
                result = self.lint(self.repo(url, text))
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(wanted, result.out)
                self.assertIn(url.split("#")[0], result.out)

    def test_an_unpinned_or_badly_pinned_url_is_refused_without_echoing_secrets(self):
        digest = sha256(BASE)
        for entry, wanted in (
                ("https://user:pw-SECRET@example.org/org.toml?private_token=q-SECRET", "not pinned"),
                ("https://example.org/org.toml?private_token=q-SECRET#sha256=" + digest.upper(), "not a pin"),
                ("https://example.org/org.toml#sha256=" + digest[:63], "not a pin"),
                ("https://example.org/org.toml#md5=" + digest[:32], "not a pin"),
                ("ftp://example.org/org.toml#sha256=" + digest, "expected a file path or an https:// URL")):
            with self.subTest(entry=entry):
                policy = self.write("p.toml", f'version = 1\nextends = ["{entry}"]\n')
                for result in (self.lint(policy), self.online(policy, "--on-error", "pass")):
                    self.assertEqual(result.code, 2, result.out + result.err)
                    self.assertIn(wanted, result.out + result.err)
                    self.assertNotIn("SECRET", result.out + result.err)
                    self.assertIn("p.toml:2:11", result.out + result.err)
        self.assertEqual(self.fake.page_requests(), [])  # nothing was looked up

    def test_a_url_the_client_refuses_is_refused_before_any_request(self):
        digest = sha256(BASE)
        for url, wanted in ((f"http://example.org/org.toml#sha256={digest}", "plain HTTP is allowed only to a loopback host"),
                            (f"https://user:pw-SECRET@127.0.0.1:1/org.toml#sha256={digest}", "must not carry credentials"),
                            (f"https://127.0.0.1:1/a%20b/\\x.toml#sha256={digest}", "percent-encoded")):
            with self.subTest(url=url):
                result = self.lint(self.write("p.toml", f'version = 1\nextends = ["{url}"]\n'.replace("\\", "\\\\")))
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(wanted, result.out)
                self.assertNotIn("SECRET", result.out + result.err)

    def test_a_different_file_is_refused_naming_both_digests(self):
        served = BASE + "# changed\n"
        for pinned in (BASE, "version = 1\n"):
            with self.subTest(pinned=pinned):
                self.fake.files["/org/org.toml"] = served.encode()
                url = f"{self.fake.url}/org/org.toml#sha256={sha256(pinned)}"
                for result in (self.lint(self.repo(url)), self.online(self.repo(url), "--on-error", "pass")):
                    self.assertEqual(result.code, 2, result.out + result.err)
                    text = result.out + result.err
                    self.assertIn(f"the file fetched has SHA-256 {sha256(served)}, but the policy pins "
                                  f"{sha256(pinned)}", text)
                self.assertFalse(os.path.exists(self.cache_entry(pinned)))
                self.assertFalse(os.path.exists(self.cache_entry(served)))

    def test_a_base_that_cannot_be_fetched_is_exit_2_even_under_on_error_pass(self):
        cases = (
            ("404", [{"status": 404}], "cannot fetch it: 404"),
            ("500 on every attempt", [{"status": 500}] * 5, "500 Internal Server Error (gave up after 5 attempts)"),
            ("too large", [{"huge": 2 * 1024 * 1024}], "too large"),
            ("redirect", [{"status": 302, "redirect": "https://elsewhere.example/x.toml?sig=SECRET"}],
             "redirected to https://elsewhere.example/x.toml?***; not followed"),
            ("unreachable", None, "cannot reach http://127.0.0.1:"),
        )
        for name, script, wanted in cases:
            with self.subTest(name):
                self.fake.reset([record()])
                if script is None:
                    url = f"http://127.0.0.1:{closed_port()}/org/org.toml#sha256={sha256(BASE)}"
                else:
                    url = self.serve(BASE)
                    self.fake.script.extend(script)
                result = self.online(self.repo(url), "--on-error", "pass", "--junit", "junit.xml", env=FAST)
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(wanted, result.err)
                self.assertIn("repo.toml:2:11: extends", result.err)
                self.assertNotIn("SECRET", result.out + result.err)
                self.assertFalse(os.path.exists(result.path("junit.xml")))
                self.assertEqual(self.fake.page_requests(), [])

    def test_retries_of_a_base_end_when_the_server_answers(self):
        for failures in ([{"status": 503}], [{"status": 500}, {"status": 429}]):
            with self.subTest(failures=len(failures)):
                self.fake.reset([record()])
                url = self.serve(BASE)
                self.fake.script.extend(failures)
                result = self.lint(self.repo(url), env={**FAST, "HSS_GATE_CACHE_DIR": self.cache + str(len(failures))})
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertEqual(len(self.file_requests()), len(failures) + 1)

    def test_https_bases_trust_the_ca_given_and_no_other(self):
        url = self.serve(BASE, server=self.tls)
        ca = os.path.join(self.pki, "ca.pem")
        # without the test CA: refused at the TLS handshake, in lint and in check
        result = self.lint(self.repo(url))
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("TLS handshake with 127.0.0.1 failed", result.out)
        # with it: by --ca-file in check, by SSL_CERT_FILE or HSS_GATE_CA_FILE in lint
        self.assertEqual(self.online(self.repo(url), "--ca-file", ca, endpoint=self.tls.url).code, 0)
        for variable in ("SSL_CERT_FILE", "HSS_GATE_CA_FILE"):
            with self.subTest(variable=variable):
                os.remove(self.cache_entry(BASE))
                result = self.lint(self.repo(url), env={variable: ca})
                self.assertEqual(result.code, 0, result.out + result.err)
        # the right CA, the wrong host name
        wrong = self.serve(BASE, server=self.wrong)
        result = self.lint(self.repo(wrong), env={"SSL_CERT_FILE": ca, "HSS_GATE_CACHE_DIR": self.cache + "2"})
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("TLS handshake", result.out)
        self.assertEqual(len(self.file_requests(self.tls)), 3)

    def test_an_https_base_goes_through_the_proxy_unless_no_proxy_names_it(self):
        ca = os.path.join(self.pki, "ca.pem")
        url = self.serve(BASE, server=self.tls)
        proxy = self.proxy.url.replace("http://", "http://proxyuser:proxy-SECRET-pw@")
        for no_proxy, tunnels in ((None, 1), ("127.0.0.1", 0)):
            with self.subTest(no_proxy=no_proxy):
                self.proxy.seen.clear()
                self.tls.requests.clear()
                env = {"HTTPS_PROXY": proxy, "SSL_CERT_FILE": ca, "HSS_GATE_CACHE_DIR": os.path.join(self.folder, str(no_proxy))}
                if no_proxy:
                    env["NO_PROXY"] = no_proxy
                result = self.lint(self.repo(url), env=env)
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertEqual(self.proxy.seen, [f"127.0.0.1:{self.tls.port}"] * tunnels)
                self.assertEqual(len(self.file_requests(self.tls)), 1)
                self.assertNotIn("proxy-SECRET-pw", result.out + result.err)
        # plain HTTP goes only to loopback, never through a proxy
        self.proxy.seen.clear()
        result = self.lint(self.repo(self.serve(BASE)), env={"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy})
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertEqual(self.proxy.seen, [])

    def test_a_fetched_base_may_extend_only_pinned_urls(self):
        inner = self.serve('version = 1\n[rules.inner]\nfield = "vul_num"\nmax = 7\n', "inner.toml")
        outer = self.serve(f'version = 1\nextends = ["{inner}"]\n', "outer.toml")
        result = self.show(self.repo(outer))
        self.assertEqual(result.code, 0, result.out + result.err)
        self.assertIn("[rules.inner]", result.out)
        self.assertIn(f"# rules.inner from {inner}:2:8", result.err)
        for path in ("inner.toml", "/etc/hss-gate/org.toml"):
            with self.subTest(path=path):
                outer = self.serve(f'version = 1\nextends = ["{path}"]\n', "outer-path.toml")
                result = self.lint(self.repo(outer))
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn(f'{outer}:2:11: extends "{path}": a base fetched by URL may extend only pinned URLs',
                              result.out)

    # -- the cache ------------------------------------------------------------------------------

    def test_lint_show_and_check_use_the_cache_and_fetch_only_on_a_miss(self):
        url = self.serve(BASE)
        policy = self.repo(url)
        self.assertEqual(self.lint(policy).code, 0)
        self.assertEqual(len(self.file_requests()), 1)
        with open(self.cache_entry(BASE)) as f:
            self.assertEqual(f.read(), BASE)
        self.assertEqual(os.stat(self.cache).st_mode & 0o777, 0o700)
        self.assertEqual(os.stat(self.cache_entry(BASE)).st_mode & 0o777, 0o600)
        # the server no longer has the file: every command reads the cache
        self.fake.files.clear()
        self.assertEqual(self.lint(policy).code, 0)
        show = self.show(policy)
        self.assertEqual(show.code, 0, show.err)
        self.assertIn(f"# effective policy from: {url}, {policy}", show.err)
        self.assertIn(f"# scan.max_age set by {url}", show.err)
        check = self.online(policy)
        self.assertEqual(check.code, 0, check.out + check.err)
        self.assertEqual(len(self.file_requests()), 1)

    def test_a_cache_hit_needs_no_server_at_all(self):
        url = self.serve(BASE)
        self.assertEqual(self.lint(self.repo(url)).code, 0)
        # the same pin on a port where nothing listens: a hit never connects
        dead = f"http://127.0.0.1:{closed_port()}/gone/org.toml#sha256={sha256(BASE)}"
        for command in (self.lint, self.show):
            with self.subTest(command=command.__name__):
                result = command(self.repo(dead))
                self.assertEqual(result.code, 0, result.out + result.err)
        replay = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file",
                           os.path.join(SOURCE, "tests", "data", "responses", "clean.json"), "--policy",
                           self.repo(dead), env=self.env())
        self.assertEqual(replay.code, 0, replay.out + replay.err)

    def test_a_corrupted_cache_entry_is_fetched_again_or_refused(self):
        url = self.serve(BASE)
        policy = self.repo(url)
        for damage in ("version = 1\n[rules.vulns]\nfield = \"vul_num\"\nmax = 500\n", ""):
            with self.subTest(damage=damage[:10]):
                self.assertEqual(self.lint(policy).code, 0)
                with open(self.cache_entry(BASE), "w") as f:
                    f.write(damage)
                before = len(self.file_requests())
                result = self.lint(policy)
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertEqual(len(self.file_requests()), before + 1)
                with open(self.cache_entry(BASE)) as f:
                    self.assertEqual(f.read(), BASE)  # repaired
        # damaged again, and the server cannot give it: refused, naming the entry and its digest
        with open(self.cache_entry(BASE), "w") as f:
            f.write("version = 1\n")
        self.fake.files.clear()
        result = self.lint(policy)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn(f"the cached copy {self.cache_entry(BASE)} has SHA-256 {sha256('version = 1' + chr(10))}",
                      result.out)
        self.assertIn("cannot be fetched to replace it: 404", result.out)

    def test_the_cache_folder_defaults_to_xdg_then_home(self):
        url = self.serve(BASE)
        for variables, folder in (({"XDG_CACHE_HOME": os.path.join(self.folder, "xdg"), "HOME": self.folder},
                                   os.path.join(self.folder, "xdg", "hss-gate")),
                                  ({"HOME": os.path.join(self.folder, "home")},
                                   os.path.join(self.folder, "home", ".cache", "hss-gate")),
                                  ({"XDG_CACHE_HOME": "relative", "HOME": os.path.join(self.folder, "home2")},
                                   os.path.join(self.folder, "home2", ".cache", "hss-gate"))):
            with self.subTest(folder=folder):
                result = self.gate("policy", "lint", self.repo(url), env={"XDG_CACHE_HOME": "", **variables})
                self.assertEqual(result.code, 0, result.out + result.err)
                self.assertTrue(os.path.isfile(os.path.join(folder, "policies", sha256(BASE) + ".toml")))
                self.assertEqual(os.stat(folder).st_mode & 0o777, 0o700)

    def test_no_report_may_be_written_into_the_cache(self):
        url = self.serve(BASE)
        policy = self.repo(url)
        self.assertEqual(self.lint(policy).code, 0)
        for path in (os.path.join(self.cache, "report.json"), os.path.join(self.cache, "policies", "..", "x.json"),
                     self.cache_entry(BASE)):
            with self.subTest(path=path):
                result = self.online(policy, "--junit", path)
                self.assertEqual(result.code, 2, result.out + result.err)
                self.assertIn("inside the policy cache", result.err)
        with open(self.cache_entry(BASE)) as f:
            self.assertEqual(f.read(), BASE)
        # a hard link to a cached base, outside the cache, is that input too
        link = os.path.join(self.folder, "linked.json")
        os.link(self.cache_entry(BASE), link)
        result = self.online(policy, "--junit", link)
        self.assertEqual(result.code, 2, result.out + result.err)
        self.assertIn("would overwrite the cached policy base", result.err)

    # -- bundles --------------------------------------------------------------------------------

    def test_a_saved_bundle_carries_the_bases_so_a_replay_needs_no_network(self):
        url = self.serve(BASE)
        for vul_num, code in ((0, 0), (4, 1)):
            with self.subTest(vul_num=vul_num):
                self.fake.reset([record(vul_num=vul_num)])
                url = self.serve(BASE)
                policy = self.repo(url)
                online = self.online(policy, "--save-bundle", "bundle.json", env={"HSS_GATE_NOW": ""})
                self.assertEqual(online.code, code, online.out + online.err)
                bundle = json.loads(online.text("bundle.json"))
                self.assertEqual(bundle["hss_gate_bundle"], 3)
                self.assertEqual(bundle["policy_bases"], [{"url": url.split("#")[0], "sha256": sha256(BASE),
                                                            "text": BASE}])
                # no server file, no cache: the bundle's copy is what the replay reads
                self.fake.files.clear()
                replay = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                                   "--from-file", "bundle.json", "--json", "report.json",
                                   env={"HSS_GATE_CACHE_DIR": os.path.join(self.folder, "empty"), "HSS_GATE_NOW": ""})
                self.assertEqual(replay.code, code, replay.out + replay.err)
                self.assertEqual(replay.json()["policy_files"], online.json()["policy_files"])
                self.assertFalse(os.path.exists(os.path.join(self.folder, "empty")))

    def test_a_bundle_keeps_a_masked_url_and_a_damaged_copy_is_refused(self):
        text = BASE
        self.fake.files["/org/org.toml"] = text.encode()
        url = f"{self.fake.url}/org/org.toml?private_token=q-SECRET#sha256={sha256(text)}"
        policy = self.repo(url)
        online = self.online(policy, "--save-bundle", "bundle.json", env={"HSS_GATE_NOW": ""})
        self.assertEqual(online.code, 0, online.out + online.err)
        saved = online.text("bundle.json")
        self.assertNotIn("q-SECRET", saved)
        self.assertEqual(json.loads(saved)["policy_bases"][0]["url"], f"{self.fake.url}/org/org.toml?***")
        for change in (lambda b: b["policy_bases"][0].__setitem__("text", BASE + "[rules.x]\n"),
                       lambda b: b["policy_bases"][0].__setitem__("sha256", "A" * 64)):
            with self.subTest():
                bundle = json.loads(saved)
                change(bundle)
                with open(os.path.join(self.folder, "bad.json"), "w") as f:
                    json.dump(bundle, f)
                replay = self.gate("check", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                                   "--from-file", "bad.json", "--on-error", "pass",
                                   env={"HSS_GATE_CACHE_DIR": os.path.join(self.folder, "empty")})
                self.assertEqual(replay.code, 2, replay.out + replay.err)
                self.assertRegex(replay.err, "the bundle's copy has SHA-256 [0-9a-f]{64}, not the pinned|"
                                             "policy_bases\\[0\\].sha256: expected 64 lower-case hex digits")

    def test_a_bundle_without_url_bases_stays_version_2(self):
        policy = self.write("plain.toml", BASE)
        online = self.online(policy, "--save-bundle", "bundle.json")
        self.assertEqual(online.code, 0, online.out + online.err)
        bundle = json.loads(online.text("bundle.json"))
        self.assertEqual(bundle["hss_gate_bundle"], 2)
        self.assertNotIn("policy_bases", bundle)

    # -- doctor ---------------------------------------------------------------------------------

    def test_doctor_lists_each_url_base_and_whether_it_is_cached_and_reachable(self):
        inner = self.serve('version = 1\n[rules.inner]\nfield = "vul_num"\nmax = 7\n', "inner.toml")
        outer = self.serve(f'version = 1\nextends = ["{inner}"]\n', "outer.toml")
        policy = self.repo(outer)

        def doctor():
            environment = {"HSS_GATE_PROJECT_ID": "test-project", "HSS_GATE_ENDPOINT": self.fake.url,
                           "HSS_GATE_AUTH_TOKEN": TOKEN, **self.env()}
            return self.gate("doctor", "--cicd-name", "shop", "--image-version", "1.0.0", "--policy", policy,
                             env=environment)

        cold = doctor()
        self.assertEqual(cold.code, 0, cold.out + cold.err)
        for url in (outer, inner):
            self.assertIn(f"ok    policy base: {url}: reachable, fetched and verified; now cached in {self.cache}",
                          cold.out)
        warm = doctor()
        self.assertEqual(warm.code, 0, warm.out + warm.err)
        self.assertIn(f"ok    policy base: {inner}: cached in {self.cache}", warm.out)
        self.assertIn("the URL is reachable and serves it", warm.out)
        del self.fake.files["/org/inner.toml"]
        gone = doctor()
        self.assertEqual(gone.code, 0, gone.out + gone.err)
        self.assertIn(f"warn  policy base: {inner}: cached in", gone.out)
        self.assertIn("but the URL does not serve it now: cannot fetch it: 404", gone.out)
        self.assertIn(f"ok    policy base: {outer}: cached in", gone.out)
        self.fake.files.clear()
        os.remove(self.cache_entry(f'version = 1\nextends = ["{inner}"]\n'))
        missing = doctor()
        self.assertEqual(missing.code, 2, missing.out + missing.err)
        self.assertIn("FAIL  policy: ", missing.out)
        self.assertIn("cannot fetch it: 404", missing.out)


if __name__ == "__main__":
    unittest.main()
