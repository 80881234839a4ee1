#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" SIM_FLAGS="…" bash bench/writer-time.sh BINDIR [terminals]
# BINDIR holds release builds of tilld and till-sim. One daemon over TLS (extra flags from TILLD_FLAGS), 100,000
# members seeded, a closed loop of 64 terminals (purchases) for 15 s; prints where the writer's wall time per purchase
# went, from /metrics read before and after the run: checkpoints (count and seconds), COMMITs, journal appends
# (write + fdatasync), batches, COMMITs, WAL pages written.
BENCH_BIN=$1; T=${2:-64}
source "$(dirname "$0")/bench-daemon.sh"
port=18798
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
bench_seed $port 200
m() {
  curl -s 127.0.0.1:$((port + 1))/metrics | grep -E "^(till_journal_sync_microseconds_total|till_writer_commit_microseconds_total|till_writer_checkpoint_seconds_sum|till_writer_checkpoint_seconds_count|till_writer_batches_total|till_writer_commits_total|till_writer_wal_pages_written_total|till_writer_database_syncs_in_background_total|till_writer_waits_for_database_sync_total|till_writer_database_sync_wait_microseconds_total|till_writer_database_writeback_slices_total|till_journal_records_total|till_writer_hot_account_hits_total|till_writer_hot_account_misses_total) "
}
m > $work/m0
$bin/till-sim run --server 127.0.0.1:$port --tls-ca $ca --terminals-file $work/terminals.json --working-set 100000 \
  --daemon-pid $tilld_pid --duration 15s --terminals $T --mix purchases ${SIM_FLAGS:-} > $work/run.txt 2>&1
m > $work/m1
grep -E "^run closed|^purchase |CPU" $work/run.txt
n=$(grep -E '^purchase ' $work/run.txt | awk '{print $2}')
join <(sort $work/m0) <(sort $work/m1) | awk -v n=$n '{d=$3-$2; u=""; if ($1 ~ /seconds_sum/) {d=d*1e6; u=" (µs)"}; printf "%s%s: %.0f in the run, %.2f per purchase\n", $1, u, d, d/n}'
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
