//! Golden tests: every example's emitted files are snapshotted, building is
//! deterministic, and the standard library checks with zero diagnostics.

mod common;

use sleuthc::source::STDLIB;
use sleuthc::{compile, Mode, Options};

#[test]
fn examples_emit_golden_files() {
    let examples = common::files_under("examples", "sleuth");
    assert!(examples.len() >= 3, "expected the bundled examples");
    for rel in examples {
        let c = common::compile_file(&rel, Mode::Build);
        assert!(
            c.diagnostics.is_empty(),
            "{rel} has diagnostics:\n{}",
            common::render(&c)
        );
        let files = c.files.expect("a clean build has files");
        let example = rel
            .trim_start_matches("examples/")
            .trim_end_matches("/envs.sleuth")
            .replace('/', "__");
        for f in files {
            let name = format!(
                "{example}__{}",
                f.path.trim_end_matches(".json").replace(['/', '.'], "__")
            );
            insta::with_settings!({ snapshot_path => "golden", prepend_module_to_snapshot => false, input_file => &rel, omit_expression => true }, {
                insta::assert_snapshot!(name, f.contents);
            });
        }
    }
}

#[test]
fn building_twice_gives_identical_bytes() {
    for rel in common::files_under("examples", "sleuth") {
        let a = common::compile_file(&rel, Mode::Build)
            .files
            .expect("builds");
        let b = common::compile_file(&rel, Mode::Build)
            .files
            .expect("builds");
        assert_eq!(a, b, "{rel} is not deterministic");
    }
}

#[test]
fn stdlib_checks_with_zero_diagnostics() {
    // A program that imports every stdlib module checks each component body, called or not.
    // Import every component by name so unknown-import checks run too.
    let mut names = Vec::new();
    for (module, text) in STDLIB {
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("component ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                names.push((module.to_string(), name));
            }
        }
    }
    assert!(
        names.len() >= 10,
        "the stdlib should define the fleet's components"
    );
    let mut src = String::from("app stdlib_check {}\n");
    for (module, name) in &names {
        src.push_str(&format!("import std.{module}.{name}\n"));
    }
    src.push_str("environments { env dev { account = \"111111111111\", regions = [\"us-east-1\"] } }\nstack minimal { resource topic: AWS::SNS::Topic {} }\n");
    let c = compile(
        "stdlib-check.sleuth",
        src,
        &common::RepoLoader,
        &Options::default(),
        Mode::Check,
    );
    assert!(
        c.diagnostics.is_empty(),
        "stdlib diagnostics:\n{}",
        common::render(&c)
    );
}
