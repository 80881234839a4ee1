#!/usr/bin/env bash
# usage: bash bench/daemon-wal-pages.sh BINDIR [terminals]
# Which tables and indexes the daemon's COMMITs write to the WAL under till-sim's purchases (bench/wal-pages.sh does
# the same for till-bench-store): one daemon over TLS with checkpoints out of reach (2 GiB bounds), 100,000 members
# seeded, a closed loop of 64 terminals for 12 s; the WAL is copied 5 s and 9 s into the run, and the frames between
# the two copies are attributed to their b-trees (dbstat on the database after the daemon stopped: the closing
# checkpoint copies pages to their own page numbers). Also prints the purchases answered between the copies.
BENCH_BIN=$1; T=${2:-64}
here=$(cd "$(dirname "$0")" && pwd)
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
python3 "$here/wal-frames.py" $work/wal.1 $work/wal.2 $work/data/till.sqlite $((r2 - r1))
