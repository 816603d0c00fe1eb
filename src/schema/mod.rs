//! The CloudFormation resource schemas embedded in the binary (`schema/cfn.schemas`,
//! generated from cfn-lint's bundled provider schemas by `scripts/gen-schemas.py`)
//! and their lazy loader, `SchemaDb`.
//!
//! File format: line 1 is a JSON header `{"cfn_lint": VERSION, "regions": [...]}`;
//! every further line is `Type::Name<TAB>{compact json}`, sorted by type name.
//! `build.rs` encodes each type's JSON into a binary record (`compact`) and indexes
//! the records; the binary embeds those and the header line, not the JSON. Opening
//! the database reads the header. A type's record is decoded the first time it is
//! asked for, and cached; its properties' shapes each the first time they are asked
//! for (`Properties`), and names are borrowed from the embedded data. A malformed line
//! reads as an absent type, a malformed property shape as any JSON; never a panic.

mod compact;
mod index;
pub(crate) mod lines;
mod permissions;
mod reader;
mod resource;
mod shape;

use std::sync::OnceLock;

use index::Index;
pub use permissions::{handler_permissions, iam_resource_types};
pub use resource::{ResourceSchema, Tagging};
pub use shape::{Properties, Shape};

/// The records of the generated schema file's types (`compact`), made by `build.rs`.
const EMBEDDED_DATA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/schema.bin"));

/// The generated schema file's header line.
const EMBEDDED_HEADER: &str = include_str!(concat!(env!("OUT_DIR"), "/schema_header.json"));

/// The generated schema file itself, which tests compare with the embedded data.
#[cfg(test)]
const EMBEDDED: &str = include_str!("../../schema/cfn.schemas");

/// The resource types of one `cfn.schemas` text, each parsed on first use.
pub struct SchemaDb {
    cfn_lint: String,
    regions: Vec<String>,
    index: Index,
}

impl SchemaDb {
    /// The database embedded in the binary; built once (the header only: the index
    /// is made at build time).
    pub fn embedded() -> &'static SchemaDb {
        static DB: OnceLock<SchemaDb> = OnceLock::new();
        DB.get_or_init(SchemaDb::open_embedded)
    }

    /// The embedded database opened anew, with a cache of its own (for benchmarks:
    /// the compiler uses [`SchemaDb::embedded`]).
    pub fn open_embedded() -> SchemaDb {
        let (cfn_lint, regions) = parse_header(EMBEDDED_HEADER);
        SchemaDb {
            cfn_lint,
            regions,
            index: Index::embedded(EMBEDDED_DATA),
        }
    }

    /// Opens `text` in the `cfn.schemas` format, encoding every type as the build does
    /// for the embedded file. Lines that are not `Name<TAB>json` are skipped; a
    /// duplicated type keeps one of its lines.
    pub fn from_static(text: &'static str) -> SchemaDb {
        let (cfn_lint, regions) = parse_header(header_line(text));
        let index = Index::scan(text, regions.len());
        SchemaDb {
            cfn_lint,
            regions,
            index,
        }
    }

    /// The schema of `type_name` (exact, case-sensitive), decoded on first use.
    pub fn resource(&self, type_name: &str) -> Option<&ResourceSchema> {
        let regions = self.regions.len();
        self.index.get(type_name, |name, record| {
            ResourceSchema::from_record(name, record, regions)
        })
    }

    /// Every type name, sorted (for did-you-mean).
    pub fn type_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.index.names()
    }

    /// Every region cfn-lint knows, sorted.
    pub fn regions(&self) -> &[String] {
        &self.regions
    }

    /// The cfn-lint version the data was generated from.
    pub fn cfn_lint_version(&self) -> &str {
        &self.cfn_lint
    }

    /// Index of `region` in [`SchemaDb::regions`].
    pub(crate) fn region_index(&self, region: &str) -> Option<u16> {
        let i = self
            .regions
            .binary_search_by(|r| r.as_str().cmp(region))
            .ok()?;
        u16::try_from(i).ok()
    }
}

/// The first line of `text`.
fn header_line(text: &str) -> &str {
    text.split_once('\n').map_or(text, |(header, _)| header)
}

