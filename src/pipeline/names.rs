//! The physical names a pipeline's resources get (docs/design/pipeline.md, B4), and
//! the checks CodePipeline, IAM, S3, KMS and SNS would otherwise make at deploy time.
//!
//! Names are deterministic, built from the app, the pipeline, accounts and regions,
//! because `<name>.pipeline.json` must name every role, bucket and key literally: the
//! `create-pipeline` API takes no `Ref`.

use crate::types::regions::partition;

/// The names of one pipeline of one app.
#[derive(Clone, Debug)]
pub struct Names {
    /// The app and pipeline names, `_` written `-` (as in stack names).
    pub app: String,
    pub pipeline: String,
    /// The pipeline's account and region.
    pub account: String,
    pub region: String,
}

impl Names {
    pub fn new(app: &str, pipeline: &str, account: &str, region: &str) -> Names {
        Names {
            app: app.replace('_', "-"),
            pipeline: pipeline.replace('_', "-"),
            account: account.to_string(),
            region: region.to_string(),
        }
    }

    /// `<app>-<pipeline>`: the CodePipeline name.
    pub fn pipeline_name(&self) -> String {
        format!("{}-{}", self.app, self.pipeline)
    }

    /// The stack that holds the pipeline.
    pub fn stack_name(&self) -> String {
        format!("{}-{}-pipeline", self.app, self.pipeline)
    }

    /// The stack holding the artifact store of another region.
    pub fn support_stack(&self, region: &str) -> String {
        format!("{}-{}-support-{region}", self.app, self.pipeline)
    }

    /// The stack with the deploy and execution roles, one per account and region,
    /// shared by the app's pipelines.
    pub fn bootstrap_stack(&self) -> String {
        format!("{}-bootstrap", self.app)
    }

    pub fn pipeline_role(&self) -> String {
        format!("{}-{}-pipeline-{}", self.app, self.pipeline, self.region)
    }

    pub fn synth_role(&self) -> String {
        format!("{}-{}-synth-{}", self.app, self.pipeline, self.region)
    }

    /// The role the pipeline assumes in a target account and region.
    pub fn deploy_role(&self, region: &str) -> String {
        format!("{}-deploy-{region}", self.app)
    }

    /// The role a GitHub Actions workflow assumes (OIDC) in a target account and region.
    pub fn github_role(&self, region: &str) -> String {
        format!("{}-github-deploy-{region}", self.app)
    }

    /// The role CloudFormation runs as in a target account and region.
    pub fn exec_role(&self, region: &str) -> String {
        format!("{}-cfn-exec-{region}", self.app)
    }

    /// The artifact bucket of one region (always in the pipeline's account): S3 names
    /// are global and lower case.
    pub fn bucket(&self, region: &str) -> String {
        format!(
            "{}-{}-artifacts-{}-{region}",
            self.app, self.pipeline, self.account
        )
        .to_ascii_lowercase()
        .replace('_', "-")
    }

    /// The alias of the artifact key, the same in every region.
    pub fn key_alias(&self) -> String {
        format!("alias/{}-{}-artifacts", self.app, self.pipeline)
    }

    /// The CodeBuild project that runs `sleuthc build`.
    pub fn project(&self) -> String {
        format!("{}-{}-synth", self.app, self.pipeline)
    }

    pub fn log_group(&self) -> String {
        format!("/aws/codebuild/{}", self.project())
    }

    /// The notification topic of an approval stage.
    pub fn topic(&self, stage: &str) -> String {
        format!("{}-{}-{stage}", self.app, self.pipeline).replace(['.', '@'], "-")
    }

    /// `arn:<partition>:iam::<account>:role/<name>`.
    pub fn role_arn(&self, account: &str, name: &str) -> String {
        format!("arn:{}:iam::{account}:role/{name}", partition(&self.region))
    }

    /// An ARN in the pipeline's account: `arn:<partition>:<service>:<region>:<account>:<rest>`.
    pub fn arn(&self, service: &str, region: &str, rest: &str) -> String {
        format!(
            "arn:{}:{service}:{region}:{}:{rest}",
            partition(&self.region),
            self.account
        )
    }

    /// The alias ARN of the artifact key of `region`.
    pub fn key_alias_arn(&self, region: &str) -> String {
        self.arn("kms", region, &self.key_alias())
    }
}

/// A stage or action name from a label: runs of characters CodePipeline does not
/// allow (anything but `A-Za-z0-9.@-_`) become one `-`, trimmed at both ends.
pub fn sanitize(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        if is_name_char(c) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_')
}

