#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer: it does not import into Swift.
static inline sqlite3_destructor_type till_sqlite_transient(void) { return SQLITE_TRANSIENT; }
