//! The lazy two-level index over the sorted `Type::Name<TAB>json` lines of
//! `cfn.schemas`: the text is cut at line starts into chunks of about
//! `CHUNK_BYTES`, each known by its first type name; a chunk's lines are split into
//! entries only when a lookup lands in it, and each entry's JSON is parsed only when
//! asked for. So opening the database touches a few bytes per chunk, not the file.

use std::sync::OnceLock;

use super::resource::ResourceSchema;

/// Target chunk size: one lookup scans about this much text once.
const CHUNK_BYTES: usize = 32 * 1024;

pub(super) struct Index {
    /// Sorted by `first`, strictly increasing.
    chunks: Vec<Chunk>,
}

struct Chunk {
    /// The first type name in the chunk; every entry of the chunk is >= it and
    /// < the next chunk's.
    first: &'static str,
    /// The chunk's lines, whole.
    text: &'static str,
    /// Bound on names: `first` of the next chunk (entries at or past it are dropped).
    next: Option<&'static str>,
    entries: OnceLock<Vec<Entry>>,
}

pub(super) struct Entry {
    pub(super) name: &'static str,
    pub(super) json: &'static str,
    pub(super) parsed: OnceLock<Option<ResourceSchema>>,
}

impl Index {
    /// Cuts `body` (the lines after the header) into chunks.
    pub(super) fn new(body: &'static str) -> Index {
        let mut starts = vec![0];
        let mut at = CHUNK_BYTES;
        while at < body.len() {
            while !body.is_char_boundary(at) {
                at += 1;
            }
            match body[at..].find('\n') {
                Some(p) if at + p + 1 < body.len() => {
                    starts.push(at + p + 1);
                    at += p + 1 + CHUNK_BYTES;
                }
                _ => break,
            }
        }
        starts.push(body.len());
        let mut chunks: Vec<Chunk> = Vec::with_capacity(starts.len());
        for w in starts.windows(2) {
            let text = &body[w[0]..w[1]];
            // A chunk without a single well-formed line holds nothing: drop it.
            if let Some(first) = first_name(text) {
                chunks.push(Chunk {
                    first,
                    text,
                    next: None,
                    entries: OnceLock::new(),
                });
            }
        }
        if !chunks.windows(2).all(|w| w[0].first < w[1].first) {
            // Not sorted (hand-edited data?): one chunk, sorted when first used.
            chunks = match first_name(body) {
                Some(_) => vec![Chunk {
                    first: "",
                    text: body,
                    next: None,
                    entries: OnceLock::new(),
                }],
                None => Vec::new(),
            };
        }
        for i in 1..chunks.len() {
            let next = chunks[i].first;
            chunks[i - 1].next = Some(next);
        }
        Index { chunks }
    }

    /// The entry named exactly `name`.
    pub(super) fn find(&self, name: &str) -> Option<&Entry> {
        let k = self.chunks.partition_point(|c| c.first <= name);
        let entries = self.chunks.get(k.checked_sub(1)?)?.entries();
        let i = entries.binary_search_by(|e| e.name.cmp(name)).ok()?;
        Some(&entries[i])
    }

    /// Every entry, sorted by name (splits every chunk).
    pub(super) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.chunks.iter().flat_map(|c| c.entries().iter())
    }
}

impl Chunk {
    fn entries(&self) -> &[Entry] {
        self.entries.get_or_init(|| {
            let mut out: Vec<Entry> = self
                .text
                .split('\n')
                .filter_map(split_line)
                .filter(|(name, _)| *name >= self.first && self.next.is_none_or(|n| *name < n))
                .map(|(name, json)| Entry {
                    name,
                    json,
                    parsed: OnceLock::new(),
                })
                .collect();
            if !out.windows(2).all(|w| w[0].name < w[1].name) {
                out.sort_by(|a, b| a.name.cmp(b.name)); // stable: the first duplicate wins
                out.dedup_by(|later, earlier| later.name == earlier.name);
            }
            out
        })
    }
}

/// The name of the first well-formed line of `text`, without scanning the first
/// line's JSON when it is well-formed.
fn first_name(text: &'static str) -> Option<&'static str> {
    match text.find(['\t', '\n']) {
        Some(p) if p > 0 && text.as_bytes()[p] == b'\t' => Some(&text[..p]),
        _ => text.split('\n').find_map(|l| split_line(l).map(|(n, _)| n)),
    }
}

/// `Name<TAB>json` -> (name, json); `None` for lines without a name.
fn split_line(line: &'static str) -> Option<(&'static str, &'static str)> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let (name, json) = line.split_once('\t')?;
    (!name.is_empty()).then_some((name, json))
}
