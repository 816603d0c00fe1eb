//! The IAM actions CloudFormation needs to manage each resource type: the union of
//! the create, update, delete and read handler permissions of its provider schema
//! (`schema/handler-permissions.tsv`, generated with `cfn.schemas`). A pipeline's
//! CloudFormation execution role is derived from them.

/// `schema/handler-permissions.tsv` with the lines of the stdlib's types first (`build.rs`).
const EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/handler-permissions.tsv"));
const IAM_RESOURCES: &str = include_str!("../../schema/iam-resources.tsv");

/// A `key<TAB>rest` table and its build-time index (`build.rs`): each key, in sorted
/// order, with the byte range of its `rest`.
struct Table {
    text: &'static str,
    index: &'static [(&'static str, u32, u32)],
    /// The build-time hash table of the index's keys (`lines::slots`).
    slots: &'static [u16],
}

const HANDLERS: Table = Table {
    text: EMBEDDED,
    index: include!(concat!(env!("OUT_DIR"), "/handler_permissions_index.rs")),
    slots: include!(concat!(env!("OUT_DIR"), "/handler_permissions_slots.rs")),
};

const IAM: Table = Table {
    text: IAM_RESOURCES,
    index: include!(concat!(env!("OUT_DIR"), "/iam_resources_index.rs")),
    slots: include!(concat!(env!("OUT_DIR"), "/iam_resources_slots.rs")),
};

impl Table {
    /// The rest of `key`'s line, found through the hash table: a binary search read a
    /// dozen keys scattered through the binary's data for each lookup, most of them
    /// not yet in any cache in a run of milliseconds.
    fn lookup(&self, key: &str) -> Option<&'static str> {
        let i = super::lines::find(self.slots, key, |at| self.index.get(at).map(|e| e.0))?;
        let (_, start, end) = self.index[i];
        self.text.get(start as usize..end as usize)
    }
}

/// The resource types an IAM action (`iam:CreateRole`) can be scoped to (`role`),
/// from `schema/iam-resources.tsv`; empty when it takes no resource ARN, `None` for
/// an action that is not known.
pub fn iam_resource_types(action: &str) -> Option<Vec<&'static str>> {
    let rest = IAM.lookup(&action.to_ascii_lowercase())?;
    Some(rest.split(',').filter(|t| !t.is_empty()).collect())
}

/// The handler permissions of `type_name`, or `None` when its schema lists no handlers
/// (or the type is unknown).
pub fn handler_permissions(type_name: &str) -> Option<impl Iterator<Item = &'static str>> {
    HANDLERS
        .lookup(type_name)
        .map(|rest| rest.split(' ').filter(|a| !a.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_time_indexes_agree_with_a_scan() {
        for table in [&HANDLERS, &IAM] {
            let scanned: Vec<_> = crate::schema::lines::keyed_lines(table.text, 0)
                .map(|(n, line)| line.unwrap_or_else(|| panic!("line {n} is not key<TAB>rest")))
                .collect();
            assert_eq!(scanned.len(), table.index.len());
            let names: Vec<&str> = table.index.iter().map(|e| e.0).collect();
            assert_eq!(table.slots, crate::schema::lines::slots(&names).as_slice());
            for line in scanned {
                assert_eq!(
                    table.lookup(line.name),
                    Some(&table.text[line.start..line.end])
                );
            }
        }
        assert_eq!(HANDLERS.lookup("AWS::EC2"), None, "whole keys only");
        assert_eq!(HANDLERS.lookup("AWS::EC2::VPCX"), None);
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
