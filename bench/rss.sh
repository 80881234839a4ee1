#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" bash bench/rss.sh BINDIR [working-set=30000] [seconds=30]
# The daemon's resident memory before and after a closed loop: one daemon over TLS (extra flags from TILLD_FLAGS),
# 100,000 members seeded, 64 terminals buying over WORKING-SET members for SECONDS; prints VmRSS before and after and
# the accounts the writer keeps in memory (till_writer_hot_accounts).
BENCH_BIN=$1; SET=${2:-30000}; SECONDS_RUN=${3:-30}
source "$(dirname "$0")/bench-daemon.sh"
port=18811
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
bench_seed $port 200 > /dev/null
before=$(grep VmRSS /proc/$tilld_pid/status | awk '{print $2}')
$bin/till-sim run --server 127.0.0.1:$port --tls-ca $ca --terminals-file $work/terminals.json --working-set $SET \
  --daemon-pid $tilld_pid --duration ${SECONDS_RUN}s --terminals 64 --mix purchases > $work/run.txt 2>&1
after=$(grep VmRSS /proc/$tilld_pid/status | awk '{print $2}')
kept=$(curl -s 127.0.0.1:$((port + 1))/metrics | grep -E '^till_writer_hot_accounts ' | awk '{print $2}')
echo "flags [${TILLD_FLAGS:-}]: RSS before the run ${before} kB, after ${after} kB; accounts kept ${kept}"
grep -E '^run closed' $work/run.txt
