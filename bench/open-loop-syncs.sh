#!/usr/bin/env bash
# usage: TILLD_FLAGS="…" bash bench/open-loop-syncs.sh BINDIR [rate]
# One fresh daemon (TLS, 100,000 members, 2,000 terminals), one open-loop run of 12 s at `rate` purchases/s (default
# 1,000) over 1,000 terminals; prints the purchase line of the run (count, ok, p50, p90, p99, p99.9, max µs from the
# intended start), then the journal syncs' and checkpoints' histograms for the run (from /metrics before and after).
BENCH_BIN=$1; RATE=${2:-1000}
source "$(dirname "$0")/bench-daemon.sh"
port=18790
bench_start_tilld $port "$work/tilld.log" --metrics-listen 127.0.0.1:$((port + 1)) ${TILLD_FLAGS:-}
bench_seed $port 2000 --pos-per-branch 50
curl -s 127.0.0.1:$((port + 1))/metrics > $work/m0
$bin/till-sim run --server 127.0.0.1:$port --tls-ca $ca --terminals-file $work/terminals.json --working-set 100000 \
    --daemon-pid $tilld_pid --duration 12s --terminals 1000 --mix purchases --rate $RATE > $work/run.txt 2>&1 || true
curl -s 127.0.0.1:$((port + 1))/metrics > $work/m1
grep -E '^purchase ' $work/run.txt
python3 - $work/m0 $work/m1 <<'PY'
import sys,re
def load(f):
    d={}
    for l in open(f):
        if l.startswith('#'): continue
        p=l.rsplit(' ',1)
        if len(p)==2:
            try: d[p[0]]=float(p[1])
            except: pass
    return d
a,b=load(sys.argv[1]),load(sys.argv[2])
for k in b:
    if ('_bucket' in k and ('journal_sync' in k or 'checkpoint' in k or 'fsync' in k or 'wait' in k)) or k.endswith('_count') or k.endswith('_sum'):
        dv=b[k]-a.get(k,0)
        if dv: print(k, dv)
PY
