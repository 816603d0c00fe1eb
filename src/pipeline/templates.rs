//! The templates around a pipeline (docs/design/pipeline.md, B5):
//!
//! - `pipeline/<name>.template.json`, in the pipeline's account and region: the
//!   artifact key and bucket of that region, the pipeline and build roles, the
//!   CodeBuild project that runs `sleuthc build`, a topic per approval that notifies,
//!   a managed policy for approvers, and the `AWS::CodePipeline::Pipeline`;
//! - `pipeline/<name>-support-<region>.template.json`, in the pipeline's account, for
//!   every other region where the pipeline deploys: that region's artifact key and
//!   bucket;
//! - `bootstrap/<account>-<region>.template.json`, for every account and region
//!   deployed to: the role the pipeline assumes there, and the role CloudFormation
//!   runs as, whose policy is derived from the resource types deployed there.
//!
//! Principals in other accounts are named as the account plus an `aws:PrincipalArn`
//! condition, so no template needs a role of another template to exist first.

use crate::json;
use crate::json::{Map as JsonMap, Value as Json};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::emit::checkov_skip;
use crate::expand::{ExecutionPolicy, Expanded, PipelineDef, SourceDef, StackInstance};
use crate::schema::handler_permissions;
use crate::span::Span;
use crate::types::regions::partition;

use super::declaration::{topic_id, Declaration, StageKind};
use super::names::Names;
use super::plan::StepKind;

/// Everything the pipeline template is made from.
pub struct PipelineInput<'a> {
    pub def: &'a PipelineDef,
    pub decl: &'a Declaration,
    pub names: &'a Names,
    /// The app's tags.
    pub tags: &'a [(String, String)],
    /// The command the build runs, one argument per item (`--expect-pipeline` is
    /// added).
    pub build_command: &'a [String],
    /// The digest of the declaration, which the build expects.
    pub digest: &'a str,
}

/// `arn:<partition>:...` written with `${AWS::Partition}`, in a `Fn::Sub`.
fn sub(arn: &str, region: &str) -> Json {
    let prefix = format!("arn:{}:", partition(region));
    match arn.strip_prefix(&prefix) {
        Some(rest) => object! { "Fn::Sub" => format!("arn:${{AWS::Partition}}:{rest}") },
        None => json!(arn.to_string()),
    }
}

fn tag_list(tags: &[(String, String)]) -> Json {
    Json::Array(
        tags.iter()
            .map(|(k, v)| object! { "Key" => k, "Value" => v })
            .collect(),
    )
}

fn template<K: Into<String>, R: Into<Resource>>(
    description: String,
    resources: impl IntoIterator<Item = (K, R)>,
    outputs: JsonMap,
) -> Template {
    Template {
        description,
        resources: resources
            .into_iter()
            .map(|(id, r)| (id.into(), r.into()))
            .collect(),
        outputs,
    }
}

fn output(description: &'static str, value: Json) -> Json {
    object! { "Description" => description, "Value" => value }
}

/// An IAM policy document.
fn policy_document(statements: Vec<Json>) -> Json {
    object! { "Version" => "2012-10-17", "Statement" => statements }
}

