#!/usr/bin/env bash
# usage: bash bench/daemon-wal-pages.sh BINDIR [terminals]
# Which tables and indexes the daemon's COMMITs write to the WAL under till-sim's purchases (bench/wal-pages.sh does
# the same for till-bench-store): one daemon over TLS with checkpoints out of reach (2 GiB bounds), 100,000 members
# seeded, a closed loop of 64 terminals for 12 s; the WAL is copied 5 s and 9 s into the run, and the frames between
# the two copies are attributed to their b-trees (dbstat on the database after the daemon stopped: the closing
# checkpoint copies pages to their own page numbers). Also prints the purchases answered between the copies.
BENCH_BIN=$1; T=${2:-64}
source "$(dirname "$0")/bench-daemon.sh"
port=18794
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) \
  --wal-checkpoint-bytes 2147483648 --wal-checkpoint-busy-bytes 2147483648
bench_seed $port 200
requests() { curl -s 127.0.0.1:$((port + 1))/metrics | awk '/^till_writer_requests_total /{print $2}'; }
$bin/till-sim run --server 127.0.0.1:$port --tls-ca $ca --terminals-file $work/terminals.json --working-set 100000 \
  --duration 12s --terminals $T --mix purchases > $work/run.txt 2>&1 &
sim=$!
sleep 5; r1=$(requests); cp $work/data/till.sqlite-wal $work/wal.1
sleep 4; r2=$(requests); cp $work/data/till.sqlite-wal $work/wal.2
wait $sim
grep -E "^run closed" $work/run.txt
kill -TERM $tilld_pid; wait $tilld_pid || true; tilld_pid=""
echo "writes answered between the copies: $((r2 - r1))"
python3 - $work/wal.1 $work/wal.2 $work/data/till.sqlite $((r2 - r1)) <<'PY'
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

earlier, later, database, writes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a, b = frames(earlier), frames(later)
assert b[:len(a)] == a, "the WAL restarted between the copies"
run = b[len(a):]
owner = {page: name for name, page in sqlite3.connect(f'file:{database}?mode=ro', uri=True)
         .execute('SELECT name, pageno FROM dbstat')}
counts = collections.Counter(owner.get(page, '(new page)') for page, _ in run)
print(f'{len(run)} frames in {sum(1 for _, commit in run if commit)} COMMITs between the two copies: '
      f'{len(run) / max(writes, 1):.2f} per write')
for name, count in counts.most_common(16):
    print(f'| {name} | {count} | {100 * count / len(run):.1f} % | {count / max(writes, 1):.2f} per write |')
PY
