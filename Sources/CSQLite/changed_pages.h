#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sqlite3.h>

// Readers whose page cache survives the writer's commits.
//
// Why: SQLite empties a WAL reader's whole page cache when its next read transaction finds the WAL changed
// (`pagerBeginReadTransaction` → `pager_reset` → `xTruncate(cache, 1)`), so under a steady stream of commits every
// read loads every page again (a `malloc` and a `pread` each). Only the pages the commits since its last snapshot
// wrote can differ; the rest are the same bytes.
//
// How:
// - The writer's VFS logs the page number of every WAL frame it writes (`till_changed_pages_append`), before the
//   commit holding it becomes visible (SQLite publishes a commit in the wal-index header only after its frames were
//   written). Positions in the log only grow; the ring keeps the last `TILL_CHANGED_PAGES_RING` of them.
// - After each of its commits (`sqlite3_wal_hook`) the writer publishes the log's head and the wal-index header's
//   change counter (`iChange`, which every commit by any connection increments). A counter that is not its last
//   published one plus one means a commit the log does not hold (another connection's): the generation changes, and
//   every reader empties its cache once.
// - A reader arms its state around the statement that starts its read transaction (`till_reader_cache_arm`),
//   taking the published head `L` before SQLite chooses the snapshot (which so holds every commit logged below `L`).
//   When SQLite then resets that reader's cache, the cache drops only the pages logged since the reader's previous
//   `L`, provided the live wal-index counter is still the published one (no commit the log does not hold is
//   visible), the generation did not change, and the ring still holds those positions; otherwise it drops every page
//   as SQLite asked. Either way the reader remembers this `L` and generation for its next reset.
//
// Why it is exact: a page kept was logged by no commit between the reader's previous `L` and now, so it holds the
// same bytes in every snapshot since it was loaded (from a snapshot at or after that `L`), the new one included.
// Checkpoints and WAL restarts move pages between files without changing any. Pages logged by a transaction that
// rolled back are dropped for nothing. Only truncations to 1 or 2 (the reset; page 1 pinned is kept, zeroed by SQLite,
// as SQLite does) while armed are narrowed; a narrowed truncation drops a subset of what SQLite asked to drop.

#define TILL_CHANGED_PAGES_RING (1u << 16)
/// More changed pages than this since a reader's last snapshot: empty its cache instead of dropping them one by one.
#define TILL_CHANGED_PAGES_EXACT_LIMIT 8192u

typedef struct till_changed_pages {
    pthread_mutex_t lock;
    uint32_t ring[TILL_CHANGED_PAGES_RING];
    /// Pages logged so far (the next position).
    uint64_t head;
    /// The head and the wal-index change counter at the writer's last commit.
    uint64_t published_head;
    uint32_t published_change;
    int published;
    /// Changes when a commit the log does not hold may be visible; readers remember the one they saw.
    uint64_t generation;
    /// The wal-index's first region, as the writer's connection mapped it (shared by every connection of the process
    /// to this database); null when not mapped.
    const volatile unsigned char *shm;
    /// Resets narrowed to the changed pages, resets that emptied the cache, pages dropped by narrowed resets.
    uint64_t kept_resets;
    uint64_t emptied_resets;
    uint64_t dropped_pages;
} till_changed_pages;

static inline void till_changed_pages_init(till_changed_pages *log) {
    pthread_mutex_init(&log->lock, 0);
    log->head = 0;
    log->published_head = 0;
    log->published_change = 0;
    log->published = 0;
    log->generation = 1;
    log->shm = 0;
    log->kept_resets = 0;
    log->emptied_resets = 0;
    log->dropped_pages = 0;
}

static inline void till_changed_pages_destroy(till_changed_pages *log) { pthread_mutex_destroy(&log->lock); }

/// The wal-index header's change counter, read as SQLite reads the header (its first copy, then its second; they
/// match unless a writer is updating it). 0: no consistent, initialized header.
static inline int till_changed_pages_live_change(const volatile unsigned char *shm, uint32_t *change) {
    unsigned char first[48], second[48];
    for (int i = 0; i < 48; i++) first[i] = shm[i];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (int i = 0; i < 48; i++) second[i] = shm[48 + i];
    if (memcmp(first, second, 48) != 0 || first[12] == 0) return 0;  // isInit at offset 12
    memcpy(change, first + 8, 4);  // iChange at offset 8, native byte order
    return 1;
}

static inline void till_changed_pages_set_shm(till_changed_pages *log, const void *region) {
    pthread_mutex_lock(&log->lock);
    log->shm = (const volatile unsigned char *)region;
    if (region == 0) log->published = 0;
    pthread_mutex_unlock(&log->lock);
}

/// The writer's VFS: `count` pages written to the WAL (before their commit is visible).
static inline void till_changed_pages_append(till_changed_pages *log, const uint32_t *pages, int count) {
    pthread_mutex_lock(&log->lock);
    for (int i = 0; i < count; i++) log->ring[(log->head + (uint64_t)i) & (TILL_CHANGED_PAGES_RING - 1)] = pages[i];
    log->head += (uint64_t)count;
    pthread_mutex_unlock(&log->lock);
}

