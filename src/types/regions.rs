//! AWS regions (from the embedded CloudFormation schemas) and their availability
//! zone names, so `availability_zones(n)` is resolved at compile time instead of
//! emitting `Fn::GetAZs ""`.
//!
//! AZ *names* (`us-east-2a`) exist in every account; which physical zone a name maps
//! to differs per account, which does not matter for placing subnets.

use crate::schema::SchemaDb;

pub fn all() -> &'static [String] {
    SchemaDb::embedded().regions()
}

pub fn is_region(s: &str) -> bool {
    all().binary_search_by(|r| r.as_str().cmp(s)).is_ok()
}

/// The AZ letters of a region, for regions whose zones are the same in every account.
/// Regions not listed here have at least three zones `a`, `b`, `c`.
const ZONES: &[(&str, &str)] = &[
    ("us-east-1", "abcdef"),
    ("us-east-2", "abc"),
    ("us-west-1", "bc"),
    ("us-west-2", "abcd"),
    ("ca-central-1", "abd"),
    ("eu-west-1", "abc"),
    ("eu-west-2", "abc"),
    ("eu-west-3", "abc"),
    ("eu-central-1", "abc"),
    ("eu-north-1", "abc"),
    ("ap-northeast-1", "acd"),
    ("ap-northeast-2", "abcd"),
    ("ap-northeast-3", "abc"),
    ("ap-southeast-1", "abc"),
    ("ap-southeast-2", "abc"),
    ("ap-south-1", "abc"),
    ("sa-east-1", "abc"),
];

/// The availability zone names of a region, in order.
pub fn availability_zones(region: &str) -> Vec<String> {
    let letters = ZONES
        .iter()
        .find(|(r, _)| *r == region)
        .map_or("abc", |(_, l)| l);
    letters.chars().map(|c| format!("{region}{c}")).collect()
}

/// The partition a region belongs to, for ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}
