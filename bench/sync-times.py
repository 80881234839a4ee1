#!/usr/bin/env python3
"""Per-file fsync times from `perf script` output of ext4:ext4_sync_file_enter/exit (bench/checkpoint-syncs.sh).

usage: sync-times.py SYNCS.txt INODES.txt   (INODES.txt: lines "<inode> <path>")
"""
import collections, re, sys

names = {}
for line in open(sys.argv[2]):
    inode, path = line.split(maxsplit=1)
    names[inode] = path.strip().split('/')[-1]
pattern = re.compile(r'^\s*(\S+)\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+ext4:ext4_sync_file_(enter|exit): dev \S+ ino (\d+)')
started, durations, threads = {}, collections.defaultdict(list), collections.defaultdict(collections.Counter)
for line in open(sys.argv[1]):
    m = pattern.match(line)
    if not m:
        continue
    comm, tid, at, kind, inode = m.groups()
    if kind == 'enter':
        started[(tid, inode)] = float(at)
    elif (tid, inode) in started:
        name = names.get(inode, 'inode ' + inode)
        name = 'journal segments' if name.startswith('segment-') else name
        durations[name].append((float(at) - started.pop((tid, inode))) * 1e6)
        threads[name][comm] += 1
for name, d in sorted(durations.items()):
    d.sort()
    n = len(d)
    print('%-18s %5d syncs, %6.0f ms in all, p50 %6.0f µs, p90 %6.0f µs, max %6.0f µs; threads %s' % (
        name, n, sum(d) / 1e3, d[n // 2], d[int(n * 0.9)], d[-1], dict(threads[name])))
