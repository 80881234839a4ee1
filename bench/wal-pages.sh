#!/usr/bin/env bash
# Which tables and indexes a purchase's COMMITs write to the WAL (and the checkpoint then copies), measured:
# runs till-bench-store at one batch size with checkpoints switched off, copies the WAL twice while it grows (the
# setup's frames are in the first copy too), and attributes the frames between the two copies to their b-trees
# (SQLite's dbstat on the final database file: pages do not move while nothing checkpoints).
#
# usage: bash bench/wal-pages.sh [till-bench-store binary] [batch]      e.g. BENCH_CARDS=1 bash bench/wal-pages.sh
set -euo pipefail
BIN=${1:-.build/release/till-bench-store}
BATCH=${2:-64}
DIR=$(mktemp -d /tmp/wal-pages.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
WAL="$DIR/store/bench-$BATCH.db-wal"
mkdir "$DIR/store"
"$BIN" --only purchase --seconds 4 --batches "$BATCH" --checkpoint-pages 2000000 --busy-checkpoint-pages 2000000 \
  --dir "$DIR/store" > "$DIR/out.txt" 2>&1 &
BENCH=$!
n=0; previous=0
while kill -0 "$BENCH" 2>/dev/null; do
  sleep 0.25
  size=$(stat -c %s "$WAL" 2>/dev/null || echo 0)
  [ "$size" -lt "$previous" ] && break  # the closing checkpoint truncated it
  previous=$size; n=$((n + 1))
  cp "$WAL" "$DIR/wal.$n" 2>/dev/null || true
  rm -f "$DIR/wal.$((n - 3))"
done
wait "$BENCH"
grep "^| $BATCH " "$DIR/out.txt"
python3 "$(dirname "$0")/wal-frames.py" "$DIR/wal.$((n - 2))" "$DIR/wal.$((n - 1))" "$DIR/store/bench-$BATCH.db"
