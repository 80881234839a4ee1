#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" SIM_FLAGS="…" bash bench/sync-latencies.sh BINDIR [terminals]
# BINDIR holds release builds of tilld and till-sim. One daemon over TLS, 100,000 members, a closed loop of 64
# terminals (purchases) for 12 s; from 4 s in, `perf trace` records every fdatasync and sync_file_range of the daemon
# for 5 s. Prints the purchases in that window, then per (thread, call, descriptor) the count and latency p50 / p90 /
# p99 / max in ms, how many took over 2 ms, and their total. Descriptors: the writer's journal segment (the
# writer thread's most frequent fdatasync; a second one when a segment fills), the WAL (its other fdatasync), the
# database file (the background thread's fdatasync), the database file's slices and spare-segment preparation
# (the background thread's sync_file_range), the WAL's writeback hint (the writer's sync_file_range).
BENCH_BIN=$1; T=${2:-64}
source "$(dirname "$0")/bench-daemon.sh"
port=18798
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
bench_seed $port 200
bench_closed_loop_started $port 12 $T ${SIM_FLAGS:-}
sleep 4
a=$(curl -s 127.0.0.1:$((port + 1))/metrics | grep '^till_writer_requests_total' | awk '{s+=$2} END {print s}')
timeout -s INT 5 perf trace -e fdatasync,fsync,sync_file_range,ftruncate -p $tilld_pid -o $work/trace.txt >/dev/null 2>&1 || true
b=$(curl -s 127.0.0.1:$((port + 1))/metrics | grep '^till_writer_requests_total' | awk '{s+=$2} END {print s}')
wait $sim_pid
echo "requests in trace window: $((b-a))"
grep -E "^purchase " $work/run.txt
python3 - "$work/trace.txt" <<'EOF'
import sys,re,collections
g=collections.defaultdict(list); pending={}
for l in open(sys.argv[1]):
    m=re.search(r'\(\s*([0-9.]+) ms\): (\S+) (fdatasync|sync_file_range)\(fd: (\d+)',l)
    if m: g[(m.group(2).split('/')[0],m.group(3),m.group(4))].append(float(m.group(1))); continue
    m=re.search(r'\(\s*\): (\S+) (fdatasync|sync_file_range)\(fd: (\d+)',l)
    if m: pending[m.group(1)]=(m.group(2),m.group(3)); continue
    m=re.search(r'\(\s*([0-9.]+) ms\): (\S+)\s+\.\.\. \[continued\]: (fdatasync|sync_file_range)',l)
    if m and m.group(2) in pending:
        k=pending.pop(m.group(2)); g[(m.group(2).split('/')[0],k[0],k[1])].append(float(m.group(1)))
for k,x in sorted(g.items()):
    x=sorted(x); n=len(x)
    print(k, f"n={n} p50={x[n//2]:.2f} p90={x[n*9//10]:.2f} p99={x[min(n-1,n*99//100)]:.2f} max={x[-1]:.2f} >2ms={sum(1 for v in x if v>2)} total={sum(x):.0f}ms")
EOF
