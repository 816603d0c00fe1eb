//! Pipelines evaluated into their typed model (emission comes later; see
//! docs/design/pipeline.md).

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
            LaidOut::Approve { approval, inserted } => {
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
        matches!(&stages[2], LaidOut::Approve { approval, inserted: true } if approval.label == "Approve prod")
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
