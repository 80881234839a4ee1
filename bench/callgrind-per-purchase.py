# usage: python3 bench/callgrind-per-purchase.py CALLGRIND_DUMP   (the timed part, e.g. cg.out.2 of --dump-before=getrusage)
# Totals of a callgrind dump part and the calls of PostPurchase.apply in it (the writer's purchases).
import sys, re
path = sys.argv[1]
names = {}
total = None
calls = 0
apply_incl = 0
cfn = None
target = '$s9TillStore12PostPurchaseV5applyy0A4Core7ReceiptVAA12WriteContextCKF'
with open(path) as f:
    lines = f.read().split('\n')
i = 0
for i, line in enumerate(lines):
    if line.startswith('totals:') or line.startswith('summary:'):
        total = int(line.split()[1])
    m = re.match(r'c?fn=\((\d+)\)(?: (.*))?', line)
    if m:
        if m.group(2): names[m.group(1)] = m.group(2)
        if line.startswith('cfn='): cfn = names.get(m.group(1))
        continue
    if line.startswith('calls=') and cfn == target:
        calls += int(line.split('=')[1].split()[0])
        apply_incl += int(lines[i + 1].split()[1])
print(f'total {total:,}  purchases {calls:,}  writer/purchase {total // max(calls,1):,}  apply/purchase {apply_incl // max(calls,1):,}')
