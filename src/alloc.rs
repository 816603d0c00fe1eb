//! The `sleuthc` binary's allocator (mimalloc) and how it is set up, shared with the
//! benchmarks so that in-process timings see the same heap as the binary.

/// `mi_option_purge_delay` in mimalloc's `mi_option_t`: the option just before
/// `mi_option_use_numa_nodes`, in its v2 and v3 alike (libmimalloc-sys does not name it).
pub const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t =
    libmimalloc_sys::mi_option_use_numa_nodes - 1;

/// Sets mimalloc up for a run of milliseconds, each option a default that mimalloc's
/// environment variable still overrides:
/// - memory freed is kept for the next allocation instead of being handed back to the
///   OS after mimalloc's purge delay (which splits the arena's huge pages with
///   `madvise` and refaults them: with mimalloc 3's default delay, 73 calls in the
///   100-environment build and one more in the fleet's);
/// - the first arena is small ([`FIRST_ARENA_KIB`]).
///
/// It must run before the first allocation, which the Rust runtime makes before
/// `main`: the binary and the benchmark run it from the process's constructors
/// (`.init_array`) on Linux, and first thing in `main` elsewhere (where the first
/// arena is by then made, so only the purge delay applies).
pub extern "C" fn set_up() {
    // SAFETY: sets process-wide options while the process is still single-threaded
    // (constructors run before `main`, and `main` calls it before any thread exists).
    unsafe { libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, -1) };
    small_first_arena();
}

/// `mi_option_arena_reserve` in mimalloc 3's `mi_option_t` (libmimalloc-sys does not
/// name it): three after `mi_option_max_warnings`, past the deprecated
/// `max_segment_reclaim` and `destroy_on_exit`.
pub const MI_OPTION_ARENA_RESERVE: libmimalloc_sys::mi_option_t =
    libmimalloc_sys::mi_option_max_warnings + 3;

/// The address space of mimalloc's first arena, in KiB (the option's unit): 64 MiB
/// instead of 1 GiB. An arena begins with its bitmaps, one bit per 64 KiB slice; for
/// 1 GiB they fill the arena's first 2 MiB and a slice, so the first huge page was
/// zeroed for a few cache lines of bitmap and the heap began in the second: the
/// fleet's 4 MiB of heap touched three 2 MiB huge pages. A 64 MiB arena's bitmaps fit in its first slice and the heap
/// follows them: two huge pages (`AnonHugePages` at exit, 6,144 -> 4,096 kB), one
/// zeroing of 2 MiB less. A program that needs more gets more arenas (the
/// 200-environment build's peak RSS is the same).
pub const FIRST_ARENA_KIB: std::ffi::c_long = 64 * 1024;

fn small_first_arena() {
    // SAFETY: as in `set_up`, its only caller outside tests.
    unsafe { libmimalloc_sys::mi_option_set_default(MI_OPTION_ARENA_RESERVE, FIRST_ARENA_KIB) };
}

/// mimalloc as the global allocator, asking for an aligned block only when the
/// alignment is one that a plain allocation does not already give.
///
/// The `mimalloc` crate's allocator calls `mi_malloc_aligned` for every allocation;
/// mimalloc then checks whether a plain block would be aligned and, nearly always,
/// makes one. That check, and the wrappers around it, cost about 40 instructions an
/// allocation (1.3 M instructions, 4 %, in the fleet's build). A plain mimalloc
/// block of `size` bytes is aligned to any power of two up to 16 (`MI_MAX_ALIGN_SIZE`)
/// that is no larger than `size`: on 64-bit targets every size class but the 8-byte
/// one is a multiple of 16, and pages start aligned to 16 and to their block size.
/// mimalloc's `mi_malloc_is_naturally_aligned` (`alloc-aligned.c`) makes the same
/// test (and checks the pointer again); here the test below checks it on the mimalloc
/// linked, and debug builds check every block. This makes that test first and calls
/// the plain functions when it holds.
pub struct MiMalloc;

/// The largest alignment every mimalloc block at least that large has.
const MI_MAX_ALIGN_SIZE: usize = 16;

#[inline]
fn plain_is_aligned(size: usize, align: usize) -> bool {
    align <= MI_MAX_ALIGN_SIZE && align <= size
}

