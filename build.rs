//! Indexes the embedded resource schemas at build time, so that opening them at run
//! time costs nothing: `schema/cfn.schemas` has one `Type::Name<TAB>json` line per
//! type, sorted; this writes `$OUT_DIR/schema_index.rs`, an array of
//! `(name, start, end)` with the byte range of each type's JSON in the file.
//! (Scanning 2.3 MB for line starts was about 5 % of a small build.)

use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "src/schema/lines.rs"]
mod lines;

fn main() {
    let path = "schema/cfn.schemas";
    println!("cargo:rerun-if-changed={path}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/schema/lines.rs");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut out = String::from("&[\n");
    let mut previous: Option<&str> = None;
    for (number, line) in lines::type_lines(&text) {
        let Some(line) = line else {
            panic!("{path}:{number}: not `Name<TAB>json`");
        };
        assert!(
            previous.is_none_or(|p| p < line.name),
            "{path}:{number}: type names must be sorted and unique (re-run scripts/gen-schemas.py)"
        );
        previous = Some(line.name);
        writeln!(out, "    ({:?}, {}, {}),", line.name, line.start, line.end).unwrap();
    }
    out.push_str("]\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("schema_index.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
}
