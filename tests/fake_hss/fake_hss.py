#!/usr/bin/env python3
"""A fake Huawei Cloud HSS endpoint for tests and demos: GET /v5/{project_id}/image/cicd/images.

It serves the documented contract (path, query parameter ranges with HSS-style 400 errors,
paging with total_num, X-Auth-Token or SDK-HMAC-SHA256 signature checks with 401 APIG.0301) and
can be scripted per request: status codes, Retry-After, delays, dropped connections, truncated,
slow or huge bodies, redirects, scan status changing over time, loose filters. It serves HTTPS
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


# The per-image finding APIs (findings.md): path pattern -> (kind, required query values, required
# query names, header required). "{image}" in a path is the image_id; CVEs hang off a vul_id.
FINDINGS = [
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/vulnerabilities$"), "vulnerabilities",
     {"image_type": "cicd"}, ("namespace", "image_name", "tag_name"), None),
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/malwares$"), "malware", {"image_type": "cicd"}, (), None),
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/sensitive$"), "secrets", {"image_type": "cicd"}, (), None),
    (re.compile(r"^/v5/([^/]+)/baseline/check-rules$"), "baseline",
     {"type": "image", "image_type": "cicd"}, ("image_id",), None),
    (re.compile(r"^/v5/([^/]+)/image/build-command-risks$"), "build_risks", {"image_type": "cicd"}, ("image_id",), None),
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/apps$"), "software", {"image_type": "cicd"}, (), None),
    (re.compile(r"^/v5/([^/]+)/image/([^/]+)/basic-image$"), "base_image", {"image_type": "cicd"}, (), "region"),
    (re.compile(r"^/v5/([^/]+)/image/vulnerability/([^/]+)/cve$"), "cves", {}, (), None),
]
FINDING_PARAMS = {"image_type", "namespace", "image_name", "tag_name", "image_version", "handle_status", "type",
                  "image_id", "scan_result", "limit", "offset", "enterprise_project_id", "file_name", "severity",
                  "repair_necessity", "vul_id", "app_name", "risk_name", "risk_level", "os_name", "file_path",
                  "instance_id"}


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
        self.script = collections.deque()    # per-request actions, consumed in order
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
            self.date_offset = 0
            self.script.clear()
            self.requests.clear()
            self.files = {}

    def finding_requests(self, kind=None):
        """Requests to the finding APIs, of one kind when given."""
        found = []
        for request in self.requests:
            for pattern, name, _, _, _ in FINDINGS:
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
            fake.requests.append({"path": split.path, "query": query, "raw_query": split.query,
                                  "headers": dict(self.headers.items()), "client_port": self.client_address[1]})
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
        for pattern, kind, values, names, header in FINDINGS:
            match = pattern.match(split.path)
            if match:
                answer = self.findings_page(match, kind, values, names, header, query)
                return self.send_json(answer[0], answer[1], {"X-Request-Id": "fake-req-findings"})
        error = self.check_contract(split.path, query)
        if error:
            return self.send_json(error[0], error[1], {"X-Request-Id": "fake-req-error"})
        return self.send_json(200, self.page(dict(query)), action.get("headers"), action)

    def findings_page(self, match, kind, values, names, header, query):
        """One page of a finding list, after the same authentication and parameter checks."""
        fake = self.fake
        if not self.authenticated():
            return 401, {"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information"}
        if urllib.parse.unquote(match.group(1)) != fake.project_id:
            return 403, {"error_code": "HSS.0004", "error_msg": "project id does not match the token"}
        params = dict(query)
        if len(params) != len(query) or any(key not in FINDING_PARAMS for key in params):
            return 400, {"error_code": "HSS.0001", "error_msg": "unknown or repeated parameter"}
        for key, value in values.items():
            if params.get(key) != value:
                return 400, {"error_code": "HSS.0001", "error_msg": f"parameter {key} must be {value}"}
        for key in names:
            if not params.get(key):
                return 400, {"error_code": "HSS.0001", "error_msg": f"parameter {key} is required"}
        if header and not self.headers.get(header):
            return 400, {"error_code": "HSS.0001", "error_msg": f"header {header} is required"}
        if kind in fake.fail_findings:
            return fake.fail_findings[kind]
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
        return 200, {"total_num": len(records), "data_list": page}

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
        seen = set()
        for key, value in query:
            if key not in PARAMS:
                return 400, {"error_code": "HSS.0001", "error_msg": f"unknown parameter {key}"}
            if key in seen:
                return 400, {"error_code": "HSS.0001", "error_msg": f"parameter {key} repeated"}
            seen.add(key)
            kind, low, high = PARAMS[key]
            ok = True
            if kind == "str":
                ok = low <= len(value) <= high
            elif kind == "int":
                ok = re.fullmatch(r"\d+", value) is not None and low <= int(value) <= high
            elif kind == "bool":
                ok = value in ("true", "false")
            elif kind == "enum":
                ok = value in low
            if not ok:
                return 400, {"error_code": "HSS.0001", "error_msg": f"invalid parameter {key}"}
        return None

    def authenticated(self):
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
        canonical = "\n".join(["GET", uri, canonical_query, headers, ";".join(signed), hashlib.sha256(b"").hexdigest()])
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

    def matches(self, record, query):
        for key in ("cicd_name", "image_name", "image_version", "namespace"):
            if key not in query:
                continue
            value = record.get(key, "")
            wanted = query[key]
            if self.fake.loose and key != "namespace":
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
