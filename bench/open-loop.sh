#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" bash bench/open-loop.sh BINDIR RUNS [rate]
# BINDIR holds release builds of tilld and till-sim. One daemon over TLS (extra flags from TILLD_FLAGS), 100,000
# members and 2,000 terminals seeded, then RUNS open-loop runs of 12 s at `rate` purchases/s (default 1,000) over
# 1,000 terminals against it. Per run: purchase latency p50 / p99 / p99.9 / max from the intended start (the stricter
# figure; `purchase@sent` in the run's table is from send), and the journal appends' and checkpoints' counts, how
# many took ≤ 10 ms, and the slowest so far (from /metrics, cumulative).
BENCH_BIN=$1; N=$2; RATE=${3:-1000}
source "$(dirname "$0")/bench-daemon.sh"
port=18790
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
bench_seed $port 2000 --pos-per-branch 50
for i in $(seq 1 $N); do
  f=$work/run-$i.txt
  $bin/till-sim run --server 127.0.0.1:$port --tls-ca $ca --terminals-file $work/terminals.json --working-set 100000 \
    --daemon-pid $tilld_pid --duration 12s --terminals 1000 --mix purchases --rate $RATE > $f 2>&1 || true
  met=$(curl -s 127.0.0.1:$((port + 1))/metrics | grep -E '^till_journal_sync_slowest|^till_journal_sync_seconds_bucket\{le="0.01"|^till_journal_sync_seconds_count|^till_writer_checkpoint_slowest|^till_writer_checkpoint_seconds_bucket\{le="0.01"|^till_writer_checkpoint_seconds_count' \
    | sed 's/till_writer_checkpoint_seconds_bucket{le="0.01"}/checkpoints_le_10ms/; s/till_writer_checkpoint_seconds_count/checkpoints/; s/till_writer_checkpoint_slowest_microseconds/checkpoint_slowest_us/; s/till_journal_sync_slowest_microseconds/append_slowest_us/; s/till_journal_sync_seconds_bucket{le="0.01"}/appends_le_10ms/; s/till_journal_sync_seconds_count/appends/' | tr "\n" " ")
  echo "$(date +%H:%M:%S) run $i: $(grep -E '^purchase ' $f | awk '{printf "p50 %s p99 %s p99.9 %s max %s", $4, $6, $7, $8}') | $met| load $(cut -d' ' -f1 /proc/loadavg)"
done
