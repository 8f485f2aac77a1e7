#!/usr/bin/env python3
"""A fake Huawei Cloud HSS endpoint for tests and demos: GET /v5/{project_id}/image/cicd/images, the
registry image list and its scan and sync tasks (registry-images.md), and the per-image finding APIs.

It serves the documented contract (path, query parameter ranges with HSS-style 400 errors,
paging with total_num, X-Auth-Token or SDK-HMAC-SHA256 signature checks with 401 APIG.0301) and
can be scripted per request: status codes, Retry-After, delays, dropped connections, truncated,
slow or huge bodies, redirects, scan status changing over time, loose filters; a POST can also
create its task and then lose the answer (`lose_answer`). It serves HTTPS
when given a certificate.

Run it by hand:
  python3 tests/fake_hss/fake_hss.py --port 8080 --records tests/data/responses/clean.json
and point hss-gate at it:
  HSS_GATE_AUTH_TOKEN=test-token hss-gate check --endpoint http://127.0.0.1:8080 \
    --project-id test-project --cicd-name shop --image-version 1.0.0
"""
import argparse
import collections
import datetime
import hashlib
import hmac
import http.server
import json
import re
import socket
import ssl
import threading
import time
import urllib.parse

PATH = re.compile(r"^/v5/([^/]+)/image/cicd/images$")
AUTH = re.compile(r"^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$")
STATUSES = {"unscan", "success", "scanning", "failed", "download_failed", "image_oversized", "waiting_for_scan"}
# Documented query parameters: name -> (kind, min, max) where strings give a length range.
PARAMS = {
    "enterprise_project_id": ("str", 1, 256), "namespace": ("str", 1, 128), "image_name": ("str", 1, 128),
    "image_version": ("str", 1, 64), "sort_key": ("enum", ["latest_scan_time"], None),
    "sort_dir": ("enum", ["asc", "desc"], None), "limit": ("int", 10, 200), "offset": ("int", 0, 2000000),
    "image_id": ("str", 0, 128), "cicd_name": ("str", 0, 128), "latest_version": ("bool", None, None),
    "image_size": ("int", 0, 2147483547), "scan_status": ("enum", sorted(STATUSES), None),
    "start_latest_update_time": ("int", 0, 2**63 - 1), "end_latest_update_time": ("int", 0, 2**63 - 1),
    "start_latest_scan_time": ("int", 0, 2**63 - 1), "end_latest_scan_time": ("int", 0, 2**63 - 1),
    "has_malicious_file": ("bool", None, None), "has_unsafe_setting": ("bool", None, None),
    "has_vul": ("bool", None, None), "severity_level": ("enum", ["Security", "Low", "Medium", "High"], None),
    "risky": ("bool", None, None), "pipeline_type": ("enum", ["jenkins", "codearts"], None),
}


# The per-image finding APIs (findings.md, registry-images.md section 3): path pattern -> (kind,
# fixed query values, image types taken, the names a registry image must be named by (namespace,
# image_name and the version under the API's own name), other required names, header required,
# whether instance_id is taken). "{image}" in a path is the image_id; CVEs hang off a vul_id.
REGISTRY_TYPES = ("private_image", "shared_image", "instance_image", "harbor", "jfrog")
NAMED_TYPES = ("cicd", "private_image", "shared_image", "instance_image", "harbor")
GENERIC_TYPES = ("cicd", "registry")
FINDINGS = [
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/vulnerabilities$"), "vulnerabilities", {}, ("cicd",) + REGISTRY_TYPES,
     ("namespace", "image_name", "tag_name"), ("namespace", "image_name", "tag_name"), None, True),
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/malwares$"), "malware", {}, NAMED_TYPES,
     ("namespace", "image_name", "tag_name"), (), None, False),
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/sensitive$"), "secrets", {}, NAMED_TYPES,
     ("namespace", "image_name", "image_version"), (), None, False),
    (re.compile(r"^/v5/([^/]+)/baseline/check-rules$"), "baseline", {"type": "image"}, GENERIC_TYPES,
     ("namespace", "image_name", "image_version"), ("image_id",), None, True),
    (re.compile(r"^/v5/([^/]+)/image/build-command-risks$"), "build_risks", {}, GENERIC_TYPES, (), ("image_id",), None,
     False),
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/apps$"), "software", {}, NAMED_TYPES,
     ("namespace", "image_name", "tag_name"), (), None, False),
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/basic-image$"), "base_image", {}, NAMED_TYPES,
     ("namespace", "image_name", "image_version"), (), "region", False),
    (re.compile(r"^/v5/([^/]+)/image/vulnerability/([^/]+)/cve$"), "cves", {}, None, (), (), None, False),
]
FINDING_PARAMS = {"image_type", "namespace", "image_name", "tag_name", "image_version", "handle_status", "type",
                  "image_id", "scan_result", "limit", "offset", "enterprise_project_id", "file_name", "severity",
                  "repair_necessity", "vul_id", "app_name", "risk_name", "risk_level", "os_name", "file_path",
                  "instance_id"}

