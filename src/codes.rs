//! Stable diagnostic codes and the explanation `sleuthc explain CODE` prints.
//! A test checks that every code has one.

use serde::Serialize;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $title:literal, $explain:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// A short title.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            /// The long explanation, with an example and the fix.
            pub fn explain(self) -> &'static str {
                match self { $( Code::$variant => $explain, )* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                let s = s.trim().to_ascii_uppercase();
                Code::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
    };
}

codes! {
    Syntax = "E0001", "syntax error",
        "The file does not follow the grammar of `.sleuth`. The caret points at the first\ntoken that could not be read, and the message lists what was expected there.\n\n    stack web {\n      let x = \n    }              # error: expected an expression\n";
    UseEquals = "E0002", "`:` used where `=` is expected",
        "Properties, fields, `let` and `output` are assigned with `=`. `:` is for types\n(`param x: Int`) and named call arguments (`vpc(cidr: \"10.0.0.0/16\")`).\n\n    resource b: AWS::S3::Bucket { BucketName: \"x\" }   # write BucketName = \"x\"\n";
    BadEscape = "E0003", "unknown escape sequence",
        "Strings know the escapes `\\n`, `\\t`, `\\\"`, `\\\\` and `\\$` (a literal `$`).\nAny other backslash sequence is an error so that Windows paths and regular\nexpressions are not silently changed. In `\"\"\"` strings backslashes are literal.\n";
    TooDeep = "E0004", "input nested too deeply or too large",
        "The parser limits nesting depth and work so that a malformed or hostile file\ncannot exhaust the stack or hang the compiler. Flatten the expression, or split\nthe file.\n";
    InvalidUtf8 = "E0005", "source is not UTF-8",
        "`.sleuth` files are UTF-8 text. Re-save the file as UTF-8.\n";
    UnknownName = "E0100", "unknown name",
        "A name was used that is not defined in scope. In a stack or component the names in\nscope are: `let` bindings, resources, `for` variables, component parameters, params,\nimported components, stacks, `app`, `env`, `region` and `aws`.\n\n    output id = vcp.ref      # did you mean `vpc`?\n";
    Duplicate = "E0101", "defined twice",
        "Two declarations have the same name in one scope: two stacks, two resources of a\nstack or component, two environments, two params. Rename one of them; logical IDs are\nderived from names, so every name in a scope must be unique.\n";
    UnknownImport = "E0102", "unknown module or import",
        "An import names a standard-library module or a component that does not exist, or a\nfile that cannot be read. `sleuthc` embeds the standard library: `std.network`,\n`std.iam`, `std.secrets`, `std.compute`, `std.monitoring`, `std.ops`, `std.backup`.\n";
    ImportCycle = "E0103", "import cycle",
        "Files import each other in a circle. Move the shared components into a third file\nthat both import.\n";
    EnvField = "E0104", "environment field missing, unknown or mistyped",
        "Every environment must set `account`, `regions` and every field of the `fields`\nschema that has no default, and nothing else. The error points at the environment that\nhas it wrong.\n\n    environments {\n      fields { instance_type: String }\n      env dev { account = \"111111111111\", regions = [\"us-east-2\"] }   # missing instance_type\n    }\n";
    RecursiveComponent = "E0106", "recursive component",
        "A component instantiates itself, directly or through other components. Component\ninstances are expanded while compiling, so recursion would never end. Use a `for`\nloop over a list to create several resources instead.\n";
    MissingItem = "E0105", "required item missing",
        "A program needs an `app` and an `environments` block, and at least one stack to\nbuild. Parameters without a default need a value from `--param name=value`.\n";
    TypeMismatch = "E0200", "type mismatch",
        "A value does not have the type the place it flows into expects: a component\nparameter, an environment field, a param, or an operator's operand.\n\n    let n = 1 + \"2\"         # Int + String\n";
    BadRegion = "E0201", "not an AWS region",
        "A `Region` must be one of the regions CloudFormation knows (the list comes from the\nembedded resource schemas). The help suggests the closest one.\n";
    BadCidr = "E0202", "invalid CIDR block",
        "A `Cidr` is an IPv4 block `a.b.c.d/n` with 0 <= n <= 32 and no bits set after the\nprefix (`10.0.0.1/16` is rejected: did you mean `10.0.0.0/16`?).\n";
    BadAccount = "E0203", "invalid AWS account id",
        "An `AccountId` is exactly 12 digits, written as a string so leading zeros survive.\n";
    BadDuration = "E0204", "invalid duration",
        "Durations are an integer with a unit: `30s`, `5m`, `2h`, `7d`.\n";
    NotInEnum = "E0205", "value not allowed",
        "The value is not one of the values the type allows (a string enum such as\n`\"ALL\" | \"ACCEPT\" | \"REJECT\"`).\n";
    BadArguments = "E0206", "wrong arguments",
        "A component was called with an argument it does not declare, without one it\nrequires, or a built-in was called with the wrong number of arguments. Components take\nnamed arguments: `vpc(cidr: \"10.0.0.0/16\")`.\n";
    DeployTime = "E0207", "deploy-time value where a compile-time value is needed",
        "Some values are only known when CloudFormation deploys the stack: a `Ref`, a\n`GetAtt`, a value imported from another stack, an SSM parameter. They can flow into\nresource properties and outputs, but cannot decide an `if`, drive a `for`, form a\nresource key, a name or a region, because `sleuthc` decides those while compiling.\n\n    if network.vpc_id == \"vpc-1\" { ... }   # vpc_id is only known at deploy time\n\nDecide on something known at compile time instead: `env.name`, an environment field,\na param.\n";
    SecretLeak = "E0208", "secret would be exposed",
        "A `Secret` compiles to a dynamic reference that CloudFormation resolves without\nshowing it. It may only be passed to resource properties (or to component parameters\nof type `Secret`). Outputs, tags, user data, metadata, interpolated strings and plain\n`String` parameters would put it in clear text where anyone who can describe the stack\nor instance can read it.\n\nPass the secret's ARN instead and read the value at run time, e.g.\n`aws secretsmanager get-secret-value --secret-id ${secret.ref}`.\n";
    BadOperand = "E0209", "invalid operation",
        "An operator, index or field access does not apply to the value: indexing past the\nend of a list, a field that a record does not have, a division of strings.\n";
    UnknownResourceType = "E0300", "unknown CloudFormation resource type",
        "The resource type is not in the CloudFormation resource schemas embedded in\n`sleuthc` (from cfn-lint). Check the spelling; the help suggests the closest type.\n";
    UnknownProperty = "E0301", "unknown property",
        "The property is not part of the resource type's schema (property names are\ncase-sensitive PascalCase). Lowercase keys are resource options: `depends_on`,\n`deletion_policy`, `update_replace_policy`, `update_policy`, `creation_policy`,\n`metadata`, `suppress`.\n";
    MissingProperty = "E0302", "missing required property",
        "The resource type's schema requires this property.\n";
    PropertyType = "E0303", "property has the wrong type",
        "The value does not have the shape the resource schema requires: a string where\na list is needed, a record where a string is needed, and so on.\n";
    PropertyEnum = "E0304", "property value not allowed",
        "The resource schema allows only specific values for this property.\n";
    UnknownAttribute = "E0305", "unknown GetAtt attribute",
        "`r.Name` compiles to `Fn::GetAtt [r, Name]`; the resource type has no such\nattribute. `r.ref` is the resource's `Ref`.\n";
    NotInRegion = "E0306", "resource type not available in region",
        "The resource type is not offered in one of the regions an environment deploys\nto. Move the resource behind `if region != \"...\"`, or deploy that stack elsewhere.\n";
    BadResourceOption = "E0307", "invalid resource option",
        "Lowercase keys in a resource body are options: `depends_on` (a list of resources\nin the same body), `deletion_policy` and `update_replace_policy` (`Delete`, `Retain`,\n`Snapshot`, and `RetainExceptOnCreate` for deletion), `update_policy` and\n`creation_policy` (records with CloudFormation's policy names, for the resource types\nthey apply to), `metadata` (a record), `suppress` (checks a scanner must not\nreport here, each with its reason: see E0308).\n";
    BadSuppression = "E0308", "invalid suppression",
        "`suppress = { CHECK = \"reason\" }` in a resource body tells a scanner not to report\na check for that resource, and says why: the reason is required. checkov ids (`CKV_AWS_18`, `CKV2_AWS_5`) are written\nto `Metadata.checkov.skip` with the reason as comment, which checkov reports;\ncfn-lint warnings and informational rules (`W3005`, `I3011`) to\n`Metadata.cfn-lint.config.ignore_checks` (cfn-lint has no place for the reason: it\nstays in the source). cfn-lint errors (`E...`) cannot be suppressed: they mean the\ntemplate is wrong. A reason must be non-empty text known at compile time.\n`metadata` may set other keys, not `checkov` or `cfn-lint`: suppressions written by\nhand would skip the reason.\n\nSuppress only what does not apply, where it does not apply: fixing the resource is\nusually better. `scripts/test` fails on a checkov suppression whose check passes\nwithout it, since it suppresses nothing.\n";
    StackCycle = "E0401", "dependency cycle",
        "Stacks or resources depend on each other in a circle, so CloudFormation cannot\ncreate any of them first. Between stacks: A reads an output of B (or lists it in\n`depends_on`) while B, directly or through others, reads A; also across regions.\nA stack is evaluated whole before a stack that reads it, so even a read of an\noutput known at compile time ties the two. Between resources of one template: a\n`Ref` (`x.ref`), an attribute (`x.Arn`), `${x.ref}` in a string, `depends_on`, or\na reference in `metadata` or a policy; a resource that names itself is the\nshortest cycle. Every hop is labelled where it is written.\n\nFix: move what both stacks need into a third stack that both read, or pass a\ncompile-time value as a `param`; drop a `depends_on` that asks for the opposite\norder; for security groups that admit each other, move one rule into an\n`AWS::EC2::SecurityGroupIngress` resource.\n";
    UnknownOutput = "E0402", "unknown stack or component output",
        "The stack or component instance has no output with that name.\n";
    OutsideEnvironment = "E0403", "reference outside the environment",
        "A stack reads stacks of its own environment only: `network.vpc_id` in the same\nregion, `network[\"us-east-2\"].vpc_id` in another region the environment deploys to.\nAnother environment's stacks (`network[\"prod\"]`) and regions the environment does\nnot list cannot be read: environments deploy separately, often into other accounts.\nPass such a value in as a `param` or an environment field, or publish it to SSM and\nread it with `ssm_param`.\n";
    WeakListOutput = "E0404", "list output read with Fn::GetStackOutput",
        "Reads from another region, and `weak(stack)` reads, compile to\n`Fn::GetStackOutput`, which returns one string. A list output is stored joined with\ncommas, and CloudFormation's `Fn::Split` does not accept `Fn::GetStackOutput`, so the\nlist cannot be rebuilt. Output the items you need one by one, or import the list\nfrom a stack in the same region without `weak`.\n";
    ExportInUse = "E0405", "export removed while a deployed stack imports it",
        "CloudFormation refuses to change or delete an export that another stack imports.\nThe previous build's `manifest.json` in the output directory shows a stack\nimporting an export this build no longer produces; deploying the exporter first (as\nthe pipeline does) would fail. Remove it in two steps: first keep the output and\nlist it in the exporting stack's `exports = [\"name\"]` while the importer stops\nusing it, build and deploy; then remove it. `--allow-export-removal` skips this\ncheck (for instance when the importing stack is being deleted).\n";
    PipelineSetting = "E0700", "unknown or missing pipeline setting",
        "A `pipeline` block needs `account`, `region` and `source`, and knows these settings:\n`execution_mode` (`superseded` or `queued`; not `parallel`, where two executions would
update the same stacks at once), `max_actions_per_stage` (1 to 50), and the\nblock `build { image, compute, timeout, path }`. Its steps are `stage ENV` (options\n`rollout` and `deploy`) and `approve \"label\"` (options `notify`, `timeout`,\n`review_url`, `custom_data`). Sources: `github`, `bitbucket`, `gitlab` (`repo`,\n`connection`, `branch`, `full_clone`), `codecommit` (`repo`, `branch`), `s3` (`bucket`,\n`key`).\n";
    EnvStagedTwice = "E0701", "environment deployed by two stages",
        "Each environment is deployed by one stage of a pipeline, so its stacks deploy in\ndependency order in one place. Deploy several environments in one stage with\n`stage [qa, perf]`.\n";
    ApprovalGuardsNothing = "E0702", "approval that guards nothing",
        "An `approve` step holds the pipeline before the stage that follows it. One at the\nend of the pipeline, or one directly after another, guards nothing: move it above the\nstage it is for, or merge the two.\n";
    StageOrder = "E0703", "stages cannot deploy in dependency order",
        "A pipeline deploys its stages one after another, and inside a stage the regions\nroll out as `rollout` says. A stack instance must deploy after every instance it reads\nor depends on: in an earlier stage, in an earlier group of regions of its own stage,\nor at an earlier runOrder of the same group. Move the environment it reads into an\nearlier stage, list the regions so the one read from comes first, or use\n`rollout = parallel`.\n";
    PipelineQuota = "E0704", "pipeline quota exceeded",
        "CodePipeline holds at most 50 stages and 500 actions in a pipeline, 50 actions in a\nstage (`max_actions_per_stage` lowers that), and runOrders up to 999. A deploy stage\nwith more actions than a stage holds is split at runOrder boundaries into\n`Deploy-prod-1`, `Deploy-prod-2`, ...; one runOrder that alone has too many actions\ncannot be split: roll the stage out in waves of fewer regions (`rollout = waves(n)`),\nor deploy its environments in separate stages.\n";
    PipelineName = "E0705", "invalid stage or action name",
        "Pipeline, stage and action names are 1 to 100 characters of letters, digits, `.`,\n`@`, `-` and `_`, and unique (stages in the pipeline, actions in a stage). Stage names\ncome from approval labels (`approve \"Promote to prod\"` is stage `Promote-to-prod`),\ndeploy actions are named `<stack>@<region>`.\n";
    ActionConfiguration = "E0706", "action configuration value too long or empty",
        "Every value of an action's configuration is 1 to 1,000 characters: custom data,\nreview links, repository and branch names, stack names. Shorten the value.\n";
    GeneratedName = "E0707", "generated resource name invalid",
        "A pipeline's roles, buckets, keys, project and topics get names built from the app,\nthe pipeline, the account and the region, because the pipeline declaration must name\nthem literally. IAM role names are at most 64 characters, S3 bucket names 63 (lower\ncase letters, digits, `.` and `-`), stack names 128. Shorten the app or pipeline name.\n";
    ExecutionPolicy = "E0708", "execution role policy cannot be derived",
        "The CloudFormation execution role of each target account and region gets the\nhandler permissions of every resource type deployed there (from the resource provider\nschemas). A type whose schema lists no handlers, or a policy beyond IAM's size\nlimits, cannot be derived.\n";
    PipelineOutOfDate = "E0709", "pipeline out of date",
        "The build step of a pipeline runs `sleuthc build --expect-pipeline NAME=DIGEST` with\nthe digest of what was deployed with it: the pipeline declaration and its support and\nbootstrap templates. When the source now needs a different pipeline or roles (a\nstack, region, environment, stage, approval or resource type was added or removed), deploying with the old one would skip new stacks or fail on missing\ntemplates, so the build stops. Deploy the templates of `pipeline/` and `bootstrap/`\nfrom this build (the manifest's `pipelines[].setup` lists them in order); updating\nthe pipeline starts a new release.\n";
    ProtectedUnguarded = "E0710", "protected environment without an approval",
        "An environment with `approval = manual` deploys only after a person approves. With\n`approvals = explicit` the pipeline must say where: put an `approve \"...\" { }` step\nright before the stage that deploys it. Without that setting, an approval is inserted\nthere (stage `Approve-<env>`).\n";
    CiWorkflow = "E0711", "CI workflow cannot be generated",
        "`--ci github-actions` writes a GitHub Actions workflow per pipeline. Its jobs assume\nroles through GitHub's OIDC provider, trusted for the pipeline's repository and\nenvironments, so the pipeline's source must be `github(...)`; and they deploy with\n`aws cloudformation deploy`, which passes a template of at most 51,200 bytes without\nan S3 bucket. Split a larger stack, or deploy it with the CodePipeline.\n";
    TooManyResources = "E0500", "too many resources in a template",
        "A CloudFormation template holds at most 500 resources. Split the stack.\n";
    TooManyOutputs = "E0501", "too many outputs in a template",
        "A CloudFormation template holds at most 200 outputs.\n";
    TemplateTooLarge = "E0503", "template too large",
        "A template body passed inline is at most 51,200 bytes; one uploaded to S3 at most\n1 MB. `sleuthc` marks templates over 51,200 bytes for S3 upload in the manifest\nand rejects those over 1 MB. Split the stack.\n";
    NameTooLong = "E0504", "name too long",
        "Logical IDs are at most 255 characters, stack names 128, export names 255. Use\nshorter names for stacks, components or resources.\n";
    TooManyDynamicRefs = "E0505", "too many dynamic references",
        "A template may contain at most 60 dynamic references (`{{resolve:...}}`).\n";
    DuplicateExport = "E0506", "export name used twice",
        "Export names must be unique in an account and region.\n";
    EmptyStack = "E0507", "stack without resources",
        "CloudFormation rejects a template without resources. A stack whose resources are\nall behind `if`s that are false for some environment or region has nothing to\ndeploy there. Add a resource that always exists, or move the conditional\nresources into a stack that always has some.\n";
    DuplicateStackName = "E0508", "two stack instances get the same stack name",
        "Stack names are `<app>-<env>-<stack>` with underscores turned into hyphens, and\nmust be unique in an account and region. Environment `dev` with stack `a_b` and\nenvironment `dev_a` with stack `b` both give `app-dev-a-b`. Rename a stack or an\nenvironment.\n";
    LogicalIdClash = "E0600", "two resources get the same logical ID",
        "Logical IDs are derived from the declaration path in PascalCase; two different\npaths produced the same ID (`my_bucket` and `myBucket` both give `MyBucket`). Rename\none of them.\n";
}
