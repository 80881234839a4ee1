#include <sqlite3.h>
#include "changed_pages.h"

// SQLite's default page cache (pcache1) around one change: a truncation that cannot drop any page is not passed on.
//
// Why: every COMMIT ends with `xTruncate(cache, pages + 1)`. pcache1 skips it only when no key at or past the limit was
// ever used since the last truncation (`iMaxKey`). A b-tree split that puts its new pages in order (balance_nonroot)
// moves a page through a temporary key (the pending-byte page, 262,145 at 4 KiB pages) and back, which leaves iMaxKey
// there: the truncation then walks every bucket of the cache's hash table (as many as cached pages, up to 131,072 for
// the writer's 512 MiB) although no page is left past the limit. Most write transactions split some page, so the
// writer paid that walk on nearly every COMMIT (~125 µs at 13,000 cached pages; bench/journal.md, issue 13).
//
// How: per cache, `bound` is at least every live key except the ones listed in `above` (keys a rekey moved past
// `bound` and that no rekey moved away yet; `overflowed` when more than fit). A truncation whose limit is past `bound`
// and past every listed key drops nothing and is skipped; any other is passed on, and the state then narrows to the
// limit. Pages dropped without a truncation (discarded, recycled) only leave the state larger than needed, never
// smaller: it errs towards passing a truncation on. Each cache is used by one connection at a time (the pager calls
// these under its connection), like pcache1's own per-cache fields.

#define TILL_PAGE_CACHE_ABOVE 8

typedef struct till_page_cache {
    sqlite3_pcache *inner;
    unsigned bound;
    int count;
    int overflowed;
    unsigned above[TILL_PAGE_CACHE_ABOVE];
} till_page_cache;

/// The wrapped (default) methods. A function's static: Swift's importer emits the functions a module calls, not a
/// header's global variables.
static inline sqlite3_pcache_methods2 *till_page_cache_inner_methods(void) {
    static sqlite3_pcache_methods2 inner;
    return &inner;
}
#define till_page_cache_inner (*till_page_cache_inner_methods())

/// Truncations passed on to the wrapped cache and truncations skipped, by the calling thread (a connection's
/// truncations run on the thread using it), so that a test sees its own connection's counts only.
typedef struct till_page_cache_counts {
    unsigned long long passed;
    unsigned long long skipped;
} till_page_cache_counts;

static inline till_page_cache_counts *till_page_cache_counters(void) {
    static _Thread_local till_page_cache_counts counts;
    return &counts;
}

static inline till_page_cache_counts till_page_cache_read_counts(void) { return *till_page_cache_counters(); }

static inline int till_page_cache_init(void *arg) {
    (void)arg;
    return till_page_cache_inner.xInit(till_page_cache_inner.pArg);
}

static inline void till_page_cache_shutdown(void *arg) {
    (void)arg;
    if (till_page_cache_inner.xShutdown) till_page_cache_inner.xShutdown(till_page_cache_inner.pArg);
}

static inline sqlite3_pcache *till_page_cache_create(int page_size, int extra_size, int purgeable) {
    till_page_cache *cache = (till_page_cache *)sqlite3_malloc(sizeof(till_page_cache));
    if (cache == 0) return 0;
    cache->inner = till_page_cache_inner.xCreate(page_size, extra_size, purgeable);
    if (cache->inner == 0) {
        sqlite3_free(cache);
        return 0;
    }
    cache->bound = 0;
    cache->count = 0;
    cache->overflowed = 0;
    return (sqlite3_pcache *)cache;
}

static inline void till_page_cache_cachesize(sqlite3_pcache *p, int pages) {
    till_page_cache_inner.xCachesize(((till_page_cache *)p)->inner, pages);
}

static inline int till_page_cache_pagecount(sqlite3_pcache *p) {
    return till_page_cache_inner.xPagecount(((till_page_cache *)p)->inner);
}

static inline int till_page_cache_listed(const till_page_cache *cache, unsigned key) {
    for (int i = 0; i < cache->count; i++) {
        if (cache->above[i] == key) return 1;
    }
    return 0;
}

static inline sqlite3_pcache_page *till_page_cache_fetch(sqlite3_pcache *p, unsigned key, int create) {
    till_page_cache *cache = (till_page_cache *)p;
    sqlite3_pcache_page *page = till_page_cache_inner.xFetch(cache->inner, key, create);
    if (page != 0 && key > cache->bound && !till_page_cache_listed(cache, key)) cache->bound = key;
    return page;
}

