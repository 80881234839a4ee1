# Reads `perf script -F comm,tid,ip,sym` of the writer thread's DWARF call chains and gives each sample to the first
# category (in the order below) that a frame of its chain names: the specific ones (COMMIT, checkpoint, journal) before
# the SQL statements they run. Prints each category's share of the writer's samples.
import collections, re, sys

categories = [
    ("projector: COMMIT", r"commitAnswered"),
    ("projector: checkpoint", r"WriterLoopC10checkpoint"),
    ("ledger: journal (effect record, append, fdatasync)", r"makeDurable|EffectRecord|TillJournal"),
    ("ledger: answers handed to the loops", r"PendingWriteC7succeed|PendingWriteCfD|EventLoopC7execute"),
    ("ledger: reads (accounts, identifiers, named benefits)", r"AccountReader"),
    ("ledger: exactly-once lookup", r"ExactlyOnce"),
    ("projector: SQL statements executed (INSERT, UPDATE)", r"WriteContextC7execute|ConnectionC7execute"),
    ("ledger: rules (TillCore)", r"LoyaltyRules|Punching|TillCore6Basket"),
    ("ledger: encodings (receipt, record, ticket lines)", r"StoredReceipt|TicketLines|textBytes|RecordTextWriter"),
]
samples, chain = [], []
for line in open(sys.argv[1]):
    if not line.strip():
        if chain:
            samples.append(chain)
        chain = []
    elif line[0].isspace():
        parts = line.strip().split(None, 1)
        chain.append(parts[1] if len(parts) > 1 else "?")
if chain:
    samples.append(chain)
counts = collections.Counter()
for frames in samples:
    for name, pattern in categories:
        if any(re.search(pattern, f) for f in frames):
            counts[name] += 1
            break
    else:
        counts["other (the batch loop, posting's own code, BEGIN, allocation)"] += 1
total = len(samples) or 1
for name, n in counts.most_common():
    print(f"{n / total * 100:5.1f} %  {name}")
print(f"{len(samples)} samples of the writer thread")
