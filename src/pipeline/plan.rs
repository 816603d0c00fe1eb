//! The deploy plan of one pipeline stage: which stack instance deploys at which
//! runOrder, from the rollout (regions all at once, one at a time, or in waves of n)
//! and the dependencies between the stage's instances (docs/design/pipeline.md, B2).
//!
//! Pure data in, data out: the instances come from the manifest's view of the build
//! (id, environment, region, stack, dependencies), so this is testable without
//! compiling a program.

/// How a stage rolls out over the regions of its environments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rollout {
    Parallel,
    Sequential,
    /// `n` regions at a time (`n >= 1`).
    Waves(usize),
}

/// How each stack instance is deployed: one action, or a change set created,
/// reviewed by a person (one manual approval for every change set of the runOrder),
/// then executed (three runOrders per level).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeployMode {
    CreateUpdate,
    ChangeSet,
}

/// One stack instance, as the manifest gives it.
#[derive(Clone, Debug)]
pub struct Instance<'a> {
    pub id: &'a str,
    pub env: &'a str,
    pub region: &'a str,
    /// Ids of instances that must deploy first.
    pub depends_on: &'a [String],
}

/// One step of one instance: its runOrder, and which step it is (`Deploy`, or the
/// change-set `Create` and `Execute`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub instance: usize,
    pub run_order: u32,
    pub kind: StepKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    Deploy,
    CreateChangeSet,
    ExecuteChangeSet,
}

/// Why a stage cannot be planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// `reader` needs `needed`, which this stage deploys in a later region group.
    LaterGroup { reader: usize, needed: usize },
    /// `reader` needs an instance that no earlier stage (nor this one) deploys.
    NotDeployedBefore { reader: usize, needed: String },
}