/// The deploy roles that read the artifact store of `region` from other accounts
/// than the pipeline's: (account, role ARN), in first-use order.
fn foreign_readers(decl: &Declaration, names: &Names, region: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for t in decl.targets() {
        if t.region == region && t.account != names.account {
            let pair = (t.account.clone(), t.role_arn.clone());
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    out
}

fn root_arns(readers: &[(String, String)], region: &str) -> Json {
    let mut accounts: Vec<&str> = readers.iter().map(|(a, _)| a.as_str()).collect();
    accounts.dedup();
    Json::Array(
        accounts
            .iter()
            .map(|a| sub(&format!("arn:{}:iam::{a}:root", partition(region)), region))
            .collect(),
    )
}

fn role_arns(readers: &[(String, String)], region: &str) -> Json {
    Json::Array(readers.iter().map(|(_, r)| sub(r, region)).collect())
}

/// The artifact key, its alias, the bucket and the bucket policy of one region.
fn artifact_store(
    names: &Names,
    region: &str,
    readers: &[(String, String)],
    log_group: Option<&str>,
    tags: &[(String, String)],
    resources: &mut JsonMap,
) {
    let mut statements = vec![json!({
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": { "AWS": { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" } },
        "Action": "kms:*",
        "Resource": "*",
    })];
    if !readers.is_empty() {
        statements.push(json!({
            "Sid": "DeployRolesDecryptArtifacts",
            "Effect": "Allow",
            "Principal": { "AWS": root_arns(readers, region) },
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {
                "ArnEquals": { "aws:PrincipalArn": role_arns(readers, region) },
                "StringEquals": { "kms:ViaService": format!("s3.{region}.amazonaws.com") },
            },
        }));
    }
    if let Some(group) = log_group {
        statements.push(json!({
            "Sid": "BuildLogsEncrypt",
            "Effect": "Allow",
            "Principal": { "Service": format!("logs.{region}.amazonaws.com") },
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": { "ArnLike": { "kms:EncryptionContext:aws:logs:arn":
                { "Fn::Sub": format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{group}") } } },
        }));
    }
    resources.insert(
        "ArtifactKey",
        object! {
            "Type" => "AWS::KMS::Key",
            "DeletionPolicy" => "Retain",
            "UpdateReplacePolicy" => "Retain",
            "Properties" => object! {
                "Description" => format!("Encrypts the artifacts of pipeline {} in {region}", names.pipeline_name()),
                "EnableKeyRotation" => true,
                "KeyPolicy" => policy_document(statements),
                "Tags" => tag_list(tags),
            },
        },
    );
    resources.insert(
        "ArtifactKeyAlias",
        json!({
            "Type": "AWS::KMS::Alias",
            "Properties": { "AliasName": names.key_alias(), "TargetKeyId": { "Ref": "ArtifactKey" } },
        }),
    );
    resources.insert(
        "ArtifactBucket",
        json!({
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Metadata": { "checkov": checkov_skip([(
                "CKV_AWS_18",
                "Artifact store of one pipeline: only the pipeline's own two roles may write or delete objects (bucket policy), it is versioned (an overwritten artifact stays recoverable for 30 days) and encrypted with the pipeline's own KMS key. Server access logs would need another bucket per store; for an audit trail of reads, turn on CloudTrail S3 data events for the account",
            )]) },
            "Properties": {
                "BucketName": names.bucket(region),
                "BucketEncryption": { "ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": { "Fn::GetAtt": ["ArtifactKey", "Arn"] },
                    },
                    "BucketKeyEnabled": true,
                }]},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true,
                    "BlockPublicPolicy": true,
                    "IgnorePublicAcls": true,
                    "RestrictPublicBuckets": true,
                },
                "VersioningConfiguration": { "Status": "Enabled" },
                "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
                "LifecycleConfiguration": { "Rules": [{
                    "Id": "ExpireOldArtifacts",
                    "Status": "Enabled",
                    "ExpirationInDays": 90,
                    "NoncurrentVersionExpiration": { "NoncurrentDays": 30 },
                    "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 7 },
                }]},
                "Tags": tag_list(tags),
            },
        }),
    );
    let mut statements = vec![json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [
            { "Fn::GetAtt": ["ArtifactBucket", "Arn"] },
            { "Fn::Sub": "${ArtifactBucket.Arn}/*" },
        ],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } },
    })];
    // Artifacts are written by CodePipeline (the pipeline role: sources, and copies to
    // other regions' stores) and by the build (its project's role), and by no one
    // else: not the deploy roles, not the account's other roles, whatever their IAM
    // policies allow. (Emptying a retained bucket takes removing this policy first.)
    let writers: Vec<Json> = [names.pipeline_role(), names.synth_role()]
        .iter()
        .map(|r| sub(&names.role_arn(&names.account, r), region))
        .collect();
    statements.push(json!({
        "Sid": "OnlyThePipelineWritesArtifacts",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        "Resource": { "Fn::Sub": "${ArtifactBucket.Arn}/*" },
        "Condition": { "ArnNotEquals": { "aws:PrincipalArn": writers } },
    }));
    if !readers.is_empty() {
        statements.push(json!({
            "Sid": "DeployRolesReadArtifacts",
            "Effect": "Allow",
            "Principal": { "AWS": root_arns(readers, region) },
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": { "Fn::Sub": "${ArtifactBucket.Arn}/*" },
            "Condition": { "ArnEquals": { "aws:PrincipalArn": role_arns(readers, region) } },
        }));
    }
    resources.insert(
        "ArtifactBucketPolicy",
        object! {
            "Type" => "AWS::S3::BucketPolicy",
            "Properties" => object! {
                "Bucket" => json!({ "Ref": "ArtifactBucket" }),
                "PolicyDocument" => policy_document(statements),
            },
        },
    );
}

/// A trust policy for an AWS service: one statement, the service as a plain string,
/// the form every engine reads (moto's CodePipeline, for one, looks for a string).
/// `own_account`: the service acts for this account only (no confused deputy: another
/// account's pipeline or project cannot use this role).
fn trust(service: &'static str, own_account: bool) -> Json {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "Service": service },
        "Action": "sts:AssumeRole",
    });
    if own_account {
        statement["Condition"] =
            json!({ "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } });
    }
    policy_document(vec![statement])
}

/// An IAM role with one inline policy, tagged; `name` is `None` for a role
/// CloudFormation names.
fn role(
    name: Option<String>,
    description: String,
    trust: Json,
    policy: &'static str,
    statements: Vec<Json>,
    tags: &[(String, String)],
) -> Json {
    let mut props = JsonMap::new();
    if let Some(n) = name {
        props.insert("RoleName", json!(n));
    }
    props.insert("Description", json!(description));
    props.insert("AssumeRolePolicyDocument", trust);
    props.insert(
        "Policies",
        Json::Array(vec![object! {
            "PolicyName" => policy,
            "PolicyDocument" => policy_document(statements),
        }]),
    );
    props.insert("Tags", tag_list(tags));
    object! { "Type" => "AWS::IAM::Role", "Properties" => props }
}

fn statement(sid: impl Into<json::Str>, actions: &[&'static str], resource: Json) -> Json {
    object! { "Sid" => sid.into(), "Effect" => "Allow", "Action" => actions, "Resource" => resource }
}

/// The pipeline template.
pub fn pipeline_template(p: &PipelineInput<'_>) -> Template {
    let PipelineInput {
        def,
        decl,
        names,
        tags,
        build_command,
        digest,
    } = *p;
    let region = def.region.as_str();
    let mut resources = JsonMap::new();
    artifact_store(
        names,
        region,
        &foreign_readers(decl, names, region),
        Some(&names.log_group()),
        tags,
        &mut resources,
    );

    // The pipeline role: artifacts everywhere, the source, the build, the approval
    // topics, and the deploy roles it assumes.
    let mut buckets = Vec::new();
    let mut keys = Vec::new();
    for s in &decl.stores {
        let arn = format!("arn:{}:s3:::{}", partition(region), s.bucket.literal);
        buckets.push(sub(&arn, region));
        buckets.push(sub(&format!("{arn}/*"), region));
        keys.push(s.key.cfn.clone());
    }
    let mut statements = vec![
        statement(
            "Artifacts",
            &[
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:GetBucketVersioning",
                "s3:GetBucketLocation",
            ],
            Json::Array(buckets),
        ),
        statement(
            "ArtifactKeys",
            &[
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ],
            Json::Array(keys),
        ),
    ];
    statements.push(source_statement(&def.source, names));
    statements.push(statement(
        "Build",
        &[
            "codebuild:BatchGetBuilds",
            "codebuild:StartBuild",
            "codebuild:StopBuild",
        ],
        json!({ "Fn::GetAtt": ["SynthProject", "Arn"] }),
    ));
    let topics: Vec<(String, &crate::expand::ApprovalDef)> = decl
        .stages
        .iter()
        .filter_map(|s| match &s.kind {
            StageKind::Approval { approval, .. } if !approval.notify.is_empty() => {
                Some((s.name.clone(), approval))
            }
            _ => None,
        })
        .collect();
    if !topics.is_empty() {
        statements.push(statement(
            "NotifyApprovers",
            &["sns:Publish"],
            Json::Array(
                topics
                    .iter()
                    .map(|(s, _)| json!({ "Ref": topic_id(s) }))
                    .collect(),
            ),
        ));
    }
    let mut deploy_roles: Vec<&str> = Vec::new();
    for t in decl.targets() {
        if !deploy_roles.contains(&t.role_arn.as_str()) {
            deploy_roles.push(&t.role_arn);
        }
    }
    if !deploy_roles.is_empty() {
        statements.push(statement(
            "AssumeDeployRoles",
            &["sts:AssumeRole"],
            Json::Array(deploy_roles.iter().map(|r| sub(r, region)).collect()),
        ));
    }
    resources.insert(
        "PipelineRole",
        role(
            Some(names.pipeline_role()),
            format!("Runs pipeline {}", names.pipeline_name()),
            trust("codepipeline.amazonaws.com", true),
            "pipeline",
            statements,
            tags,
        ),
    );

    // The build: its role, log group and project.
    let mut synth = vec![
        statement(
            "Logs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            json!({ "Fn::GetAtt": ["SynthLogs", "Arn"] }),
        ),
        statement(
            "Artifacts",
            &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            json!({ "Fn::Sub": "${ArtifactBucket.Arn}/*" }),
        ),
        statement(
            "ArtifactBucket",
            &["s3:GetBucketAcl", "s3:GetBucketLocation"],
            json!({ "Fn::GetAtt": ["ArtifactBucket", "Arn"] }),
        ),
        statement(
            "ArtifactKey",
            &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
            json!({ "Fn::GetAtt": ["ArtifactKey", "Arn"] }),
        ),
    ];
    if let SourceDef::Connection {
        connection,
        full_clone: true,
        ..
    } = &def.source
    {
        synth.push(statement(
            "CloneSource",
            &[use_connection(connection)],
            json!(connection),
        ));
    }
    resources.insert(
        "SynthRole",
        role(
            Some(names.synth_role()),
            format!("Runs sleuthc build for pipeline {}", names.pipeline_name()),
            trust("codebuild.amazonaws.com", true),
            "synth",
            synth,
            tags,
        ),
    );
    resources.insert(
        "SynthLogs",
        json!({
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": names.log_group(),
                "RetentionInDays": 90,
                "KmsKeyId": { "Fn::GetAtt": ["ArtifactKey", "Arn"] },
                "Tags": tag_list(tags),
            },
        }),
    );
    resources.insert(
        "SynthProject",
        json!({
            "Type": "AWS::CodeBuild::Project",
            "Properties": {
                "Name": names.project(),
                "Description": format!("sleuthc build for pipeline {}", names.pipeline_name()),
                "ServiceRole": { "Fn::GetAtt": ["SynthRole", "Arn"] },
                "Source": { "Type": "CODEPIPELINE", "BuildSpec": buildspec(build_command, &def.name) },
                "Artifacts": { "Type": "CODEPIPELINE" },
                "Environment": {
                    "Type": if def.build.image.contains("aarch64") { "ARM_CONTAINER" } else { "LINUX_CONTAINER" },
                    "ComputeType": &def.build.compute,
                    "Image": &def.build.image,
                    "EnvironmentVariables": [{
                        "Name": super::DIGEST_VARIABLE,
                        "Type": "PLAINTEXT",
                        "Value": digest.to_string(),
                    }],
                },
                // CodeBuild ignores the artifact store's key; without this, the build
                // output would be encrypted with aws/s3, which other accounts cannot use.
                "EncryptionKey": { "Fn::GetAtt": ["ArtifactKey", "Arn"] },
                "TimeoutInMinutes": def.build.timeout_minutes,
                "LogsConfig": { "CloudWatchLogs": { "Status": "ENABLED", "GroupName": { "Ref": "SynthLogs" } } },
                "Tags": tag_list(tags),
            },
        }),
    );

    // Approvals: a topic per approval that notifies, and a policy for approvers.
    for (stage, approval) in &topics {
        resources.insert(
            topic_id(stage),
            json!({
                "Type": "AWS::SNS::Topic",
                "Properties": {
                    "TopicName": names.topic(stage),
                    "DisplayName": format!("{}: {}", names.pipeline_name(), approval.label),
                    "KmsMasterKeyId": "alias/aws/sns",
                    "Subscription": approval.notify.iter()
                        .map(|e| json!({ "Protocol": "email", "Endpoint": e }))
                        .collect::<Vec<_>>(),
                    "Tags": tag_list(tags),
                },
            }),
        );
    }
    let pipeline_arn = names.arn("codepipeline", region, &names.pipeline_name());
    // Approval stages, and the reviews of change sets inside deploy stages.
    let approvals: Vec<Json> = decl
        .stages
        .iter()
        .flat_map(|s| s.actions.iter().map(move |a| (s, a)))
        .filter(|(_, a)| a.category == "Approval")
        .map(|(s, a)| sub(&format!("{pipeline_arn}/{}/{}", s.name, a.name), region))
        .collect();
    let has_approvals = !approvals.is_empty();
    if has_approvals {
        resources.insert(
            "ApproverPolicy",
            json!({
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "Description": format!("Approve or reject the manual approvals of pipeline {}; attach to approvers", names.pipeline_name()),
                    "PolicyDocument": { "Version": "2012-10-17", "Statement": [
                        statement("ViewPipeline",
                            &["codepipeline:GetPipeline", "codepipeline:GetPipelineExecution", "codepipeline:GetPipelineState"],
                            sub(&pipeline_arn, region)),
                        statement("Approve", &["codepipeline:PutApprovalResult"], Json::Array(approvals)),
                    ]},
                },
            }),
        );
    }

    // CodeCommit: start on push through EventBridge instead of polling.
    if let SourceDef::CodeCommit { repo, branch } = &def.source {
        resources.insert(
            "SourceRuleRole",
            role(
                None,
                format!("Starts pipeline {} on a push", names.pipeline_name()),
                trust("events.amazonaws.com", true),
                "start-pipeline",
                vec![statement(
                    "StartPipeline",
                    &["codepipeline:StartPipelineExecution"],
                    sub(&pipeline_arn, region),
                )],
                tags,
            ),
        );
        resources.insert(
            "SourceRule",
            json!({
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Description": format!("A push to {repo} {branch} starts pipeline {}", names.pipeline_name()),
                    "EventPattern": {
                        "source": ["aws.codecommit"],
                        "detail-type": ["CodeCommit Repository State Change"],
                        "resources": [sub(&names.arn("codecommit", region, repo), region)],
                        "detail": {
                            "event": ["referenceCreated", "referenceUpdated"],
                            "referenceType": ["branch"],
                            "referenceName": [branch],
                        },
                    },
                    "Targets": [{
                        "Id": "pipeline",
                        "Arn": sub(&pipeline_arn, region),
                        "RoleArn": { "Fn::GetAtt": ["SourceRuleRole", "Arn"] },
                    }],
                },
            }),
        );
    }

    let (store_key, store) = decl.cfn_store();
    let mut pipeline = JsonMap::new();
    pipeline.insert("Name", json!(&decl.name));
    pipeline.insert("PipelineType", json!("V2"));
    pipeline.insert("ExecutionMode", json!(decl.execution_mode));
    pipeline.insert("RoleArn", decl.role.cfn.clone());
    pipeline.insert(store_key, store);
    pipeline.insert("Stages", decl.cfn_stages());
    pipeline.insert("Tags", tag_list(tags));
    resources.insert(
        "Pipeline",
        object! { "Type" => "AWS::CodePipeline::Pipeline", "Properties" => pipeline },
    );

    let mut outputs = JsonMap::new();
    outputs.insert(
        "PipelineName",
        output("The pipeline", json!({ "Ref": "Pipeline" })),
    );
    outputs.insert(
        "ArtifactBucketName",
        output(
            "The artifact bucket of the pipeline's region",
            json!({ "Ref": "ArtifactBucket" }),
        ),
    );
    outputs.insert(
        "ArtifactKeyArn",
        output(
            "The artifact key of the pipeline's region",
            json!({ "Fn::GetAtt": ["ArtifactKey", "Arn"] }),
        ),
    );
    if has_approvals {
        outputs.insert(
            "ApproverPolicyArn",
            output(
                "Attach to the people who approve",
                json!({ "Ref": "ApproverPolicy" }),
            ),
        );
    }
    template(
        format!("Pipeline {} of {}", decl.name, names.app),
        resources,
        outputs,
    )
}

fn use_connection(connection: &str) -> &'static str {
    // The action's service prefix must match the connection ARN's.
    if connection.split(':').nth(2) == Some("codeconnections") {
        "codeconnections:UseConnection"
    } else {
        "codestar-connections:UseConnection"
    }
}

fn source_statement(source: &SourceDef, names: &Names) -> Json {
    let region = names.region.as_str();
    match source {
        SourceDef::Connection { connection, .. } => {
            statement("Source", &[use_connection(connection)], json!(connection))
        }
        SourceDef::CodeCommit { repo, .. } => statement(
            "Source",
            &[
                "codecommit:CancelUploadArchive",
                "codecommit:GetBranch",
                "codecommit:GetCommit",
                "codecommit:GetUploadArchiveStatus",
                "codecommit:UploadArchive",
            ],
            sub(&names.arn("codecommit", region, repo), region),
        ),
        SourceDef::S3 { bucket, key } => {
            let arn = format!("arn:{}:s3:::{bucket}", partition(region));
            json!({
                "Sid": "Source",
                "Effect": "Allow",
                "Action": ["s3:GetBucketVersioning", "s3:GetObject", "s3:GetObjectVersion"],
                "Resource": [sub(&arn, region), sub(&format!("{arn}/{key}"), region)],
            })
        }
    }
}

/// The inline buildspec: install `sleuthc`, build every environment into `out/`,
/// hand `out/` on as the build artifact.
fn buildspec(command: &[String], pipeline: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let version = env!("CARGO_PKG_VERSION");
    // The toolchain sleuthc declares (`rust-version`), and the exact release with the
    // dependencies it was published with (`--locked`).
    let toolchain = env!("CARGO_PKG_RUST_VERSION");
    let install = [
        "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs -o rustup-init.sh".to_string(),
        format!("sh rustup-init.sh -y --profile minimal --default-toolchain {toolchain}"),
        format!("\"$HOME/.cargo/bin/cargo\" install --locked --root /usr/local sleuthc --version {version}"),
    ];
    // The digest is expanded by the shell: the one deployed with this project.
    let run = command
        .iter()
        .map(|a| shell_quote(a))
        .chain([
            "--expect-pipeline".to_string(),
            format!("\"{}=${}\"", shell_quote(pipeline), super::DIGEST_VARIABLE),
        ])
        .collect::<Vec<_>>()
        .join(" ");
    let mut y = String::from("version: 0.2\nphases:\n  install:\n    commands:\n");
    for c in &install {
        y.push_str(&format!("      - {}\n", q(c)));
    }
    y.push_str("  build:\n    commands:\n");
    y.push_str(&format!("      - {}\n", q(&run)));
    y.push_str("artifacts:\n  base-directory: out\n  files:\n    - \"**/*\"\n");
    y
}

/// `s` as one shell word.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The support template of `region`.
pub fn support_template(
    decl: &Declaration,
    names: &Names,
    region: &str,
    tags: &[(String, String)],
) -> Template {
    let mut resources = JsonMap::new();
    artifact_store(
        names,
        region,
        &foreign_readers(decl, names, region),
        None,
        tags,
        &mut resources,
    );
    let mut outputs = JsonMap::new();
    outputs.insert(
        "ArtifactKeyArn",
        output(
            "Read by the pipeline stack with Fn::GetStackOutput",
            json!({ "Fn::GetAtt": ["ArtifactKey", "Arn"] }),
        ),
    );
    outputs.insert(
        "ArtifactBucketName",
        output(
            "The artifact bucket of this region",
            json!({ "Ref": "ArtifactBucket" }),
        ),
    );
    template(
        format!(
            "Artifact store in {region} for pipeline {}",
            names.pipeline_name()
        ),
        resources,
        outputs,
    )
}

/// One account and region a pipeline deploys to: who deploys there and what.
pub struct BootstrapTarget<'a> {
    pub account: &'a str,
    pub region: &'a str,
    /// (pipeline names, deploy mode uses change sets) of every pipeline deploying here.
    pub pipelines: Vec<&'a Names>,
    pub change_sets: bool,
    /// The union of the deploying pipelines' `execution_policy`.
    pub policy: ExecutionPolicy,
    /// With `--ci github-actions`: the OIDC subjects
    /// (`repo:<owner>/<name>:environment:<env>`) that may deploy here.
    pub github_subjects: Vec<String>,
    /// The stack instances deployed here.
    pub stacks: Vec<&'a StackInstance>,
}

/// The bootstrap template of one account and region, or `None` after reporting a
/// resource type whose permissions cannot be derived. `derived`: the execution role
/// actions of the targets before this one.
pub fn bootstrap_template<'a>(
    b: &BootstrapTarget<'a>,
    app: &str,
    tags: &[(String, String)],
    span: Span,
    derived: &mut DerivedActions<'a>,
    diags: &mut Diagnostics,
) -> Option<Template> {
    let region = b.region;
    let names = b.pipelines[0];
    let mut resources = Resources::default();

    let mut pipeline_accounts: Vec<String> = Vec::new();
    let mut pipeline_roles: Vec<Json> = Vec::new();
    let mut objects: Vec<Json> = Vec::new();
    let mut keys: Vec<Json> = Vec::new();
    for n in &b.pipelines {
        let root = format!("arn:{}:iam::{}:root", partition(region), n.account);
        if !pipeline_accounts.contains(&root) {
            pipeline_accounts.push(root);
        }
        pipeline_roles.push(sub(&n.role_arn(&n.account, &n.pipeline_role()), region));
        objects.push(sub(
            &format!("arn:{}:s3:::{}/*", partition(region), n.bucket(region)),
            region,
        ));
        keys.push(sub(
            &format!("arn:{}:kms:{region}:{}:key/*", partition(region), n.account),
            region,
        ));
    }
    let stacks = stack_arns(b);
    let mut cfn_actions = vec![
        "cloudformation:CreateStack",
        "cloudformation:DescribeStackEvents",
        "cloudformation:DescribeStackResource",
        "cloudformation:DescribeStackResources",
        "cloudformation:DescribeStacks",
        "cloudformation:GetStackPolicy",
        "cloudformation:GetTemplate",
        "cloudformation:SetStackPolicy",
        "cloudformation:UpdateStack",
    ];
    if b.change_sets {
        cfn_actions.extend([
            "cloudformation:CreateChangeSet",
            "cloudformation:DeleteChangeSet",
            "cloudformation:DescribeChangeSet",
            "cloudformation:ExecuteChangeSet",
        ]);
        cfn_actions.sort_unstable();
    }
    let deploy = vec![
        statement("DeployStacks", &cfn_actions, Json::Array(stacks)),
        statement(
            "ValidateTemplates",
            &["cloudformation:ValidateTemplate"],
            json!("*"),
        ),
        json!({
            "Sid": "PassExecutionRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": { "Fn::GetAtt": ["CfnExecRole", "Arn"] },
            "Condition": { "StringEquals": { "iam:PassedToService": "cloudformation.amazonaws.com" } },
        }),
        statement(
            "ReadArtifacts",
            &["s3:GetObject", "s3:GetObjectVersion"],
            Json::Array(objects),
        ),
        json!({
            "Sid": "DecryptArtifacts",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": keys,
            "Condition": { "StringEquals": { "kms:ViaService": format!("s3.{region}.amazonaws.com") } },
        }),
    ];
    resources.insert(
        "DeployRole".into(),
        object! {
            "Type" => "AWS::IAM::Role",
            "Properties" => object! {
                "RoleName" => names.deploy_role(region),
                "Description" => format!("Assumed by the pipelines of {app} to deploy its stacks here"),
                "AssumeRolePolicyDocument" => policy_document(vec![object! {
                    "Effect" => "Allow",
                    "Principal" => object! { "AWS" => pipeline_accounts.iter().map(|a| sub(a, region)).collect::<Vec<_>>() },
                    "Action" => "sts:AssumeRole",
                    "Condition" => object! { "ArnEquals" => object! { "aws:PrincipalArn" => pipeline_roles } },
                }]),
                "Policies" => vec![object! {
                    "PolicyName" => "deploy",
                    "PolicyDocument" => policy_document(deploy),
                }],
                "Tags" => tag_list(tags),
            },
        },
    );

    // The execution role: what CloudFormation needs to manage the types deployed here.
    let managed = match &b.policy {
        ExecutionPolicy::Derived => derived_policies(b, app, span, &mut resources, derived, diags)?,
        ExecutionPolicy::Admin => {
            vec![json!({ "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess" })]
        }
        ExecutionPolicy::Managed(arns) => arns.iter().map(|a| sub(a, region)).collect(),
    };
    let mut reads = dynamic_reads(&b.stacks, region);
    let mut exec_props = JsonMap::new();
    exec_props.insert("RoleName", json!(names.exec_role(region)));
    exec_props.insert(
        "Description",
        json!(format!(
            "CloudFormation runs as this role to deploy the stacks of {app} here"
        )),
    );
    exec_props.insert(
        "AssumeRolePolicyDocument",
        trust("cloudformation.amazonaws.com", false),
    );
    exec_props.insert("ManagedPolicyArns", Json::Array(managed));
    if !reads.is_empty() {
        exec_props.insert(
            "Policies",
            Json::Array(vec![object! {
                "PolicyName" => "read-references",
                "PolicyDocument" => policy_document(std::mem::take(&mut reads)),
            }]),
        );
    }
    exec_props.insert("Tags", tag_list(tags));
    resources.insert(
        "CfnExecRole".into(),
        object! { "Type" => "AWS::IAM::Role", "Properties" => exec_props },
    );

    let mut outputs = JsonMap::new();
    if b.change_sets {
        // Change sets are reviewed where they are: in this account. Attach this to
        // the reviewers' role here (the pipeline's approver policy lets them approve).
        resources.insert(
            "ChangeSetReviewerPolicy".into(),
            json!({
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "Description": format!("Read the change sets the pipelines of {app} create here, to review them before approving"),
                    "PolicyDocument": { "Version": "2012-10-17", "Statement": [
                        statement("ReadChangeSets", &[
                            "cloudformation:DescribeChangeSet",
                            "cloudformation:DescribeStacks",
                            "cloudformation:GetTemplate",
                            "cloudformation:ListChangeSets",
                        ], Json::Array(stack_arns(b))),
                    ]},
                },
            }),
        );
        outputs.insert(
            "ChangeSetReviewerPolicyArn",
            output(
                "Attach to the people who review change sets here",
                json!({ "Ref": "ChangeSetReviewerPolicy" }),
            ),
        );
    }
    if !b.github_subjects.is_empty() {
        resources.insert("GithubDeployRole".into(), github_role(b, names, app, tags));
        outputs.insert(
            "GithubDeployRoleArn",
            output(
                "Assumed by the GitHub Actions workflows",
                json!({ "Fn::GetAtt": ["GithubDeployRole", "Arn"] }),
            ),
        );
    }
    outputs.insert(
        "DeployRoleArn",
        output(
            "Assumed by the pipelines",
            json!({ "Fn::GetAtt": ["DeployRole", "Arn"] }),
        ),
    );
    outputs.insert(
        "CfnExecRoleArn",
        output(
            "CloudFormation's execution role",
            json!({ "Fn::GetAtt": ["CfnExecRole", "Arn"] }),
        ),
    );
    Some(template(
        format!(
            "Deploy and execution roles of {app} in {} {region}",
            b.account
        ),
        resources.0,
        outputs,
    ))
}

