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
            StepDef::Approve {
                label,
                notify,
                timeout_minutes,
                review_url,
                ..
            } => {
                assert!(review_url.is_some());
                format!("approve {label} {notify:?} {timeout_minutes:?}")
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
