//! Indexes the embedded data files at build time, so that opening them at run time
//! costs nothing. Each is a sorted file of `key<TAB>rest` lines; for each this writes
//! `$OUT_DIR/<name>_index.rs`, an array of `(key, start, end)` in key order with the
//! byte range of each line's `rest` in the embedded data (the file itself, or what
//! is made from it below), and `$OUT_DIR/<name>_slots.rs`, a hash table of its
//! keys (`lines::slots`): a binary search over the keys touched a dozen of them,
//! scattered in memory, for every lookup.
//! - `schema/cfn.schemas` (after its header line): each type's JSON, encoded into its
//!   binary record (`src/schema/compact.rs`), all of them in `schema.bin`; the index's
//!   ranges are the records'. Decoding a type's JSON scanned all of its property
//!   shapes: 1.3 M instructions of the fleet's build. Its header line goes to
//!   `schema_header.json`. Scanning 2.3 MB for line starts was about 5 % of a small
//!   build.
//! - `schema/handler-permissions.tsv`: each type's handler permissions, embedded from a
//!   copy in `$OUT_DIR` with its lines reordered (below). Splitting and sorting its
//!   500 KB was 2.5 % of the fleet's build.
//! - `schema/iam-resources.tsv`: the resource types of each IAM action.
//!
//! The records and permission lines of the types the standard library declares are
//! laid out first, together (the index is still sorted by name): the binary maps its
//! data from the file 64 KiB at a time as it first touches it, and the fleet's
//! lookups, with the data in name order, touched 11 such stretches of the schema
//! records and 6 of the permissions, each a page fault. Which types come first
//! changes only where their bytes sit, never what a lookup returns.

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
    println!("cargo:rerun-if-changed=stdlib");
    let first = stdlib_types();
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
        let entries = match index {
            "schema_index.rs" => schema_records(path, &text, &first, &out_dir),
            "handler_permissions_index.rs" => {
                reordered_lines(path, &text, &first, "handler-permissions.tsv", &out_dir)
            }
            _ => lines_of(path, &text, header),
        };
        let names: Vec<&str> = entries.iter().map(|e| e.1).collect();
        std::fs::write(&dest, index_expr(path, &entries))
            .unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
        let dest = out_dir.join(index.replace("_index.rs", "_slots.rs"));
        std::fs::write(&dest, slots_of(&names))
            .unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
    }
}

/// `(line number, key, start, end)` of an index entry: the key's line in its file, and
/// the byte range of its data.
type Entry<'t> = (usize, &'t str, usize, usize);

/// Every resource type named in the standard library's sources (`AWS::X::Y`), sorted.
fn stdlib_types() -> std::collections::BTreeSet<String> {
    let mut types = std::collections::BTreeSet::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir("stdlib")
        .unwrap_or_else(|e| panic!("reading stdlib: {e}"))
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("reading stdlib: {e}"))
                .path()
        })
        .filter(|p| p.extension().is_some_and(|x| x == "sleuth"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let mut rest = text.as_str();
        while let Some(at) = rest.find("AWS::") {
            let name = &rest[at..];
            let end = name
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
                .unwrap_or(name.len());
            if name[..end].matches("::").count() == 2 {
                types.insert(name[..end].to_string());
            }
            rest = &name[end.max(5)..];
        }
    }
    types
}

/// `names` in the order to lay their data out: those in `first`, then the others,
/// each in name order.
fn layout_order<'t>(
    names: impl Iterator<Item = (usize, &'t str)>,
    first: &std::collections::BTreeSet<String>,
) -> Vec<usize> {
    let mut order: Vec<(bool, usize)> = names.map(|(i, name)| (!first.contains(name), i)).collect();
    order.sort();
    order.into_iter().map(|(_, i)| i).collect()
}

/// The `&[u16]` hash table of an index's keys (`lines::slots`): each slot holds a
/// key's position in the index plus one.
fn slots_of(names: &[&str]) -> String {
    let mut out = String::from("&[");
    for (i, slot) in lines::slots(names).iter().enumerate() {
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
/// records to `schema.bin` (those of the types in `first` first) and the header line
/// to `schema_header.json` in `out_dir`, and returns the records' index entries, in
/// the file's order.
fn schema_records<'t>(
    path: &str,
    text: &'t str,
    first: &std::collections::BTreeSet<String>,
    out_dir: &std::path::Path,
) -> Vec<Entry<'t>> {
    let header = text.split('\n').next().unwrap_or_default();
    let regions = serde_json::from_str::<serde_json::Value>(header)
        .ok()
        .and_then(|h| h.get("regions")?.as_array().map(Vec::len))
        .unwrap_or_else(|| panic!("{path}:1: not a header with regions"));
    let mut entries = lines_of(path, text, 1);
    let mut data = Vec::new();
    for i in layout_order(entries.iter().map(|e| e.1).enumerate(), first) {
        let (number, name, json_start, json_end) = entries[i];
        let start = data.len();
        compact::encode_type(&text[json_start..json_end], regions, true, &mut data)
            .unwrap_or_else(|e| panic!("{path}:{number}: {name}: {e}"));
        entries[i] = (number, name, start, data.len());
    }
    let write = |name: &str, bytes: &[u8]| {
        let dest = out_dir.join(name);
        std::fs::write(&dest, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
    };
    write("schema.bin", &data);
    write("schema_header.json", header.as_bytes());
    entries
}

/// Writes the lines of the table `text` to `out` in `out_dir`, those of the types in
/// `first` first, and returns their index entries (ranges in the written text), in
/// the file's order.
fn reordered_lines<'t>(
    path: &str,
    text: &'t str,
    first: &std::collections::BTreeSet<String>,
    out: &str,
    out_dir: &std::path::Path,
) -> Vec<Entry<'t>> {
    let mut entries = lines_of(path, text, 0);
    let mut written = String::with_capacity(text.len());
    for i in layout_order(entries.iter().map(|e| e.1).enumerate(), first) {
        let (number, name, start, end) = entries[i];
        written.push_str(name);
        written.push('\t');
        let at = written.len();
        written.push_str(&text[start..end]);
        written.push('\n');
        entries[i] = (number, name, at, at + (end - start));
    }
    let dest = out_dir.join(out);
    std::fs::write(&dest, written).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
    entries
}

/// The index entries of `text`'s lines after the first `header`, in the file's order.
fn lines_of<'t>(path: &str, text: &'t str, header: usize) -> Vec<Entry<'t>> {
    lines::keyed_lines(text, header)
        .map(|(number, line)| {
            let line = line.unwrap_or_else(|| panic!("{path}:{number}: not `key<TAB>value`"));
            (number, line.name, line.start, line.end)
        })
        .collect()
}

/// The `&[(key, start, end)]` expression of `entries`, whose keys must be sorted.
fn index_expr(path: &str, entries: &[Entry<'_>]) -> String {
    let mut out = String::from("&[\n");
    let mut previous: Option<&str> = None;
    for &(number, name, start, end) in entries {
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