/// A template this module writes: its resources are JSON, except a bootstrap
/// template's managed policies of derived actions, which are kept typed: their action
/// lists are written from the actions themselves rather than built as JSON first (a
/// `serde_json` array of 165 actions is a 12 KiB block and 165 strings, for each
/// account and region).
pub struct Template {
    description: String,
    resources: Vec<(String, Resource)>,
    outputs: JsonMap,
}

/// A bootstrap template's resources, in the order they are added.
#[derive(Default)]
struct Resources(Vec<(String, Resource)>);

impl Resources {
    fn insert(&mut self, id: String, resource: impl Into<Resource>) {
        debug_assert!(self.0.iter().all(|(k, _)| *k != id), "{id} added twice");
        self.0.push((id, resource.into()));
    }
}

enum Resource {
    Json(Json),
    /// `AWS::IAM::ManagedPolicy` allowing `actions` on every resource.
    ManageResources {
        metadata: Json,
        description: String,
        actions: Vec<&'static str>,
    },
}

impl From<Json> for Resource {
    fn from(j: Json) -> Resource {
        Resource::Json(j)
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Entries<'a>(&'a [(String, Resource)]);
        impl Serialize for Entries<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (id, r) in self.0 {
                    m.serialize_entry(id, r)?;
                }
                m.end()
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("AWSTemplateFormatVersion", "2010-09-09")?;
        m.serialize_entry("Description", &self.description)?;
        m.serialize_entry("Resources", &Entries(&self.resources))?;
        if !self.outputs.is_empty() {
            m.serialize_entry("Outputs", &self.outputs)?;
        }
        m.end()
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct ManagedPolicy<'a> {
            r#type: &'static str,
            metadata: &'a Json,
            properties: Properties<'a>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Properties<'a> {
            description: &'a str,
            policy_document: Document<'a>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Document<'a> {
            version: &'static str,
            statement: [Statement<'a>; 1],
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Statement<'a> {
            sid: &'static str,
            effect: &'static str,
            action: &'a [&'static str],
            resource: &'static str,
        }
        match self {
            Resource::Json(j) => j.serialize(s),
            Resource::ManageResources {
                metadata,
                description,
                actions,
            } => ManagedPolicy {
                r#type: "AWS::IAM::ManagedPolicy",
                metadata,
                properties: Properties {
                    description,
                    policy_document: Document {
                        version: "2012-10-17",
                        statement: [Statement {
                            sid: "ManageResources",
                            effect: "Allow",
                            action: actions,
                            resource: "*",
                        }],
                    },
                },
            }
            .serialize(s),
        }
    }
}

