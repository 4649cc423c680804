#!/usr/bin/env python3
"""ZITADEL SetOrgMetadata over gRPC next to the same writes over JSON, one node, one sitting.

One meridiand with --grpc-listen. Alternating round by round (medians of REPS):
  json:       meridian-loadgen --workload zitadel-set (HTTP/1.1 keep-alive, C connections,
              values of 200 base64 characters);
  grpc_chN:   meridian-grpc-load --method set (C calls in flight over N HTTP/2 connections,
              values of the same 150 bytes), for each N of --channels.
Both are C++ closed-loop clients over one organization and 1000 keys. For every run the node's
CPU time (utime+stime from /proc) and its threads' context switches per call are printed too.
A run with any non-2xx answer, non-OK status or transport error is INVALID, never a figure.
--perf additionally records the node with `perf record -g` during one more run of each and
prints the node's self time by thread name, by library and by symbol (perf report
--no-children).

Usage: bash tools/build.sh && python3 tools/bench/grpc_json_bench.py [--dur 8] [--reps 3]
       [--conc 64] [--channels 1,8] [--perf]
"""
import argparse
import glob
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from replication_bench import LOADGEN, MERIDIAND, ROOT, figure  # noqa
from tls_bench import single  # noqa

GRPC_LOAD = os.path.join(ROOT, "build", "tools", "bench", "grpc_load", "meridian-grpc-load")


def post(base, path, token, body):
    req = urllib.request.Request(base + path, method="POST", data=json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def cpu_and_switches(pid):
    """The node's CPU seconds so far and its threads' context switches."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    switches = 0
    for status in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            for line in open(status):
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    switches += int(line.split()[1])
        except OSError:
            pass  # a thread that ended meanwhile
    return cpu, switches


def run(name, cmd, pid, dur):
    before = cpu_and_switches(pid)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=dur + 120)
    after = cpu_and_switches(pid)
    try:
        r = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        r = {}
    if p.returncode != 0 or not r:
        figure(f"{name} INVALID(exit {p.returncode}) {p.stdout.strip()} {p.stderr.strip()[-300:]}")
        return None
    # Per call over the whole run (warm-up included): the node's CPU and wake-ups per call.
    calls = max(1, r["requests"] * (1 + 1.0 / dur))
    r["node_cpu_us_per_call"] = 1e6 * (after[0] - before[0]) / calls
    r["switches_per_call"] = (after[1] - before[1]) / calls
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dur", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--conc", type=int, default=64)
    ap.add_argument("--channels", default="1,8")
    ap.add_argument("--perf", action="store_true")
    args = ap.parse_args()
    for binary in (MERIDIAND, LOADGEN, GRPC_LOAD):
        if not os.access(binary, os.X_OK):
            sys.exit(f"grpc_json_bench: missing {binary}: run bash tools/build.sh")
    work = tempfile.mkdtemp(prefix="meridian-grpc-bench.")
    token = "bench-" + secrets.token_hex(12)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    figure(f"date {time.strftime('%Y-%m-%d %H:%M:%S')} nproc {os.cpu_count()} commit {commit} "
           f"loadavg={os.getloadavg()[0]:.2f}")
    figure(f"settings dur_s={args.dur} reps={args.reps} conc={args.conc} "
           f"channels={args.channels}")
    proc, addr = single(work, "node", token, ["--grpc-listen", "127.0.0.1:0"])
    try:
        grpc_port = None
        for _ in range(100):
            m = re.search(r"grpc_listening addr=127\.0\.0\.1:(\d+)",
                          open(os.path.join(work, "node.log")).read())
            if m:
                grpc_port = m.group(1)
                break
            time.sleep(0.05)
        if grpc_port is None:
            sys.exit("grpc_json_bench: no grpc_listening line")
        base = "http://" + addr
        org = post(base, "/admin/v1/organizations", token, {"name": "grpc-bench"})["id"]
        key = post(base, f"/admin/v1/organizations/{org}/api-keys", token,
                   {"name": "k", "scopes": ["read", "write"]})["key"]
        common = ["--duration", str(args.dur), "--json"]
        variants = {"json": [LOADGEN, "--target", addr, "--admin-token", token, "--workload",
                             "zitadel-set", "--orgs", "1", "--keys", "1000", "--value-bytes",
                             "200", "--connections", str(args.conc), "--threads", "2"] + common}
        for n in args.channels.split(","):
            variants[f"grpc_ch{n}"] = [GRPC_LOAD, "--target", "127.0.0.1:" + grpc_port, "--key",
                                       key, "--method", "set", "--keys", "1000",
                                       "--value-bytes", "150", "--concurrency", str(args.conc),
                                       "--channels", n] + common
        got = {name: [] for name in variants}
        for rep in range(args.reps):
            for name, cmd in variants.items():
                r = run(f"{name} rep={rep}", cmd, proc.pid, args.dur)
                if r:
                    got[name].append(r)
                    figure(f"{name} rep={rep} rps={r['rps']:.0f} p50={r['p50_ms']}ms "
                           f"p99={r['p99_ms']}ms node_cpu_us/call={r['node_cpu_us_per_call']:.0f} "
                           f"ctx_switches/call={r['switches_per_call']:.2f}")
        for name, rs in got.items():
            if rs:
                med = lambda k: statistics.median(x[k] for x in rs)  # noqa: E731
                figure(f"median {name} rps={med('rps'):.0f} p50={med('p50_ms')}ms "
                       f"p99={med('p99_ms')}ms node_cpu_us/call={med('node_cpu_us_per_call'):.0f} "
                       f"ctx_switches/call={med('switches_per_call'):.2f} runs={len(rs)}")
        if got["json"]:
            j = statistics.median(x["rps"] for x in got["json"])
            for name, rs in got.items():
                if name != "json" and rs:
                    figure(f"ratio {name}/json = "
                           f"{statistics.median(x['rps'] for x in rs) / j:.2f}")
        if args.perf and shutil.which("perf"):
            for name, cmd in variants.items():
                data = os.path.join(work, f"perf-{name}.data")
                rec = subprocess.Popen(["perf", "record", "-g", "-o", data, "-p", str(proc.pid)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                run(f"{name} perf", cmd, proc.pid, args.dur)
                rec.send_signal(2)
                rec.wait(timeout=60)
                for sort, limit in (("comm", "2"), ("dso", "2"), ("dso,sym", "1.5")):
                    rep = subprocess.run(["perf", "report", "-i", data, "--no-children",
                                          "--stdio", "--sort", sort, "-g", "none",
                                          "--percent-limit", limit],
                                         capture_output=True, text=True, timeout=300).stdout
                    figure(f"--- perf {name} (node, self time by {sort}, >={limit}%)")
                    for line in rep.splitlines():
                        if line.strip() and not line.startswith("#"):
                            figure("  " + line.strip()[:150])
        figure(f"loadavg_end={os.getloadavg()[0]:.2f}")
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