# The registry APIs (registry-images.md sections 1b and 2a).
REGISTRY_IMAGES = re.compile(r"^/v5/([^/]+)/image/registries/images$")
REGISTRIES = re.compile(r"^/v5/([^/]+)/image/registries$")
TASKS = re.compile(r"^/v5/([^/]+)/image/tasks$")
SYNC_TASKS = re.compile(r"^/v5/([^/]+)/image/image-sync/tasks$")
SCAN_TASKS = re.compile(r"^/v5/([^/]+)/image/image-scan/tasks$")
REGISTRY_TYPE_NAMES = ["SwrPrivate", "SwrShared", "SwrEnterprise", "Harbor", "Jfrog", "Other"]
MS = ("int", 0, 2**63 - 1)
REGISTRY_IMAGE_PARAMS = {
    "enterprise_project_id": ("str", 1, 256), "namespace": ("str", 1, 128), "image_name": ("str", 1, 128),
    "image_version": ("str", 1, 64), "registry_name": ("str", 1, 128), "offset": ("int", 0, 2000000),
    "image_type": ("enum", list(REGISTRY_TYPES), None), "sort_key": ("enum", ["latest_scan_time"], None),
    "sort_dir": ("enum", ["asc", "desc"], None), "limit": ("int", 1, 200), "latest_version": ("bool", None, None),
    "image_size": ("int", 0, 2147483547),
    "scan_status": ("enum", ["unscan", "success", "scanning", "failed", "waiting_for_scan"], None),
    "start_latest_update_time": MS, "end_latest_update_time": MS, "start_latest_scan_time": MS,
    "end_latest_scan_time": MS, "start_latest_sync_time": MS, "end_latest_sync_time": MS,
    "has_malicious_file": ("bool", None, None), "has_unsafe_setting": ("bool", None, None),
    "has_vul": ("bool", None, None), "risky": ("bool", None, None), "instance_id": ("str", 0, 128),
    "instance_name": ("str", 0, 128), "is_multarch": ("bool", None, None),
    "severity_level": ("enum", ["Security", "Low", "Medium", "High"], None),
}
REGISTRY_PARAMS = {
    "enterprise_project_id": ("str", 1, 256), "offset": ("int", 0, 2000000), "limit": ("int", 10, 200),
    "registry_name": ("str", 1, 128), "registry_id": ("str", 1, 64), "registry_type": ("enums", REGISTRY_TYPE_NAMES, None),
    "registry_addr": ("str", 1, 256), "status": ("enum", ["success", "fail", "accessing"], None),
}
TASK_PARAMS = {
    "enterprise_project_id": ("str", 1, 256), "type": ("enum", ["image_sync", "image_scan"], None),
    "global_image_type": ("enum", ["local", "registry"], None), "offset": ("int", 0, 2000000),
    "limit": ("int", 10, 200), "task_type": ("enum", ["cycle", "manual", "autoSync", "manualSync"], None),
    "task_name": ("str", 1, 256), "task_id": ("str", 1, 256), "create_time": ("int", 0, 4070880000000),
    "end_time": ("int", 0, 4070880000000), "task_status": ("enum", ["scanning", "finished"], None),
    "scan_scope": ("int", 0, 2**31 - 1),
}
SCAN_TASK_QUERY = {"enterprise_project_id": ("str", 1, 256), "global_image_type": ("enum", ["local", "registry"], None)}
SYNC_TASK_QUERY = {"enterprise_project_id": ("str", 1, 256)}
IMAGE_INFO_MEMBERS = {"id": int, "image_id": str, "image_digest": str, "registry_id": str, "registry_name": str,
                      "image_name": str, "image_version": str, "namespace": str, "instance_id": str,
                      "instance_url": str, "registry_type": str}


