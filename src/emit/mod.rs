//! Emission: turns expanded stack instances into output files (CloudFormation
//! templates and the manifest), and enforces CloudFormation's limits as compile
//! errors. Everything is serialised in order (from ordered maps, or typed values that
//! write their keys in the same order), 2-space pretty, newline-terminated.

pub mod cloudformation;
pub mod dot;
pub mod limits;
pub mod manifest;
pub mod mermaid;

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

/// Pretty JSON (2-space indent, as `serde_json::to_string_pretty` writes it) with a
/// trailing newline.
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
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
    if value.serialize(&mut ser).is_err() {
        return "null\n".to_string();
    }
    out.push(b'\n');
    if out.len() < out.capacity() / 4 {
        out.shrink_to_fit();
    }
    // SAFETY: serde_json writes only valid UTF-8 (the text of `str`s, escapes and
    // ASCII punctuation; `serde_json::to_string` relies on the same), and `Pretty`
    // adds only ASCII. Checking it again was 0.6 % of a fleet build's instructions.
    unsafe { String::from_utf8_unchecked(out) }
}

/// serde_json's `PrettyFormatter` with a 2-space indent, byte for byte, but writing
/// each line break and its indentation in one piece instead of one write per level
/// (templates nest a dozen levels deep; this is most of pretty-printing's cost).
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// A line break followed by enough indentation for 64 levels.
const BREAK: [u8; 129] = {
    let mut b = [b' '; 129];
    b[0] = b'\n';
    b
};

impl Pretty {
    fn line<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        let width = 1 + 2 * self.depth;
        if width <= BREAK.len() {
            return w.write_all(&BREAK[..width]);
        }
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(w)?;
        }
        w.write_all(bracket)
    }

    /// Before an array item or an object key.
    fn item<W: ?Sized + std::io::Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.line(w)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_is_serde_json_pretty_byte_for_byte() {
        let mut deep = serde_json::json!("leaf");
        for i in 0..70 {
            deep = serde_json::json!({ "k": [deep, i, [], {}], "e": {} });
        }
        let samples = [
            serde_json::json!(null),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!({ "a": [1, 2, { "b": "c\n\"d" }], "e": { "f": [] }, "g": {} }),
            deep,
        ];
        for v in samples {
            let want = serde_json::to_string_pretty(&v).expect("serialises") + "\n";
            assert_eq!(to_json(&v), want);
        }
    }
}
