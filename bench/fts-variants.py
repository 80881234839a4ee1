# FTS5 trigram index variants on N members (Python's sqlite3 = the system SQLite 3.40.1), WAL + synchronous=FULL,
# 2,000 rows per transaction: indexing rate and a rare-substring query. Issue 6 floor notes in bench/backoffice.md.
#   python3 bench/fts-variants.py full|none|column 300000
import sqlite3, sys, time, os
detail = sys.argv[1]; n = int(sys.argv[2])
path = f"/tmp/till-fts-{detail}.sqlite"
for suf in ("", "-wal", "-shm"):
    try: os.remove(path + suf)
    except FileNotFoundError: pass
c = sqlite3.connect(path, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=FULL"); c.execute("PRAGMA cache_size=-524288")
first = ["Anna","Ben","Clara","David","Emma","Felix","Greta","Hans","Ida","Jonas","Karla","Lukas","Mia","Noah","Olga","Paul"]
last = ["Schmidt","Müller","Meyer","Weber","Wagner","Becker","Hoffmann","Schulz","Koch","Richter","Klein","Wolf"]
extra = "" if detail == "full" else f", detail={detail}"
c.execute(f"CREATE VIRTUAL TABLE member_search USING fts5 (names, identifiers, tokenize='trigram', columnsize=0{extra})")
rows_all = [(j+1, f"{first[j%16]} {last[j%12]}", f"K{10000000+j} +49151{10000000+j} {first[j%16].lower()}.m{j}@example.com") for j in range(n)]
t0 = time.time()
for i in range(0, n, 2000):
    c.execute("BEGIN"); c.executemany("INSERT INTO member_search (rowid, names, identifiers) VALUES (?,?,?)", rows_all[i:i+2000]); c.execute("COMMIT")
dt = time.time() - t0
print(f"{detail}: {n/dt:.0f}/s")
for q in ["m12345@exa", "chmidt", "15110012345", "Anna Sch"]:
    t = time.time(); r = c.execute("SELECT rowid FROM member_search WHERE member_search MATCH ? LIMIT 50", (f'"{q}"',)).fetchall() if detail=="full" else c.execute("SELECT rowid FROM member_search WHERE names LIKE ? OR identifiers LIKE ? LIMIT 50", (f"%{q}%", f"%{q}%")).fetchall()
    print(q, len(r), f"{(time.time()-t)*1000:.1f} ms")