def check_params(query, params):
    """HSS's 400 for an unknown, repeated or out-of-range query parameter; None when all are fine."""
    seen = set()
    for key, value in query:
        if key not in params:
            return 400, {"error_code": "HSS.0001", "error_msg": f"unknown parameter {key}"}
        if key in seen:
            return 400, {"error_code": "HSS.0001", "error_msg": f"parameter {key} repeated"}
        seen.add(key)
        kind, low, high = params[key]
        ok = True
        if kind == "str":
            ok = low <= len(value) <= high
        elif kind == "int":
            ok = re.fullmatch(r"\d+", value) is not None and low <= int(value) <= high
        elif kind == "bool":
            ok = value in ("true", "false")
        elif kind == "enum":
            ok = value in low
        elif kind == "enums":
            ok = all(item in low for item in value.split(","))
        if not ok:
            return 400, {"error_code": "HSS.0001", "error_msg": f"invalid parameter {key}"}
    return None


def now_ms():
    return int(time.time() * 1000)


def encode(text):
    return urllib.parse.quote(text, safe="-_.~")


class FakeHss:
    """The server and its script. Every attribute may be changed while it runs."""

    def __init__(self, records=None, project_id="test-project", token="test-token", ak="TESTAK0123456789",
                 sk="TestSecretKey0123456789", certfile=None, keyfile=None, host="127.0.0.1", port=0,
                 keep_alive=False):
        self.records = list(records or [])
        self.project_id = project_id
        self.token = token
        self.ak = ak
        self.sk = sk
        self.loose = True             # filters match substrings, as an undocumented server might
        self.total_override = None    # total_num to claim instead of the truth
        self.statuses = collections.deque()  # scan_status of records[0] on successive first-page reads
        self.statuses_for = {}        # cicd_name -> deque: scan_status of its records on its first-page reads
        self.fail_for = {}            # cicd_name -> (status, body): every request for it fails so
        self.latency = 0.0            # seconds added to every request, as a distant server would
        self.date_offset = 0          # seconds the Date header is off, as a server with a skewed clock
        self.findings = {}            # image_id -> {kind: [records]}; "_handled": true marks handled ones
        self.cves = {}                # vul_id -> [CVE records]
        self.fail_findings = {}       # kind (or "cves") -> (status, body): its requests fail so
        self.fail_findings_for = {}   # image_id -> (status, body): its finding requests fail
        self.finding_totals = {}      # kind (or "cves") -> total_num its pages claim instead of the truth
        self.script = collections.deque()    # per-request actions, consumed in order
        self.post_script = collections.deque()  # actions for POSTs only, consumed in order
        self.registry_images = []     # ListRegistryImages records
        self.registries = []          # ListRegistry records
        self.tasks = []               # ListImageScanTask records, oldest first
        self.unsynced = []            # registry image records HSS lists once their registry is synced
        self.sync_delay = 0.0         # seconds from a sync request to its records being listed
        self.scan_delay = 0.0         # seconds a manual scan takes
        self.scan_result = {"scan_status": "success"}  # merged into an image's record when its scan ends
        self.fail_tasks = {}          # operation name -> (status, body): its POSTs fail so
        self.posts = []               # the task requests received: operation, query, body
        self.due = []                 # (time, function): state changes a later request applies
        self.requests = []            # what was received: path, query, headers
        self.files = {}               # path -> bytes: plain files served to any GET, as a policy base's host
        self.lock = threading.Lock()
        self.generation = 0  # bumped by reset(): a request that slept through a reset answers nothing
        # keep_alive: HTTP/1.1 with persistent connections, as HSS's gateway answers; the default
        # closes each connection, which the fault scripts rely on.
        members = {"fake": self}
        if keep_alive:
            members["protocol_version"] = "HTTP/1.1"
        handler = type("Handler", (_Handler,), members)
        # A listen backlog of 5 (the default) drops the SYNs of a gate's parallel requests, which
        # then wait a second to retry: give it room for them.
        server_class = type("Server", (http.server.ThreadingHTTPServer,), {"request_queue_size": 128})
        self.server = server_class((host, port), handler)
        self.server.daemon_threads = True
        if certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = None

    @property
    def url(self):
        scheme = "https" if isinstance(self.server.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self, records=None):
        with self.lock:
            self.generation += 1
            self.records = list(records or [])
            self.loose = True
            self.total_override = None
            self.statuses.clear()
            self.statuses_for = {}
            self.fail_for = {}
            self.latency = 0.0
            self.findings = {}
            self.cves = {}
            self.fail_findings = {}
            self.fail_findings_for = {}
            self.finding_totals = {}
            self.date_offset = 0
            self.script.clear()
            self.post_script.clear()
            self.requests.clear()
            self.files = {}
            self.registry_images = []
            self.registries = []
            self.tasks = []
            self.unsynced = []
            self.sync_delay = 0.0
            self.scan_delay = 0.0
            self.scan_result = {"scan_status": "success"}
            self.fail_tasks = {}
            self.posts = []
            self.due = []

    def apply_due(self):
        """Applies the state changes whose time has come (with the lock held)."""
        now = time.time()
        later = []
        for when, change in self.due:
            if when <= now:
                change()
            else:
                later.append((when, change))
        self.due = later

    def registry_list_requests(self):
        return [r for r in self.requests if REGISTRY_IMAGES.match(r["path"])]

    def finding_requests(self, kind=None):
        """Requests to the finding APIs, of one kind when given."""
        found = []
        for request in self.requests:
            for pattern, name, *_ in FINDINGS:
                if pattern.match(request["path"]) and (kind is None or kind == name):
                    found.append(request)
        return found

    def page_requests(self):
        return [r for r in self.requests if r["path"].startswith("/v5/")]


