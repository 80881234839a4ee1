#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer: it does not import into Swift.
static inline sqlite3_destructor_type till_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/// sqlite3_config is variadic (not callable from Swift). Turns off SQLite's global memory statistics, which put a
/// process-wide mutex and counter updates around every sqlite3_malloc/free. Must run before the library initializes
/// (before the first open); returns SQLITE_MISUSE (harmless) when it is too late.
static inline int till_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

#include "page_cache.h"