/// Reads the header line; a malformed header gives no version and no regions.
fn parse_header(line: &str) -> (String, Vec<String>) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(line) else {
        return Default::default();
    };
    let version = map
        .get("cfn_lint")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let mut regions: Vec<String> = map
        .get("regions")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if !regions.windows(2).all(|w| w[0] < w[1]) {
        // Indices in "g" refer to the header's order, so an unsorted header cannot be
        // fixed up here: treat it as malformed.
        regions.clear();
    }
    (version, regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> &'static SchemaDb {
        SchemaDb::embedded()
    }

    fn prop<'a>(shape: &'a Shape, name: &str) -> &'a Shape {
        match shape {
            Shape::Object { properties, .. } => &properties[name],
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn header() {
        let db = db();
        assert_eq!(db.cfn_lint_version(), "1.58.0");
        assert!(db.regions().len() > 30);
        assert!(db.regions().iter().any(|r| r == "us-east-1"));
        assert!(db.regions().windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn vpc() {
        let vpc = db().resource("AWS::EC2::VPC").expect("VPC");
        assert_eq!(vpc.type_name, "AWS::EC2::VPC");
        assert_eq!(vpc.properties["CidrBlock"], Shape::String);
        assert!(!vpc.properties.contains_key("VpcId"), "read-only left out");
        assert!(vpc.has_attribute("VpcId"));
        assert!(vpc.attributes.contains(&"VpcId"));
        assert_eq!(vpc.tagging, Tagging::List { property: "Tags" });
        assert!(vpc.available_in(db(), "eu-west-1"));
        assert!(!vpc.available_in(db(), "mars-north-1"));
    }

    #[test]
    fn launch_template_metadata_options() {
        let lt = db()
            .resource("AWS::EC2::LaunchTemplate")
            .expect("LaunchTemplate");
        let data = &lt.properties["LaunchTemplateData"];
        assert!(matches!(data, Shape::Object { .. }));
        let tokens = prop(prop(data, "MetadataOptions"), "HttpTokens");
        match tokens {
            Shape::Enum(values) => assert!(values.iter().any(|v| v == "required")),
            Shape::String => {}
            other => panic!("HttpTokens: {other:?}"),
        }
    }

    #[test]
    fn map_tagging() {
        let p = db().resource("AWS::SSM::Parameter").expect("SSM Parameter");
        assert_eq!(p.tagging, Tagging::Map { property: "Tags" });
        assert_eq!(p.properties["Tags"], Shape::Map(Box::new(Shape::String)));
        let vault = db()
            .resource("AWS::Backup::BackupVault")
            .expect("BackupVault");
        assert_eq!(vault.tagging.property(), Some("BackupVaultTags"));
        let untagged = db()
            .resource("AWS::EC2::VPCGatewayAttachment")
            .expect("attachment");
        assert_eq!(untagged.tagging, Tagging::None);
    }

    #[test]
    fn regional_availability() {
        let db = db();
        let mut partial = 0;
        for name in ["AWS::DeviceFarm::Project", "AWS::Bedrock::Agent"] {
            let r = db.resource(name).expect(name);
            assert!(
                db.regions()
                    .iter()
                    .any(|region| !r.available_in(db, region)),
                "{name}"
            );
            partial += 1;
        }
        assert_eq!(partial, 2);
        let farm = db.resource("AWS::DeviceFarm::Project").unwrap();
        assert!(farm.available_in(db, "us-west-2"));
        assert!(!farm.available_in(db, "eu-west-1"));
        assert_eq!(farm.regions(db), vec!["us-west-2"]);
    }

    #[test]
    fn type_names_sorted_and_resolvable() {
        let names: Vec<&str> = db().type_names().collect();
        assert!(names.len() > 1500);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        assert!(db().resource("AWS::EC2::Vpc").is_none());
        assert!(db().resource("").is_none());
    }

    #[test]
    fn role_attributes() {
        let role = db().resource("AWS::IAM::Role").expect("Role");
        for a in ["Arn", "RoleId"] {
            assert!(role.attributes.contains(&a), "{a}");
        }
        assert_eq!(role.required, vec!["AssumeRolePolicyDocument"]);
        let db_instance = db().resource("AWS::RDS::DBInstance").expect("DBInstance");
        assert!(db_instance.has_attribute("Endpoint.Address"));
        let stack = db().resource("AWS::CloudFormation::Stack").expect("Stack");
        assert!(stack.has_attribute("Outputs.VpcId"));
        assert!(!stack.has_attribute("Outputs."));
        assert!(!stack.has_attribute("Arnx"));
    }

    #[test]
    fn every_embedded_line_parses() {
        let db = db();
        let mut count = 0;
        for name in db.type_names() {
            let schema = db.resource(name);
            assert!(schema.is_some(), "{name} did not parse");
            // Properties are decoded on first use, where a malformed one would read as
            // any JSON: every one of them, at every depth, must decode.
            if let Err(e) = schema.unwrap().properties.decode_all() {
                panic!("{name}: {e}");
            }
            count += 1;
        }
        assert_eq!(count, EMBEDDED.lines().count() - 1, "every line is indexed");
    }

    /// A scanned text, sorted or not, with lines of very different lengths,
    /// duplicates and malformed lines: every name is listed once, sorted, and found.
    #[test]
    fn scanned_index() {
        let names: Vec<String> = (0..3000)
            .map(|i| format!("T::{:05}", i * 7 % 3001))
            .collect();
        for sorted in [true, false] {
            let mut order = names.clone();
            if sorted {
                order.sort();
            }
            let mut text = String::from("{\"cfn_lint\":\"t\",\"regions\":[\"r\"]}\n");
            for (i, name) in order.iter().enumerate() {
                let pad = "x".repeat(if i % 500 == 0 { 70_000 } else { i % 97 });
                text.push_str(&format!("{name}\t{{\"p\":{{\"{pad}\":\"s\"}}}}\r\n"));
            }
            text.push_str("no tab here\n\tno name\nT::00007\tnot json\n");
            let db = SchemaDb::from_static(Box::leak(text.into_boxed_str()));
            let listed: Vec<&str> = db.type_names().collect();
            assert!(listed.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(listed.len(), names.len());
            for name in &names {
                assert!(db.resource(name).is_some(), "{name}");
            }
            assert!(db.resource("T::").is_none());
            assert!(db.resource("T::99999").is_none());
        }
    }

    /// The build-time records and index of the embedded file are the ones a scan
    /// would make, and its header is the file's.
    #[test]
    fn build_time_index_matches_a_scan() {
        assert_eq!(EMBEDDED_HEADER, header_line(EMBEDDED));
        let built = &SchemaDb::embedded().index;
        let scanned = index::Index::scan(EMBEDDED, SchemaDb::embedded().regions().len());
        assert!(built.names().eq(scanned.names()));
        for name in built.names() {
            assert_eq!(built.record(name), scanned.record(name), "{name}");
            assert!(built.record(name).is_some_and(|r| !r.is_empty()), "{name}");
        }
    }

    /// A type's record and every property shape in it decode to what its JSON says.
    #[test]
    fn records_decode_to_what_the_json_says() {
        let bucket = SchemaDb::embedded()
            .resource("AWS::S3::Bucket")
            .expect("Bucket");
        let json: serde_json::Value = serde_json::from_str(
            EMBEDDED
                .lines()
                .find_map(|l| l.strip_prefix("AWS::S3::Bucket\t"))
                .unwrap(),
        )
        .unwrap();
        let names: Vec<&str> = json["p"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| &**k)
            .collect();
        assert_eq!(bucket.properties.keys().collect::<Vec<_>>(), names);
        assert_eq!(bucket.properties["BucketName"], Shape::String);
        let mut attributes: Vec<&str> = json["a"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        attributes.sort_unstable();
        assert_eq!(bucket.attributes, attributes);
        assert_eq!(bucket.tagging, Tagging::List { property: "Tags" });
        let Shape::Object { properties, .. } = &bucket.properties["VersioningConfiguration"] else {
            panic!("VersioningConfiguration is an object");
        };
        assert_eq!(
            properties["Status"],
            Shape::Enum(vec!["Enabled".into(), "Suspended".into()])
        );
    }

    /// Truncated or corrupted records read as absent types, never a panic.
    #[test]
    fn malformed_records_are_absent() {
        let record = SchemaDb::embedded()
            .index
            .record("AWS::EC2::VPC")
            .expect("VPC");
        for cut in 0..record.len() {
            let short: &'static [u8] = &record[..cut];
            assert!(
                ResourceSchema::from_record("T", short, 30).is_none(),
                "{cut}"
            );
        }
        let mut flipped = record.to_vec();
        for at in (0..flipped.len()).step_by(3) {
            flipped[at] ^= 0xa5;
        }
        if let Some(r) = ResourceSchema::from_record("T", Vec::leak(flipped), 30) {
            let _ = r.properties.decode_all();
        }
    }

    /// Prints open and decode timings of the embedded data; run with
    /// `cargo test --release schema::tests::timings -- --nocapture`.
    /// The first round includes first-touch page faults on the embedded data.
    #[test]
    fn timings() {
        use std::time::Instant;
        let common = [
            "AWS::EC2::VPC",
            "AWS::EC2::Subnet",
            "AWS::EC2::InternetGateway",
            "AWS::EC2::RouteTable",
            "AWS::EC2::Route",
            "AWS::EC2::SecurityGroup",
            "AWS::EC2::LaunchTemplate",
            "AWS::EC2::Instance",
            "AWS::AutoScaling::AutoScalingGroup",
            "AWS::IAM::Role",
            "AWS::IAM::InstanceProfile",
            "AWS::S3::Bucket",
            "AWS::SecretsManager::Secret",
            "AWS::Logs::LogGroup",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
        ];
        for round in ["cold", "warm"] {
            let start = Instant::now();
            let db = SchemaDb::open_embedded();
            let open = start.elapsed();
            let start = Instant::now();
            for name in common {
                assert!(db.resource(name).is_some(), "{name}");
            }
            let parse = start.elapsed();
            let start = Instant::now();
            let types = db.type_names().count();
            let all = start.elapsed();
            println!(
                "schema db ({round}): {} bytes; open {} us; first decode of {} common types {} us; \
                 then listing all {types} names {} us",
                EMBEDDED_DATA.len(),
                open.as_micros(),
                common.len(),
                parse.as_micros(),
                all.as_micros(),
            );
        }
    }
}
