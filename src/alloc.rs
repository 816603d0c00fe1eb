//! The `sleuthc` binary's allocator and how it is set up, shared with the benchmarks so
//! that in-process timings see the same heap as the binary: the main thread's blocks
//! come from a region of its own (`region`, Linux), handed out in order with freed
//! blocks reused by size; past it, and on other threads, from mimalloc.

/// `mi_option_purge_delay` in mimalloc's `mi_option_t`: the option just before
/// `mi_option_use_numa_nodes`, in its v2 and v3 alike (libmimalloc-sys does not name it).
pub const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t =
    libmimalloc_sys::mi_option_use_numa_nodes - 1;

/// Maps the main thread's region (see [`Allocator`]), and sets mimalloc up for a run of
/// milliseconds, each option a default that mimalloc's environment variable still
/// overrides:
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
    owner::make();
}

mod region;

/// The size of the main thread's region: the fleet's build keeps 1.7 MB of it in
/// use; a larger program goes on in mimalloc when it is full.
pub const REGION_SIZE: usize = 8 << 20;

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

/// The global allocator. On the thread that called [`set_up`] (the main thread), blocks
/// come from its region first (`region::Region`, [`REGION_SIZE`] bytes): the fleet's
/// 22,000 allocations cost mimalloc's bookkeeping 0.9 M instructions, and its pages, one
/// or more per size class, spread the fleet's 1.7 MB in use over two 2 MiB huge pages;
/// in the region they fit in one. Past the region, and on other threads, blocks come
/// from mimalloc, asking for an aligned block only when the alignment is one that a
/// plain allocation does not already give.
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
pub struct Allocator;

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