/// `block`, checked in debug builds to have the alignment `plain_is_aligned` promised.
#[inline]
fn aligned(block: *mut u8, align: usize) -> *mut u8 {
    if cfg!(debug_assertions) && !(block as usize).is_multiple_of(align) {
        // Not a panic: its message would allocate, and an allocator must not unwind.
        std::process::abort();
    }
    block
}

// SAFETY: every block comes from mimalloc with at least the layout's size and
// alignment (above), and goes back to mimalloc (`mi_free` takes either kind).
unsafe impl std::alloc::GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: plain calls into the allocator.
        unsafe {
            if plain_is_aligned(layout.size(), layout.align()) {
                aligned(mi::mi_malloc(layout.size()).cast(), layout.align())
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: as in `alloc`.
        unsafe {
            if plain_is_aligned(layout.size(), layout.align()) {
                aligned(mi::mi_zalloc(layout.size()).cast(), layout.align())
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: `ptr` came from this allocator; the new block is aligned as `alloc`'s.
        unsafe {
            if plain_is_aligned(new_size, layout.align()) {
                aligned(mi::mi_realloc(ptr.cast(), new_size).cast(), layout.align())
            } else {
                mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_option_is_mimallocs_purge_delay() {
        // mimalloc 3.x's purge delay defaults to 1000 (ms), an option no neighbour
        // shares the default of: a renumbered option enum would show here.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads an option.
            assert_eq!(
                unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) },
                1000
            );
        }
    }

    /// The option set is the arena reserve: the options before it have the defaults of
    /// `max_segment_reclaim` (10) and `destroy_on_exit` (0), and it takes the value set.
    #[test]
    fn the_arena_option_is_mimallocs_arena_reserve() {
        let get = |o| unsafe { libmimalloc_sys::mi_option_get(o) };
        if std::env::var_os("MIMALLOC_MAX_SEGMENT_RECLAIM").is_none() {
            assert_eq!(get(MI_OPTION_ARENA_RESERVE - 2), 10);
        }
        if std::env::var_os("MIMALLOC_DESTROY_ON_EXIT").is_none() {
            assert_eq!(get(MI_OPTION_ARENA_RESERVE - 1), 0);
        }
        if std::env::var_os("MIMALLOC_ARENA_RESERVE").is_none() {
            // 1 GiB unless something set it first (the binary's constructor does).
            assert!([1024 * 1024, FIRST_ARENA_KIB].contains(&get(MI_OPTION_ARENA_RESERVE)));
            small_first_arena();
            assert_eq!(get(MI_OPTION_ARENA_RESERVE), FIRST_ARENA_KIB);
        }
    }

    #[test]
    fn plain_blocks_have_the_alignments_they_are_trusted_with() {
        use std::alloc::{GlobalAlloc, Layout};
        let sizes = (1..=1100).chain([4095, 4096, 70_000, 600_000, 3 << 20]);
        for size in sizes {
            for align in [1, 2, 4, 8, 16].into_iter().filter(|&a| a <= size) {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero layout; each block is freed once.
                unsafe {
                    let p = MiMalloc.alloc(layout);
                    assert!(
                        !p.is_null() && (p as usize).is_multiple_of(align),
                        "{size} bytes, align {align}"
                    );
                    let q = MiMalloc.realloc(p, layout, size * 2 + 8);
                    assert!(
                        !q.is_null() && (q as usize).is_multiple_of(align),
                        "realloc {size}, align {align}"
                    );
                    MiMalloc.dealloc(q, Layout::from_size_align(size * 2 + 8, align).unwrap());
                    let z = MiMalloc.alloc_zeroed(layout);
                    assert!(!z.is_null() && (z as usize).is_multiple_of(align) && *z == 0);
                    MiMalloc.dealloc(z, layout);
                }
            }
        }
        // Larger alignments, and alignments above the size, take the aligned calls.
        for (size, align) in [(8, 64), (100, 4096), (1, 32), (4, 8)] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: as above.
            unsafe {
                let p = MiMalloc.alloc(layout);
                assert!(
                    !p.is_null() && (p as usize).is_multiple_of(align),
                    "{size} bytes, align {align}"
                );
                MiMalloc.dealloc(p, layout);
            }
        }
    }
}
