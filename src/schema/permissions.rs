//! The IAM actions CloudFormation needs to manage each resource type: the union of
//! the create, update, delete and read handler permissions of its provider schema
//! (`schema/handler-permissions.tsv`, generated with `cfn.schemas`). A pipeline's
//! CloudFormation execution role is derived from them.

const EMBEDDED: &str = include_str!("../../schema/handler-permissions.tsv");
const IAM_RESOURCES: &str = include_str!("../../schema/iam-resources.tsv");

/// The resource types an IAM action (`iam:CreateRole`) can be scoped to (`role`),
/// from `schema/iam-resources.tsv`; empty when it takes no resource ARN, `None` for
/// an action that is not known.
pub fn iam_resource_types(action: &str) -> Option<Vec<&'static str>> {
    let rest = lookup(IAM_RESOURCES, &action.to_ascii_lowercase())?;
    Some(rest.split(',').filter(|t| !t.is_empty()).collect())
}

/// The handler permissions of `type_name`, or `None` when its schema lists no handlers
/// (or the type is unknown).
pub fn handler_permissions(type_name: &str) -> Option<impl Iterator<Item = &'static str>> {
    lookup(EMBEDDED, type_name).map(|rest| rest.split(' ').filter(|a| !a.is_empty()))
}

/// The rest of the line that starts with `type_name<TAB>` in `text`.
fn lookup<'t>(text: &'t str, type_name: &str) -> Option<&'t str> {
    let mut at = 0;
    while let Some(found) = text[at..].find(type_name) {
        let start = at + found;
        let end = start + type_name.len();
        at = end;
        let line_start = start == 0 || text.as_bytes()[start - 1] == b'\n';
        if line_start && text.as_bytes().get(end) == Some(&b'\t') {
            let rest = &text[end + 1..];
            return Some(rest.split('\n').next().unwrap_or(""));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_whole_type_names_only() {
        let text = "AWS::A::B\tx:One x:Two\nAWS::A::BC\ty:Three\n";
        assert_eq!(lookup(text, "AWS::A::B"), Some("x:One x:Two"));
        assert_eq!(lookup(text, "AWS::A::BC"), Some("y:Three"));
        assert_eq!(lookup(text, "A::B"), None);
        assert_eq!(lookup(text, "AWS::A"), None);
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
