//! UI tests: every `tests/ui/**/*.sleuth` is compiled with `check`, and its source, the
//! rendered diagnostics (no colour) and the exit status are snapshotted together. A
//! `# expect: E0xxx E0yyy` header is checked as data: exactly those error codes must
//! be reported, so a wording change can never hide a change of error kind.

mod common;

use std::collections::BTreeSet;

use sleuthc::codes::Code;
use sleuthc::Mode;

fn expected_codes(source: &str) -> Option<BTreeSet<String>> {
    header(source, "# expect:").map(|rest| rest.split_whitespace().map(str::to_string).collect())
}

/// The rest of the first line that starts with `prefix`, trimmed.
fn header<'s>(source: &'s str, prefix: &str) -> Option<&'s str> {
    source
        .lines()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .map(str::trim)
}

#[test]
fn ui() {
    let files = common::files_under("tests/ui", "sleuth");
    assert!(!files.is_empty(), "no UI tests found");
    let mut failures = Vec::new();
    for rel in &files {
        // Files under an `imports/` folder are imported by other cases, not cases themselves.
        if rel.contains("/imports/") {
            continue;
        }
        let source = std::fs::read_to_string(common::root().join(rel)).expect("readable");
        // `# previous-manifest: FILE` (next to the case): the previous build's
        // manifest.json, for the export-removal guard; shown in the snapshot.
        let previous = header(&source, "# previous-manifest:").map(|file| {
            let path = std::path::Path::new(rel).with_file_name(file);
            std::fs::read_to_string(common::root().join(path)).expect("previous manifest")
        });
        // `# expect-pipeline: NAME=DIGEST`: as `build --expect-pipeline` passes it.
        let expect_pipelines = header(&source, "# expect-pipeline:")
            .and_then(|e| e.split_once('='))
            .map(|(n, d)| vec![(n.to_string(), d.to_string())])
            .unwrap_or_default();
        // `# ci: github-actions`: as `build --ci github-actions`.
        let github_actions = header(&source, "# ci:") == Some("github-actions");
        let options = sleuthc::Options {
            previous_manifest: previous
                .as_deref()
                .map(sleuthc::graph::read_previous_manifest),
            expect_pipelines,
            github_actions,
            ..Default::default()
        };
        let c = common::compile_file_with(rel, Mode::Check, &options);
        let status = if c.has_errors() { 1 } else { 0 };
        let got: BTreeSet<String> = c
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect();
        match expected_codes(&source) {
            Some(want) if want != got => {
                failures.push(format!("{rel}: expected {want:?}, got {got:?}"))
            }
            None if status != 0 => {
                failures.push(format!("{rel}: errors but no `# expect:` header: {got:?}"))
            }
            _ => {}
        }
        let name = rel
            .trim_start_matches("tests/ui/")
            .trim_end_matches(".sleuth")
            .replace('/', "__");
        let previous = previous
            .map(|p| format!("\n──── previous manifest.json ────\n{p}"))
            .unwrap_or_default();
        let snapshot = format!(
            "{source}{previous}\n──── diagnostics ────\n{}──── exit status: {status} ────\n",
            common::render(&c)
        );
        insta::with_settings!({ snapshot_path => "ui/snapshots", prepend_module_to_snapshot => false, input_file => rel, omit_expression => true }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
    assert!(
        failures.is_empty(),
        "UI expectation mismatches:\n{}",
        failures.join("\n")
    );
}

/// Every diagnostic code has explanation text and at least one UI test that expects it.
#[test]
fn every_code_is_explained_and_tested() {
    let mut covered = BTreeSet::new();
    for rel in common::files_under("tests/ui", "sleuth") {
        let source = std::fs::read_to_string(common::root().join(&rel)).expect("readable");
        covered.extend(expected_codes(&source).unwrap_or_default());
    }
    let mut missing = Vec::new();
    for code in Code::ALL {
        assert!(
            code.explain().trim().len() > 40,
            "{} has no real explanation",
            code.as_str()
        );
        assert!(!code.title().is_empty());
        if !covered.contains(code.as_str()) {
            missing.push(code.as_str());
        }
    }
    assert!(missing.is_empty(), "codes without a UI test: {missing:?}");
}
