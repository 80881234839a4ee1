#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" bash bench/thread-cpu.sh BINDIR [terminals] [mix]
# BINDIR holds release builds of tilld and till-sim (copy them out of .build/release so that two builds can be
# compared). One daemon over TLS (extra flags from TILLD_FLAGS), 100,000 members seeded, a closed loop of 64 terminals
# (purchases, or `mix`) for 15 s; prints the run's purchase, identify and status latencies and each daemon thread's
# CPU (utime + stime from /proc) divided by the purchases answered.
BENCH_BIN=$1; T=${2:-64}; MIX=${3:-purchases}
source "$(dirname "$0")/bench-daemon.sh"
port=18796
bench_start_tilld $port "$work/tilld.log" ${TILLD_FLAGS:-}
bench_seed $port 200
bench_threads_snapshot > $work/before.txt
$bin/till-sim run --server 127.0.0.1:$port --tls-ca $ca --terminals-file $work/terminals.json --working-set 100000 \
  --daemon-pid $tilld_pid --duration 15s --terminals $T --mix $MIX > $work/run.txt 2>&1
bench_threads_snapshot > $work/after.txt
grep -E "^run |^purchase |^identify |^status |CPU" $work/run.txt
n=$(grep -E '^purchase ' $work/run.txt | awk '{print $2}')
bench_threads_us_per_purchase $work/before.txt $work/after.txt "$n"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
