//! A region of memory handed out in order: an allocation moves a pointer, a freed block
//! goes on a list for its size and is handed out again to the next block of that size,
//! and the last block handed out grows in place. A build's millions of instructions of
//! allocator bookkeeping become a few per block, and the memory it touches is one
//! dense stretch instead of a page per size class (docs/PERFORMANCE.md).
//!
//! This is only the arithmetic, on addresses, for one owner; where the region lives and
//! who owns it is `super`'s business, and the tests run it on a buffer of their own.

/// Small blocks are kept in size classes `GRAIN` bytes apart, up to `SMALL` bytes.
pub const GRAIN: usize = 16;
const SMALL: usize = 2048;
const SMALL_CLASSES: usize = SMALL / GRAIN;
/// Larger blocks, up to `LARGEST`, in classes of a power of two each; larger still,
/// a block is reused only when it is the last one handed out.
pub const LARGEST: usize = 256 << 10;
const CLASSES: usize =
    SMALL_CLASSES + 1 + (LARGEST.trailing_zeros() - SMALL.trailing_zeros()) as usize;

/// The class of a block of `size` bytes aligned to `align`, and the bytes a block of
/// that class has; `None` for a block too large or too aligned to be kept.
fn class(size: usize, align: usize) -> Option<(usize, usize)> {
    if align > GRAIN || size > LARGEST {
        return None;
    }
    if size <= SMALL {
        let c = size.div_ceil(GRAIN).max(1);
        return Some((c, c * GRAIN));
    }
    let block = size.next_power_of_two();
    let c = SMALL_CLASSES + (block.trailing_zeros() - SMALL.trailing_zeros()) as usize;
    Some((c, block))
}

/// One owner's view of a region `[start, limit)`.
pub struct Region {
    /// The next byte never handed out; 0 for no region.
    next: usize,
    limit: usize,
    /// The highest byte ever handed out: above it the region is still as the OS gave
    /// it, zero.
    high: usize,
    /// Freed blocks by class, each linked to the next through its first word.
    free: [usize; CLASSES],
}

impl Region {
    /// No region: every request is refused.
    pub const NONE: Region = Region {
        next: 0,
        limit: 0,
        high: 0,
        free: [0; CLASSES],
    };

    /// The region `[start, start + len)`, zero throughout, aligned to [`GRAIN`].
    pub const fn new(start: usize, len: usize) -> Region {
        Region {
            next: start,
            limit: start + len,
            high: start,
            free: [0; CLASSES],
        }
    }

    /// A block of `size` bytes aligned to `align` (zeroed if asked), or `None` when
    /// the region has no room or there is none.
    ///
    /// # Safety
    /// The region's memory is the caller's to hand out, writable, and zero above
    /// `high`; blocks freed into it are dead.
    #[inline]
    pub unsafe fn alloc(&mut self, size: usize, align: usize, zeroed: bool) -> Option<usize> {
        let (size, align) = match class(size, align) {
            Some((c, block)) => {
                let head = self.free[c];
                if head != 0 {
                    // SAFETY: a dead block of this class, at least a word long: its
                    // first word links the next (`free`).
                    unsafe {
                        self.free[c] = *(head as *const usize);
                        if zeroed {
                            std::ptr::write_bytes(head as *mut u8, 0, block);
                        }
                    }
                    return Some(head);
                }
                (block, GRAIN)
            }
            None => (size, align),
        };
        if self.next == 0 {
            return None;
        }
        let at = self.next.checked_next_multiple_of(align)?;
        let end = at.checked_add(size).filter(|&end| end <= self.limit)?;
        self.next = end;
        if zeroed && at < self.high {
            // SAFETY: the block is the caller's from here on; above `high` it is zero.
            unsafe { std::ptr::write_bytes(at as *mut u8, 0, self.high.min(end) - at) };
        }
        self.high = self.high.max(end);
        Some(at)
    }