/// The writer, after each of its commits (the commit is visible).
static inline void till_changed_pages_committed(till_changed_pages *log) {
    pthread_mutex_lock(&log->lock);
    uint32_t live = 0;
    // A commit that reaches the hook wrote at least its commit frame: none logged means the WAL's writes bypass the
    // log (a WAL opened without this database's log), and the log proves nothing until the next commit.
    int logged = log->head != log->published_head;
    if (logged && log->shm != 0 && till_changed_pages_live_change(log->shm, &live)) {
        if (!log->published || live != log->published_change + 1) log->generation++;
        log->published = 1;
        log->published_change = live;
    } else {
        log->generation++;
        log->published = 0;
    }
    log->published_head = log->head;
    pthread_mutex_unlock(&log->lock);
}

/// For the ledger, right after its snapshot began: 1 when every commit it may see is the writer's, as far as
/// `*generation` and `*accepted` (what the previous call saw) tell: the live change counter is the writer's last
/// published one, or the one the ledger accepted last time (after it drained the writer and forgot what it keeps),
/// and the generation did not change. 0 otherwise: another connection may have committed (or the writer's commit
/// is not published yet). Either way it remembers the generation and the live counter.
static inline int till_changed_pages_writer_only(till_changed_pages *log, uint64_t *generation, uint32_t *accepted) {
    pthread_mutex_lock(&log->lock);
    uint32_t live = 0;
    int known = log->shm != 0 && till_changed_pages_live_change(log->shm, &live);
    int ok = known && log->generation == *generation &&
        ((log->published && live == log->published_change) || live == *accepted);
    *generation = log->generation;
    *accepted = known ? live : 0;
    pthread_mutex_unlock(&log->lock);
    return ok;
}

typedef struct till_changed_pages_counts {
    unsigned long long kept_resets;
    unsigned long long emptied_resets;
    unsigned long long dropped_pages;
} till_changed_pages_counts;

static inline till_changed_pages_counts till_changed_pages_read_counts(till_changed_pages *log) {
    pthread_mutex_lock(&log->lock);
    till_changed_pages_counts counts = {log->kept_resets, log->emptied_resets, log->dropped_pages};
    pthread_mutex_unlock(&log->lock);
    return counts;
}

/// One reader connection's state.
typedef struct till_reader_cache {
    till_changed_pages *log;
    /// The page cache it was first reset with (compared only, never dereferenced).
    const void *cache;
    /// The `L` and generation of its last reset; 0: none yet.
    uint64_t through;
    uint64_t generation;
} till_reader_cache;

typedef struct till_reader_armed {
    till_reader_cache *reader;
    uint64_t lower;
    uint64_t generation;
} till_reader_armed;

static inline till_reader_armed *till_reader_armed_state(void) {
    static _Thread_local till_reader_armed armed;
    return &armed;
}

static inline void till_reader_cache_init(till_reader_cache *reader, till_changed_pages *log) {
    reader->log = log;
    reader->cache = 0;
    reader->through = 0;
    reader->generation = 0;
}

/// Before the statement that starts `reader`'s read transaction, on the thread that runs it.
static inline void till_reader_cache_arm(till_reader_cache *reader) {
    till_reader_armed *armed = till_reader_armed_state();
    pthread_mutex_lock(&reader->log->lock);
    armed->lower = reader->log->published_head;
    armed->generation = reader->log->generation;
    pthread_mutex_unlock(&reader->log->lock);
    armed->reader = reader;
}

static inline void till_reader_cache_disarm(void) { till_reader_armed_state()->reader = 0; }

/// The pages to drop from an armed reader's cache at a reset, into `pages` (up to the exact limit); -1: drop every
/// page. Remembers the armed `L` and generation.
static inline int till_reader_cache_changed(till_reader_cache *reader, const void *cache, uint32_t *pages) {
    till_reader_armed *armed = till_reader_armed_state();
    till_changed_pages *log = reader->log;
    int count = -1;
    pthread_mutex_lock(&log->lock);
    uint32_t live = 0;
    uint64_t changed = log->head - reader->through;
    if (reader->cache == cache && reader->generation != 0 && reader->generation == log->generation &&
        armed->generation == log->generation && log->published && log->shm != 0 &&
        till_changed_pages_live_change(log->shm, &live) && live == log->published_change &&
        changed <= TILL_CHANGED_PAGES_EXACT_LIMIT) {
        for (uint64_t i = 0; i < changed; i++) pages[i] = log->ring[(reader->through + i) & (TILL_CHANGED_PAGES_RING - 1)];
        count = (int)changed;
        log->kept_resets++;
        log->dropped_pages += changed;
    } else {
        log->emptied_resets++;
    }
    pthread_mutex_unlock(&log->lock);
    reader->cache = cache;
    reader->through = armed->lower;
    reader->generation = armed->generation;
    return count;
}
