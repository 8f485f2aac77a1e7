#!/usr/bin/env python3
"""hss-gate's benchmark: the whole online check against the fake HSS server on loopback, side by
side with a bare curl of the same URL and the curl+jq script a team would otherwise write; the
gate alone on saved responses of 1, 200 and 20,000 records; peak memory and requests per verdict.

  python3 bench/run.py [--runs N] [--gate build/hss-gate]

Times are medians of N runs of the whole process (start-up included), measured in the same run,
so the ratios compare like with like on whatever machine runs it."""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fake_hss"))
from fake_hss import FakeHss  # noqa: E402

TOKEN = "bench-token"


def record(index, **changes):
    base = {"image_id": f"id-{index}", "cicd_name": "shop", "namespace": "team", "image_name": "web",
            "image_digest": "sha256:" + f"{index:064x}", "image_version": f"1.0.{index}", "registry_name": "swr",
            "image_type": "cicd", "registry_type": "cicd", "latest_version": False, "scan_status": "success",
            "scan_failed_desc": "", "scan_failed_code": "", "image_size": 104857600,
            "latest_update_time": 1795680000000, "latest_scan_time": 1795680300000, "vul_num": index % 40,
            "unsafe_setting_num": 1, "malicious_file_num": 0, "severity_level": "Low"}
    base.update(changes)
    return base


