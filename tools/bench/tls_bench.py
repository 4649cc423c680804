#!/usr/bin/env python3
"""TLS figures of docs/benchmarks.md, measured in one sitting on this machine.

Starts two three-region clusters on 127.0.0.1 with meridian-cluster, every replication link
through meridian-proxy with a one-way delay (20 ms by default): one with plaintext links, one
with `--tls` (peer_tls, TLS 1.3). Then, alternating plain and TLS REPS times (medians):
  1. all_regions PATCH latency at 1 connection (p50/p99), meridian-loadgen;
  2. local_region PATCH throughput at 64 connections, meridian-loadgen.
And one standalone node over HTTP vs one over HTTPS (api_tls), alternated round by round, with
meridian-loadgen (plain, and --tls --cacert): GET and PATCH at 64 connections.
A run with any non-2xx answer or transport error is reported INVALID, never as a figure.
--api-only skips the clusters (the HTTP vs HTTPS part alone).

Usage: bash tools/build.sh && python3 tools/bench/tls_bench.py [--dur 8] [--reps 3] [--api-only]
"""
import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from replication_bench import LOADGEN, MERIDIAND, CLUSTER, ROOT, describe, figure, loadgen  # noqa


def up(work, name, base_port, delay_ms, tls):
    directory = os.path.join(work, name)
    subprocess.run([CLUSTER, "up", "--regions", "3", "--proxy", "--delay-ms", str(delay_ms),
                    "--base-port", str(base_port), "--dir", directory] + ["--tls"] * tls,
                   check=True, stdout=subprocess.DEVNULL, timeout=120)
    with open(os.path.join(directory, "cluster.json")) as f:
        return directory, json.load(f)["admin_token"], f"127.0.0.1:{base_port}"


def single(work, name, token, extra):
    ready = os.path.join(work, name + ".ready")
    log = open(os.path.join(work, name + ".log"), "ab")
    proc = subprocess.Popen([MERIDIAND, "--data-dir", os.path.join(work, name), "--listen",
                             "127.0.0.1:0", "--ready-file", ready] + extra,
                            env=dict(os.environ, MERIDIAN_ADMIN_TOKEN=token), stdout=log,
                            stderr=log)
    for _ in range(400):
        if os.path.exists(ready) and open(ready).read().strip().count(":") == 1:
            return proc, open(ready).read().strip()
        time.sleep(0.05)
    proc.kill()
    sys.exit("tls_bench: %s not ready" % name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dur", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--delay-ms", type=int, default=20)
    ap.add_argument("--api-only", action="store_true")
    args = ap.parse_args()
    for binary in (MERIDIAND, LOADGEN):
        if not os.access(binary, os.X_OK):
            sys.exit(f"tls_bench: missing {binary}: run bash tools/build.sh")
    work = tempfile.mkdtemp(prefix="meridian-tls-bench.")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    figure(f"date {time.strftime('%Y-%m-%d %H:%M:%S')} nproc {os.cpu_count()} commit {commit}")
    figure(f"settings dur_s={args.dur} reps={args.reps} delay_ms={args.delay_ms} regions=3 "
           f"loadavg={os.getloadavg()[0]:.2f}")
    clusters = {} if args.api_only else {
        "plain": up(work, "plain", 18081, args.delay_ms, False),
        "tls": up(work, "tls", 28081, args.delay_ms, True)}
    token = "bench-" + secrets.token_hex(12)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                    os.path.join(work, "api.key"), "-out", os.path.join(work, "api.pem")],
                   check=True, capture_output=True)
    nodes = {"http": single(work, "http", token, []),
             "https": single(work, "https", token,
                             ["--api-tls-cert", os.path.join(work, "api.pem"),
                              "--api-tls-key", os.path.join(work, "api.key")])}
    try:
        lat = {"plain": ([], []), "tls": ([], [])}
        rps = {"plain": [], "tls": []}
        for rep in range(args.reps):
            for name, (_, tok, n1) in clusters.items():
                r = loadgen(f"{name}_all_regions", n1, tok, args.dur, "--workload", "patch",
                            "--connections", "1", "--consistency", "all_regions",
                            "--consistency-timeout", "5")
                if r:
                    lat[name][0].append(r["p50_ms"])
                    lat[name][1].append(r["p99_ms"])
                    figure(f"all_regions_patch_c1_{name} rep={rep} {describe(r)}")
                r = loadgen(f"{name}_local", n1, tok, args.dur, "--workload", "patch",
                            "--connections", "64", "--consistency", "local_region")
                if r:
                    rps[name].append(r["rps"])
                    figure(f"local_region_patch_c64_{name} rep={rep} {describe(r)}")
        for name in ("plain", "tls"):
            if lat[name][0]:
                figure(f"median all_regions_c1_{name} p50={statistics.median(lat[name][0])}ms "
                       f"p99={statistics.median(lat[name][1])}ms")
        if rps["plain"] and rps["tls"]:
            a, b = statistics.median(rps["plain"]), statistics.median(rps["tls"])
            figure(f"median local_region_patch_c64 plain={a:.0f} tls={b:.0f} "
                   f"cost={100 * (1 - b / a):.1f}%")
        # HTTP vs HTTPS on one node each, meridian-loadgen alternated op by op, round by round.
        targets = {"http": [nodes["http"][1]],
                   "https": ["https://" + nodes["https"][1], "--cacert",
                             os.path.join(work, "api.pem")]}
        got = {(n, op): [] for n in nodes for op in ("get", "patch")}
        for rep in range(args.reps):
            for op in ("get", "patch"):
                for name, (target, *tls) in targets.items():
                    r = loadgen(f"api_{op}_c64_{name}", target, token, args.dur, "--workload", op,
                                "--connections", "64", *tls)
                    if r:
                        got[(name, op)].append(r["rps"])
                        figure(f"api_{op}_c64_{name} rep={rep} {describe(r)}")
        for op in ("get", "patch"):
            if got[("http", op)] and got[("https", op)]:
                a, b = statistics.median(got[("http", op)]), statistics.median(got[("https", op)])
                figure(f"median api_{op}_c64 http={a:.0f} https={b:.0f} "
                       f"cost={100 * (1 - b / a):.1f}% runs={len(got[('http', op)])}/"
                       f"{len(got[('https', op)])}")
        figure(f"loadavg_end={os.getloadavg()[0]:.2f}")
    finally:
        for directory, _, _ in clusters.values():
            subprocess.run([CLUSTER, "down", "--dir", directory], stdout=subprocess.DEVNULL,
                           timeout=60)
        for proc, _ in nodes.values():
            proc.terminate()
            proc.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
