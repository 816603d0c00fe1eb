//! Indexes the embedded resource schemas at build time, so that opening them at run
//! time costs nothing: `schema/cfn.schemas` has one `Type::Name<TAB>json` line per
//! type, sorted; this writes `$OUT_DIR/schema_index.rs`, an array of
//! `(name, start, end)` with the byte range of each type's JSON in the file.
//! (Scanning 2.3 MB for line starts was about 5 % of a small build.)

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let path = "schema/cfn.schemas";
    println!("cargo:rerun-if-changed={path}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut out = String::from("&[\n");
    let mut previous: Option<&str> = None;
    let mut at = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let start = at;
        at += line.len();
        if number == 0 {
            continue; // the header
        }
        let body = line.trim_end_matches(['\n', '\r']);
        if body.is_empty() {
            continue;
        }
        let Some((name, json)) = body.split_once('\t') else {
            panic!("{path}:{}: not `Name<TAB>json`", number + 1);
        };
        assert!(
            !name.is_empty() && previous.is_none_or(|p| p < name),
            "{path}:{}: type names must be non-empty, sorted and unique (re-run scripts/gen-schemas.py)",
            number + 1
        );
        previous = Some(name);
        let json_start = start + name.len() + 1;
        writeln!(
            out,
            "    ({name:?}, {json_start}, {}),",
            json_start + json.len()
        )
        .unwrap();
    }
    out.push_str("]\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("schema_index.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));
}
