#!/usr/bin/env bash
# usage: PIN=0|1 bash bench/writer-pinned.sh BINDIR
# BINDIR holds release builds of tilld and till-sim. One daemon over TLS, 100,000 members, a closed loop of 64
# terminals for 15 s; 2 s in, PIN=1 pins the writer thread (the daemon thread with most CPU) to CPU 1 and every other
# daemon thread and the simulator to CPU 0 (`taskset -p`); PIN=0 leaves the scheduler free. Prints purchases/s, CPU per
# purchase and the writer thread's CPU per purchase over the last 13 s.
BENCH_BIN=$1
source "$(dirname "$0")/bench-daemon.sh"
port=18806
bench_start_tilld $port "$work/tilld.log"
bench_seed $port 200 > /dev/null
bench_closed_loop_started $port 15 64
sleep 2
writer=$(bench_writer_thread)
if [ "${PIN:-0}" = 1 ]; then
  for t in /proc/$tilld_pid/task/*; do taskset -p -c 0 $(basename $t) > /dev/null; done
  taskset -p -c 1 $writer > /dev/null
  for t in /proc/$sim_pid/task/*; do taskset -p -c 0 $(basename $t) > /dev/null; done
fi
w0=$(bench_thread_ticks "$writer")
wait $sim_pid
w1=$(bench_thread_ticks "$writer")
n=$(grep -E '^purchase ' $work/run.txt | awk '{print $2}')
echo "PIN=${PIN:-0} $(grep -E '^run closed' $work/run.txt) | $(grep 'daemon CPU' $work/run.txt) | $(grep 'simulator CPU' $work/run.txt | cut -d'(' -f1) | writer $(bench_us_per_purchase $((w1 - w0)) "$n" 13/15) µs/purchase"