// SAFETY: every block comes from the region (below) or from mimalloc with at least the
// layout's size and alignment; a region block is never handed out twice while live,
// and goes back only to the region; a mimalloc block goes back to mimalloc (`mi_free`
// takes either kind).
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if let Some(block) = owner::alloc(layout, false) {
            return block;
        }
        // SAFETY: as the trait's.
        unsafe { mi_alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if let Some(block) = owner::alloc(layout, true) {
            return block;
        }
        use libmimalloc_sys as mi;
        // SAFETY: plain calls into the allocator.
        unsafe {
            if plain_is_aligned(layout.size(), layout.align()) {
                aligned(mi::mi_zalloc(layout.size()).cast(), layout.align())
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if owner::holds(ptr) {
            // SAFETY: a block of the region, dead, handed out for `layout`.
            unsafe { owner::free(ptr, layout) };
            return;
        }
        // SAFETY: `ptr` came from mimalloc.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys as mi;
        if owner::holds(ptr) {
            if owner::resize(ptr, layout, new_size) {
                return ptr;
            }
            // SAFETY: a valid layout (the trait's contract for `new_size`).
            let new_layout =
                unsafe { std::alloc::Layout::from_size_align_unchecked(new_size, layout.align()) };
            // SAFETY: as the trait's.
            let new = unsafe { self.alloc(new_layout) };
            if !new.is_null() {
                // SAFETY: both blocks are live and at least this long; they do not overlap.
                unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
                // SAFETY: the old block, copied from and no longer used.
                unsafe { owner::free(ptr, layout) };
            }
            return new;
        }
        // SAFETY: `ptr` came from mimalloc; the new block is aligned as `alloc`'s.
        unsafe {
            if plain_is_aligned(new_size, layout.align()) {
                aligned(mi::mi_realloc(ptr.cast(), new_size).cast(), layout.align())
            } else {
                mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

/// A block from mimalloc.
///
/// # Safety
/// As `GlobalAlloc::alloc`.
#[inline]
unsafe fn mi_alloc(layout: std::alloc::Layout) -> *mut u8 {
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

/// Where the main thread's allocations go first (Linux): [`region::Region`], over one
/// mapping of [`REGION_SIZE`] bytes made by [`set_up`], owned by the thread that made
/// it; other threads, and the main thread once the region is full, allocate from
/// mimalloc. A block of the region freed on another thread is left where it is.
#[cfg(target_os = "linux")]
mod owner {
    use super::region::Region;
    use std::cell::UnsafeCell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The region's bounds, for every thread: a block may be freed on any.
    static START: AtomicUsize = AtomicUsize::new(0);
    static END: AtomicUsize = AtomicUsize::new(0);

    std::thread_local! {
        /// The owning thread's region; `Region::NONE` on every other thread.
        static OWN: UnsafeCell<Region> = const { UnsafeCell::new(Region::NONE) };
    }

    /// Runs `f` on this thread's region.
    #[inline(always)]
    fn with_own<T>(f: impl FnOnce(&mut Region) -> T) -> T {
        // SAFETY: the region is this thread's alone, and no call below runs another
        // (none allocates), so this is the only reference to it while `f` runs.
        OWN.with(|own| f(unsafe { &mut *own.get() }))
    }

    /// Maps the region for the calling thread; nothing if it exists or cannot be made.
    pub fn make() {
        const HUGE: usize = 2 << 20;
        if START.load(Ordering::Relaxed) != 0 {
            return;
        }
        // SAFETY: a fresh private anonymous mapping, reserved without commitment; a
        // huge page more than the region, to align it to one.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                super::REGION_SIZE + HUGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return;
        }
        let start = (base as usize).next_multiple_of(HUGE);
        // Transparent huge pages, asked for (systems set to `madvise` give them only
        // then): a 4 KiB fault costs this VM 2.8 µs, so a megabyte of them costs more
        // than zeroing one 2 MiB page (docs/PERFORMANCE.md).
        // SAFETY: advice on part of the mapping just made.
        unsafe {
            libc::madvise(
                start as *mut libc::c_void,
                super::REGION_SIZE,
                libc::MADV_HUGEPAGE,
            )
        };
        START.store(start, Ordering::Relaxed);
        END.store(start + super::REGION_SIZE, Ordering::Relaxed);
        with_own(|r| *r = Region::new(start, super::REGION_SIZE));
    }

    /// Whether `ptr` is a block of the region.
    #[inline]
    pub fn holds(ptr: *mut u8) -> bool {
        let p = ptr as usize;
        p >= START.load(Ordering::Relaxed) && p < END.load(Ordering::Relaxed)
    }

    /// A block of the region, or `None` (not the owner, or no room).
    #[inline]
    pub fn alloc(layout: std::alloc::Layout, zeroed: bool) -> Option<*mut u8> {
        // SAFETY: the region is this thread's mapping, zero where never handed out
        // (`make`); its freed blocks are dead (`free`'s contract).
        with_own(|r| unsafe { r.alloc(layout.size(), layout.align(), zeroed) })
            .map(|at| at as *mut u8)
    }

    /// Takes back a block of the region.
    ///
    /// # Safety
    /// `ptr` is a dead block of the region, handed out for `layout`.
    #[inline]
    pub unsafe fn free(ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as the function's.
        with_own(|r| unsafe { r.free(ptr as usize, layout.size(), layout.align()) });
    }

    /// Whether the region's block at `ptr` holds `new_size` bytes where it is.
    #[inline]
    pub fn resize(ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> bool {
        with_own(|r| r.resize(ptr as usize, layout.size(), new_size, layout.align()))
    }
}

/// No region elsewhere: every block is mimalloc's.
#[cfg(not(target_os = "linux"))]
mod owner {
    pub fn make() {}
    #[inline]
    pub fn holds(_: *mut u8) -> bool {
        false
    }
    #[inline]
    pub fn alloc(_: std::alloc::Layout, _: bool) -> Option<*mut u8> {
        None
    }
    pub unsafe fn free(_: *mut u8, _: std::alloc::Layout) {}
    pub fn resize(_: *mut u8, _: std::alloc::Layout, _: usize) -> bool {
        false
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
                    let p = Allocator.alloc(layout);
                    assert!(
                        !p.is_null() && (p as usize).is_multiple_of(align),
                        "{size} bytes, align {align}"
                    );
                    let q = Allocator.realloc(p, layout, size * 2 + 8);
                    assert!(
                        !q.is_null() && (q as usize).is_multiple_of(align),
                        "realloc {size}, align {align}"
                    );
                    Allocator.dealloc(q, Layout::from_size_align(size * 2 + 8, align).unwrap());
                    let z = Allocator.alloc_zeroed(layout);
                    assert!(!z.is_null() && (z as usize).is_multiple_of(align) && *z == 0);
                    Allocator.dealloc(z, layout);
                }
            }
        }
        // Larger alignments, and alignments above the size, take the aligned calls.
        for (size, align) in [(8, 64), (100, 4096), (1, 32), (4, 8)] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: as above.
            unsafe {
                let p = Allocator.alloc(layout);
                assert!(
                    !p.is_null() && (p as usize).is_multiple_of(align),
                    "{size} bytes, align {align}"
                );
                Allocator.dealloc(p, layout);
            }
        }
    }
}
