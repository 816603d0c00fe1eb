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