static inline void till_page_cache_unpin(sqlite3_pcache *p, sqlite3_pcache_page *page, int discard) {
    till_page_cache_inner.xUnpin(((till_page_cache *)p)->inner, page, discard);
}

static inline void till_page_cache_rekey(sqlite3_pcache *p, sqlite3_pcache_page *page, unsigned old_key, unsigned new_key) {
    till_page_cache *cache = (till_page_cache *)p;
    till_page_cache_inner.xRekey(cache->inner, page, old_key, new_key);
    for (int i = 0; i < cache->count; i++) {
        if (cache->above[i] == old_key) {
            cache->above[i] = cache->above[--cache->count];
            break;
        }
    }
    if (new_key > cache->bound && !till_page_cache_listed(cache, new_key)) {
        if (cache->count < TILL_PAGE_CACHE_ABOVE) {
            cache->above[cache->count++] = new_key;
        } else {
            cache->overflowed = 1;
        }
    }
}

/// Drops one page if cached (never a pinned one: only at a reset, where SQLite would drop it anyway).
static inline void till_page_cache_drop(till_page_cache *cache, unsigned key) {
    sqlite3_pcache_page *page = till_page_cache_inner.xFetch(cache->inner, key, 0);
    if (page != 0) till_page_cache_inner.xUnpin(cache->inner, page, 1);
}

static inline void till_page_cache_truncate(sqlite3_pcache *p, unsigned limit) {
    till_page_cache *cache = (till_page_cache *)p;
    till_reader_armed *armed = till_reader_armed_state();
    if (armed->reader != 0 && (limit == 1 || limit == 2)) {
        // An armed reader's reset: only the pages changed since its last snapshot (changed_pages.h). Dropping a
        // subset of what SQLite asked leaves this cache's bounds larger than needed, which errs the safe way.
        static _Thread_local uint32_t changed[TILL_CHANGED_PAGES_EXACT_LIMIT];
        int count = till_reader_cache_changed(armed->reader, p, changed);
        if (count >= 0) {
            if (limit == 1) till_page_cache_drop(cache, 1);
            for (int i = 0; i < count; i++) {
                if (changed[i] >= limit) till_page_cache_drop(cache, changed[i]);
            }
            return;
        }
    }
    int needed = cache->overflowed || cache->bound >= limit;
    for (int i = 0; !needed && i < cache->count; i++) needed = cache->above[i] >= limit;
    if (!needed) {
        till_page_cache_counters()->skipped++;
        return;
    }
    till_page_cache_counters()->passed++;
    till_page_cache_inner.xTruncate(cache->inner, limit);
    // No live key is at or past `limit` any more.
    if (cache->overflowed) {
        cache->bound = limit == 0 ? 0 : limit - 1;
        cache->count = 0;
        cache->overflowed = 0;
        return;
    }
    if (limit == 0) {
        cache->bound = 0;
    } else if (cache->bound >= limit) {
        cache->bound = limit - 1;
    }
    for (int i = 0; i < cache->count;) {
        if (cache->above[i] >= limit) {
            cache->above[i] = cache->above[--cache->count];
        } else {
            i++;
        }
    }
}

static inline void till_page_cache_destroy(sqlite3_pcache *p) {
    till_page_cache *cache = (till_page_cache *)p;
    till_page_cache_inner.xDestroy(cache->inner);
    sqlite3_free(cache);
}

static inline void till_page_cache_shrink(sqlite3_pcache *p) {
    till_page_cache_inner.xShrink(((till_page_cache *)p)->inner);
}

/// Installs the page cache above around SQLite's default one. Like every sqlite3_config call it must run before the
/// library initializes (before the first open); it returns SQLITE_MISUSE when it is too late, and SQLite then keeps
/// its default cache unchanged.
static inline int till_sqlite_install_page_cache(void) {
    sqlite3_pcache_methods2 inner;
    int code = sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &inner);
    if (code != SQLITE_OK) return code;
    if (inner.xInit == 0 || inner.xShrink == 0) return SQLITE_MISUSE;
    till_page_cache_inner = inner;
    static sqlite3_pcache_methods2 methods = {
        1, 0, till_page_cache_init, till_page_cache_shutdown, till_page_cache_create, till_page_cache_cachesize,
        till_page_cache_pagecount, till_page_cache_fetch, till_page_cache_unpin, till_page_cache_rekey,
        till_page_cache_truncate, till_page_cache_destroy, till_page_cache_shrink,
    };
    methods.iVersion = inner.iVersion;  // the same methods as the default, so the same version
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &methods);
}
