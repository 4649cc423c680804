#!/usr/bin/env python3
"""Replication figures of docs/benchmarks.md, measured in one sitting on this machine.

Starts a three-region cluster on 127.0.0.1 with meridian-cluster, every replication link through
meridian-proxy with a one-way delay (20 ms by default), and a standalone node (replication off),
then measures with meridian-loadgen:
  1. all_regions PATCH latency at 1 and 64 connections (p50/p99);
  2. local_region PATCH throughput, replication off vs on, alternated REPS times (medians);
  3. replication lag under that steady load (sampled from /cluster/v1/status);
  4. catch-up: region r3 cut off for PARTITION seconds under load, then healed; entries behind
     at the heal divided by the time until r3 has acknowledged them all.
A run with any non-2xx answer is reported INVALID, never as a figure.

Usage: bash tools/build.sh && python3 tools/bench/replication_bench.py [--dur 8] [--reps 3]
       [--partition 60] [--delay-ms 20]
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
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MERIDIAND = os.path.join(ROOT, "build", "node", "meridiand")
LOADGEN = os.path.join(ROOT, "build", "tools", "loadgen", "meridian-loadgen")
CLUSTER = os.path.join(ROOT, "tools", "cluster", "meridian-cluster")
BASE_PORT = 18081  # API 18081-18083, replication 19081-19083, proxy 20081+


def figure(line):
    print(line, flush=True)


def get_json(url, token, timeout=5):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


def loadgen(name, target, token, dur, *flags):
    """Runs one closed-loop load; returns the parsed result, or None if it saw errors."""
    cmd = [LOADGEN, "--target", target, "--threads", "2", "--duration", str(dur),
           "--admin-token", token, "--json", *flags]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=dur + 120)
    try:
        result = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {}
    if p.returncode != 0:
        figure(f"{name} INVALID(exit {p.returncode}) {p.stdout.strip()} {p.stderr.strip()[-300:]}")
        return None
    return result


def describe(r):
    return f"rps={r['rps']:.0f} p50={r['p50_ms']}ms p99={r['p99_ms']}ms p999={r['p999_ms']}ms"


class Standalone:
    """One meridiand without peers: replication off."""

    def __init__(self, work, token):
        ready = os.path.join(work, "single.ready")
        env = dict(os.environ, MERIDIAN_ADMIN_TOKEN=token)
        self.log = open(os.path.join(work, "single.log"), "ab")
        self.proc = subprocess.Popen(
            [MERIDIAND, "--data-dir", os.path.join(work, "single"), "--listen", "127.0.0.1:0",
             "--ready-file", ready], env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 20
        self.addr = ""
        while time.monotonic() < deadline and not self.addr:
            if os.path.exists(ready):
                text = open(ready).read().strip()
                if text.count(":") == 1:
                    self.addr = text
            time.sleep(0.05)
        if not self.addr:
            self.stop()
            sys.exit("replication_bench: standalone node not ready")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Cluster:
    def __init__(self, work, delay_ms):
        self.dir = os.path.join(work, "cluster")
        subprocess.run([CLUSTER, "up", "--regions", "3", "--proxy", "--delay-ms", str(delay_ms),
                        "--base-port", str(BASE_PORT), "--dir", self.dir], check=True,
                       stdout=subprocess.DEVNULL, timeout=60)
        with open(os.path.join(self.dir, "cluster.json")) as f:
            self.token = json.load(f)["admin_token"]
        self.n1 = f"127.0.0.1:{BASE_PORT}"

    def proxy(self, *command):
        subprocess.run([CLUSTER, "proxy", "--dir", self.dir, *command], check=True,
                       stdout=subprocess.DEVNULL, timeout=30)

    def status(self, addr=None):
        return get_json(f"http://{addr or self.n1}/cluster/v1/status", self.token)

    def down(self):
        subprocess.run([CLUSTER, "down", "--dir", self.dir], stdout=subprocess.DEVNULL,
                       timeout=60)


class LagSampler(threading.Thread):
    """Samples n1's view of its peers' lag every 250 ms while a load runs."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster, self.stop_flag = cluster, threading.Event()
        self.entries, self.seconds = [], []

    def run(self):
        while not self.stop_flag.wait(0.25):
            try:
                for peer in self.cluster.status()["peers"]:
                    self.entries.append(peer["lag_entries"])
                    self.seconds.append(peer["lag_seconds"])
            except OSError:
                pass