/// Permissions a type's handlers need that its schema's `handlerPermissions` leave
/// out. Secrets Manager calls KMS with its caller's credentials: creating a secret
/// under a customer managed key (std.secrets does) takes GenerateDataKey and Decrypt
/// on that key.
const SCHEMA_OMITS: &[(&str, &[&str])] = &[(
    "AWS::SecretsManager::Secret",
    &["kms:Decrypt", "kms:GenerateDataKey"],
)];

/// The actions of execution roles derived so far, by the resource types (sorted) they
/// are for: the accounts and regions a pipeline deploys to often have the same types,
/// and sorting a few hundred actions case-insensitively is most of the derivation.
#[derive(Default)]
pub struct DerivedActions<'a>(Vec<(Vec<&'a str>, ExecActions)>);

/// The actions CloudFormation needs for a set of resource types, sorted by their lower
/// case, without duplicates: those on IAM roles, instance profiles and policies (which
/// are scoped to the app's own), each with the resource types it is scoped to, and the
/// others.
struct ExecActions {
    iam: Vec<(&'static str, Vec<&'static str>)>,
    anywhere: Vec<&'static str>,
}

/// The handler permissions of `types` (sorted), or `None` after reporting each type
/// whose permissions are not known.
fn exec_actions(
    b: &BootstrapTarget<'_>,
    types: &[&str],
    span: Span,
    diags: &mut Diagnostics,
) -> Option<ExecActions> {
    let mut actions: Vec<&'static str> = Vec::new();
    let mut ok = true;
    for t in types {
        if let Some((_, extra)) = SCHEMA_OMITS.iter().find(|(ty, _)| ty == t) {
            actions.extend(extra.iter().copied());
        }
        match handler_permissions(t) {
            Some(perms) => actions.extend(perms),
            // Kept by CloudFormation itself: nothing to call.
            None if INTERNAL_TYPES.contains(t) => {}
            None => {
                diags.push(
                    Diagnostic::error(
                        Code::ExecutionPolicy,
                        span,
                        format!("the permissions CloudFormation needs for `{t}` are not known"),
                    )
                    .with_label(format!("this pipeline deploys `{t}` to {} {}", b.account, b.region))
                    .with_help("its resource provider schema lists no handler permissions: give the pipeline `execution_policy = [\"<managed policy ARN>\", ...]` (or `admin`)"),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let actions = sorted_case_insensitively(actions);
    // IAM actions on roles, instance profiles and policies are scoped to the names
    // CloudFormation gives the app's resources (`<stack name>-<id>-<suffix>`, or the
    // name a template sets): the role cannot touch the account's other roles.
    let mut iam = Vec::new();
    let mut anywhere = Vec::new();
    for a in actions {
        match scoped_iam(a) {
            Some(types) => iam.push((a, types)),
            None => anywhere.push(a),
        }
    }
    Some(ExecActions { iam, anywhere })
}

/// IAM actions are case-insensitive: `actions` sorted by their lower case, each once
/// (stably: of two spellings of one action, the first listed is kept). The lower case
/// is computed once per action rather than in each of the sort's comparisons, into one
/// buffer rather than a string each (dozens to hundreds of actions, for each set of
/// types deployed together).
fn sorted_case_insensitively(actions: Vec<&'static str>) -> Vec<&'static str> {
    let mut folded = actions.concat();
    folded.make_ascii_lowercase();
    let mut keyed: Vec<(&str, &'static str)> = Vec::with_capacity(actions.len());
    let mut start = 0;
    for a in actions {
        keyed.push((&folded[start..start + a.len()], a));
        start += a.len();
    }
    keyed.sort_by(|x, y| x.0.cmp(y.0));
    keyed.dedup_by(|x, y| x.0 == y.0);
    keyed.into_iter().map(|(_, a)| a).collect()
}

/// The handler permissions of every resource type deployed to `b`, as managed
/// policies added to `resources`; their `Ref`s, or `None` after reporting a type
/// whose permissions are not known.
fn derived_policies<'a>(
    b: &BootstrapTarget<'a>,
    app: &str,
    span: Span,
    resources: &mut Resources,
    derived: &mut DerivedActions<'a>,
    diags: &mut Diagnostics,
) -> Option<Vec<Json>> {
    let region = b.region;
    let mut types: Vec<&'a str> = Vec::new();
    for s in b.stacks.iter().copied() {
        for r in s.resources.values() {
            if !types.contains(&r.type_name.as_str()) {
                types.push(&r.type_name);
            }
        }
    }
    types.sort_unstable();
    let known = derived.0.iter().position(|(t, _)| *t == types);
    let at = match known {
        Some(at) => at,
        None => {
            let actions = exec_actions(b, &types, span, diags)?;
            derived.0.push((types, actions));
            derived.0.len() - 1
        }
    };
    let (types, ExecActions { iam, anywhere }) = &derived.0[at];
    let chunks = chunk_actions(anywhere);
    let mut iam_statements = iam_statements(iam, &b.stacks);
    let policies = chunks.len() + usize::from(!iam_statements.is_empty());
    if policies > MAX_MANAGED_POLICIES - 1 {
        diags.push(
            Diagnostic::error(
                Code::ExecutionPolicy,
                span,
                format!("the execution role of {} {region} needs {} actions, more than IAM's policy size limits hold", b.account, iam.len() + anywhere.len()),
            )
            .with_label("in this pipeline")
            .with_help("deploy fewer kinds of resources to one account and region"),
        );
        return None;
    }
    let mut managed = Vec::with_capacity(policies);
    let parts = chunks
        .into_iter()
        .map(Some)
        .chain((!iam_statements.is_empty()).then_some(None));
    for (k, chunk) in parts.enumerate() {
        let id = format!("CfnExecPolicy{}", k + 1);
        let mut metadata = json!({ "sleuthc": { "handler_permissions_of": types.iter().map(|t| t.to_string()).collect::<Vec<_>>() } });
        let description = format!("What CloudFormation needs to manage the resource types {app} deploys here (part {} of {policies})", k + 1);
        match chunk {
            // The others act on "*": checkov's broad-IAM checks are skipped, with why.
            Some(actions) => {
                metadata["checkov"] = checkov_skip(EXEC_POLICY_SKIPS);
                resources.insert(
                    id.clone(),
                    Resource::ManageResources {
                        metadata,
                        description,
                        actions,
                    },
                );
            }
            // The IAM part names the app's own roles and policies.
            None => resources.insert(
                id.clone(),
                object! {
                    "Type" => "AWS::IAM::ManagedPolicy",
                    "Metadata" => metadata,
                    "Properties" => object! {
                        "Description" => description,
                        "PolicyDocument" => policy_document(std::mem::take(&mut iam_statements)),
                    },
                },
            ),
        }
        managed.push(json!({ "Ref": id }));
    }
    Some(managed)
}

/// checkov's broad-IAM checks, which every CloudFormation execution role fails by design.
const EXEC_POLICY_REASON: &str = "CloudFormation execution role: the handler permissions that the resource providers of the types deployed here require (from their schemas). Its IAM actions are scoped to the app's own roles and policies; these other actions apply to every resource of their service in the account, as with CDK's default execution role (AdministratorAccess), yet limited to the types deployed. The role trusts only CloudFormation, and the pipeline's deploy role may pass it only to the app's stacks";
const EXEC_POLICY_SKIPS: [(&str, &str); 4] = [
    ("CKV_AWS_108", EXEC_POLICY_REASON),
    ("CKV_AWS_109", EXEC_POLICY_REASON),
    ("CKV_AWS_110", EXEC_POLICY_REASON),
    ("CKV_AWS_111", EXEC_POLICY_REASON),
];

/// The resource types an IAM action is scoped to, when it can be scoped to the app's
/// own roles, instance profiles and policies.
fn scoped_iam(action: &str) -> Option<Vec<&'static str>> {
    if !action.starts_with("iam:") {
        return None;
    }
    let types = crate::schema::iam_resource_types(action)?;
    let own = ["role", "instance-profile", "policy"];
    (!types.is_empty() && types.iter().all(|t| own.contains(t))).then_some(types)
}

/// The statements of the scoped IAM actions: each group of actions with the same
/// resource types on the names of the stacks deployed here. Service-linked roles
/// live under `role/aws-service-role/`.
fn iam_statements(
    actions: &[(&'static str, Vec<&'static str>)],
    stacks: &[&StackInstance],
) -> Vec<Json> {
    const NAME_PROPERTIES: &[(&str, &str)] = &[
        ("RoleName", "role"),
        ("InstanceProfileName", "instance-profile"),
        ("ManagedPolicyName", "policy"),
    ];
    let arns = |kind: &str| -> Vec<Json> {
        let mut names: Vec<String> = stacks
            .iter()
            .map(|s| format!("{}-*", s.stack_name))
            .collect();
        for s in stacks {
            for r in s.resources.values() {
                for (prop, k) in NAME_PROPERTIES {
                    if let (true, Some(Json::String(n))) = (*k == kind, r.properties.get(*prop)) {
                        if !names.iter().any(|x| x == n.as_str()) {
                            names.push(n.to_string());
                        }
                    }
                }
            }
        }
        names
            .into_iter()
            .map(|n| json!({ "Fn::Sub": format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:{kind}/{n}") }))
            .collect()
    };
    let mut groups: Vec<(&[&'static str], Vec<&'static str>)> = Vec::new();
    let mut service_linked = Vec::new();
    for (a, types) in actions {
        if a.eq_ignore_ascii_case("iam:CreateServiceLinkedRole") {
            service_linked.push(*a);
            continue;
        }
        match groups.iter_mut().find(|(t, _)| t == types) {
            Some((_, xs)) => xs.push(a),
            None => groups.push((types, vec![a])),
        }
    }
    let mut out: Vec<Json> = groups
        .into_iter()
        .map(|(types, xs)| {
            let sid = types
                .iter()
                .map(|t| match *t {
                    "role" => "Roles",
                    "instance-profile" => "InstanceProfiles",
                    _ => "Policies",
                })
                .collect::<String>();
            let resources: Vec<Json> = types.iter().flat_map(|t| arns(t)).collect();
            statement(format!("ManageApp{sid}"), &xs, Json::Array(resources))
        })
        .collect();
    if !service_linked.is_empty() {
        out.push(statement(
            "CreateServiceLinkedRoles",
            &service_linked,
            json!({ "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/*" }),
        ));
    }
    out
}

/// Types CloudFormation handles itself, which need no permissions.
const INTERNAL_TYPES: &[&str] = &[
    "AWS::CDK::Metadata",
    "AWS::CloudFormation::WaitCondition",
    "AWS::CloudFormation::WaitConditionHandle",
];

/// The ARNs of the stacks deployed to `b`, for policies.
fn stack_arns(b: &BootstrapTarget<'_>) -> Vec<Json> {
    b.stacks
        .iter()
        .map(|s| {
            json!({ "Fn::Sub": format!(
                "arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{}/*",
                s.stack_name
            )})
        })
        .collect()
}

/// The role a GitHub Actions workflow assumes through the account's OIDC provider:
/// only from the repository's environments deployed here, only to create and execute
/// change sets of the app's stacks here, passing the execution role.
fn github_role(
    b: &BootstrapTarget<'_>,
    names: &Names,
    app: &str,
    tags: &[(String, String)],
) -> Json {
    let stacks = stack_arns(b);
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": names.github_role(b.region),
            "Description": format!("Assumed by the GitHub Actions workflows of {app} to deploy its stacks here"),
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Federated": { "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com" } },
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": { "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": &b.github_subjects,
                    }},
                }],
            },
            "Policies": [{
                "PolicyName": "deploy",
                "PolicyDocument": { "Version": "2012-10-17", "Statement": [
                    statement("DeployStacks", &[
                        "cloudformation:CreateChangeSet",
                        "cloudformation:DeleteChangeSet",
                        "cloudformation:DescribeChangeSet",
                        "cloudformation:DescribeStackEvents",
                        "cloudformation:DescribeStacks",
                        "cloudformation:ExecuteChangeSet",
                        "cloudformation:GetTemplate",
                    ], Json::Array(stacks)),
                    statement("ReadTemplates",
                        &["cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"],
                        json!("*")),
                    json!({
                        "Sid": "PassExecutionRole",
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": { "Fn::GetAtt": ["CfnExecRole", "Arn"] },
                        "Condition": { "StringEquals": { "iam:PassedToService": "cloudformation.amazonaws.com" } },
                    }),
                ]},
            }],
            "Tags": tag_list(tags),
        },
    })
}

