//! Splitting a `key<TAB>rest` text (`cfn.schemas`, the permission tables) into its
//! lines; shared by the run-time index and `build.rs` (which includes this file), so
//! both read the format the same way.

/// A keyed line: its key (a type name, in `cfn.schemas`) and the byte range of the
/// rest of the line (the type's JSON) in the whole text.
pub struct KeyedLine<'t> {
    pub name: &'t str,
    pub start: usize,
    pub end: usize,
}

/// Every non-empty line after the first `header` lines, with its 1-based line number:
/// `Some` for a well-formed `key<TAB>rest` line (the range is `rest`'s), `None` for one
/// without a tab or a key.
pub fn keyed_lines(
    text: &str,
    header: usize,
) -> impl Iterator<Item = (usize, Option<KeyedLine<'_>>)> {
    let mut at = 0;
    text.split_inclusive('\n')
        .enumerate()
        .filter_map(move |(i, line)| {
            let start = at;
            at += line.len();
            let body = line.trim_end_matches(['\n', '\r']);
            if i < header || body.is_empty() {
                return None; // the header, or a blank line
            }
            let parsed = body
                .split_once('\t')
                .filter(|(name, _)| !name.is_empty())
                .map(|(name, json)| KeyedLine {
                    name,
                    start: start + name.len() + 1,
                    end: start + name.len() + 1 + json.len(),
                });
            Some((i + 1, parsed))
        })
}

/// FNV-1a's starting value.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a: `h` carried on over `bytes` (start from [`FNV_OFFSET`]). Also the stdlib
/// cache's hash of its sources (`syntax::cache`).
pub const fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// FNV-1a of a key: where the embedded schema index's hash table (`slots`) puts it.
pub const fn name_hash(name: &str) -> u64 {
    fnv1a(FNV_OFFSET, name.as_bytes())
}

/// Where `name` is in a table made by [`slots`]: the position its slot holds, when
/// `name_at` (the index's key at a position) says it is the key there.
pub fn find<'k>(
    slots: &[u16],
    name: &str,
    name_at: impl Fn(usize) -> Option<&'k str>,
) -> Option<usize> {
    // At most half full: an empty slot ends every probe.
    let mask = slots.len().checked_sub(1)?;
    let mut i = name_hash(name) as usize & mask;
    loop {
        let at = usize::from(*slots.get(i)?).checked_sub(1)?;
        if name_at(at)? == name {
            return Some(at);
        }
        i = (i + 1) & mask;
    }
}

/// An open-addressing table of `names` (linear probing, at most half full, a power of
/// two long): each slot holds a name's position plus one, or 0 when empty. Built by
/// `build.rs`; the crate itself only checks it in tests.
#[cfg_attr(not(test), allow(dead_code))]
pub fn slots(names: &[&str]) -> Vec<u16> {
    let len = (names.len() * 2).next_power_of_two().max(2);
    let mut table = vec![0u16; len];
    for (at, name) in names.iter().enumerate() {
        let mut i = name_hash(name) as usize & (len - 1);
        while table[i] != 0 {
            i = (i + 1) & (len - 1);
        }
        table[i] = u16::try_from(at + 1).expect("fewer than 65,535 names");
    }
    table
}