def timed(command, env, runs):
    """Median wall time in ms, peak RSS in KiB (largest of the runs), and the last exit code."""
    times, peak, code = [], 0, None
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-v", *command], env=env, capture_output=True, text=True)
        times.append((time.perf_counter() - start) * 1000)
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        peak = max(peak, int(match.group(1)) if match else 0)
        code = done.returncode
    return statistics.median(times), peak, code


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--gate", default=os.path.join(ROOT, "build", "hss-gate"))
    parser.add_argument("--json", default=os.path.join(tempfile.gettempdir(), "hss-gate-bench.json"),
                        help="where to write the figures as JSON")
    args = parser.parse_args()
    gate = os.path.abspath(args.gate)
    env = {"PATH": os.environ["PATH"], "HSS_GATE_AUTH_TOKEN": TOKEN, "HSS_GATE_NOW": "2026-11-27T12:00:00Z"}
    rows = []

    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"runs per command: {args.runs} (median wall time, whole process)\n")

    # Online: one page holds the answer (the exact match among 50 records of the same pipeline).
    fake = FakeHss([record(i) for i in range(50)], token=TOKEN).start()
    fake.loose = False
    try:
        url = f"{fake.url}/v5/test-project/image/cicd/images?cicd_name=shop&image_version=1.0.7&limit=200&offset=0"
        commands = {
            "bare curl of the same URL": ["curl", "-sS", "-o", "/dev/null", "-H", f"X-Auth-Token: {TOKEN}", url],
            "curl + jq script": [os.path.join(HERE, "curl-jq-gate.sh"), fake.url, "test-project", "shop", "1.0.7"],
            "hss-gate check (online)": [gate, "check", "--cicd-name", "shop", "--image-version", "1.0.7", "--endpoint",
                                        fake.url, "--project-id", "test-project", "--policy",
                                        os.path.join(HERE, "policy.toml"), "-q"],
        }
        results = {}
        for name, command in commands.items():
            fake.requests.clear()
            ms, rss, code = timed(command, env, args.runs)
            results[name] = (ms, rss, code, len(fake.requests) / args.runs)
        curl_ms = results["bare curl of the same URL"][0]
        print("| online, one page | median ms | x bare curl | peak RSS KiB | exit | requests per verdict |")
        print("|---|---|---|---|---|---|")
        for name, (ms, rss, code, requests) in results.items():
            print(f"| {name} | {ms:.1f} | {ms / curl_ms:.2f} | {rss} | {code} | {requests:.0f} |")
            rows.append({"case": name, "ms": round(ms, 2), "ratio_to_curl": round(ms / curl_ms, 3), "peak_rss_kib": rss,
                         "exit": code, "requests_per_verdict": requests})
    finally:
        fake.stop()

    # Several images: one group of ten shares one request; ten groups behind 50 ms of latency per
    # request are listed in parallel, so the run should take a few latencies, not ten.
    latency = 0.05
    print(f"\n| several images | median ms | requests | exit | x one request's latency ({latency * 1000:.0f} ms) |")
    print("|---|---|---|---|---|")
    fake = FakeHss(token=TOKEN).start()
    try:
        cases = {
            "10 images, one cicd_name and version": (
                [record(7, image_name=f"img-{i}") for i in range(10)],
                [f"cicd_name=shop,image_version=1.0.7,image_name=img-{i}" for i in range(10)]),
            "10 images in 10 cicd_names": (
                [record(7, cicd_name=f"svc-{i}") for i in range(10)],
                [f"cicd_name=svc-{i},image_version=1.0.7" for i in range(10)]),
            "1 image (the reference)": ([record(7)], ["cicd_name=shop,image_version=1.0.7"]),
        }
        for name, (records, specs) in cases.items():
            fake.reset(records)
            fake.latency = latency
            command = [gate, "check", "--endpoint", fake.url, "--project-id", "test-project", "--policy",
                       os.path.join(HERE, "policy.toml"), "-q"] + [w for spec in specs for w in ("--image", spec)]
            ms, rss, code = timed(command, env, args.runs)
            requests = len(fake.page_requests()) / args.runs
            print(f"| {name} | {ms:.1f} | {requests:.0f} | {code} | {ms / (latency * 1000):.2f} |")
            rows.append({"case": name, "ms": round(ms, 2), "requests": requests, "exit": code, "peak_rss_kib": rss,
                         "latencies": round(ms / (latency * 1000), 3)})
    finally:
        fake.stop()

    # Findings: one image with 1,000 vulnerabilities (5 pages), malware and secrets rules, behind 50 ms
    # of latency per request. The list, then the three first pages together, then the four other
    # vulnerability pages together: three latencies; fetched one after another it would be eight.
    # Then 10,000 vulnerabilities (50 pages) for peak memory.
    print(f"\n| findings | median ms | requests | exit | peak RSS KiB | x one request's latency ({latency * 1000:.0f} ms) |")
    print("|---|---|---|---|---|---|")
    fake = FakeHss(token=TOKEN).start()
    try:
        for count in (1000, 10000):
            vulns = [{"vul_id": f"USN-{i}", "repair_necessity": "immediate_repair" if i % 3 else "delay_repair",
                      "app_name": f"pkg-{i % 97}", "version": "1.0", "app_path": "", "description": "x" * 60,
                      "position": "layer", "solution": "upgrade", "url": "https://example.invalid"}
                     for i in range(count)]
            fake.reset([record(7)])
            fake.findings = {"id-7": {"vulnerabilities": vulns, "malware": [], "secrets": []}}
            fake.latency = latency
            command = [gate, "check", "--endpoint", fake.url, "--project-id", "test-project", "--cicd-name", "shop",
                       "--image-version", "1.0.7", "--policy", os.path.join(HERE, "findings-policy.toml"), "-q"]
            ms, rss, code = timed(command, env, args.runs if count == 1000 else max(1, args.runs // 10))
            requests = len(fake.page_requests()) / (args.runs if count == 1000 else max(1, args.runs // 10))
            name = f"findings: {count} vulnerabilities, malware, secrets"
            print(f"| {name} | {ms:.1f} | {requests:.0f} | {code} | {rss} | {ms / (latency * 1000):.2f} |")
            rows.append({"case": name, "ms": round(ms, 2), "requests": requests, "exit": code, "peak_rss_kib": rss,
                         "latencies": round(ms / (latency * 1000), 3)})
    finally:
        fake.stop()

    # A comparison with the version in production (--compare-with): the same 1,000 vulnerabilities
    # in both versions, a new_only rule. Its list and findings are read alongside the image's, so
    # the verdict should take the same three latencies, not five.
    print(f"\n| comparison | median ms | requests | exit | x without a comparison |")
    print("|---|---|---|---|---|")
    fake = FakeHss(token=TOKEN).start()
    try:
        vulns = [{"vul_id": f"USN-{i}", "repair_necessity": "immediate_repair" if i % 3 else "delay_repair",
                  "app_name": f"pkg-{i % 97}", "version": "1.0", "app_path": "", "description": "x" * 60,
                  "position": "layer", "solution": "upgrade", "url": "https://example.invalid"} for i in range(1000)]
        timings = {}
        for name, extra in (("without a comparison", []), ("--compare-with 1.0.6", ["--compare-with", "1.0.6"])):
            fake.reset([record(6), record(7)])
            fake.findings = {"id-6": {"vulnerabilities": vulns}, "id-7": {"vulnerabilities": vulns, "malware": [], "secrets": []}}
            fake.latency = latency
            command = [gate, "check", "--endpoint", fake.url, "--project-id", "test-project", "--cicd-name", "shop",
                       "--image-version", "1.0.7", "--policy", os.path.join(HERE, "compare-policy.toml"), "-q", *extra]
            ms, rss, code = timed(command, env, args.runs)
            requests = len(fake.requests) / args.runs
            timings[name] = ms
            base = timings["without a comparison"]
            print(f"| {name} | {ms:.1f} | {requests:.0f} | {code} | {ms / base:.2f} |")
            rows.append({"case": f"comparison: {name}", "ms": round(ms, 2), "requests": requests, "exit": code,
                         "peak_rss_kib": rss, "latencies": round(ms / (latency * 1000), 3)})
    finally:
        fake.stop()

    # VEX (--vex): 1,000 vulnerabilities, each with one CVE, all waived by an OpenVEX document.
    # Statements that name the vul_ids decide without the CVEs; statements that name only CVEs
    # need one CVE request per vulnerability (8 in flight), which is what VEX costs.
    print(f"\n| VEX | median ms | requests | CVE requests | exit | x without VEX |")
    print("|---|---|---|---|---|---|")
    fake = FakeHss(token=TOKEN).start()
    try:
        vulns = [{"vul_id": f"USN-{i}", "repair_necessity": "immediate_repair", "app_name": f"pkg-{i % 97}",
                  "version": "1.0", "app_path": "", "description": "x" * 60, "position": "layer",
                  "solution": "upgrade", "url": "https://example.invalid"} for i in range(1000)]
        product = {"@id": "pkg:oci/web@sha256%3A" + f"{7:064x}"}

        def openvex(names):
            return {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.invalid/vex", "author": "bench",
                    "timestamp": "2026-01-01T00:00:00Z", "version": 1,
                    "statements": [{"vulnerability": {"name": name}, "products": [product], "status": "fixed"}
                                   for name in names]}
        timings = {}
        with tempfile.TemporaryDirectory() as folder:
            documents = {"by vul_id": openvex(f"USN-{i}" for i in range(1000)),
                         "by CVE": openvex(f"CVE-2026-{i}" for i in range(1000))}
            for name, document in documents.items():
                with open(os.path.join(folder, name.replace(" ", "-") + ".json"), "w") as f:
                    json.dump(document, f)
            for name, extra in (("without VEX", []),
                                ("--vex, statements by vul_id", ["--vex", os.path.join(folder, "by-vul_id.json")]),
                                ("--vex, statements by CVE", ["--vex", os.path.join(folder, "by-CVE.json")])):
                fake.reset([record(7)])
                fake.findings = {"id-7": {"vulnerabilities": vulns}}
                fake.cves = {f"USN-{i}": [{"cve_id": f"CVE-2026-{i}", "cvss_score": 7.5, "publish_time": 0,
                                           "description": ""}] for i in range(1000)}
                fake.latency = latency
                command = [gate, "check", "--endpoint", fake.url, "--project-id", "test-project", "--cicd-name", "shop",
                           "--image-version", "1.0.7", "--policy", os.path.join(HERE, "vex-policy.toml"), "-q", *extra]
                runs = max(1, args.runs // 10)
                ms, rss, code = timed(command, env, runs)
                requests = len(fake.requests) / runs
                cves = len(fake.finding_requests("cves")) / runs
                timings[name] = ms
                print(f"| {name} | {ms:.1f} | {requests:.0f} | {cves:.0f} | {code} | {ms / timings['without VEX']:.2f} |")
                rows.append({"case": f"vex: {name}", "ms": round(ms, 2), "requests": requests, "cve_requests": cves,
                             "exit": code, "peak_rss_kib": rss})
    finally:
        fake.stop()

    # Registry images: a scanned image costs one list request, as a CI/CD image does; with
    # --trigger-scan a listed, unscanned image costs one scan request, then one poll per interval
    # until the scan (3 s in the fake) is done.
    print("\n| registry images | median ms | list requests | task requests | exit |")
    print("|---|---|---|---|---|")
    fake = FakeHss(token=TOKEN).start()
    digest = "sha256:" + "b" * 64
    registry = {"id": 1, "namespace": "team", "image_name": "web", "image_id": "reg-1", "image_digest": digest,
                "image_version": "2.0.0", "image_type": "private_image", "registry_id": "swr", "registry_name": "swr",
                "registry_type": "SwrPrivate", "scan_status": "success", "latest_update_time": 1795680000000,
                "latest_scan_time": 1795680300000, "vul_num": 3, "unsafe_setting_num": 0, "malicious_file_num": 0,
                "severity_level": "Low", "scannable": True, "is_multiple_arch": False}
    try:
        cases = {"registry: scanned image": ({}, [], 0),
                 "registry: --trigger-scan, listed and unscanned": (
                     {"scan_status": "unscan", "latest_scan_time": 0, "severity_level": ""},
                     ["--trigger-scan", "--wait", "60s", "--poll-interval", "1s"], 3.0)}
        for name, (changes, flags, delay) in cases.items():
            runs = args.runs if not flags else max(1, args.runs // 10)
            lists = tasks = 0
            times = []
            for _ in range(runs):
                fake.reset()
                fake.registry_images = [dict(registry, **changes)]
                fake.scan_delay = delay
                fake.scan_result = {"scan_status": "success", "severity_level": "Low"}
                command = [gate, "check", "--endpoint", fake.url, "--project-id", "test-project", "--source", "registry",
                           "--namespace", "team", "--image-name", "web", "--image-version", "2.0.0", "--image-digest",
                           digest, "--policy", os.path.join(HERE, "policy.toml"), "-q", *flags]
                ms, rss, code = timed(command, env, 1)
                times.append(ms)
                lists += len(fake.registry_list_requests())
                tasks += len(fake.posts)
            ms = statistics.median(times)
            print(f"| {name} | {ms:.1f} | {lists / runs:.0f} | {tasks / runs:.0f} | {code} |")
            rows.append({"case": name, "ms": round(ms, 2), "requests": lists / runs, "task_requests": tasks / runs,
                         "exit": code, "peak_rss_kib": rss})
    finally:
        fake.stop()

    # Offline: the gate alone on saved responses; start-up alone (--version) is the floor.
    startup_ms, startup_rss, _ = timed([gate, "--version"], env, args.runs)
    print(f"\nstart-up alone (hss-gate --version): {startup_ms:.1f} ms, peak RSS {startup_rss} KiB")
    rows.append({"case": "startup", "ms": round(startup_ms, 2), "peak_rss_kib": startup_rss})
    print("\n| --from-file | median ms | overhead over start-up, ms | peak RSS KiB | exit | jq on the same file, ms |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for count in (1, 200, 20000):
            path = os.path.join(folder, f"{count}.json")
            with open(path, "w") as f:
                json.dump({"total_num": count, "data_list": [record(i) for i in range(count)]}, f)
            command = [gate, "check", "--cicd-name", "shop", "--image-version", "1.0.0", "--from-file", path,
                       "--policy", os.path.join(HERE, "policy.toml"), "-q"]
            ms, rss, code = timed(command, env, args.runs)
            jq_ms, _, _ = timed(["jq", "-e", '[.data_list[] | select(.cicd_name == "shop" and .image_version == "1.0.0")'
                                 ' | select(.vul_num > 50 or .malicious_file_num > 0)] | length == 0', path],
                                env, args.runs)
            print(f"| {count} records | {ms:.1f} | {ms - startup_ms:.1f} | {rss} | {code} | {jq_ms:.1f} |")
            rows.append({"case": f"from-file {count}", "ms": round(ms, 2), "peak_rss_kib": rss, "exit": code,
                         "jq_ms": round(jq_ms, 2)})
    with open(args.json, "w") as f:
        json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