class _Handler(http.server.BaseHTTPRequestHandler):
    fake = None
    server_version = "FakeHSS/1.0"

    def date_time_string(self, timestamp=None):
        return super().date_time_string((timestamp or time.time()) + self.fake.date_offset)

    def log_message(self, *args):
        pass

    def do_GET(self):
        fake = self.fake
        split = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        with fake.lock:
            fake.requests.append({"path": split.path, "query": query, "raw_query": split.query, "method": "GET",
                                  "headers": dict(self.headers.items()), "client_port": self.client_address[1]})
            fake.apply_due()
            action = fake.script.popleft() if fake.script else {}
            failure = fake.fail_for.get(dict(query).get("cicd_name"))
            generation = fake.generation
        if fake.latency:
            time.sleep(fake.latency)
        if failure and not action:
            action = {"status": failure[0], "body": failure[1]}
        if action.get("delay"):
            time.sleep(action["delay"])
        if fake.generation != generation:
            # The client gave up and a later test reset the server while this request slept (a
            # scripted delay or the added latency): answering now would consume that test's state.
            self.close_connection = True
            return
        if action.get("drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if "status" in action or "body" in action or "redirect" in action:
            return self.scripted(action)
        if split.path in fake.files:
            # A file's host, not HSS: no authentication, whatever the request carries.
            return self.send_raw(200, fake.files[split.path], {"Content-Type": "text/plain"}, action)
        # A path parameter is one segment: "." or ".." (even percent-encoded) would climb or vanish.
        if any(urllib.parse.unquote(segment) in (".", "..") for segment in split.path.split("/")):
            return self.send_json(400, {"error_code": "HSS.0001", "error_msg": "a path segment is . or .."},
                                  {"X-Request-Id": "fake-req-dot-segment"})
        for row in FINDINGS:
            match = row[0].match(split.path)
            if match:
                answer = self.findings_page(match, row, query)
                return self.send_json(answer[0], answer[1], {"X-Request-Id": "fake-req-findings"})
        for pattern, params, lister in ((REGISTRY_IMAGES, REGISTRY_IMAGE_PARAMS, self.registry_images_page),
                                        (REGISTRIES, REGISTRY_PARAMS, self.registries_page),
                                        (TASKS, TASK_PARAMS, self.tasks_page)):
            match = pattern.match(split.path)
            if match:
                error = self.check_access(match) or check_params(query, params)
                if error:
                    return self.send_json(error[0], error[1], {"X-Request-Id": "fake-req-error"})
                return self.send_json(*lister(dict(query)), {"X-Request-Id": "fake-req-registry"})
        error = self.check_contract(split.path, query)
        if error:
            return self.send_json(error[0], error[1], {"X-Request-Id": "fake-req-error"})
        return self.send_json(200, self.page(dict(query)), action.get("headers"), action)

    def check_access(self, match, method="GET", body=b""):
        if not self.authenticated(method, body):
            return 401, {"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information"}
        if urllib.parse.unquote(match.group(1)) != self.fake.project_id:
            return 403, {"error_code": "HSS.0004", "error_msg": "project id does not match the token"}
        return None

    def findings_page(self, match, row, query):
        """One page of a finding list, after the same authentication and parameter checks."""
        _, kind, values, image_types, registry_names, names, header, instance = row
        fake = self.fake
        access = self.check_access(match)
        if access:
            return access
        params = dict(query)
        if len(params) != len(query) or any(key not in FINDING_PARAMS for key in params):
            return 400, {"error_code": "HSS.0001", "error_msg": "unknown or repeated parameter"}
        if "instance_id" in params and not instance:
            return 400, {"error_code": "HSS.0001", "error_msg": "unknown parameter instance_id"}
        for key, value in values.items():
            if params.get(key) != value:
                return 400, {"error_code": "HSS.0001", "error_msg": f"parameter {key} must be {value}"}
        if image_types is not None and params.get("image_type") not in image_types:
            return 400, {"error_code": "HSS.0001", "error_msg": f"parameter image_type must be one of {', '.join(image_types)}"}
        if image_types is not None and params.get("image_type") != "cicd":
            # A registry image is named by its names: without them these APIs answer for every image.
            for key in registry_names:
                if not params.get(key):
                    return 400, {"error_code": "HSS.0001", "error_msg": f"parameter {key} is required for a registry image"}
        for key in names:
            if not params.get(key):
                return 400, {"error_code": "HSS.0001", "error_msg": f"parameter {key} is required"}
        if header and not self.headers.get(header):
            return 400, {"error_code": "HSS.0001", "error_msg": f"header {header} is required"}
        if kind in fake.fail_findings:
            return fake.fail_findings[kind]
        failing_image = params.get("image_id") or urllib.parse.unquote(match.group(2))
        if kind != "cves" and failing_image in fake.fail_findings_for:
            return fake.fail_findings_for[failing_image]
        limit, offset = params.get("limit", "10"), params.get("offset", "0")
        if not (limit.isdigit() and 10 <= int(limit) <= 200 and offset.isdigit() and int(offset) <= 2000000):
            return 400, {"error_code": "HSS.0001", "error_msg": "invalid limit or offset"}
        with fake.lock:
            if kind == "cves":
                records = list(fake.cves.get(urllib.parse.unquote(match.group(2)), []))
            else:
                image_id = params.get("image_id") or urllib.parse.unquote(match.group(2))
                records = list(fake.findings.get(image_id, {}).get(kind, []))
        if params.get("handle_status") == "unhandled":
            records = [r for r in records if not r.get("_handled")]
        if params.get("scan_result"):
            records = [r for r in records if r.get("scan_result", "failed") == params["scan_result"]]
        start = int(offset)
        page = [{k: v for k, v in r.items() if not k.startswith("_")} for r in records[start:start + int(limit)]]
        return 200, {"total_num": fake.finding_totals.get(kind, len(records)), "data_list": page}

    def scripted(self, action):
        headers = dict(action.get("headers", {}))
        headers.setdefault("X-Request-Id", "fake-req-scripted")
        if "redirect" in action:
            headers["Location"] = action["redirect"]
        status = action.get("status", 200)
        body = action.get("body", "")
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        self.send_raw(status, body.encode() if isinstance(body, str) else body, headers, action)

    def check_contract(self, path, query):
        fake = self.fake
        match = PATH.match(path)
        if not match:
            return 404, {"error_code": "APIGW.0101", "error_msg": "The API does not exist or has not been published"}
        if not self.authenticated():
            return 401, {"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information"}
        if urllib.parse.unquote(match.group(1)) != fake.project_id:
            return 403, {"error_code": "HSS.0004", "error_msg": "project id does not match the token"}
        return check_params(query, PARAMS)

    def registry_images_page(self, query):
        fake = self.fake
        with fake.lock:
            offset = int(query.get("offset", "0"))
            limit = int(query.get("limit", "10"))
            matched = [r for r in fake.registry_images if self.matches(r, query, ("image_type", "registry_name",
                                                                                  "instance_id"))]
            total = fake.total_override if fake.total_override is not None else len(matched)
            return 200, {"total_num": total, "data_list": json.loads(json.dumps(matched[offset:offset + limit]))}

    def registries_page(self, query):
        fake = self.fake
        with fake.lock:
            matched = [r for r in fake.registries
                       if all(r.get(key) == query[key] for key in ("registry_name", "registry_id", "status") if key in query)
                       and ("registry_type" not in query or r.get("registry_type") in query["registry_type"].split(","))]
            offset, limit = int(query.get("offset", "0")), int(query.get("limit", "10"))
            return 200, {"total_num": len(matched), "data_list": matched[offset:offset + limit]}

    def tasks_page(self, query):
        fake = self.fake
        if "type" not in query:
            return 400, {"error_code": "HSS.0001", "error_msg": "parameter type is required"}
        with fake.lock:
            matched = [t for t in fake.tasks if t["_type"] == query["type"]
                       and ("task_type" not in query or t["task_type"] == query["task_type"])
                       and ("global_image_type" not in query or t["image_type"] == query["global_image_type"])]
            offset, limit = int(query.get("offset", "0")), int(query.get("limit", "10"))
            page = [{k: v for k, v in t.items() if not k.startswith("_")} for t in matched[offset:offset + limit]]
            return 200, {"total_num": len(matched), "data_list": page}

    def do_POST(self):
        fake = self.fake
        split = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length", "0") or "0")
        raw = self.rfile.read(length) if length else b""
        with fake.lock:
            fake.requests.append({"path": split.path, "query": query, "raw_query": split.query, "method": "POST",
                                  "headers": dict(self.headers.items()), "client_port": self.client_address[1],
                                  "body": raw.decode("utf-8", "replace")})
            fake.apply_due()
            action = fake.script.popleft() if fake.script else {}
            if fake.post_script:
                action = {**fake.post_script.popleft(), **action}
        if action.get("delay"):
            time.sleep(action["delay"])
        if action.get("drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if "status" in action or "body" in action:
            return self.scripted(action)
        for pattern, operation, params, create in ((SYNC_TASKS, "CreateImageSynchronizeTask", SYNC_TASK_QUERY,
                                                    self.create_sync_task),
                                                   (SCAN_TASKS, "CreateManualImageScanTask", SCAN_TASK_QUERY,
                                                    self.create_scan_task)):
            match = pattern.match(split.path)
            if not match:
                continue
            error = self.check_access(match, "POST", raw) or check_params(query, params)
            if not error and self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                error = 400, {"error_code": "HSS.0001", "error_msg": "Content-Type must be application/json"}
            if not error:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    error = 400, {"error_code": "HSS.0001", "error_msg": "the body is not a JSON object"}
            if not error and operation in fake.fail_tasks:
                error = fake.fail_tasks[operation]
            if not error:
                with fake.lock:
                    fake.posts.append({"operation": operation, "query": dict(query), "body": body})
                    error = create(dict(query), body)
            if error:
                return self.send_json(error[0], error[1], {"X-Request-Id": "fake-req-task-error"})
            if action.get("lose_answer"):
                # The task exists, but its answer never arrives: what a gateway timeout or a cut
                # connection after HSS acted looks like to the client.
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            # Both APIs answer with an empty body (registry-images.md, key finding 3).
            return self.send_raw(200, b"", {"X-Request-Id": "fake-req-task"}, {})
        return self.send_json(404, {"error_code": "APIGW.0101", "error_msg": "The API does not exist or has not been published"})

    def add_task(self, kind, task_type, **members):
        fake = self.fake
        task = {"_type": kind, "task_id": f"task-{len(fake.tasks) + 1}", "task_name": f"{task_type}-{len(fake.tasks) + 1}",
                "begin_time": now_ms(), "end_time": 0, "task_type": task_type, "image_type": "registry",
                "task_status": 0, "failed_num": 0, "success_num": 0, "total_num": 1, "failed_images": []}
        task.update(members)
        fake.tasks.append(task)
        return task

    def create_sync_task(self, query, body):
        """CreateImageSynchronizeTask: after sync_delay, the unsynced records of the synced registries are listed."""
        fake = self.fake
        if not isinstance(body.get("sync_all_registries"), bool):
            return 400, {"error_code": "HSS.0001", "error_msg": "sync_all_registries is required (a boolean)"}
        chosen = None
        if not body["sync_all_registries"]:
            info = body.get("registry_info")
            if not isinstance(info, list) or not info:
                return 400, {"error_code": "HSS.0001", "error_msg": "registry_info is required when sync_all_registries is false"}
            chosen = set()
            for item in info:
                known = [r for r in fake.registries if isinstance(item, dict) and r.get("id") == item.get("registry_id")]
                if not known or known[0].get("registry_type") != item.get("registry_type"):
                    return 400, {"error_code": "HSS.0001", "error_msg": "unknown registry_id or registry_type"}
                chosen.add(item["registry_id"])
        task = self.add_task("image_sync", "manualSync")

        def finish():
            for record in list(fake.unsynced):
                if chosen is not None and record.get("registry_id") not in chosen:
                    continue
                fake.unsynced.remove(record)
                record = dict(record, latest_sync_time=now_ms())
                names = ("namespace", "image_name", "image_version", "image_type")
                fake.registry_images = [r for r in fake.registry_images
                                        if any(r.get(n) != record.get(n) for n in names)] + [record]
            task.update(task_status=100, end_time=now_ms(), success_num=1)
        fake.due.append((time.time() + fake.sync_delay, finish))
        return None

    def create_scan_task(self, query, body):
        """CreateManualImageScanTask of listed images: scanning at once, scan_result after scan_delay."""
        fake = self.fake
        if body.get("is_all") is not False:
            return 400, {"error_code": "HSS.0001", "error_msg": "this fake scans only listed images: is_all must be false"}
        info = body.get("image_info")
        if not isinstance(info, list) or not info:
            return 400, {"error_code": "HSS.0001", "error_msg": "image_info is required when is_all is false"}
        targets = []
        for item in info:
            if not isinstance(item, dict) or any(not isinstance(item[k], t) for k, t in IMAGE_INFO_MEMBERS.items()
                                                 if k in item):
                return 400, {"error_code": "HSS.0001", "error_msg": "an image_info member has the wrong type"}
            if set(item) - set(IMAGE_INFO_MEMBERS):
                return 400, {"error_code": "HSS.0001", "error_msg": "unknown image_info member"}
            found = [r for r in fake.registry_images if r.get("id") == item.get("id")
                     and all(r.get(k) == item.get(k) for k in ("namespace", "image_name", "image_version", "image_digest"))]
            if not found:
                return 400, {"error_code": "HSS.0001", "error_msg": "image_info names no listed image"}
            targets.append(found[0])
        task = self.add_task("image_scan", "manual", scan_scope=body.get("scan_scope", 0), is_all=False,
                             total_num=len(targets))
        for record in targets:
            record["scan_status"] = "scanning"
        result = dict(fake.scan_result)

        def finish():
            failed = result.get("scan_status", "success") != "success"
            for record in targets:
                record.update(result)
                record["latest_scan_time"] = now_ms()
            task.update(task_status=-3 if failed else 100, end_time=now_ms(),
                        failed_num=len(targets) if failed else 0, success_num=0 if failed else len(targets),
                        failed_images=[{"id": r.get("id"), "image_name": r.get("image_name"),
                                        "failed_reason": result.get("scan_failed_code", "")} for r in targets] if failed else [])
        fake.due.append((time.time() + fake.scan_delay, finish))
        return None

    def authenticated(self, method="GET", body=b""):
        fake = self.fake
        token = self.headers.get("X-Auth-Token")
        if token is not None:
            return token == fake.token
        match = AUTH.match(self.headers.get("Authorization", ""))
        if not match or match.group(1) != fake.ak:
            return False
        signed = match.group(2).split(";")
        if "host" not in signed or "x-sdk-date" not in signed:
            return False
        try:
            date = datetime.datetime.strptime(self.headers.get("X-Sdk-Date", ""), "%Y%m%dT%H%M%SZ")
        except ValueError:
            return False
        skew = abs((datetime.datetime.utcnow() - date).total_seconds())
        if skew > 15 * 60:
            return False
        split = urllib.parse.urlsplit(self.path)
        segments = [encode(urllib.parse.unquote(s)) for s in split.path.split("/")]
        uri = "/".join(segments)
        if not uri.endswith("/"):
            uri += "/"
        pairs = sorted(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        canonical_query = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
        headers = "".join(f"{name}:{self.headers.get(name, '')}\n" for name in signed)
        canonical = "\n".join([method, uri, canonical_query, headers, ";".join(signed), hashlib.sha256(body).hexdigest()])
        to_sign = "SDK-HMAC-SHA256\n" + self.headers["X-Sdk-Date"] + "\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(fake.sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, match.group(3))

    def page(self, query):
        fake = self.fake
        with fake.lock:
            offset = int(query.get("offset", "0"))
            limit = int(query.get("limit", "10"))
            if fake.statuses and offset == 0 and fake.records:
                fake.records[0]["scan_status"] = fake.statuses[0]
                if len(fake.statuses) > 1:
                    fake.statuses.popleft()
            script = fake.statuses_for.get(query.get("cicd_name"))
            if script and offset == 0:
                for record in fake.records:
                    if record.get("cicd_name") == query.get("cicd_name"):
                        record["scan_status"] = script[0]
                if len(script) > 1:
                    script.popleft()
            matched = [r for r in fake.records if self.matches(r, query)]
            total = fake.total_override if fake.total_override is not None else len(matched)
            return {"total_num": total, "data_list": matched[offset:offset + limit]}

    def matches(self, record, query, exact=()):
        for key in ("cicd_name", "image_name", "image_version", "namespace") + exact:
            if key not in query:
                continue
            value = record.get(key, "")
            wanted = query[key]
            if self.fake.loose and key not in ("namespace",) + exact:
                if wanted not in value:
                    return False
            elif value != wanted:
                return False
        return True

    def send_json(self, status, body, headers=None, action=None):
        self.send_raw(status, json.dumps(body).encode(), dict(headers or {}), action or {})

    def send_raw(self, status, body, headers, action):
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        headers.setdefault("X-Request-Id", "fake-req-1")
        huge = action.get("huge")
        length = huge if huge else len(body)
        self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            if huge:
                chunk = b" " * 65536
                sent = 0
                while sent < huge:
                    piece = chunk[:min(len(chunk), huge - sent)]
                    self.wfile.write(piece)
                    sent += len(piece)
                return
            if action.get("truncate") is not None:
                self.wfile.write(body[:action["truncate"]])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if action.get("drip"):
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(action["drip"])
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass


def main():
    parser = argparse.ArgumentParser(description="A fake HSS CI/CD image list endpoint on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--records", help="a ListCicdImages response whose data_list the server holds")
    parser.add_argument("--project-id", default="test-project")
    parser.add_argument("--token", default="test-token", help="the X-Auth-Token it accepts")
    parser.add_argument("--ak", default="TESTAK0123456789")
    parser.add_argument("--sk", default="TestSecretKey0123456789")
    parser.add_argument("--cert", help="PEM certificate, to serve HTTPS")
    parser.add_argument("--key", help="PEM private key of --cert")
    args = parser.parse_args()
    records = []
    if args.records:
        with open(args.records, encoding="utf-8") as f:
            data = json.load(f)["data_list"]
        records = data if isinstance(data, list) else [data]
    fake = FakeHss(records, args.project_id, args.token, args.ak, args.sk, args.cert, args.key, port=args.port)
    print(f"fake HSS serving {len(records)} record(s) at {fake.url}/v5/{args.project_id}/image/cicd/images", flush=True)
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
