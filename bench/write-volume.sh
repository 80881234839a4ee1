#!/usr/bin/env bash
# usage: bash bench/write-volume.sh BINDIR [terminals]
# What a purchase costs the disk: one daemon over TLS, 100,000 members, a closed loop of 64 terminals (purchases) for
# 12 s; over 6 s of it, the journal bytes and WAL pages written (from /metrics), the daemon's write_bytes
# (/proc/PID/io: WAL, database file, journal and spare segments) and the sectors the disk wrote (/proc/diskstats, vda),
# per request.
BENCH_BIN=$1; T=${2:-64}
source "$(dirname "$0")/bench-daemon.sh"
port=18798
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
bench_seed $port 200
bench_closed_loop_started $port 12 $T
sleep 3
m() { curl -s 127.0.0.1:$((port + 1))/metrics | grep -E '^till_writer_requests_total|^till_journal_bytes_total|^till_writer_wal_pages_written_total' | awk '{print $1, $2}'; }
a=$(grep -E '^write_bytes' /proc/$tilld_pid/io | awk '{print $2}'); m > $work/m0
d0=$(awk '$3=="vda"{print $10}' /proc/diskstats)
sleep 6
b=$(grep -E '^write_bytes' /proc/$tilld_pid/io | awk '{print $2}'); m > $work/m1
d1=$(awk '$3=="vda"{print $10}' /proc/diskstats)
wait $sim_pid
join <(sort $work/m0) <(sort $work/m1) | awk '{print $1, $3-$2}'
req=$(join <(sort $work/m0) <(sort $work/m1) | awk '$1 ~ /requests/ {s+=$3-$2} END {print s}')
echo "process write_bytes per request: $(( (b-a)/req )) bytes; disk sectors written per request: $(( (d1-d0)*512/req )) bytes"
