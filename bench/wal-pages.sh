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
python3 - "$DIR/wal.$((n - 2))" "$DIR/wal.$((n - 1))" "$DIR/store/bench-$BATCH.db" <<'PY'
import collections, sqlite3, struct, sys

def frames(path):
    with open(path, 'rb') as f:
        header = f.read(32)
        page_size, salts = struct.unpack('>I', header[8:12])[0], header[16:24]
        out = []
        while len(frame := f.read(24)) == 24 and frame[8:16] == salts:
            out.append((struct.unpack('>I', frame[:4])[0], struct.unpack('>I', frame[4:8])[0]))
            f.seek(page_size, 1)
        return out

earlier, later, database = sys.argv[1:]
a, b = frames(earlier), frames(later)
assert b[:len(a)] == a, "the WAL restarted between the copies"
run = b[len(a):]
owner = {page: name for name, page in sqlite3.connect(f'file:{database}?mode=ro', uri=True)
         .execute('SELECT name, pageno FROM dbstat')}
counts = collections.Counter(owner.get(page, '(new page)') for page, _ in run)
print(f'{len(run)} frames in {sum(1 for _, commit in run if commit)} COMMITs between the two copies')
for name, count in counts.most_common(16):
    print(f'| {name} | {count} | {100 * count / len(run):.1f} % |')
PY
