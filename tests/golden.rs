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

/// `build --ci github-actions` of the fleet: the workflow, and the bootstrap templates
/// gain the role it assumes; every other file is the same as without it.
#[test]
fn fleet_github_actions() {
    let rel = "examples/tablesleuth/envs.sleuth";
    let plain = common::compile_file(rel, Mode::Build).files.expect("built");
    let options = Options {
        github_actions: true,
        ..Options::default()
    };
    let c = common::compile_file_with(rel, Mode::Build, &options);
    assert!(c.diagnostics.is_empty(), "{}", common::render(&c));
    let files = c.files.expect("built");
    for f in &files {
        let before = plain.iter().find(|p| p.path == f.path);
        let snapshot = match f.path.as_str() {
            "ci/github-actions/release.yml" => "tablesleuth__github__release_yml",
            "bootstrap/222222222222-eu-west-1.template.json" => {
                "tablesleuth__github__bootstrap__222222222222-eu-west-1"
            }
            p if p.starts_with("bootstrap/") => {
                assert!(f.contents.contains("GithubDeployRole"), "{p}");
                continue;
            }
            "manifest.json" => {
                // The same but for the workflow in `files`.
                let parse =
                    |t: &str| -> serde_json::Value { serde_json::from_str(t).expect("JSON") };
                let mut with = parse(&f.contents);
                let without = parse(&before.expect("a manifest").contents);
                with["files"]
                    .as_array_mut()
                    .expect("files")
                    .retain(|x| x != "ci/github-actions/release.yml");
                assert_eq!(with, without, "the manifest changed beyond `files`");
                continue;
            }
            p => {
                assert_eq!(
                    Some(&f.contents),
                    before.map(|b| &b.contents),
                    "{p} changed"
                );
                continue;
            }
        };
        insta::with_settings!({ snapshot_path => "golden", prepend_module_to_snapshot => false, input_file => rel, omit_expression => true }, {
            insta::assert_snapshot!(snapshot, f.contents);
        });
    }
    assert_eq!(files.len(), plain.len() + 1, "one workflow more");
}

