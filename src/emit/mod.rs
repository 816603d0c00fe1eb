//! Emission: turns expanded stack instances into output files (CloudFormation
//! templates and the manifest), and enforces CloudFormation's limits as compile
//! errors. Everything is serialised in order (from ordered maps, or typed values that
//! write their keys in the same order), 2-space pretty, newline-terminated.

pub mod cloudformation;
pub mod dot;
pub mod limits;
pub mod manifest;
pub mod mermaid;
mod pretty;

use serde::Serialize;

/// One file to write, relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// `Metadata.checkov` of a resource that suppresses checkov `checks`, each with its
/// reason: `{"skip": [{"id": ..., "comment": ...}]}`, as checkov reads it. Written by
/// `suppress = { ... }` in `.sleuth` source and by the generated pipeline templates.
pub fn checkov_skip<'a>(
    checks: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> crate::json::Value {
    let skip: Vec<crate::json::Value> = checks
        .into_iter()
        .map(|(id, reason)| crate::json!({ "id": id.to_string(), "comment": reason.to_string() }))
        .collect();
    crate::json!({ "skip": skip })
}

/// Pretty JSON (2-space indent, byte for byte as `serde_json::to_string_pretty` writes
/// it; [`pretty`] says why not with serde_json itself) with a trailing newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    // Most templates are a few KiB to a few dozen. Starting at 32 KiB, most files
    // never grow, and larger ones grow once (growing by doubling from 8 KiB copied
    // each file two or three times and left blocks of four sizes behind). A file under
    // a quarter of that is moved into a block of its size, and the 32 KiB block is
    // reused by the next file: a program of a thousand small templates (each kept
    // until all are written) does not hold a thousand such blocks. A file of 8 to
    // 32 KiB keeps its block, up to four times its size. Blocks over 8 KiB come from
    // 512 KiB pages of one block size each, so one size for most files keeps the heap
    // small (docs/PERFORMANCE.md has the measurements).
    let mut out = Vec::with_capacity(32 * 1024);
    if pretty::write(value, &mut out).is_err() {
        return "null\n".to_string();
    }
    out.push(b'\n');
    if out.len() < out.capacity() / 4 {
        out.shrink_to_fit();
    }
    // SAFETY: `pretty` writes only valid UTF-8: the text of `str`s (copied whole or
    // split before an ASCII byte it escapes), ASCII escapes and punctuation, and
    // numbers' ASCII digits. Checking it again was 0.6 % of a fleet build's
    // instructions.
    unsafe { String::from_utf8_unchecked(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_end_with_a_newline() {
        let v = serde_json::json!({ "a": [1, { "b": "c\n\"d" }], "e": {} });
        let want = serde_json::to_string_pretty(&v).expect("serialises") + "\n";
        assert_eq!(to_json(&v), want);
    }
}
