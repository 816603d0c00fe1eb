//! Reads the binary records `compact` writes. Every read is checked: truncated or
//! malformed data reads as `None`, never a panic, and no count makes it reserve more
//! than the data could hold. Strings are borrowed from the data.

/// A position in a record; reads advance it.
pub(super) struct Reader {
    rest: &'static [u8],
}

impl Reader {
    pub(super) fn new(data: &'static [u8]) -> Reader {
        Reader { rest: data }
    }

    /// Whether everything has been read.
    pub(super) fn is_done(&self) -> bool {
        self.rest.is_empty()
    }

    pub(super) fn word(&mut self) -> Option<u32> {
        let (w, rest) = self.rest.split_first_chunk::<4>()?;
        self.rest = rest;
        Some(u32::from_le_bytes(*w))
    }

    pub(super) fn int(&mut self) -> Option<i64> {
        let (w, rest) = self.rest.split_first_chunk::<8>()?;
        self.rest = rest;
        Some(i64::from_le_bytes(*w))
    }

    /// A count of items of at least `item_size` bytes each: `None` when the data is too
    /// short to hold that many, so a count is always safe to reserve.
    pub(super) fn count(&mut self, item_size: usize) -> Option<usize> {
        let n = usize::try_from(self.word()?).ok()?;
        (n <= self.rest.len() / item_size.max(1)).then_some(n)
    }

    pub(super) fn bytes(&mut self, n: usize) -> Option<&'static [u8]> {
        let (bytes, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        Some(bytes)
    }

    pub(super) fn str(&mut self) -> Option<&'static str> {
        let n = self.count(1)?;
        std::str::from_utf8(self.bytes(n)?).ok()
    }

    /// A list of strings (each at least its 4-byte length).
    pub(super) fn strs(&mut self) -> Option<Vec<&'static str>> {
        let n = self.count(4)?;
        (0..n).map(|_| self.str()).collect()
    }
}
