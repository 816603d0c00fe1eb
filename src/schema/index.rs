//! The index over the types of `cfn.schemas`: for each type, its name and the byte
//! range of its record (the binary form of its JSON, `compact`) in the schema data.
//! For the embedded file both are made at build time (`build.rs`), so opening the
//! database scans nothing; any other text is encoded and indexed when opened. The
//! embedded index is searched through a build-time hash table of its names, a
//! scanned one by bisection. Each type's record is decoded the first time it is asked
//! for, and cached.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::resource::ResourceSchema;

/// One type: its name and the byte range of its record in the data.
#[derive(Clone, Copy, Debug)]
pub(super) struct Line {
    pub(super) name: &'static str,
    start: u32,
    end: u32,
}

pub(super) struct Index {
    data: &'static [u8],
    /// Sorted by name, strictly increasing.
    lines: Cow<'static, [Line]>,
    /// The embedded index's hash table of names (`lines::slots`); empty for a scanned
    /// text, which is searched by bisection.
    slots: &'static [u16],
    /// One slot per line; boxed so that an unused slot costs a pointer.
    parsed: Box<[OnceLock<Option<Box<ResourceSchema>>>]>,
}

/// The build-time index of the embedded data, as `(name, start, end)`.
const EMBEDDED_INDEX: &[(&str, u32, u32)] = include!(concat!(env!("OUT_DIR"), "/schema_index.rs"));

/// The build-time hash table of the embedded index's names.
const EMBEDDED_SLOTS: &[u16] = include!(concat!(env!("OUT_DIR"), "/schema_slots.rs"));

/// The embedded index in `Line` form.
static EMBEDDED_LINES: [Line; EMBEDDED_INDEX.len()] = {
    let mut lines = [Line {
        name: "",
        start: 0,
        end: 0,
    }; EMBEDDED_INDEX.len()];
    let mut i = 0;
    while i < lines.len() {
        let (name, start, end) = EMBEDDED_INDEX[i];
        lines[i] = Line { name, start, end };
        i += 1;
    }
    lines
};

impl Index {
    /// The index of the embedded `data`, made by `build.rs` from the same file.
    pub(super) fn embedded(data: &'static [u8]) -> Index {
        Index {
            slots: EMBEDDED_SLOTS,
            ..Index::with_lines(data, Cow::Borrowed(&EMBEDDED_LINES))
        }
    }

    /// Encodes and indexes `text` (the whole file, header included), whose header
    /// lists `region_count` regions: lines that are not `Name<TAB>json` are skipped; of
    /// duplicated names the first is kept; a line whose JSON does not encode keeps its
    /// name with an empty record (an absent type). The records live as long as the
    /// process, like the text they are made from (this is for tests and benchmarks;
    /// the compiler uses the embedded data).
    pub(super) fn scan(text: &'static str, region_count: usize) -> Index {
        let mut data = Vec::new();
        let mut lines = Vec::new();
        for line in super::lines::keyed_lines(text, 1).filter_map(|(_, line)| line) {
            let start = data.len();
            let json = &text[line.start..line.end];
            let _absent = super::compact::encode_type(json, region_count, false, &mut data);
            let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(data.len())) else {
                break; // beyond 4 GiB: not a schema file
            };
            lines.push(Line {
                name: line.name,
                start,
                end,
            });
        }
        lines.sort_by(|a, b| a.name.cmp(b.name)); // stable: the first duplicate wins
        lines.dedup_by(|later, earlier| later.name == earlier.name);
        Index::with_lines(Vec::leak(data), Cow::Owned(lines))
    }

    fn with_lines(data: &'static [u8], lines: Cow<'static, [Line]>) -> Index {
        let parsed = lines.iter().map(|_| OnceLock::new()).collect();
        Index {
            data,
            lines,
            slots: &[],
            parsed,
        }
    }

    /// The schema of the type named exactly `name`, decoded on first use; `None` when
    /// there is no such type or its record is malformed.
    pub(super) fn get(
        &self,
        name: &str,
        decode: impl FnOnce(&'static str, &'static [u8]) -> Option<ResourceSchema>,
    ) -> Option<&ResourceSchema> {
        let i = self.position(name)?;
        self.parsed[i]
            .get_or_init(|| decode(self.lines[i].name, self.record_at(i)?).map(Box::new))
            .as_deref()
    }

    /// The record of the type named exactly `name`.
    #[cfg(test)]
    pub(super) fn record(&self, name: &str) -> Option<&'static [u8]> {
        self.record_at(self.position(name)?)
    }

    fn position(&self, name: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return self.lines.binary_search_by(|l| l.name.cmp(name)).ok();
        }
        super::lines::find(self.slots, name, |at| self.lines.get(at).map(|l| l.name))
    }

    fn record_at(&self, i: usize) -> Option<&'static [u8]> {
        let line = self.lines[i];
        self.data.get(line.start as usize..line.end as usize)
    }

    /// Every type name, sorted.
    pub(super) fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.lines.iter().map(|l| l.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build-time hash table is the one `lines::slots` makes from the embedded
    /// names, and finds each name where bisection does, and nothing else.
    #[test]
    fn hashed_lookups_agree_with_bisection() {
        let names: Vec<&str> = EMBEDDED_LINES.iter().map(|l| l.name).collect();
        assert_eq!(
            EMBEDDED_SLOTS,
            super::super::lines::slots(&names).as_slice()
        );
        let db = super::super::SchemaDb::embedded();
        let text = include_str!("../../schema/cfn.schemas");
        let (hashed, scanned) = (
            Index::embedded(super::super::EMBEDDED_DATA),
            Index::scan(text, db.regions().len()),
        );
        assert!(!hashed.slots.is_empty() && scanned.slots.is_empty());
        for (i, name) in names.iter().enumerate() {
            assert_eq!(hashed.position(name), Some(i), "{name}");
            assert_eq!(scanned.position(name), Some(i), "{name}");
        }
        for missing in [
            "",
            "AWS::EC2::Vpc",
            "AWS::EC2::VPC ",
            "AWS::Nope::Nothing",
            "Z",
        ] {
            assert_eq!(hashed.position(missing), None, "{missing}");
        }
    }
}
