#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" bash bench/checkpoint-syncs.sh BINDIR
# bench/writer-time.sh (64 closed-loop terminals, TLS, 100,000 members) with every fsync/fdatasync of the daemon's
# files traced for 8 s of the run (the ext4:ext4_sync_file_enter/exit tracepoints, `perf record -a`, root): prints,
# per file (the database, its WAL, the journal's segments), how many syncs, their total time and p50 / p90 / max, and
# which thread ran them. Shows what a checkpoint's time is made of (WAL fsync, database fsync) and whether a sync ran
# on the writer's thread or in the background.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/checkpoint-syncs.XXXXXX)
bash "$here/writer-time.sh" "$1" > "$out/writer-time.txt" 2>&1 &
bench=$!
while ! pgrep -f "till-sim run" > /dev/null; do sleep 0.2; done
sleep 3
data=$(ls -d /tmp/till-bench.*/data | tail -1)
find "$data" -type f -printf '%i %p\n' > "$out/inodes.txt"
perf record -q -o "$out/perf.data" -e ext4:ext4_sync_file_enter -e ext4:ext4_sync_file_exit -a -- sleep 8 2> /dev/null
wait $bench
perf script -i "$out/perf.data" > "$out/syncs.txt" 2> /dev/null
cat "$out/writer-time.txt"
python3 "$here/sync-times.py" "$out/syncs.txt" "$out/inodes.txt"
rm -rf "$out"
