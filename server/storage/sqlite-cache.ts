/**
 * The storage worker's page cache limit unless SQLITE_CACHE_BYTES says otherwise: SQLite's own
 * default, 2 MiB. better-sqlite3 raises it to 16 MB per connection, and a full cache stays full
 * for the life of the connection; even `PRAGMA shrink_memory` does not give it back, as glibc
 * keeps the freed pages for the process. Reading a 40 MB database left RSS 20 MiB higher with
 * 16 MB and 6 MiB higher with 2 MiB (measured). The relay reads one document's rows at a time,
 * the inner pages of its B-trees fit in far less, and the OS page cache serves the rest of the
 * file.
 */
export const DEFAULT_SQLITE_CACHE_BYTES = 2 * 1024 * 1024;
