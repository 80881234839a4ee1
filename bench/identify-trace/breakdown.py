#!/usr/bin/env python3
"""Joins the simulator's and the daemon's trace files (trace.patch, TILL_TRACE=path) into a per-stage breakdown of
each identify, from the simulator's send to its answer. Usage: breakdown.py SIM_TRACE DAEMON_TRACE [SIM DAEMON ...]
(several pairs are pooled). Only requests whose simulator marks are consecutive (s v w D x a: nothing else in flight)
and whose window holds exactly one of each daemon mark are counted."""
import bisect, sys

def load(path):
    return [(int(ns), tag) for tag, ns, _ in (line.split() for line in open(path))]

def requests(sim_path, daemon_path):
    sim = [e for e in load(sim_path) if e[1] in 'svwDxa']   # emission order (x carries the earlier epoll return)
    daemon = sorted(load(daemon_path))
    found, i = [], 0
    while i + 5 < len(sim):
        if [sim[i + k][1] for k in range(6)] != ['s', 'v', 'w', 'D', 'x', 'a']:
            i += 1
            continue
        r = dict(zip(['s', 'v', 'w', 'Dr', 'x', 'a'], (sim[i + k][0] for k in range(6))))
        window = daemon[bisect.bisect_left(daemon, (r['s'], '')):bisect.bisect_right(daemon, (r['a'], '~'))]
        tags = [t for _, t in window]
        if sorted(tags) == sorted('WDSJCFEO'):
            r.update({t: ns for ns, t in window})
            found.append(r)
        i += 6
    return found

STAGES = [
    ('sim: encode request', 's', 'v'), ('sim: SSL_write + write(2)', 'v', 'w'),
    ('daemon loop wakes (epoll returns)', 'w', 'W'), ('daemon: SSL_read (read(2) + decrypt)', 'W', 'D'),
    ('daemon: frame, decode, route, submit', 'D', 'S'), ('reader thread wakes', 'S', 'J'),
    ('reader: snapshot + identify (SQLite)', 'J', 'C'), ('answer back on the loop', 'C', 'F'),
    ('daemon: encode answer', 'F', 'E'), ('daemon: SSL_write + write(2)', 'E', 'O'),
    ('sim loop wakes (epoll returns)', 'O', 'x'), ('sim: SSL_read', 'x', 'Dr'), ('sim: decode + judge', 'Dr', 'a'),
    ('total from send', 's', 'a'),
]

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]

if __name__ == '__main__':
    args = sys.argv[1:]
    reqs = [r for k in range(0, len(args), 2) for r in requests(args[k], args[k + 1])]
    print(f'{len(reqs)} requests matched')
    print(f"| {'stage':40s} | {'p50':>6s} | {'p90':>6s} | {'p99':>7s} | {'mean':>6s} |")
    print('|---|---:|---:|---:|---:|')
    for name, a, b in STAGES:
        v = [(r[b] - r[a]) / 1000 for r in reqs]
        print(f'| {name:40s} | {pct(v, .5):6.1f} | {pct(v, .9):6.1f} | {pct(v, .99):7.1f} | {sum(v) / len(v):6.1f} |')