    /// Takes back the block at `at`, handed out for `size` bytes aligned to `align`.
    ///
    /// # Safety
    /// The block came from this region's `alloc` (or `resize`) with this size and
    /// alignment, and is dead.
    #[inline]
    pub unsafe fn free(&mut self, at: usize, size: usize, align: usize) {
        if self.next == 0 {
            return; // not the owner: the block stays where it is
        }
        if let Some((c, _)) = class(size, align) {
            // SAFETY: a dead block of at least GRAIN bytes, aligned to GRAIN.
            unsafe { *(at as *mut usize) = self.free[c] };
            self.free[c] = at;
        } else if at + size == self.next {
            self.next = at;
        }
    }

    /// Whether the block at `at` (handed out for `size` bytes aligned to `align`) can
    /// hold `new_size` bytes where it is: a block of a class that still fits it, a
    /// larger block that shrinks, or the last block handed out when the region has
    /// room. It then counts as handed out for `new_size` bytes (a shrunk block freed
    /// later may join a class whose blocks are smaller than it: the rest is unused).
    #[inline]
    pub fn resize(&mut self, at: usize, size: usize, new_size: usize, align: usize) -> bool {
        if let Some((c, _)) = class(size, align) {
            return class(new_size, align).is_some_and(|(n, _)| n == c);
        }
        if self.next != 0 && at + size == self.next {
            if let Some(end) = at.checked_add(new_size).filter(|&end| end <= self.limit) {
                self.next = end;
                self.high = self.high.max(end);
                return true;
            }
        }
        new_size <= size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region over a buffer of `len` zero bytes, aligned to 16.
    fn buffer(len: usize) -> (Vec<u128>, Region) {
        let buf = vec![0u128; len / 16];
        let start = buf.as_ptr() as usize;
        (buf, Region::new(start, len))
    }

    #[test]
    fn classes_cover_each_size_with_a_block_at_least_as_large() {
        for size in 1..=LARGEST {
            let (c, block) = class(size, 8).unwrap();
            assert!(block >= size && c < CLASSES, "{size}");
            assert_eq!(class(block, 8), Some((c, block)), "{size}");
        }
        assert_eq!(class(LARGEST + 1, 8), None);
        assert_eq!(class(64, 32), None);
    }

    #[test]
    fn blocks_are_aligned_disjoint_and_freed_blocks_come_back() {
        let (_buf, mut r) = buffer(1 << 20);
        // SAFETY: the buffer is the region's; blocks are freed dead, with their sizes.
        unsafe {
            let a = r.alloc(24, 8, false).unwrap();
            let b = r.alloc(24, 8, false).unwrap();
            let c = r.alloc(4000, 64, false).unwrap();
            assert!(a % 16 == 0 && b % 16 == 0 && c % 64 == 0);
            assert!(a + 32 <= b && b + 32 <= c);
            r.free(a, 24, 8);
            // The same class (17 to 32 bytes) takes the freed block; another does not.
            assert_eq!(r.alloc(20, 4, false), Some(a));
            let d = r.alloc(40, 8, false).unwrap();
            assert!(d > c);
            // A block too aligned for a class is reused only when it is the last.
            let e = r.alloc(300_000, 64, false).unwrap();
            r.free(e, 300_000, 64);
            assert_eq!(r.alloc(300_000, 64, false), Some(e));
        }
    }

    #[test]
    fn a_zeroed_block_is_zero_even_when_reused() {
        let (_buf, mut r) = buffer(1 << 20);
        // SAFETY: as above; the blocks are written within their sizes.
        unsafe {
            let a = r.alloc(100, 8, false).unwrap();
            std::ptr::write_bytes(a as *mut u8, 0xAB, 100);
            r.free(a, 100, 8);
            let z = r.alloc(100, 8, true).unwrap();
            assert_eq!(z, a);
            assert!(std::slice::from_raw_parts(z as *const u8, 100)
                .iter()
                .all(|&x| x == 0));
            // Below the high-water mark, a fresh block is zeroed too.
            let big = r.alloc(400_000, 32, false).unwrap();
            std::ptr::write_bytes(big as *mut u8, 0xCD, 400_000);
            r.free(big, 400_000, 32);
            let again = r.alloc(300_000, 32, true).unwrap();
            assert!(std::slice::from_raw_parts(again as *const u8, 300_000)
                .iter()
                .all(|&x| x == 0));
        }
    }

    #[test]
    fn blocks_grow_in_place_only_within_their_class_or_at_the_end() {
        let (_buf, mut r) = buffer(4 << 20);
        // SAFETY: as above.
        unsafe {
            let a = r.alloc(20, 8, false).unwrap();
            assert!(r.resize(a, 20, 32, 8));
            assert!(!r.resize(a, 32, 33, 8));
            let big = r.alloc(LARGEST + 1, 8, false).unwrap();
            assert!(r.resize(big, LARGEST + 1, 2 * LARGEST, 8));
            assert!(
                !r.resize(big, 2 * LARGEST, 8 << 20, 8),
                "past the region's end"
            );
            let after = r.alloc(LARGEST + 1, 8, false).unwrap();
            assert!(after >= big + 2 * LARGEST);
            assert!(
                !r.resize(big, 2 * LARGEST, 3 * LARGEST, 8),
                "no longer the last"
            );
        }
    }

    #[test]
    fn a_full_region_or_none_refuses() {
        let (_buf, mut r) = buffer(4096);
        // SAFETY: as above.
        unsafe {
            assert!(r.alloc(4000, 8, false).is_some());
            assert_eq!(r.alloc(4000, 8, false), None);
            let mut none = Region::NONE;
            assert_eq!(none.alloc(8, 8, false), None);
            none.free(1024, 8, 8); // another thread's block: left alone
            assert_eq!(none.alloc(8, 8, false), None);
        }
    }

    /// Random allocations, frees and resizes, each live block filled with its own
    /// byte and checked before it is freed: no block is handed out twice while live.
    #[test]
    fn live_blocks_never_overlap() {
        let (_buf, mut r) = buffer(8 << 20);
        let mut live: Vec<(usize, usize, usize, u8)> = Vec::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for step in 0..20_000u32 {
            let roll = next();
            let check = |&(at, size, _, fill): &(usize, usize, usize, u8)| {
                // SAFETY: a live block of `size` bytes.
                let bytes = unsafe { std::slice::from_raw_parts(at as *const u8, size) };
                assert!(
                    bytes.iter().all(|&b| b == fill),
                    "step {step}: block overwritten"
                );
            };
            if roll % 3 == 0 && !live.is_empty() {
                let i = (next() as usize) % live.len();
                let block = live.swap_remove(i);
                check(&block);
                // SAFETY: a live block of the region, freed with its size and alignment.
                unsafe { r.free(block.0, block.1, block.2) };
            } else if roll % 7 == 1 && !live.is_empty() {
                let i = (next() as usize) % live.len();
                let (at, size, align, fill) = live[i];
                let new_size = 1 + (next() as usize) % (2 * size + 64);
                if r.resize(at, size, new_size, align) {
                    // SAFETY: the block now holds `new_size` bytes.
                    unsafe { std::ptr::write_bytes(at as *mut u8, fill, new_size) };
                    live[i].1 = new_size;
                }
            } else {
                let size = match roll % 10 {
                    0 => 3000 + (next() as usize) % 300_000,
                    1..=3 => 200 + (next() as usize) % 2000,
                    _ => 1 + (next() as usize) % 200,
                };
                let align = [1, 8, 16, 64][(next() % 4) as usize];
                // SAFETY: the region's buffer; the block is filled within its size.
                if let Some(at) = unsafe { r.alloc(size, align, roll % 5 == 0) } {
                    assert_eq!(at % align, 0);
                    let fill = (step % 251) as u8 + 1;
                    unsafe { std::ptr::write_bytes(at as *mut u8, fill, size) };
                    live.push((at, size, align, fill));
                }
            }
        }
        live.iter().for_each(|b| {
            // SAFETY: a live block.
            let bytes = unsafe { std::slice::from_raw_parts(b.0 as *const u8, b.1) };
            assert!(bytes.iter().all(|&x| x == b.3));
        });
    }
}