/// `sleuthc graph` of the fleet: all three views in every format (the resources view of one
/// environment, collapsed by component; checked in full below), and the stacks view of
/// two-regions, which has a cross-region read.
#[test]
fn fleet_graph_views() {
    use sleuthc::graph::view::{Level, Request};
    use sleuthc::GraphFormat;
    let rel = "examples/tablesleuth/envs.sleuth";
    let text = std::fs::read_to_string(common::root().join(rel)).expect("readable");
    let stacks = Request {
        level: Level::Stacks,
        envs: Vec::new(),
        regions: Vec::new(),
        stacks: Vec::new(),
        all_resources: false,
    };
    let resources = Request {
        level: Level::Resources,
        ..stacks.clone()
    };
    let pipeline = Request {
        level: Level::Pipeline,
        ..stacks.clone()
    };
    let prod_pipeline = Request {
        level: Level::Pipeline,
        envs: vec!["prod".into()],
        regions: vec!["eu-west-1".into()],
        ..stacks.clone()
    };
    let dev = Options {
        envs: vec!["dev".into()],
        ..Options::default()
    };
    let cases = [
        ("pipeline", &pipeline, Options::default(), GraphFormat::Dot),
        (
            "pipeline",
            &pipeline,
            Options::default(),
            GraphFormat::Mermaid,
        ),
        ("pipeline", &pipeline, Options::default(), GraphFormat::Json),
        (
            "pipeline",
            &pipeline,
            Options::default(),
            GraphFormat::Order,
        ),
        // Filters keep the deploy actions of prod in eu-west-1 and every other action.
        (
            "pipeline_prod_eu",
            &prod_pipeline,
            Options::default(),
            GraphFormat::Order,
        ),
        ("stacks", &stacks, Options::default(), GraphFormat::Dot),
        ("stacks", &stacks, Options::default(), GraphFormat::Mermaid),
        ("stacks", &stacks, Options::default(), GraphFormat::Json),
        ("stacks", &stacks, Options::default(), GraphFormat::Order),
        ("dev_resources", &resources, dev.clone(), GraphFormat::Dot),
        (
            "dev_resources",
            &resources,
            dev.clone(),
            GraphFormat::Mermaid,
        ),
        ("dev_resources", &resources, dev.clone(), GraphFormat::Json),
    ];
    for (name, request, options, format) in cases {
        let c = sleuthc::graph_view(
            rel,
            text.clone(),
            &common::RepoLoader,
            &options,
            request,
            format,
        );
        assert!(c.diagnostics.is_empty(), "{}", common::render(&c));
        let files = c.files.expect("a graph");
        let [file] = files.as_slice() else {
            panic!("one rendering")
        };
        let snapshot = format!(
            "tablesleuth__graph__{name}__{}",
            file.path.replace('.', "_")
        );
        insta::with_settings!({ snapshot_path => "golden", prepend_module_to_snapshot => false, input_file => rel, omit_expression => true }, {
            insta::assert_snapshot!(snapshot, file.contents);
        });
    }
    // two-regions: a cross-region read (dashed) next to imports.
    let rel2 = "examples/two-regions/envs.sleuth";
    let text2 = std::fs::read_to_string(common::root().join(rel2)).expect("readable");
    for format in [GraphFormat::Mermaid, GraphFormat::Order] {
        let c = sleuthc::graph_view(
            rel2,
            text2.clone(),
            &common::RepoLoader,
            &Options::default(),
            &stacks,
            format,
        );
        let files = c.files.expect("a graph");
        let snapshot = format!(
            "two-regions__graph__stacks__{}",
            files[0].path.replace('.', "_")
        );
        insta::with_settings!({ snapshot_path => "golden", prepend_module_to_snapshot => false, input_file => rel2, omit_expression => true }, {
            insta::assert_snapshot!(snapshot, files[0].contents);
        });
    }
    // The full resources view names every resource of the template.
    let all = Request {
        all_resources: true,
        stacks: vec!["compute".into()],
        ..resources.clone()
    };
    let c = sleuthc::graph_view(
        rel,
        text,
        &common::RepoLoader,
        &dev,
        &all,
        GraphFormat::Json,
    );
    let files = c.files.expect("a graph");
    let view: serde_json::Value = serde_json::from_str(&files[0].contents).expect("JSON");
    let nodes = view["nodes"].as_array().expect("nodes");
    assert!(nodes.iter().all(|n| n["kind"] == "resource"));
    assert!(nodes
        .iter()
        .any(|n| n["detail"] == "AWS::AutoScaling::AutoScalingGroup"));
    assert!(nodes.iter().all(|n| n["id"]
        .as_str()
        .unwrap()
        .starts_with("dev/us-east-2/compute/")));
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

/// Every `(module, component)` the embedded stdlib defines.
fn stdlib_components() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (module, text) in STDLIB {
        for rest in text.lines().filter_map(|l| l.strip_prefix("component ")) {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((module.to_string(), name));
        }
    }
    out
}

#[test]
fn stdlib_checks_with_zero_diagnostics() {
    // A program that imports every stdlib component by name, so that the imports are
    // checked; then each stdlib body, called or not (`check_stdlib`: a build checks
    // only the program's own bodies).
    let names = stdlib_components();
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
        src.clone(),
        &common::RepoLoader,
        &Options::default(),
        Mode::Check,
    );
    assert!(
        c.diagnostics.is_empty(),
        "stdlib diagnostics:\n{}",
        common::render(&c)
    );
    let (parsed, _) = sleuthc::resolve::load("stdlib-check.sleuth", src, &common::RepoLoader);
    let (checked, mut diags) = sleuthc::resolve::resolve(parsed);
    sleuthc::resolve::check_stdlib(&checked, &mut diags);
    let diags = diags.into_vec();
    assert!(
        diags.is_empty(),
        "stdlib diagnostics:\n{}",
        sleuthc::diagnostics::render_human(&checked.sources, &diags, false)
    );
}

/// A sample source literal of a type, for instantiating components in tests.
fn sample(ty: &sleuthc::types::Type) -> Option<String> {
    use sleuthc::types::Type;
    Some(match ty {
        Type::String => "\"sample\"".into(),
        Type::Int => "1".into(),
        Type::Bool => "true".into(),
        Type::Duration => "1d".into(),
        Type::Region => "\"us-east-1\"".into(),
        Type::AccountId => "\"111111111111\"".into(),
        Type::Cidr => "\"10.0.0.0/16\"".into(),
        Type::Arn => "\"arn:aws:iam::111111111111:role/sample\"".into(),
        Type::Json => "{}".into(),
        Type::List(t) => format!("[{}]", sample(t)?),
        Type::Optional(_) => "none".into(),
        Type::Enum(vs) => format!("\"{}\"", vs.first()?),
        Type::Record(fields) => {
            let mut parts = Vec::new();
            for (k, (t, default)) in fields {
                if default.is_none() && !matches!(t, Type::Optional(_)) {
                    parts.push(format!("{k} = {}", sample(t)?));
                }
            }
            format!("{{ {} }}", parts.join(", "))
        }
        Type::Secret | Type::Resource(_) | Type::Error => return None,
    })
}

