//! Pipelines: the typed model, the layout of stages, and the emitted declaration,
//! templates and manifest entries (docs/design/pipeline.md).

mod common;

use sleuthc::expand::{PipelineDef, SourceDef, StepDef};
use sleuthc::pipeline::plan::{DeployMode, Rollout};

fn pipelines(rel: &str) -> Vec<PipelineDef> {
    let text = std::fs::read_to_string(common::root().join(rel)).expect("readable");
    let (parsed, d) = sleuthc::resolve::load(rel, text, &common::RepoLoader);
    assert!(!d.has_errors());
    let (checked, d) = sleuthc::resolve::resolve(parsed);
    assert!(!d.has_errors());
    let (expanded, d) = sleuthc::expand::expand(&checked, &Default::default());
    assert!(!d.has_errors());
    expanded.expect("expands").pipelines
}

#[test]
fn the_release_pipeline() {
    let p = pipelines("tests/ui/pipeline/release.sleuth");
    assert_eq!(p.len(), 1);
    let p = &p[0];
    assert_eq!(
        (p.name.as_str(), p.account.as_str(), p.region.as_str()),
        ("release", "111111111111", "us-east-2")
    );
    assert_eq!(
        p.source,
        SourceDef::Connection {
            provider: "GitHub",
            repo: "jamesbconner/TableSleuth".into(),
            branch: "main".into(),
            connection: "arn:aws:codestar-connections:us-east-2:111111111111:connection/abc".into(),
            full_clone: false,
        }
    );
    assert_eq!(p.build.timeout_minutes, 30);
    let summary: Vec<String> = p
        .steps
        .iter()
        .map(|s| match s {
            StepDef::Stage {
                envs,
                rollout,
                deploy,
                ..
            } => {
                assert_eq!(*deploy, DeployMode::CreateUpdate);
                format!("stage {} {rollout:?}", envs.join(","))
            }
            StepDef::Approve { approval: a, .. } => {
                assert!(a.review_url.is_some());
                format!("approve {} {:?} {:?}", a.label, a.notify, a.timeout_minutes)
            }
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            "stage dev Parallel".to_string(),
            "stage staging Parallel".into(),
            "approve Promote to prod [\"ops@example.com\"] Some(4320)".into(),
            format!("stage prod {:?}", Rollout::Waves(1)),
        ]
    );
}

