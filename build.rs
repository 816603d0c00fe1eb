//! Indexes the embedded data files at build time, so that opening them at run time
//! costs nothing. Each is a sorted file of `key<TAB>rest` lines; for each this writes
//! `$OUT_DIR/<name>.rs`, an array of `(key, start, end)` with the byte range of each
//! line's `rest` in the file:
//! - `schema/cfn.schemas` (after its header line): each type's JSON. Scanning 2.3 MB
//!   for line starts was about 5 % of a small build. Also `schema_slots.rs`, a hash
//!   table of its type names (`lines::slots`): a binary search over the names
//!   touched a dozen of them, scattered in memory, for every lookup.
//! - `schema/handler-permissions.tsv`: each type's handler permissions. Splitting and
//!   sorting its 500 KB was 2.5 % of the fleet's build.
//! - `schema/iam-resources.tsv`: the resource types of each IAM action.

use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "src/schema/lines.rs"]
mod lines;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/schema/lines.rs");
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
        std::fs::write(&dest, index_of(path, &text, header))
            .unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
        if index == "schema_index.rs" {
            let dest = out_dir.join("schema_slots.rs");
            std::fs::write(&dest, slots_of(&text, header))
                .unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
        }
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

/// The `&[(key, start, end)]` expression for `text`, whose keys must be sorted.
fn index_of(path: &str, text: &str, header: usize) -> String {
    let mut out = String::from("&[\n");
    let mut previous: Option<&str> = None;
    for (number, line) in lines::keyed_lines(text, header) {
        let Some(line) = line else {
            panic!("{path}:{number}: not `key<TAB>value`");
        };
        assert!(
            previous.is_none_or(|p| p < line.name),
            "{path}:{number}: keys must be sorted and unique (re-run scripts/gen-schemas.py)"
        );
        previous = Some(line.name);
        writeln!(out, "    ({:?}, {}, {}),", line.name, line.start, line.end).unwrap();
    }
    out.push_str("]\n");
    out
}