/// Every stdlib component, instantiated once with sample arguments for its required
/// parameters and once with every parameter given, builds without diagnostics: this
/// checks each body's values against the resource schemas, not only its names.
#[test]
fn every_stdlib_component_instantiates_cleanly() {
    let mut imports = String::new();
    let mut names = Vec::new();
    for (module, name) in stdlib_components() {
        imports.push_str(&format!("import std.{module}.{name}\n"));
        names.push(name);
    }
    let header = format!(
        "app stdlib_check {{ tags = {{ Project = \"check\" }} }}\n{imports}environments {{ env dev {{ account = \"111111111111\", regions = [\"us-east-1\"] }} }}\n"
    );
    // Resolve once to learn each component's parameters and their types.
    let probe = format!("{header}stack minimal {{ resource topic: AWS::SNS::Topic {{}} }}\n");
    let (parsed, d) = sleuthc::resolve::load("probe.sleuth", probe, &common::RepoLoader);
    assert!(d.is_empty());
    let (checked, d) = sleuthc::resolve::resolve(parsed);
    assert!(d.is_empty());
    let mut stacks = String::new();
    for name in &names {
        let comp = checked
            .components
            .iter()
            .find(|c| &c.name.node == name)
            .expect("component resolved");
        for (variant, all) in [("required", false), ("all", true)] {
            let mut args = Vec::new();
            let mut skip = false;
            for p in &comp.params {
                if p.default.is_some() && !all {
                    continue;
                }
                match sample(&p.ty) {
                    Some(v) => args.push(format!("{}: {v}", p.name.node)),
                    None if p.default.is_some()
                        || matches!(p.ty, sleuthc::types::Type::Optional(_)) => {}
                    None => skip = true,
                }
            }
            if !skip {
                stacks.push_str(&format!(
                    "stack {name}_{variant} {{\n  let it = {name}({})\n}}\n",
                    args.join(", ")
                ));
            }
        }
    }
    let src = format!("{header}{stacks}");
    assert!(
        stacks.matches("stack ").count() >= 2 * names.len() - 2,
        "{stacks}"
    );
    let c = compile(
        "stdlib-instances.sleuth",
        src.clone(),
        &common::RepoLoader,
        &Options::default(),
        Mode::Build,
    );
    assert!(c.diagnostics.is_empty(), "{src}\n{}", common::render(&c));
    assert!(c.files.is_some_and(|f| f.len() > names.len()));
}

/// The README's language tour is a real program: it must keep compiling.
#[test]
fn readme_tour_compiles() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README");
    let tour = &readme[readme
        .find("## A tour of the language")
        .expect("tour section")..];
    let code = &tour[tour.find("```\n").expect("code block") + 4..];
    let code = &code[..code.find("```").expect("end of code block")];
    let c = compile(
        "README.md",
        code.to_string(),
        &common::RepoLoader,
        &Options::default(),
        Mode::Build,
    );
    assert!(c.diagnostics.is_empty(), "{}", common::render(&c));
    assert!(c.files.is_some_and(|f| f.len() > 3));
}

/// `suppress` writes each check where its scanner reads it (checkov's with the reason,
/// cfn-lint's by id), next to the resource's own `metadata`.
#[test]
fn suppressions_land_in_resource_metadata() {
    let rel = "tests/ui/schema/suppress.sleuth";
    let c = common::compile_file(rel, Mode::Build);
    assert!(c.diagnostics.is_empty(), "{}", common::render(&c));
    let files = c.files.expect("a clean build has files");
    let template = files
        .iter()
        .find(|f| f.path == "dev/us-east-1/main.template.json")
        .expect("the stack's template");
    let template: serde_json::Value =
        serde_json::from_str(&template.contents).expect("the template is JSON");
    assert_eq!(
        template["Resources"]["Bucket"]["Metadata"],
        serde_json::json!({
            "Owner": "platform",
            "checkov": { "skip": [
                { "id": "CKV_AWS_18", "comment": "Receives the access logs of other buckets; logging it would log itself" },
                { "id": "CKV2_AWS_62", "comment": "Nothing consumes event notifications of dev's log bucket" },
            ]},
            "cfn-lint": { "config": { "ignore_checks": ["W3045"] } },
        })
    );
}