/// `name`'s length outside `len`, or its first character that `ok` refuses.
fn problem(
    name: &str,
    len: std::ops::RangeInclusive<usize>,
    ok: impl Fn(char) -> bool,
    service: &str,
    what: &str,
) -> Option<String> {
    if !len.contains(&name.len()) {
        return Some(format!(
            "is {} characters long; {service} allows {} to {}",
            name.len(),
            len.start(),
            len.end()
        ));
    }
    name.chars()
        .find(|&c| !ok(c))
        .map(|c| format!("contains `{c}`, which {service} does not allow in {what}"))
}

/// What is wrong with a pipeline, stage or action name (`[A-Za-z0-9.@-_]{1,100}`).
pub fn pipeline_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    problem(name, 1..=100, is_name_char, "CodePipeline", "a name")
}

/// What is wrong with an IAM role name (`[\w+=,.@-]{1,64}`).
pub fn role_name_problem(name: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    problem(name, 1..=64, ok, "IAM", "a role name")
}

/// What is wrong with an S3 bucket name (3 to 63 of `a-z0-9.-`, starting and ending
/// with a letter or digit).
pub fn bucket_name_problem(name: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    problem(name, 3..=63, ok, "S3", "a bucket name").or_else(|| {
        if !edge(name.chars().next()) || !edge(name.chars().last()) {
            Some("must start and end with a letter or digit".into())
        } else if name.contains("..") {
            Some("contains `..`".into())
        } else {
            None
        }
    })
}

/// What is wrong with a KMS alias name (`alias/` then `A-Za-z0-9/_-`, 256 in all).
pub fn alias_problem(name: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "/_-".contains(c);
    problem(
        name.strip_prefix("alias/").unwrap_or(name),
        1..=250,
        ok,
        "KMS",
        "an alias",
    )
}

/// What is wrong with a CodeBuild project name (2 to 150 of `A-Za-z0-9-_`).
pub fn project_problem(name: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    problem(name, 2..=150, ok, "CodeBuild", "a project name")
}

/// What is wrong with an SNS topic name (1 to 256 of `A-Za-z0-9-_`).
pub fn topic_problem(name: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    problem(name, 1..=256, ok, "SNS", "a topic name")
}

/// What is wrong with a stack name (1 to 128 of `A-Za-z0-9-`, starting with a letter).
pub fn stack_name_problem(name: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '-';
    problem(name, 1..=128, ok, "CloudFormation", "a stack name").or_else(|| {
        (!name.starts_with(|c: char| c.is_ascii_alphabetic()))
            .then(|| "must start with a letter".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_stage_names() {
        assert_eq!(sanitize("Promote to prod"), "Promote-to-prod");
        assert_eq!(sanitize("  Ship it! (prod) "), "Ship-it-prod");
        assert_eq!(sanitize("v1.2@eu_west"), "v1.2@eu_west");
        assert_eq!(sanitize("¡¿?"), "");
    }

    #[test]
    fn name_rules() {
        assert!(pipeline_name_problem("Deploy-prod").is_none());
        assert!(pipeline_name_problem(&"x".repeat(101)).is_some());
        assert!(pipeline_name_problem("a b").is_some());
        assert!(
            bucket_name_problem("tablesleuth-release-artifacts-111111111111-eu-west-1").is_none()
        );
        assert!(bucket_name_problem("Upper").is_some());
        assert!(bucket_name_problem(&"a".repeat(64)).is_some());
        assert!(bucket_name_problem("-a-").is_some());
        assert!(role_name_problem(&"r".repeat(65)).is_some());
        assert!(role_name_problem("tablesleuth-deploy-us-east-2").is_none());
        assert!(alias_problem("alias/a-b_c").is_none());
        assert!(alias_problem("alias/a.b").is_some());
        assert!(project_problem("a.b").is_some());
        assert!(topic_problem("tablesleuth-release-Promote-to-prod").is_none());
        assert!(topic_problem("a.b").is_some());
        assert!(stack_name_problem("1a").is_some());
        assert!(stack_name_problem("a_b").is_some());
    }

    #[test]
    fn names_of_the_fleet() {
        let n = Names::new("tablesleuth", "release", "111111111111", "us-east-2");
        assert_eq!(n.pipeline_name(), "tablesleuth-release");
        assert_eq!(
            n.bucket("eu-west-1"),
            "tablesleuth-release-artifacts-111111111111-eu-west-1"
        );
        assert_eq!(
            n.role_arn("222222222222", &n.deploy_role("eu-west-1")),
            "arn:aws:iam::222222222222:role/tablesleuth-deploy-eu-west-1"
        );
        assert_eq!(
            n.key_alias_arn("eu-west-1"),
            "arn:aws:kms:eu-west-1:111111111111:alias/tablesleuth-release-artifacts"
        );
    }
}
