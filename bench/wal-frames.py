"""Attributes the WAL frames appended between two copies of a WAL file to the b-trees that own their pages.

usage: python3 bench/wal-frames.py EARLIER_WAL LATER_WAL DATABASE [WRITES]
DATABASE is the database after the run (dbstat gives each page's b-tree: pages do not move while nothing
checkpoints, and a checkpoint copies a page to its own number). With WRITES (the requests answered between the two
copies), pages per write too. Used by bench/wal-pages.sh and bench/daemon-wal-pages.sh.
"""
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


earlier, later, database = sys.argv[1:4]
writes = int(sys.argv[4]) if len(sys.argv) > 4 else None
a, b = frames(earlier), frames(later)
assert b[:len(a)] == a, "the WAL restarted between the copies"
run = b[len(a):]
owner = {page: name for name, page in sqlite3.connect(f'file:{database}?mode=ro', uri=True)
         .execute('SELECT name, pageno FROM dbstat')}
counts = collections.Counter(owner.get(page, '(new page)') for page, _ in run)
per_write = f': {len(run) / max(writes, 1):.2f} per write' if writes is not None else ''
print(f'{len(run)} frames in {sum(1 for _, commit in run if commit)} COMMITs between the two copies{per_write}')
for name, count in counts.most_common(16):
    extra = f' {count / max(writes, 1):.2f} per write |' if writes is not None else ''
    print(f'| {name} | {count} | {100 * count / len(run):.1f} % |{extra}')
