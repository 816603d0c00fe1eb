//! The command line: exit codes (0 ok, 1 diagnostics, 2 usage or I/O), bad inputs,
//! atomic output, colour and message formats.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

fn sleuthc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sleuthc"))
        .args(args)
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// `sleuthc build` of the smallest example into `out`.
fn build_hello(out: &std::path::Path) -> Output {
    sleuthc(&[
        "build",
        "examples/hello-bucket/envs.sleuth",
        "-o",
        out.to_str().unwrap(),
    ])
}

/// A fresh directory for one test, removed with everything in it when dropped.
fn tmp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("sleuthc-cli-{name}-"))
        .tempdir()
        .expect("temp dir")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn builds_the_fleet() {
    let dir = tmp("fleet");
    let out = dir.path().join("out");
    let o = sleuthc(&[
        "build",
        "examples/tablesleuth/envs.sleuth",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "build prints nothing on success"
    );
    assert!(out.join("manifest.json").is_file());
    assert!(out.join("prod/eu-west-1/compute.template.json").is_file());
    // Again into the same directory, with and without the workflows: every file there
    // is one sleuthc wrote, pipelines and workflows included.
    for extra in [&["--ci", "github-actions"][..], &[]] {
        let mut args = vec![
            "build",
            "examples/tablesleuth/envs.sleuth",
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = sleuthc(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert!(out.join("pipeline/release.pipeline.json").is_file());
    assert!(
        !out.join("ci").exists(),
        "the second build wrote no workflow"
    );
}

#[test]
fn filters_by_env_and_region() {
    let dir = tmp("filter");
    let out = dir.path().join("out");
    let o = sleuthc(&[
        "build",
        "examples/tablesleuth/envs.sleuth",
        "-o",
        out.to_str().unwrap(),
        "--env",
        "prod",
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("prod/eu-west-1/network.template.json").is_file());
    assert!(!out.join("dev").exists());
    assert!(!out.join("prod/us-east-2").exists());
}

#[test]
fn missing_file_is_an_io_error() {
    let o = sleuthc(&["check", "no/such/file.sleuth"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
}

#[test]
fn directory_is_an_io_error() {
    let o = sleuthc(&["check", "examples"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("directory"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_io_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp("unreadable");
    let mut f = dir.path().join("x.sleuth");
    std::fs::write(&f, "app a {}").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root (as in CI) reads any file regardless of its mode; /proc/self/mem can be
    // opened but not read from offset 0, by anyone.
    if std::fs::read(&f).is_ok() {
        f = PathBuf::from("/proc/self/mem");
    }
    let o = sleuthc(&["check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

#[test]
fn invalid_utf8_is_a_diagnostic() {
    let dir = tmp("utf8");
    let f = dir.path().join("bad.sleuth");
    std::fs::write(&f, b"app a {}\n# caf\xe9\n").unwrap();
    let o = sleuthc(&["check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E0005"), "{}", stderr(&o));
}

#[test]
fn deep_nesting_from_the_cli() {
    let dir = tmp("deep");
    let f = dir.path().join("deep.sleuth");
    std::fs::write(
        &f,
        format!(
            "stack s {{ let x = {}1{} }}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        ),
    )
    .unwrap();
    let o = sleuthc(&["check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E0004"), "{}", stderr(&o));
}

#[test]
fn errors_leave_previous_output_untouched() {
    let dir = tmp("atomic");
    let out = dir.path().join("out");
    let ok = build_hello(&out);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let before = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let bad = dir.path().join("bad.sleuth");
    std::fs::write(
        &bad,
        "app a {}\nstack s { resource b: AWS::S3::Bucket { BucketNam = \"x\" } }",
    )
    .unwrap();
    let o = sleuthc(&["build", bad.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.json")).unwrap(),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary directories left behind");
}

#[test]
fn unwritable_output_is_an_io_error() {
    let dir = tmp("unwritable");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    // A path below a regular file can never be created, even by root.
    let out = file.join("out");
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
}

#[test]
fn json_message_format() {
    let dir = tmp("json");
    let bad = dir.path().join("bad.sleuth");
    std::fs::write(&bad, "app a {}\nstack s { let x = y }").unwrap();
    let o = sleuthc(&["check", bad.to_str().unwrap(), "--message-format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let line = String::from_utf8_lossy(&o.stdout).into_owned();
    let first: serde_json::Value =
        serde_json::from_str(line.lines().next().unwrap()).expect("JSON lines");
    assert!(first["code"].as_str().unwrap().starts_with('E'));
    assert!(first["primary"]["line"].as_u64().unwrap() >= 1);
}

#[test]
fn color_always_uses_ansi_and_never_does_not() {
    let dir = tmp("color");
    let bad = dir.path().join("bad.sleuth");
    std::fs::write(&bad, "app a {}\nstack s { let x = y }").unwrap();
    let always = sleuthc(&["check", bad.to_str().unwrap(), "--color", "always"]);
    assert!(stderr(&always).contains('\u{1b}'));
    let never = sleuthc(&["check", bad.to_str().unwrap(), "--color", "never"]);
    assert!(!stderr(&never).contains('\u{1b}'));
}

#[test]
fn explain_known_and_unknown_codes() {
    let o = sleuthc(&["explain", "E0207"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("deploy time"));
    let o = sleuthc(&["explain", "E9999"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    let o = sleuthc(&["build"]);
    assert_eq!(o.status.code(), Some(2));
    let o = sleuthc(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn param_override() {
    let dir = tmp("param");
    let out = dir.path().join("out");
    let o = sleuthc(&[
        "build",
        "examples/tablesleuth/envs.sleuth",
        "-o",
        out.to_str().unwrap(),
        "--param",
        "ssh_cidr=198.51.100.4/32",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = std::fs::read_to_string(out.join("dev/us-east-2/compute.template.json")).unwrap();
    assert!(t.contains("198.51.100.4/32") && !t.contains("203.0.113.7/32"));
    let o = sleuthc(&[
        "check",
        "examples/tablesleuth/envs.sleuth",
        "--param",
        "ssh_cidr=0.0.0.1/8",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E0202"), "{}", stderr(&o));
}

#[test]
fn never_replaces_a_directory_it_did_not_write() {
    let dir = tmp("foreign");
    let out = dir.path().join("src");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("precious.rs"), "fn main() {}").unwrap();
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("refusing to replace"), "{}", stderr(&o));
    assert!(out.join("precious.rs").is_file(), "user files must survive");
    // An empty directory, and a previous output, are fine.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for _ in 0..2 {
        let o = build_hello(&empty);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o = sleuthc(&["build", "examples/hello-bucket/envs.sleuth", "-o", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn never_deletes_files_added_to_a_previous_output() {
    let dir = tmp("added");
    let out = dir.path().join("out");
    let ok = build_hello(&out);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    std::fs::write(out.join("NOTES.md"), "mine").unwrap();
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("NOTES.md"), "{}", stderr(&o));
    assert!(out.join("NOTES.md").is_file());
}

/// The first directory (or file) in `dir`, by name.
fn first(dir: &std::path::Path, directory: bool) -> PathBuf {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() == directory)
        .collect();
    paths.sort();
    paths.into_iter().next().expect("an entry")
}

/// Names starting with `.` in `dir`: the swap's temporary and old directories.
fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn a_smaller_rebuild_removes_what_it_no_longer_writes() {
    let dir = tmp("shrink");
    let out = dir.path().join("out");
    let fleet = "examples/tablesleuth/envs.sleuth";
    let o = sleuthc(&["build", fleet, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("prod/eu-west-1/network.template.json").is_file());
    // A directory a previous build left empty is sleuthc's to remove too.
    std::fs::create_dir_all(out.join("prod/eu-west-1/empty")).unwrap();
    let o = sleuthc(&["build", fleet, "-o", out.to_str().unwrap(), "--env", "dev"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("dev/us-east-2/network.template.json").is_file());
    assert!(!out.join("prod").exists() && !out.join("staging").exists());
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

/// Each file under `dir` (relative path) with its inode.
#[cfg(target_os = "linux")]
fn inodes(dir: &std::path::Path) -> Vec<(String, u64)> {
    use std::os::unix::fs::MetadataExt;
    tree(dir)
        .into_iter()
        .map(|(rel, _)| {
            let ino = std::fs::symlink_metadata(dir.join(&rel)).unwrap().ino();
            (rel, ino)
        })
        .collect()
}

// Unchanged files are hard-linked from the previous output on Linux only.
#[cfg(target_os = "linux")]
#[test]
fn a_rebuild_keeps_unchanged_files_and_writes_changed_ones_afresh() {
    let dir = tmp("unchanged");
    let out = dir.path().join("out");
    let fleet = "examples/tablesleuth/envs.sleuth";
    let build = |extra: &[&str]| {
        let mut args = vec!["build", fleet, "-o", out.to_str().unwrap()];
        args.extend(extra);
        let o = sleuthc(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    build(&[]);
    let files = tree(&out);
    let first = inodes(&out);

    // The same source again: the same bytes, in the same files (inodes).
    build(&[]);
    assert_eq!(tree(&out), files);
    assert_eq!(inodes(&out), first);

    // A file edited in place (same size, other bytes) is written afresh; the old
    // inode, which the edit changed, is not reused and not written to.
    let template = out.join("dev/us-east-2/network.template.json");
    let mut edited = std::fs::read(&template).unwrap();
    *edited.last_mut().unwrap() = b' ';
    std::fs::write(&template, &edited).unwrap();
    let hold = dir.path().join("held");
    std::fs::hard_link(&template, &hold).unwrap();
    build(&[]);
    assert_eq!(tree(&out), files);
    assert_eq!(
        std::fs::read(&hold).unwrap(),
        edited,
        "the edited inode is left as it was"
    );
    let now = inodes(&out);
    for ((rel, was), (_, is)) in first.iter().zip(&now) {
        if rel == "dev/us-east-2/network.template.json" {
            assert_ne!(was, is, "{rel} is written afresh");
        } else {
            assert_eq!(was, is, "{rel} is unchanged");
        }
    }

    // A changed source: what changes is written afresh, the rest is kept.
    build(&["--param", "ssh_cidr=198.51.100.4/32"]);
    let changed = inodes(&out);
    let compute = "dev/us-east-2/compute.template.json";
    for ((rel, was), (_, is)) in now.iter().zip(&changed) {
        if rel.ends_with("network.template.json") {
            assert_eq!(was, is, "{rel} does not depend on the parameter");
        }
    }
    let (_, old_compute) = now.iter().find(|(r, _)| r == compute).unwrap();
    let (_, new_compute) = changed.iter().find(|(r, _)| r == compute).unwrap();
    assert_ne!(old_compute, new_compute);
    assert!(std::fs::read_to_string(out.join(compute))
        .unwrap()
        .contains("198.51.100.4/32"));
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

// A rebuild that changes nothing leaves the output directory itself in place.
#[cfg(target_os = "linux")]
#[test]
fn a_rebuild_that_changes_nothing_writes_nothing() {
    use std::os::unix::fs::{symlink, MetadataExt};
    let dir = tmp("nothing");
    let out = dir.path().join("out");
    let ino = |p: &std::path::Path| std::fs::symlink_metadata(p).unwrap().ino();
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let files = tree(&out);
    let (directory, contents) = (ino(&out), inodes(&out));

    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(ino(&out), directory, "the same directory, not a new one");
    assert_eq!(inodes(&out), contents);
    assert_eq!(tree(&out), files);

    // Anything else there makes it a change: an empty directory is removed ...
    let env_dir = first(&out, true);
    std::fs::create_dir(env_dir.join("empty")).unwrap();
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!env_dir.join("empty").exists());
    assert_ne!(ino(&out), directory, "swapped for a new directory");
    assert_eq!(tree(&out), files);

    // ... and a link holding the same bytes is replaced by a file.
    let template = first(&first(&first(&out, true), true), false);
    let copy = dir.path().join("copy.json");
    std::fs::copy(&template, &copy).unwrap();
    std::fs::remove_file(&template).unwrap();
    symlink(&copy, &template).unwrap();
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!template.is_symlink(), "the rebuild writes a file there");
    assert_eq!(tree(&out), files);
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[test]
fn a_relative_output_directory_is_replaced_in_place() {
    let dir = tmp("relative");
    let input = common::root().join("examples/hello-bucket/envs.sleuth");
    for _ in 0..2 {
        let o = Command::new(env!("CARGO_BIN_EXE_sleuthc"))
            .args(["build", input.to_str().unwrap(), "-o", "out"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert!(dir.path().join("out/manifest.json").is_file());
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_never_followed() {
    use std::os::unix::fs::symlink;
    let dir = tmp("links");
    let precious = dir.path().join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("keep.txt"), "mine").unwrap();

    // The output directory itself a link: refused, the target untouched.
    let link = dir.path().join("link");
    symlink(&precious, &link).unwrap();
    let o = build_hello(&link);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));

    // A link in place of a file sleuthc wrote: the link goes, not what it points to.
    let out = dir.path().join("out");
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let template = first(&first(&first(&out, true), true), false);
    std::fs::remove_file(&template).unwrap();
    symlink(precious.join("keep.txt"), &template).unwrap();
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!template.is_symlink(), "the rebuild writes a file there");

    // A link to a directory that sleuthc did not write: refused.
    symlink(&precious, out.join("extra")).unwrap();
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("extra"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(precious.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_stranger_deep_in_a_previous_output_is_named_in_full() {
    let dir = tmp("deep");
    let out = dir.path().join("out");
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let env = first(&out, true);
    std::fs::write(env.join("x.txt"), "mine").unwrap();
    let o = build_hello(&out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&env.join("x.txt").display().to_string()),
        "{}",
        stderr(&o)
    );
    assert!(env.join("x.txt").is_file());
}

#[test]
fn a_selection_of_nothing_is_an_error() {
    let o = sleuthc(&[
        "check",
        "examples/two-regions/envs.sleuth",
        "--env",
        "staging",
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("select no environment"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let dir = tmp("bom");
    let f = dir.path().join("bom.sleuth");
    let src =
        std::fs::read_to_string(common::root().join("examples/hello-bucket/envs.sleuth")).unwrap();
    std::fs::write(&f, format!("\u{feff}{src}")).unwrap();
    let o = sleuthc(&["check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Output into a pipe nobody reads is an I/O error (exit status 2), not a death by
/// SIGPIPE: the binary ignores the signal, as the Rust runtime's start-up would.
#[cfg(unix)]
#[test]
fn writing_into_a_closed_pipe_is_an_io_error() {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_sleuthc"))
        .args(["graph", "examples/tablesleuth/envs.sleuth"])
        .current_dir(common::root())
        .stdout(writer)
        .output()
        .expect("the binary runs");
    assert_eq!(o.status.code(), Some(2), "{:?} {}", o.status, stderr(&o));
}

/// Started with its standard descriptors closed (as a careless script or a daemon may
/// start it), the binary still builds; on Linux it has opened `/dev/null` in their
/// places first, and stops if that gives any other descriptor.
#[cfg(unix)]
#[test]
fn builds_with_its_standard_descriptors_closed() {
    let dir = tmp("closed-fds");
    let out = dir.path().join("out");
    let o = Command::new("sh")
        .args([
            "-c",
            "exec \"$0\" build examples/hello-bucket/envs.sleuth -o \"$1\" <&- >&- 2>&-",
            env!("CARGO_BIN_EXE_sleuthc"),
            out.to_str().unwrap(),
        ])
        .current_dir(common::root())
        .output()
        .expect("sh runs");
    assert_eq!(o.status.code(), Some(0), "{:?}", o.status);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).expect("a manifest");
    assert!(manifest.starts_with('{'), "{manifest}");
}

#[test]
fn graph_prints_to_stdout_in_every_format() {
    let file = "examples/tablesleuth/envs.sleuth";
    for format in ["dot", "mermaid", "json", "order"] {
        let o = sleuthc(&["graph", file, "--format", format]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        assert!(o.stderr.is_empty(), "{format}: nothing on stderr");
        let text = String::from_utf8(o.stdout).expect("UTF-8");
        let first = text.lines().next().unwrap_or_default();
        match format {
            "dot" => assert!(first.starts_with("digraph "), "{first}"),
            "mermaid" => assert_eq!(first, "flowchart LR"),
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                assert_eq!(v["graph_version"], 1);
            }
            _ => assert_eq!(first, "wave 1"),
        }
    }
    // Filters narrow it down; an error in the program is reported, with no graph.
    let o = sleuthc(&[
        "graph",
        file,
        "--env",
        "prod",
        "--region",
        "eu-west-1",
        "--stack",
        "compute",
        "--view",
        "resources",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let clusters = v["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["id"], "prod/eu-west-1");
    let o = sleuthc(&["graph", file, "--stack", "compte"]);
    assert_eq!(o.status.code(), Some(1), "an unknown --stack is an error");
    assert!(
        stderr(&o).contains("did you mean `compute`?"),
        "{}",
        stderr(&o)
    );
    let dir = tmp("graph-error");
    let bad = dir.path().join("bad.sleuth");
    std::fs::write(
        &bad,
        "app x {}\nstack s { resource b: AWS::S3::Bucket { Nope = 1 } }\n",
    )
    .unwrap();
    let o = sleuthc(&["graph", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "no graph of a broken program");
}

/// Build, then stop importing an output and build again into the same directory:
/// the export would go while the deployed importer still uses it.
#[test]
fn removing_an_export_in_use_needs_two_deploys() {
    let dir = tmp("export-guard");
    let out = dir.path().join("out");
    let program = |app_body: &str, network_extra: &str| {
        format!(
            "app guard {{}}\n\
             environments {{ env dev {{ account = \"111111111111\", regions = [\"us-east-1\"] }} }}\n\
             stack network {{\n  resource vpc: AWS::EC2::VPC {{ CidrBlock = \"10.0.0.0/16\" }}\n  output vpc_id = vpc.ref\n{network_extra}}}\n\
             stack web {{\n{app_body}}}\n"
        )
    };
    let file = dir.path().join("envs.sleuth");
    let build = |extra: &[&str]| {
        let mut args = vec!["build", file.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        sleuthc(&args)
    };
    let importing = "  resource sg: AWS::EC2::SecurityGroup {\n    GroupDescription = \"app\"\n    VpcId = network.vpc_id\n  }\n";
    let not_importing = "  resource q: AWS::SQS::Queue {}\n";
    std::fs::write(&file, program(importing, "")).unwrap();
    assert_eq!(build(&[]).status.code(), Some(0));

    std::fs::write(&file, program(not_importing, "")).unwrap();
    let o = build(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("E0405"), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("guard-dev-network-vpc-id"),
        "the previous output stays"
    );

    // Step one: keep the export while the importer lets go.
    std::fs::write(&file, program(not_importing, "  exports = [\"vpc_id\"]\n")).unwrap();
    assert_eq!(build(&[]).status.code(), Some(0));
    let template =
        std::fs::read_to_string(out.join("dev/us-east-1/network.template.json")).unwrap();
    assert!(template.contains("\"Export\""), "still exported");
    // Step two: nothing imports it any more, so it may go.
    std::fs::write(&file, program(not_importing, "")).unwrap();
    assert_eq!(build(&[]).status.code(), Some(0));

    // A fresh checkout in CI has no output directory: the deployed manifest is passed.
    std::fs::write(&file, program(importing, "")).unwrap();
    assert_eq!(build(&[]).status.code(), Some(0));
    let deployed = dir.path().join("deployed-manifest.json");
    std::fs::copy(out.join("manifest.json"), &deployed).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::write(&file, program(not_importing, "")).unwrap();
    let o = build(&["--previous-manifest", deployed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("E0405"));
    let o = build(&[
        "--previous-manifest",
        dir.path().join("missing.json").to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unreadable manifest is an I/O error"
    );

    // And the override, for an importer that is deleted along with it.
    std::fs::write(&file, program(importing, "")).unwrap();
    assert_eq!(build(&[]).status.code(), Some(0));
    std::fs::write(&file, program(not_importing, "")).unwrap();
    assert_eq!(build(&["--allow-export-removal"]).status.code(), Some(0));
}

/// A chain of 1,000 stacks, each reading the next: evaluation recurses once per stack,
/// and must neither overflow the stack nor take long.
#[test]
fn a_long_chain_of_stack_reads() {
    let mut program = String::from(
        "app t {}\nenvironments { env dev { account = \"111111111111\", regions = [\"us-east-1\"] } }\n",
    );
    for i in (1..1000).rev() {
        program.push_str(&format!(
            "stack s{i} {{\n  resource p: AWS::SSM::Parameter {{ Type = \"String\", Value = s{}.v }}\n  output v = p.ref\n}}\n",
            i - 1
        ));
    }
    program.push_str("stack s0 {\n  resource p: AWS::SSM::Parameter { Type = \"String\", Value = \"x\" }\n  output v = p.ref\n}\n");
    let dir = tmp("chain");
    let file = dir.path().join("chain.sleuth");
    std::fs::write(&file, program).unwrap();
    let o = sleuthc(&["graph", file.to_str().unwrap(), "--format", "order"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let order = String::from_utf8(o.stdout).unwrap();
    assert!(
        order.contains("wave 1000\n  dev/us-east-1/s999"),
        "one wave per link"
    );
}

/// Every file under `dir`, relative path to contents, sorted.
fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&p).expect("readable")));
            }
        }
    }
    out.sort();
    out
}

/// What the release pipeline's CodeBuild step runs, taken from the emitted buildspec
/// and run the way CodeBuild would (in the repository checkout, the digest variable
/// set from the project): it rebuilds exactly what was deployed, and refuses to go on
/// once the source needs a different pipeline.
#[test]
fn the_pipeline_build_step_rebuilds_and_guards_the_pipeline() {
    let dir = tmp("pipeline-step");
    let out = dir.path().join("first");
    let o = sleuthc(&[
        "build",
        "examples/tablesleuth/envs.sleuth",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let template: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("pipeline/release.template.json")).expect("template"),
    )
    .expect("JSON");
    let project = &template["Resources"]["SynthProject"]["Properties"];
    let digest = project["Environment"]["EnvironmentVariables"][0]["Value"]
        .as_str()
        .expect("digest");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("JSON");
    assert_eq!(manifest["pipelines"][0]["digest"], digest);
    let buildspec = project["Source"]["BuildSpec"].as_str().expect("buildspec");
    let line = buildspec
        .lines()
        .find(|l| l.contains("sleuthc build"))
        .expect("a build command");
    let command: String =
        serde_json::from_str(line.trim().trim_start_matches("- ")).expect("a quoted command");

    // The checkout: the fleet's file at the path the pipeline names.
    let checkout = dir.path().join("checkout");
    std::fs::create_dir_all(&checkout).expect("checkout");
    let source = std::fs::read_to_string(common::root().join("examples/tablesleuth/envs.sleuth"))
        .expect("example");
    std::fs::write(checkout.join("envs.sleuth"), &source).expect("write");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_sleuthc"));
    let run = |checkout: &std::path::Path, digest: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(checkout)
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", bin.parent().expect("bin dir").display()),
            )
            .env("SLEUTH_PIPELINE_DIGEST", digest)
            .env("NO_COLOR", "1")
            .output()
            .expect("sh runs")
    };
    let o = run(&checkout, digest);
    assert_eq!(o.status.code(), Some(0), "{command}: {}", stderr(&o));
    assert_eq!(
        tree(&checkout.join("out")),
        tree(&out),
        "the pipeline rebuilds the same bytes"
    );

    // A new stage in the source: the deployed pipeline is out of date.
    std::fs::write(
        checkout.join("envs.sleuth"),
        source.replace(
            "  stage staging ",
            "  stage staging { rollout = sequential }\n  #",
        ),
    )
    .expect("write");
    let before = tree(&checkout.join("out"));
    let o = run(&checkout, digest);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error[E0709]: pipeline `release` is out of date"),
        "{}",
        stderr(&o)
    );
    assert_eq!(tree(&checkout.join("out")), before, "nothing written");

    // A new resource type: the execution roles of the bootstrap templates change.
    std::fs::write(
        checkout.join("envs.sleuth"),
        source.replacen(
            "stack network {",
            "stack network {\n  resource queue: AWS::SQS::Queue {}",
            1,
        ),
    )
    .expect("write");
    let o = run(&checkout, digest);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[E0709]"), "{}", stderr(&o));

    // A pipeline the source does not have.
    let o = sleuthc(&[
        "build",
        "examples/tablesleuth/envs.sleuth",
        "-o",
        dir.path().join("other").to_str().unwrap(),
        "--expect-pipeline",
        "relase=sha256:00",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean `release`"),
        "{}",
        stderr(&o)
    );
    // A partial build writes no pipeline, so it cannot vouch for one.
    let o = sleuthc(&[
        "build",
        "examples/tablesleuth/envs.sleuth",
        "--env",
        "dev",
        "-o",
        dir.path().join("partial").to_str().unwrap(),
        "--expect-pipeline",
        &format!("release={digest}"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--expect-pipeline needs the whole build"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("partial").exists(), "nothing written");
    let o = sleuthc(&[
        "build",
        "examples/tablesleuth/envs.sleuth",
        "--expect-pipeline",
        "release",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a malformed expectation is a usage error"
    );
}
