//! The standard library, pre-parsed. Parsing the embedded `.sleuth` modules with pest
//! on every run costs more than everything else the compiler does for a small
//! program, so their ASTs are stored in `stdlib/parsed.postcard` and decoded instead.
//!
//! The file starts with a hash of the stdlib sources and of the parser's own sources
//! (grammar, lowering, AST types) it was made from; when any of them changes without
//! the file being regenerated, the hash no longer matches and the modules are parsed
//! from text as before: stale means slower, never wrong.
//! `tests/stdlib_cache.rs` fails on a stale file and regenerates it with
//! `SLEUTHC_BLESS=1 cargo test --test stdlib_cache`.

use super::ast::Module;
use crate::schema::lines::{fnv1a, FNV_OFFSET};
use crate::source::STDLIB;
use crate::span::FileId;

const CACHE: &[u8] = include_bytes!("../../stdlib/parsed.postcard");

/// The file id of the i-th stdlib module: the root is 0, the stdlib follows.
pub fn stdlib_file(index: usize) -> FileId {
    FileId(index as u32 + 1)
}

/// What the cached ASTs depend on besides the stdlib: the grammar, the lowering and
/// the AST types. A change to any of them invalidates the cache.
const PARSER_SOURCES: [&str; 3] = [
    include_str!("../../grammar/sleuth.pest"),
    include_str!("lower.rs"),
    include_str!("ast.rs"),
];

/// FNV-1a over the parser's sources and every module's name and text, at compile time.
pub const STDLIB_HASH: u64 = {
    let mut h = FNV_OFFSET;
    let mut m = 0;
    while m < STDLIB.len() + PARSER_SOURCES.len() {
        let parts = if m < STDLIB.len() {
            [STDLIB[m].0.as_bytes(), STDLIB[m].1.as_bytes()]
        } else {
            [
                b"parser".as_slice(),
                PARSER_SOURCES[m - STDLIB.len()].as_bytes(),
            ]
        };
        let mut p = 0;
        while p < parts.len() {
            // Each part ends with a byte no UTF-8 text holds.
            h = fnv1a(fnv1a(h, parts[p]), &[0xff]);
            p += 1;
        }
        m += 1;
    }
    h
};

/// The pre-parsed modules, in `STDLIB` order, if the cache matches the sources.
pub fn modules() -> Option<Vec<Module>> {
    let (hash, body) = CACHE.split_at_checked(8)?;
    if u64::from_le_bytes(hash.try_into().ok()?) != STDLIB_HASH {
        return None;
    }
    let modules: Vec<Module> = postcard::from_bytes(body).ok()?;
    (modules.len() == STDLIB.len()).then_some(modules)
}

/// The cache file's bytes for these parsed modules (in `STDLIB` order).
pub fn encode(modules: &[Module]) -> Vec<u8> {
    let mut out = STDLIB_HASH.to_le_bytes().to_vec();
    out.extend(postcard::to_allocvec(modules).unwrap_or_default());
    out
}
