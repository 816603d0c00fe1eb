//! Splitting a `cfn.schemas` text into its type lines; shared by the run-time index
//! and `build.rs` (which includes this file), so both read the format the same way.

/// A type line: its name and the byte range of its JSON in the whole text.
pub struct TypeLine<'t> {
    pub name: &'t str,
    pub start: usize,
    pub end: usize,
}

/// Every non-empty line after the header, with its 1-based line number: `Some` for a
/// well-formed `Name<TAB>json` line, `None` for one without a tab or a name.
pub fn type_lines(text: &str) -> impl Iterator<Item = (usize, Option<TypeLine<'_>>)> {
    let mut at = 0;
    text.split_inclusive('\n')
        .enumerate()
        .filter_map(move |(i, line)| {
            let start = at;
            at += line.len();
            let body = line.trim_end_matches(['\n', '\r']);
            if i == 0 || body.is_empty() {
                return None; // the header, or a blank line
            }
            let parsed = body
                .split_once('\t')
                .filter(|(name, _)| !name.is_empty())
                .map(|(name, json)| TypeLine {
                    name,
                    start: start + name.len() + 1,
                    end: start + name.len() + 1 + json.len(),
                });
            Some((i + 1, parsed))
        })
}
