//! Indexes the embedded data files at build time, so that opening them at run time
//! costs nothing. Each is a sorted file of `key<TAB>rest` lines; for each this writes
//! `$OUT_DIR/<name>_index.rs`, an array of `(key, start, end)` with the byte range of
//! each line's `rest` in the file, and `$OUT_DIR/<name>_slots.rs`, a hash table of its
//! keys (`lines::slots`): a binary search over the keys touched a dozen of them,
//! scattered in memory, for every lookup.
//! - `schema/cfn.schemas` (after its header line): each type's JSON, encoded into its
//!   binary record (`src/schema/compact.rs`), all of them in `schema.bin`; the index's
//!   ranges are the records'. Decoding a type's JSON scanned all of its property
//!   shapes: 1.3 M instructions of the fleet's build. Its header line goes to
//!   `schema_header.json`. Scanning 2.3 MB for line starts was about 5 % of a small
//!   build.
//! - `schema/handler-permissions.tsv`: each type's handler permissions. Splitting and
//!   sorting its 500 KB was 2.5 % of the fleet's build.
//! - `schema/iam-resources.tsv`: the resource types of each IAM action.

use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "src/schema/lines.rs"]
#[allow(dead_code)] // `find` is for the run-time lookups
mod lines;

#[path = "src/schema/compact.rs"]
#[allow(dead_code)] // the shape codes are for the reader
mod compact;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/schema/lines.rs");
    println!("cargo:rerun-if-changed=src/schema/compact.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    for (path, header, index) in [
        ("schema/cfn.schemas", 1, "schema_index.rs"),
        (
            "schema/handler-permissions.tsv",
            0,
            "handler_permissions_index.rs",
        ),
        ("schema/iam-resources.tsv", 0, "iam_resources_index.rs"),
    ] {
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let dest = out_dir.join(index);
        let index_text = if index == "schema_index.rs" {
            schema_records(path, &text, &out_dir)
        } else {
            index_of(path, &text, header)
        };
        std::fs::write(&dest, index_text)
            .unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
        let dest = out_dir.join(index.replace("_index.rs", "_slots.rs"));
        std::fs::write(&dest, slots_of(&text, header))
            .unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
    }
}

/// The `&[u16]` hash table of `text`'s keys (`lines::slots`): each slot holds a key's
/// position in the index plus one.
fn slots_of(text: &str, header: usize) -> String {
    let names: Vec<&str> = lines::keyed_lines(text, header)
        .filter_map(|(_, line)| line.map(|l| l.name))
        .collect();
    let mut out = String::from("&[");
    for (i, slot) in lines::slots(&names).iter().enumerate() {
        if i % 16 == 0 {
            out.push_str("\n   ");
        }
        write!(out, " {slot},").unwrap();
    }
    out.push_str("\n]\n");
    out
}

/// Encodes every type of the schema file `text` (read from `path`; strictly: a line or
/// property shape that does not encode is an error of the generator), writes the
/// records to `schema.bin` and the header line to `schema_header.json` in `out_dir`,
/// and returns the `&[(key, start, end)]` expression of the records' ranges.
fn schema_records(path: &str, text: &str, out_dir: &std::path::Path) -> String {
    let header = text.split('\n').next().unwrap_or_default();
    let regions = serde_json::from_str::<serde_json::Value>(header)
        .ok()
        .and_then(|h| h.get("regions")?.as_array().map(Vec::len))
        .unwrap_or_else(|| panic!("{path}:1: not a header with regions"));
    let mut data = Vec::new();
    let mut records = Vec::new();
    for (number, line) in lines::keyed_lines(text, 1) {
        let line = line.unwrap_or_else(|| panic!("{path}:{number}: not `key<TAB>value`"));
        let start = data.len();
        compact::encode_type(&text[line.start..line.end], regions, true, &mut data)
            .unwrap_or_else(|e| panic!("{path}:{number}: {}: {e}", line.name));
        records.push((number, line.name, start, data.len()));
    }
    let write = |name: &str, bytes: &[u8]| {
        let dest = out_dir.join(name);
        std::fs::write(&dest, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
    };
    write("schema.bin", &data);
    write("schema_header.json", header.as_bytes());
    index_expr(path, records)
}

/// The `&[(key, start, end)]` expression for `text`, whose keys must be sorted.
fn index_of(path: &str, text: &str, header: usize) -> String {
    index_expr(
        path,
        lines::keyed_lines(text, header).map(|(number, line)| {
            let line = line.unwrap_or_else(|| panic!("{path}:{number}: not `key<TAB>value`"));
            (number, line.name, line.start, line.end)
        }),
    )
}

/// The `&[(key, start, end)]` expression of `(line number, key, start, end)` entries,
/// whose keys must be sorted.
fn index_expr<'t>(
    path: &str,
    entries: impl IntoIterator<Item = (usize, &'t str, usize, usize)>,
) -> String {
    let mut out = String::from("&[\n");
    let mut previous: Option<&str> = None;
    for (number, name, start, end) in entries {
        assert!(
            previous.is_none_or(|p| p < name),
            "{path}:{number}: keys must be sorted and unique (re-run scripts/gen-schemas.py)"
        );
        previous = Some(name);
        writeln!(out, "    ({name:?}, {start}, {end}),").unwrap();
    }
    out.push_str("]\n");
    out
}