/// A role has at most 10 managed policies (one is left for the user); each is at
/// most 6,144 characters.
const MAX_MANAGED_POLICIES: usize = 10;
const MANAGED_POLICY_BUDGET: usize = 5_500;

fn chunk_actions(actions: &[&'static str]) -> Vec<Vec<&'static str>> {
    let mut chunks: Vec<Vec<&'static str>> = Vec::new();
    let mut size = 0;
    for a in actions {
        let cost = a.len() + 3;
        match chunks.last_mut() {
            Some(c) if size + cost <= MANAGED_POLICY_BUDGET => {
                c.push(a);
                size += cost;
            }
            _ => {
                chunks.push(vec![a]);
                size = cost;
            }
        }
    }
    chunks
}

/// What the stacks' templates read while CloudFormation deploys them: SSM
/// parameters and secrets through dynamic references, other stacks' outputs through
/// `Fn::GetStackOutput`.
fn dynamic_reads(stacks: &[&StackInstance], region: &str) -> Vec<Json> {
    let mut ssm: Vec<String> = Vec::new();
    let mut secrets: Vec<String> = Vec::new();
    let mut outputs: Vec<String> = Vec::new();
    fn walk(
        j: &Json,
        ssm: &mut Vec<String>,
        secrets: &mut Vec<String>,
        outputs: &mut Vec<String>,
        region: &str,
    ) {
        match j {
            Json::String(s) if !crate::expand::text_may_read(s) => {}
            Json::String(s) => {
                // EC2 resolves `resolve:ssm:<name>` image ids with the caller's rights.
                if let Some(name) = s.strip_prefix("resolve:ssm:") {
                    let name = name.split(':').next().unwrap_or("").trim_start_matches('/');
                    let arn =
                        format!("arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:*:parameter/{name}");
                    if !name.is_empty() && !ssm.contains(&arn) {
                        ssm.push(arn);
                    }
                }
                let mut rest = s.as_str();
                while let Some(at) = rest.find("{{resolve:") {
                    let r = &rest[at + "{{resolve:".len()..];
                    let end = r.find("}}").unwrap_or(r.len());
                    let body = &r[..end];
                    rest = &r[end..];
                    let mut parts = body.splitn(2, ':');
                    let (kind, what) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    match kind {
                        "ssm" | "ssm-secure" => {
                            let name = what.split(':').next().unwrap_or("").trim_start_matches('/');
                            let arn = format!(
                                "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:*:parameter/{name}"
                            );
                            if !name.is_empty() && !ssm.contains(&arn) {
                                ssm.push(arn);
                            }
                        }
                        "secretsmanager" => {
                            let id = if what.starts_with("arn:") {
                                what.splitn(8, ':').take(7).collect::<Vec<_>>().join(":")
                            } else {
                                let name = what.split(':').next().unwrap_or("");
                                // A secret read through its `Ref` (`secret_ref`) is not
                                // named in the text: it is a secret of the same template,
                                // which the derived policy's handler permissions for its
                                // type already read (a policy given instead must).
                                if name.is_empty() {
                                    continue;
                                }
                                format!("arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{name}-*")
                            };
                            if !secrets.contains(&id) {
                                secrets.push(id);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Json::Array(xs) => xs
                .iter()
                .for_each(|x| walk(x, ssm, secrets, outputs, region)),
            Json::Object(m) => {
                if let Some(Json::Object(g)) = crate::expand::stack_output_read(m) {
                    if let Some(Json::String(name)) = g.get("StackName") {
                        let r = match g.get("Region") {
                            Some(Json::String(r)) => r.as_str(),
                            _ => region,
                        };
                        let arn = format!("arn:${{AWS::Partition}}:cloudformation:{r}:${{AWS::AccountId}}:stack/{name}/*");
                        if !outputs.contains(&arn) {
                            outputs.push(arn);
                        }
                    }
                }
                m.values()
                    .for_each(|x| walk(x, ssm, secrets, outputs, region));
            }
            _ => {}
        }
    }
    for s in stacks {
        for r in s.resources.values().filter(|r| r.reads_at_deploy) {
            for v in r.properties.values() {
                walk(v, &mut ssm, &mut secrets, &mut outputs, region);
            }
        }
    }
    let subs =
        |xs: Vec<String>| Json::Array(xs.into_iter().map(|x| json!({ "Fn::Sub": x })).collect());
    let mut statements = Vec::new();
    if !ssm.is_empty() {
        statements.push(statement(
            "ResolveParameters",
            &["ssm:GetParameters"],
            subs(ssm),
        ));
    }
    if !secrets.is_empty() {
        statements.push(statement(
            "ResolveSecrets",
            &["secretsmanager:GetSecretValue"],
            subs(secrets),
        ));
    }
    if !outputs.is_empty() {
        statements.push(statement(
            "ReadStackOutputs",
            &["cloudformation:DescribeStacks"],
            subs(outputs),
        ));
    }
    statements
}

/// Which step kinds a stack instance is deployed with, for the deploy role.
pub fn uses_change_sets(step: StepKind) -> bool {
    step != StepKind::Deploy
}

/// The targets of every pipeline, one per account and region, in first-use order.
pub fn bootstrap_targets<'a>(
    pipelines: &'a [(Declaration, Names, &'a PipelineDef)],
    ex: &'a Expanded,
    github: bool,
) -> Vec<BootstrapTarget<'a>> {
    let mut out: Vec<BootstrapTarget<'a>> = Vec::new();
    for (decl, names, def) in pipelines {
        for t in decl.targets() {
            let at = match out
                .iter()
                .position(|b| b.account == t.account && b.region == t.region)
            {
                Some(at) => at,
                None => {
                    out.push(BootstrapTarget {
                        account: &t.account,
                        region: &t.region,
                        pipelines: Vec::new(),
                        change_sets: false,
                        policy: def.execution_policy.clone(),
                        github_subjects: Vec::new(),
                        stacks: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let b = &mut out[at];
            if !b.pipelines.iter().any(|n| std::ptr::eq(*n, names)) {
                b.pipelines.push(names);
            }
            b.change_sets |= uses_change_sets(t.step);
            b.policy = match (&b.policy, &def.execution_policy) {
                (ExecutionPolicy::Admin, _) | (_, ExecutionPolicy::Admin) => ExecutionPolicy::Admin,
                (ExecutionPolicy::Managed(a), ExecutionPolicy::Managed(b)) => {
                    let mut all = a.clone();
                    all.extend(b.iter().filter(|x| !a.contains(x)).cloned());
                    ExecutionPolicy::Managed(all)
                }
                (ExecutionPolicy::Managed(a), _) | (_, ExecutionPolicy::Managed(a)) => {
                    ExecutionPolicy::Managed(a.clone())
                }
                _ => ExecutionPolicy::Derived,
            };
            let inst = &ex.stacks[t.instance];
            if !b.stacks.iter().any(|s| std::ptr::eq(*s, inst)) {
                b.stacks.push(inst);
            }
            if let (true, Some(repo)) = (github, super::github::repository(def)) {
                let subject = format!("repo:{repo}:environment:{}", inst.env);
                if !b.github_subjects.contains(&subject) {
                    b.github_subjects.push(subject);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_sorted_and_kept_once_whatever_their_case() {
        let actions = vec![
            "s3:PutObject",
            "ec2:createTags",
            "EC2:CreateTags",
            "ec2:CreateVpc",
            "ec2:CreateVPC",
            "a:b",
            "s3:PutObject",
        ];
        assert_eq!(
            sorted_case_insensitively(actions),
            ["a:b", "ec2:createTags", "ec2:CreateVpc", "s3:PutObject"]
        );
        assert!(sorted_case_insensitively(Vec::new()).is_empty());
    }
}
