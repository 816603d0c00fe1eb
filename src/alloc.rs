//! How the `sleuthc` binary sets up its allocator (mimalloc), shared with the
//! benchmarks so that in-process timings see the same heap as the binary.

/// `mi_option_purge_delay` in mimalloc's `mi_option_t`: the option just before
/// `mi_option_use_numa_nodes`, in its v2 and v3 alike (libmimalloc-sys does not name it).
pub const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t =
    libmimalloc_sys::mi_option_use_numa_nodes - 1;

/// A run lasts milliseconds: memory freed is kept for the next allocation instead of
/// being handed back to the OS after mimalloc's purge delay (which split the arena's
/// huge pages with `madvise` and refaulted them: 28 calls in the fleet's build). A
/// default only: `MIMALLOC_PURGE_DELAY` in the environment still decides. Call it
/// first thing in `main`, before any other thread exists.
pub fn keep_freed_memory() {
    // SAFETY: sets a process-wide option, before other threads exist (documented above).
    unsafe { libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_option_is_mimallocs_purge_delay() {
        // mimalloc 2.x's purge delay defaults to 10 (ms), an option no neighbour shares
        // the default of: a renumbered option enum would show here.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads an option.
            assert_eq!(
                unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) },
                10
            );
        }
    }
}