def wait_converged(cluster, limit_s=60):
    """Until every peer of n1 has acknowledged n1's whole log (bounded)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if all(p["lag_entries"] == 0 for p in cluster.status()["peers"]):
            return True
        time.sleep(0.1)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dur", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--partition", type=int, default=60)
    ap.add_argument("--delay-ms", type=int, default=20)
    args = ap.parse_args()
    for binary in (MERIDIAND, LOADGEN):
        if not os.access(binary, os.X_OK):
            sys.exit(f"replication_bench: missing {binary}: run bash tools/build.sh")
    work = tempfile.mkdtemp(prefix="meridian-repl-bench.")
    token = "bench-" + secrets.token_hex(12)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    figure(f"date {time.strftime('%Y-%m-%d %H:%M:%S')} nproc {os.cpu_count()} commit {commit}")
    figure(f"settings dur_s={args.dur} reps={args.reps} partition_s={args.partition} "
           f"delay_ms={args.delay_ms} regions=3 workload=patch orgs=16 keys=1000")
    single = Standalone(work, token)
    cluster = Cluster(work, args.delay_ms)
    try:
        # 1. all_regions latency: one round trip to the farthest region plus the commits.
        for c in (1, 64):
            r = loadgen(f"all_regions_c{c}", cluster.n1, cluster.token, args.dur, "--workload",
                        "patch", "--connections", str(c), "--consistency", "all_regions",
                        "--consistency-timeout", "5")
            if r:
                figure(f"all_regions_patch_c{c} {describe(r)}")
        # 2 + 3. local_region throughput, replication off vs on, alternated; lag while on.
        off, on = [], []
        sampler = LagSampler(cluster)
        for rep in range(args.reps):
            r = loadgen("off", single.addr, token, args.dur, "--workload", "patch",
                        "--connections", "64", "--consistency", "local_region")
            if r:
                off.append(r["rps"])
                figure(f"local_region_patch_c64_replication_off rep={rep} {describe(r)}")
            if rep == 0:
                sampler.start()
            r = loadgen("on", cluster.n1, cluster.token, args.dur, "--workload", "patch",
                        "--connections", "64", "--consistency", "local_region")
            if r:
                on.append(r["rps"])
                figure(f"local_region_patch_c64_replication_on rep={rep} {describe(r)}")
        sampler.stop_flag.set()
        sampler.join()
        if off and on:
            m_off, m_on = statistics.median(off), statistics.median(on)
            figure(f"local_region_throughput median_off={m_off:.0f} median_on={m_on:.0f} "
                   f"loss={100 * (1 - m_on / m_off):.1f}%")
        if sampler.entries:
            q = statistics.quantiles(sampler.entries, n=100)
            figure(f"replication_lag_under_load samples={len(sampler.entries)} "
                   f"entries_p50={statistics.median(sampler.entries):.0f} entries_p99={q[98]:.0f} "
                   f"entries_max={max(sampler.entries)} "
                   f"seconds_p50={statistics.median(sampler.seconds):.3f} "
                   f"seconds_max={max(sampler.seconds):.3f}")
        # 4. Catch-up after a partition under load.
        if not wait_converged(cluster):
            figure("catch_up SKIPPED: the cluster did not converge before the partition")
            return
        for route in ("n1->n3", "n3->n1", "n2->n3", "n3->n2"):
            cluster.proxy("cut", route)
        r = loadgen("partition_load", cluster.n1, cluster.token, args.partition, "--workload",
                    "patch", "--connections", "64", "--consistency", "local_region")
        if r:
            figure(f"load_during_partition {describe(r)}")
        before = cluster.status()
        target = before["last_seq"]
        n3 = next(p for p in before["peers"] if p["id"] == "n3")
        behind = target - n3["acked_seq"]
        started = time.monotonic()
        cluster.proxy("heal", "*")
        caught_up = None
        while time.monotonic() - started < 300:
            n3 = next(p for p in cluster.status()["peers"] if p["id"] == "n3")
            if n3["acked_seq"] >= target:
                caught_up = time.monotonic() - started
                break
            time.sleep(0.02)
        if caught_up is None:
            figure(f"catch_up FAILED: {behind} entries behind, not caught up in 300 s")
        else:
            figure(f"catch_up entries_behind={behind} seconds={caught_up:.2f} "
                   f"rate={behind / caught_up:.0f} entries/s snapshot={n3.get('snapshotting')}")
    finally:
        cluster.down()
        single.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
