//! The IAM actions CloudFormation needs to manage each resource type: the union of
//! the create, update, delete and read handler permissions of its provider schema
//! (`schema/handler-permissions.tsv`, generated with `cfn.schemas`). A pipeline's
//! CloudFormation execution role is derived from them.

use std::sync::OnceLock;

const EMBEDDED: &str = include_str!("../../schema/handler-permissions.tsv");
const IAM_RESOURCES: &str = include_str!("../../schema/iam-resources.tsv");

/// The resource types an IAM action (`iam:CreateRole`) can be scoped to (`role`),
/// from `schema/iam-resources.tsv`; empty when it takes no resource ARN, `None` for
/// an action that is not known.
pub fn iam_resource_types(action: &str) -> Option<Vec<&'static str>> {
    static INDEX: OnceLock<Vec<(&str, &str)>> = OnceLock::new();
    let index = INDEX.get_or_init(|| index(IAM_RESOURCES));
    let rest = lookup(index, &action.to_ascii_lowercase())?;
    Some(rest.split(',').filter(|t| !t.is_empty()).collect())
}

/// The handler permissions of `type_name`, or `None` when its schema lists no handlers
/// (or the type is unknown).
pub fn handler_permissions(type_name: &str) -> Option<impl Iterator<Item = &'static str>> {
    static INDEX: OnceLock<Vec<(&str, &str)>> = OnceLock::new();
    let index = INDEX.get_or_init(|| index(EMBEDDED));
    lookup(index, type_name).map(|rest| rest.split(' ').filter(|a| !a.is_empty()))
}

/// `key<TAB>rest` lines, sorted by key for binary search (the files are generated
/// sorted; sorting again costs little and keeps a hand-edited file working).
fn index(text: &str) -> Vec<(&str, &str)> {
    let mut lines: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('\t')).collect();
    lines.sort_unstable_by_key(|(k, _)| *k);
    lines
}

fn lookup<'t>(index: &[(&'t str, &'t str)], key: &str) -> Option<&'t str> {
    index
        .binary_search_by_key(&key, |(k, _)| k)
        .ok()
        .map(|i| index[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_whole_type_names_only() {
        let text = "AWS::A::BC\ty:Three\nAWS::A::B\tx:One x:Two\nnot a line\n";
        let index = index(text);
        assert_eq!(lookup(&index, "AWS::A::B"), Some("x:One x:Two"));
        assert_eq!(lookup(&index, "AWS::A::BC"), Some("y:Three"));
        assert_eq!(lookup(&index, "A::B"), None);
        assert_eq!(lookup(&index, "AWS::A"), None);
    }

    #[test]
    fn the_embedded_file_knows_vpcs() {
        let vpc: Vec<&str> = handler_permissions("AWS::EC2::VPC")
            .expect("listed")
            .collect();
        assert!(vpc.contains(&"ec2:CreateVpc"));
        assert!(handler_permissions("AWS::No::Such").is_none());
        assert_eq!(iam_resource_types("iam:CreateRole"), Some(vec!["role"]));
        assert_eq!(iam_resource_types("iam:ListRoles"), Some(vec![]));
        assert_eq!(iam_resource_types("iam:NoSuchThing"), None);
    }
}