/// A protected environment without an approval before it gets one; the written
/// approval before prod guards it, and dev deploys first.
#[test]
fn approvals_are_inserted_for_protected_environments() {
    use sleuthc::pipeline::layout::{layout, LaidOut};
    let rel = "tests/ui/pipeline/release.sleuth";
    let text = std::fs::read_to_string(common::root().join(rel)).expect("readable");
    let (parsed, _) = sleuthc::resolve::load(rel, text.clone(), &common::RepoLoader);
    let (checked, _) = sleuthc::resolve::resolve(parsed);
    let (expanded, _) = sleuthc::expand::expand(&checked, &Default::default());
    let ex = expanded.expect("expands");
    let mut diags = sleuthc::diagnostics::Diagnostics::default();
    let stages = layout(&ex.pipelines[0], &ex, &mut diags);
    assert!(diags.is_empty());
    let names: Vec<String> = stages
        .iter()
        .map(|s| match s {
            LaidOut::Approve {
                approval, inserted, ..
            } => {
                format!("approve {} {inserted}", approval.label)
            }
            LaidOut::Deploy { name, steps, .. } => format!("{name} {}", steps.len()),
        })
        .collect();
    assert_eq!(
        names,
        vec![
            "Deploy-dev 1",
            "Deploy-staging 2",
            "approve Promote to prod false",
            "Deploy-prod 3",
        ]
    );
    // Without the written approval, one is inserted.
    let mut def = ex.pipelines[0].clone();
    def.steps.retain(|s| !matches!(s, StepDef::Approve { .. }));
    let stages = layout(&def, &ex, &mut diags);
    assert!(
        matches!(&stages[2], LaidOut::Approve { approval, inserted: true, .. } if approval.label == "Approve prod")
    );
    // prod one region at a time: runOrders 1, 2, 3.
    let LaidOut::Deploy { steps, .. } = &stages[3] else {
        panic!("prod")
    };
    assert_eq!(
        steps.iter().map(|s| s.run_order).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

/// Compiles `source` (a program written here) as `build` does.
fn build_source(source: &str, options: &sleuthc::Options) -> sleuthc::Compilation {
    sleuthc::compile(
        "case.sleuth",
        source.to_string(),
        &common::RepoLoader,
        options,
        sleuthc::Mode::Build,
    )
}

fn file(c: &sleuthc::Compilation, path: &str) -> serde_json::Value {
    let files = c
        .files
        .as_ref()
        .unwrap_or_else(|| panic!("{}", common::render(c)));
    let f = files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"));
    serde_json::from_str(&f.contents).expect("JSON")
}

const SIX_REGIONS: &str = r#"
app split {}
environments {
  env prod { account = "222222222222",
             regions = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1"] }
}
stack network { resource topic: AWS::SNS::Topic {} output arn = topic.TopicArn }
stack compute { resource queue: AWS::SQS::Queue { Tags = [{ Key = "topic", Value = network.arn }] } }
pipeline release {
  account = "111111111111"
  region = "us-east-1"
  max_actions_per_stage = 5
  source = s3(bucket: "split-source", key: "source.zip")
  stage prod { rollout = waves(2) }
}
"#;

/// A deploy stage with more actions than a stage holds is split at runOrder
/// boundaries, never inside one, with runOrders starting from 1 in every part.
#[test]
fn a_stage_over_the_quota_is_split_between_run_orders() {
    let c = build_source(SIX_REGIONS, &Default::default());
    assert_well_formed(SIX_REGIONS);
    let decl = file(&c, "pipeline/release.pipeline.json");
    let stages: Vec<(String, Vec<(String, u64)>)> = decl["pipeline"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            let actions = s["actions"]
                .as_array()
                .expect("actions")
                .iter()
                .map(|a| {
                    (
                        a["name"].as_str().expect("name").to_string(),
                        a["runOrder"].as_u64().expect("runOrder"),
                    )
                })
                .collect();
            (s["name"].as_str().expect("name").to_string(), actions)
        })
        .collect();
    let names: Vec<&str> = stages.iter().map(|(n, _)| n.as_str()).collect();
    // 12 actions in waves of two regions: runOrders 1-2, 3-4, 5-6 of 2 actions each;
    // at most 5 actions per stage keeps two runOrders (4 actions) together.
    assert_eq!(
        names,
        [
            "Source",
            "Build",
            "Deploy-prod-1",
            "Deploy-prod-2",
            "Deploy-prod-3"
        ]
    );
    for (name, actions) in &stages[2..] {
        assert!(actions.len() <= 5, "{name}: {actions:?}");
        assert_eq!(actions[0].1, 1, "{name} starts at runOrder 1");
        assert_eq!(
            actions
                .iter()
                .filter(|a| a.0.starts_with("network"))
                .count(),
            2,
            "{name}: {actions:?}"
        );
        // network before compute in every part.
        for (a, order) in actions {
            let want = if a.starts_with("network") { 1 } else { 2 };
            assert_eq!(*order, want, "{name}: {a}");
        }
    }
    // Artifact stores: the pipeline's region and every other region deployed to.
    let stores = decl["pipeline"]["artifactStores"]
        .as_object()
        .expect("stores");
    assert_eq!(stores.len(), 6);
    // The S3 source polls (no trail needed) and the pipeline may read the object.
    let template = file(&c, "pipeline/release.template.json");
    let policy = template["Resources"]["PipelineRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]
        .to_string();
    assert!(
        policy.contains("arn:${AWS::Partition}:s3:::split-source/source.zip"),
        "{policy}"
    );
}

/// The template's `Stages` and the API declaration describe the same pipeline: the
/// same stages, actions, runOrders, regions, roles and configuration keys, with the
/// template's references replaced by literal names.
#[test]
fn template_and_declaration_agree() {
    let c = common::compile_file("examples/tablesleuth/envs.sleuth", sleuthc::Mode::Build);
    let template = file(&c, "pipeline/release.template.json");
    let decl = file(&c, "pipeline/release.pipeline.json");
    let cfn = template["Resources"]["Pipeline"]["Properties"]["Stages"]
        .as_array()
        .expect("stages")
        .clone();
    let api = decl["pipeline"]["stages"]
        .as_array()
        .expect("stages")
        .clone();
    assert_eq!(cfn.len(), api.len());
    for (c, a) in cfn.iter().zip(&api) {
        assert_eq!(c["Name"], a["name"]);
        let (ca, aa) = (
            c["Actions"].as_array().expect("a"),
            a["actions"].as_array().expect("a"),
        );
        assert_eq!(ca.len(), aa.len());
        for (x, y) in ca.iter().zip(aa) {
            assert_eq!(x["Name"], y["name"]);
            assert_eq!(x["RunOrder"], y["runOrder"]);
            assert_eq!(x["Region"], y["region"]);
            assert_eq!(x["RoleArn"], y["roleArn"]);
            assert_eq!(x["TimeoutInMinutes"], y["timeoutInMinutes"]);
            let keys = |v: &serde_json::Value| {
                v.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>())
            };
            assert_eq!(keys(&x["Configuration"]), keys(&y["configuration"]));
            // Every API configuration value is a string of 1 to 1000 characters.
            for v in y["configuration"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                let s = v.as_str().expect("string");
                assert!((1..=1000).contains(&s.len()), "{s}");
            }
        }
    }
    // Protected prod is guarded by the approval right before its stage, and every
    // action region has an artifact store.
    let names: Vec<&str> = api
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    let prod = names
        .iter()
        .position(|n| *n == "Deploy-prod")
        .expect("prod");
    assert_eq!(
        api[prod - 1]["actions"][0]["actionTypeId"]["category"],
        "Approval"
    );
    let stores = decl["pipeline"]["artifactStores"]
        .as_object()
        .expect("stores");
    for s in &api {
        for a in s["actions"].as_array().expect("actions") {
            if let Some(r) = a["region"].as_str() {
                assert!(stores.contains_key(r), "{r}");
            }
        }
    }
}

/// A build of some environments or regions leaves pipelines out: a pipeline deploys
/// every environment it names.
#[test]
fn a_partial_build_emits_no_pipeline() {
    let options = sleuthc::Options {
        envs: vec!["dev".into()],
        ..Default::default()
    };
    let c = common::compile_file_with(
        "examples/tablesleuth/envs.sleuth",
        sleuthc::Mode::Build,
        &options,
    );
    let files = c.files.expect("built");
    assert!(files
        .iter()
        .all(|f| !f.path.starts_with("pipeline/") && !f.path.starts_with("bootstrap/")));
    let manifest: serde_json::Value =
        serde_json::from_str(&files.last().expect("manifest").contents).expect("JSON");
    assert_eq!(manifest["pipelines"], serde_json::json!([]));
}

/// Templates with IAM resources need CAPABILITY_IAM, named ones CAPABILITY_NAMED_IAM,
/// and the deploy action passes exactly that.
#[test]
fn capabilities_follow_the_template() {
    let source = r#"
app caps {}
environments { env dev { account = "111111111111", regions = ["us-east-2"] } }
stack plain { resource topic: AWS::SNS::Topic {} }
stack named {
  resource role: AWS::IAM::Role {
    RoleName = "caps-dev-named"
    AssumeRolePolicyDocument = { Version = "2012-10-17", Statement = [
      { Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] }
  }
}
pipeline release {
  account = "111111111111"
  region = "us-east-2"
  source = codecommit(repo: "caps")
  stage dev
}
"#;
    let c = build_source(source, &Default::default());
    let decl = file(&c, "pipeline/release.pipeline.json");
    let deploy = &decl["pipeline"]["stages"][2]["actions"];
    assert_eq!(deploy[0]["name"], "plain@us-east-2");
    assert!(deploy[0]["configuration"].get("Capabilities").is_none());
    assert_eq!(
        deploy[1]["configuration"]["Capabilities"],
        "CAPABILITY_NAMED_IAM"
    );
    // CodeCommit: no polling; an EventBridge rule starts the pipeline.
    assert_eq!(
        decl["pipeline"]["stages"][0]["actions"][0]["configuration"]["PollForSourceChanges"],
        "false"
    );
    let template = file(&c, "pipeline/release.template.json");
    assert_eq!(
        template["Resources"]["SourceRule"]["Type"],
        "AWS::Events::Rule"
    );
}

/// Every declaration the program makes passes CodePipeline's structure rules.
fn assert_well_formed(source: &str) {
    let (parsed, _) =
        sleuthc::resolve::load("case.sleuth", source.to_string(), &common::RepoLoader);
    let (checked, _) = sleuthc::resolve::resolve(parsed);
    let (expanded, _) = sleuthc::expand::expand(&checked, &Default::default());
    let ex = expanded.expect("expands");
    let mut diags = sleuthc::diagnostics::Diagnostics::default();
    let built = sleuthc::pipeline::declarations(&ex, &mut diags);
    assert!(diags.is_empty());
    for (decl, _, _) in &built {
        assert_eq!(decl.structure_problems(), Vec::<String>::new());
    }
}

#[test]
fn declarations_are_well_formed() {
    let fleet = std::fs::read_to_string(common::root().join("examples/tablesleuth/envs.sleuth"))
        .expect("example");
    assert_well_formed(&fleet);
    // Change sets: the execute step reads no artifact, the create step the build.
    assert_well_formed(&fleet.replace(
        "stage prod { rollout = waves(1) }",
        "stage prod { deploy = change_set }",
    ));
}

/// `deploy = change_set`: per runOrder level, the change sets are created, a person
/// reviews them (one approval names every stack), then they are executed; the next
/// level's change sets are created only after (they may import the previous level's
/// exports).
#[test]
fn change_sets_are_reviewed_before_they_run() {
    let fleet = std::fs::read_to_string(common::root().join("examples/tablesleuth/envs.sleuth"))
        .expect("example");
    let source = fleet.replace(
        "stage prod { rollout = waves(1) }",
        "stage prod { deploy = change_set }",
    );
    let c = build_source(&source, &Default::default());
    let decl = file(&c, "pipeline/release.pipeline.json");
    let prod = decl["pipeline"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["name"] == "Deploy-prod")
        .expect("prod")
        .clone();
    let layers: Vec<(u64, String)> = prod["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            let mode = a["configuration"]["ActionMode"]
                .as_str()
                .unwrap_or_else(|| a["actionTypeId"]["category"].as_str().expect("category"))
                .to_string();
            (a["runOrder"].as_u64().expect("runOrder"), mode)
        })
        .collect();
    let mut summary: Vec<(u64, String)> = layers.clone();
    summary.dedup();
    assert_eq!(
        summary,
        [
            (1, "CHANGE_SET_REPLACE"),
            (2, "Approval"),
            (3, "CHANGE_SET_EXECUTE"),
            (4, "CHANGE_SET_REPLACE"),
            (5, "Approval"),
            (6, "CHANGE_SET_EXECUTE"),
        ]
        .map(|(n, m)| (n, m.to_string()))
    );
    let review = &prod["actions"][3];
    assert_eq!(review["name"], "Review-changes-2");
    let text = review["configuration"]["CustomData"]
        .as_str()
        .expect("custom data");
    assert!(
        text.contains("sleuthc-release") && text.contains("tablesleuth-prod-network (eu-west-1)"),
        "{text}"
    );
    // Reviewers may read the change sets in the target account...
    let bootstrap = file(&c, "bootstrap/222222222222-eu-west-1.template.json");
    let reader = bootstrap["Resources"]["ChangeSetReviewerPolicy"].to_string();
    assert!(
        reader.contains("cloudformation:DescribeChangeSet")
            && reader.contains("stack/tablesleuth-prod-compute/*"),
        "{reader}"
    );
    // ... and the approvers may approve the reviews.
    let template = file(&c, "pipeline/release.template.json");
    let policy = template["Resources"]["ApproverPolicy"].to_string();
    assert!(policy.contains("Deploy-prod/Review-changes-5"), "{policy}");
}

/// The execution role may read what the templates it deploys read at deploy time: an
/// SSM parameter and a secret named in dynamic references (here nested in a list and a
/// record), beside a stack that reads neither. A secret of the same template read
/// through its `Ref` adds nothing: the handler permissions of its type read it.
#[test]
fn the_execution_role_reads_what_the_templates_resolve() {
    let source = r#"
app reads {}
environments {
  env prod { account = "222222222222", regions = ["us-east-1"] }
}
stack data {
  resource db_secret: AWS::SecretsManager::Secret {
    GenerateSecretString = { PasswordLength = 32 }
  }
  resource cluster: AWS::RDS::DBCluster {
    Engine = "aurora-postgresql"
    MasterUsername = "{{resolve:secretsmanager:reads/admin:SecretString:user}}"
    MasterUserPassword = secret_ref(db_secret, "password")
    StorageEncrypted = true
    Tags = [{ Key = "Release", Value = ssm_param("/reads/release") }]
  }
}
stack plain { resource topic: AWS::SNS::Topic {} }
pipeline release {
  account = "111111111111"
  region = "us-east-1"
  source = s3(bucket: "reads-source", key: "source.zip")
  stage prod
}
"#;
    let c = build_source(source, &Default::default());
    let bootstrap = file(&c, "bootstrap/222222222222-us-east-1.template.json");
    let role = &bootstrap["Resources"]["CfnExecRole"]["Properties"];
    let statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap_or_else(|| panic!("no read-references policy: {role:#}"));
    let sids: Vec<&str> = statements
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(sids, ["ResolveParameters", "ResolveSecrets"], "{role:#}");
    let sub = |arn: &str| serde_json::json!([{ "Fn::Sub": arn }]);
    assert_eq!(
        statements[0]["Resource"],
        sub("arn:${AWS::Partition}:ssm:${AWS::Region}:*:parameter/reads/release")
    );
    assert_eq!(
        statements[1]["Resource"],
        sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:reads/admin-*")
    );
}