/// Plans one stage. `stage` lists the indices (into `all`) of the instances the stage
/// deploys, in build order; `earlier` says whether an instance id is deployed by an
/// earlier stage; `regions` is the order of the stage's regions (as the environments
/// list them, first appearance first).
pub fn plan_stage(
    all: &[Instance<'_>],
    stage: &[usize],
    regions: &[&str],
    rollout: Rollout,
    mode: DeployMode,
    earlier: &dyn Fn(&str) -> bool,
) -> Result<Vec<Step>, Vec<PlanError>> {
    let group_of_region = |region: &str| -> usize {
        let r = regions.iter().position(|x| *x == region).unwrap_or(0);
        match rollout {
            Rollout::Parallel => 0,
            Rollout::Sequential => r,
            Rollout::Waves(n) => r / n.max(1),
        }
    };
    let group: Vec<usize> = stage
        .iter()
        .map(|&i| group_of_region(all[i].region))
        .collect();
    let position = |id: &str| stage.iter().position(|&i| all[i].id == id);

    // Levels inside each group: longest path over same-group dependencies. Instances
    // come in build order, where dependencies precede their readers, but a level is
    // only final once all of an instance's dependencies have one: iterate to a fixed
    // point (at most `stage.len()` rounds; the deploy graph is acyclic).
    let mut errors = Vec::new();
    let mut level = vec![1u32; stage.len()];
    for (k, &i) in stage.iter().enumerate() {
        for d in all[i].depends_on {
            match position(d) {
                Some(j) if group[j] > group[k] => errors.push(PlanError::LaterGroup {
                    reader: i,
                    needed: stage[j],
                }),
                Some(_) => {}
                None if earlier(d) => {}
                None => errors.push(PlanError::NotDeployedBefore {
                    reader: i,
                    needed: d.clone(),
                }),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for _ in 0..stage.len() {
        let mut changed = false;
        for k in 0..stage.len() {
            let i = stage[k];
            let want = all[i]
                .depends_on
                .iter()
                .filter_map(|d| position(d))
                .filter(|&j| group[j] == group[k])
                .map(|j| level[j] + 1)
                .max()
                .unwrap_or(1);
            if want > level[k] {
                level[k] = want;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    // runOrder: groups one after another, each as tall as its deepest level times
    // the steps per level.
    let per_level: u32 = match mode {
        DeployMode::CreateUpdate => 1,
        DeployMode::ChangeSet => 3,
    };
    let groups = group.iter().copied().max().map_or(0, |g| g + 1);
    let mut base = vec![0u32; groups + 1];
    for g in 0..groups {
        let height = (0..stage.len())
            .filter(|&k| group[k] == g)
            .map(|k| level[k])
            .max()
            .unwrap_or(0);
        base[g + 1] = base[g] + height * per_level;
    }
    let mut steps = Vec::new();
    for (k, &i) in stage.iter().enumerate() {
        let first = base[group[k]] + (level[k] - 1) * per_level + 1;
        match mode {
            DeployMode::CreateUpdate => steps.push(Step {
                instance: i,
                run_order: first,
                kind: StepKind::Deploy,
            }),
            DeployMode::ChangeSet => {
                steps.push(Step {
                    instance: i,
                    run_order: first,
                    kind: StepKind::CreateChangeSet,
                });
                steps.push(Step {
                    instance: i,
                    run_order: first + 2,
                    kind: StepKind::ExecuteChangeSet,
                });
            }
        }
    }
    steps.sort_by_key(|s| (s.run_order, stage.iter().position(|&i| i == s.instance)));
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fleet's prod: network then compute in three regions.
    fn prod() -> (Vec<String>, Vec<Vec<String>>) {
        let regions = ["us-east-2", "us-west-2", "eu-west-1"];
        let mut ids = Vec::new();
        let mut deps = Vec::new();
        for r in regions {
            ids.push(format!("prod/{r}/network"));
            deps.push(Vec::new());
            ids.push(format!("prod/{r}/compute"));
            deps.push(vec![format!("prod/{r}/network")]);
        }
        (ids, deps)
    }

    fn instances<'a>(ids: &'a [String], deps: &'a [Vec<String>]) -> Vec<Instance<'a>> {
        ids.iter()
            .zip(deps)
            .map(|(id, d)| {
                let mut parts = id.split('/');
                Instance {
                    id,
                    env: parts.next().unwrap(),
                    region: parts.next().unwrap(),
                    depends_on: d,
                }
            })
            .collect()
    }

    const REGIONS: [&str; 3] = ["us-east-2", "us-west-2", "eu-west-1"];

    fn orders(steps: &[Step], all: &[Instance<'_>]) -> Vec<(String, u32)> {
        steps
            .iter()
            .map(|s| (all[s.instance].id.to_string(), s.run_order))
            .collect()
    }

    #[test]
    fn parallel_regions_share_run_orders() {
        let (ids, deps) = prod();
        let all = instances(&ids, &deps);
        let stage: Vec<usize> = (0..all.len()).collect();
        let steps = plan_stage(
            &all,
            &stage,
            &REGIONS,
            Rollout::Parallel,
            DeployMode::CreateUpdate,
            &|_| false,
        )
        .unwrap();
        let o = orders(&steps, &all);
        assert!(o
            .iter()
            .filter(|(id, _)| id.ends_with("network"))
            .all(|(_, r)| *r == 1));
        assert!(o
            .iter()
            .filter(|(id, _)| id.ends_with("compute"))
            .all(|(_, r)| *r == 2));
    }

    #[test]
    fn one_region_at_a_time() {
        let (ids, deps) = prod();
        let all = instances(&ids, &deps);
        let stage: Vec<usize> = (0..all.len()).collect();
        let steps = plan_stage(
            &all,
            &stage,
            &REGIONS,
            Rollout::Waves(1),
            DeployMode::CreateUpdate,
            &|_| false,
        )
        .unwrap();
        assert_eq!(
            orders(&steps, &all),
            vec![
                ("prod/us-east-2/network".into(), 1),
                ("prod/us-east-2/compute".into(), 2),
                ("prod/us-west-2/network".into(), 3),
                ("prod/us-west-2/compute".into(), 4),
                ("prod/eu-west-1/network".into(), 5),
                ("prod/eu-west-1/compute".into(), 6),
            ]
        );
        let sequential = plan_stage(
            &all,
            &stage,
            &REGIONS,
            Rollout::Sequential,
            DeployMode::CreateUpdate,
            &|_| false,
        )
        .unwrap();
        assert_eq!(sequential, steps, "waves(1) is sequential");
    }

    #[test]
    fn waves_of_two_regions() {
        let (ids, deps) = prod();
        let all = instances(&ids, &deps);
        let stage: Vec<usize> = (0..all.len()).collect();
        let steps = plan_stage(
            &all,
            &stage,
            &REGIONS,
            Rollout::Waves(2),
            DeployMode::CreateUpdate,
            &|_| false,
        )
        .unwrap();
        let o = orders(&steps, &all);
        let at = |id: &str| o.iter().find(|(x, _)| x == id).unwrap().1;
        assert_eq!(at("prod/us-east-2/network"), 1);
        assert_eq!(at("prod/us-west-2/network"), 1);
        assert_eq!(at("prod/us-west-2/compute"), 2);
        assert_eq!(at("prod/eu-west-1/network"), 3);
        assert_eq!(at("prod/eu-west-1/compute"), 4);
    }

    #[test]
    fn change_sets_take_three_run_orders_per_level() {
        let (ids, deps) = prod();
        let all = instances(&ids, &deps);
        let stage: Vec<usize> = (0..2).collect(); // us-east-2 only
        let steps = plan_stage(
            &all,
            &stage,
            &REGIONS[..1],
            Rollout::Parallel,
            DeployMode::ChangeSet,
            &|_| false,
        )
        .unwrap();
        let kinds: Vec<(u32, StepKind)> = steps.iter().map(|s| (s.run_order, s.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                // The review at runOrders 2 and 5 is added by the declaration.
                (1, StepKind::CreateChangeSet),
                (3, StepKind::ExecuteChangeSet),
                (4, StepKind::CreateChangeSet),
                (6, StepKind::ExecuteChangeSet),
            ]
        );
    }

    #[test]
    fn a_read_from_a_region_deployed_later_is_an_error() {
        // eu-west-1's compute reads us-east-2's network... fine; but us-east-2's
        // compute reading eu-west-1's network, one region at a time, cannot work.
        let ids: Vec<String> = ["prod/us-east-2/compute", "prod/eu-west-1/network"]
            .map(String::from)
            .to_vec();
        let deps = vec![vec!["prod/eu-west-1/network".to_string()], Vec::new()];
        let all = instances(&ids, &deps);
        let regions = ["us-east-2", "eu-west-1"];
        let err = plan_stage(
            &all,
            &[0, 1],
            &regions,
            Rollout::Sequential,
            DeployMode::CreateUpdate,
            &|_| false,
        )
        .unwrap_err();
        assert_eq!(
            err,
            vec![PlanError::LaterGroup {
                reader: 0,
                needed: 1
            }]
        );
        // In parallel the dependency orders them inside the one group.
        let steps = plan_stage(
            &all,
            &[0, 1],
            &regions,
            Rollout::Parallel,
            DeployMode::CreateUpdate,
            &|_| false,
        )
        .unwrap();
        assert_eq!(
            orders(&steps, &all),
            vec![
                ("prod/eu-west-1/network".into(), 1),
                ("prod/us-east-2/compute".into(), 2)
            ]
        );
    }

    #[test]
    fn dependencies_must_be_deployed_by_an_earlier_stage() {
        let ids = vec!["prod/us-east-2/compute".to_string()];
        let deps = vec![vec!["prod/us-east-2/network".to_string()]];
        let all = instances(&ids, &deps);
        let err = plan_stage(
            &all,
            &[0],
            &REGIONS[..1],
            Rollout::Parallel,
            DeployMode::CreateUpdate,
            &|_| false,
        )
        .unwrap_err();
        assert_eq!(
            err,
            vec![PlanError::NotDeployedBefore {
                reader: 0,
                needed: "prod/us-east-2/network".into()
            }]
        );
        assert!(plan_stage(
            &all,
            &[0],
            &REGIONS[..1],
            Rollout::Parallel,
            DeployMode::CreateUpdate,
            &|id| id.ends_with("network")
        )
        .is_ok());
    }

    #[test]
    fn levels_follow_dependencies_listed_out_of_order() {
        // c needs b needs a, listed c, b, a: levels still 3, 2, 1.
        let ids: Vec<String> = ["e/r/c", "e/r/b", "e/r/a"].map(String::from).to_vec();
        let deps = vec![
            vec!["e/r/b".to_string()],
            vec!["e/r/a".to_string()],
            Vec::new(),
        ];
        let all = instances(&ids, &deps);
        let steps = plan_stage(
            &all,
            &[0, 1, 2],
            &["r"],
            Rollout::Parallel,
            DeployMode::CreateUpdate,
            &|_| false,
        )
        .unwrap();
        assert_eq!(
            orders(&steps, &all),
            vec![
                ("e/r/a".into(), 1),
                ("e/r/b".into(), 2),
                ("e/r/c".into(), 3)
            ]
        );
    }
}
