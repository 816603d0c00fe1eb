//! In-process timings of the compiler's phases, to see where whole-process time goes
//! (`scripts/bench` measures whole processes). Run: `cargo bench --bench phases`.
//!
//! Prints, for the fleet example and a generated 100-environment program: loading the
//! embedded schemas (index, then the types the program uses), parsing, resolving,
//! expanding and emitting, each the median of several runs.

use std::time::{Duration, Instant};

use sleuthc::schema::SchemaDb;
use sleuthc::source::{LoadError, SourceLoader};
use sleuthc::{compile, Mode, Options};

// The allocator of the `sleuthc` binary, set up as it does (`alloc::set_up`, before the
// first allocation), so that in-process times are those it sees (the system allocator
// is about a fifth slower here).
#[global_allocator]
static GLOBAL: sleuthc::alloc::Allocator = sleuthc::alloc::Allocator;

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static SET_UP_ALLOCATOR: extern "C" fn() = sleuthc::alloc::set_up;

struct NoImports;

impl SourceLoader for NoImports {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        Err(LoadError::Io(format!(
            "{path}: relative imports are not used in benchmarks"
        )))
    }
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:8.3} ms", d.as_secs_f64() * 1e3)
}

const FLEET_TYPES: &[&str] = &[
    "AWS::EC2::VPC",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::Subnet",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::Logs::LogGroup",
    "AWS::IAM::Role",
    "AWS::EC2::FlowLog",
    "AWS::EC2::SecurityGroup",
    "AWS::IAM::InstanceProfile",
    "AWS::SecretsManager::Secret",
    "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::Lambda::Function",
    "AWS::Events::Rule",
    "AWS::Lambda::Permission",
    "AWS::Backup::BackupVault",
    "AWS::Backup::BackupPlan",
    "AWS::Backup::BackupSelection",
];

fn main() {
    #[cfg(not(target_os = "linux"))]
    sleuthc::alloc::set_up();
    // `cargo bench --bench phases -- parse FILE`: parse one file 100 times (for profilers).
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --all-targets` runs benches once as tests: timings mean nothing in a
    // debug build, so only `cargo bench` (which passes `--bench`) measures.
    if !args
        .iter()
        .any(|a| a == "--bench" || a == "parse" || a == "expand")
    {
        println!("phases: run with `cargo bench --bench phases` to measure");
        return;
    }
    // `cargo bench --bench phases -- expand FILE`: expand one program 500 times.
    if let Some(i) = args.iter().position(|a| a == "expand") {
        let file = args.get(i + 1).expect("usage: phases -- expand FILE");
        let src = std::fs::read_to_string(file).expect("readable file");
        let (parsed, _) = sleuthc::resolve::load(file, src, &NoImports);
        let (checked, _) = sleuthc::resolve::resolve(parsed);
        let t = time(500, || {
            sleuthc::expand::expand(&checked, &Options::default())
        });
        println!("expand {file}: {}", ms(t));
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "parse") {
        let src = std::fs::read_to_string(&args[i + 1]).expect("readable file");
        let t = time(100, || {
            let mut d = sleuthc::diagnostics::Diagnostics::default();
            sleuthc::syntax::parse(sleuthc::span::FileId(0), &src, &mut d)
        });
        println!("parse {}: {}", args[i + 1], ms(t));
        return;
    }
    let open = time(20, SchemaDb::open_embedded);
    let first_use = time(20, || {
        let db = SchemaDb::open_embedded();
        FLEET_TYPES
            .iter()
            .filter(|t| db.resource(t).is_some())
            .count()
    });
    // Any other schema text is encoded as `build.rs` encodes the embedded file (the
    // records live as long as the process, so a few rounds only).
    let text: &'static str = include_str!("../schema/cfn.schemas");
    let scan = time(3, || SchemaDb::from_static(text));
    println!("schemas: open the embedded data           {}", ms(open));
    println!(
        "schemas: open + decode {} fleet types    {}",
        FLEET_TYPES.len(),
        ms(first_use)
    );
    println!("schemas: encode and index a text instead  {}", ms(scan));

    let fleet = std::fs::read_to_string("examples/tablesleuth/envs.sleuth")
        .expect("run from the repository root");
    let large = std::process::Command::new("python3")
        .args(["benches/gen_large.py", "100"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let mut cases = vec![("fleet", fleet, 30)];
    if let Some(l) = large {
        cases.push(("large (100 envs x 3 regions x 2 stacks)", l, 5));
    }
    for (name, src, runs) in cases {
        let parse = time(runs, || {
            let mut d = sleuthc::diagnostics::Diagnostics::default();
            sleuthc::syntax::parse(sleuthc::span::FileId(0), &src, &mut d)
        });
        let check = time(runs, || {
            compile(
                name,
                src.clone(),
                &NoImports,
                &Options::default(),
                Mode::Check,
            )
        });
        let build = time(runs, || {
            compile(
                name,
                src.clone(),
                &NoImports,
                &Options::default(),
                Mode::Build,
            )
        });
        let c = compile(
            name,
            src.clone(),
            &NoImports,
            &Options::default(),
            Mode::Build,
        );
        assert!(!c.has_errors(), "{name} must compile");
        let files = c.files.unwrap_or_default();
        let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
        println!("{name}:");
        println!("  parse of the root file only             {}", ms(parse));
        println!("  check (load, resolve, expand, limits)   {}", ms(check));
        println!("  build (check + serialise all files)     {}", ms(build));
        println!("  output: {} files, {} bytes", files.len(), bytes);

        // The check's phases, each timed cumulatively from the start (a phase consumes
        // what the one before it made) and printed as the difference.
        let load = time(runs, || {
            sleuthc::resolve::load(name, src.clone(), &NoImports)
        });
        let resolved = time(runs, || {
            let (parsed, _) = sleuthc::resolve::load(name, src.clone(), &NoImports);
            sleuthc::resolve::resolve(parsed)
        });
        let expanded = time(runs, || {
            let (parsed, _) = sleuthc::resolve::load(name, src.clone(), &NoImports);
            let (checked, _) = sleuthc::resolve::resolve(parsed);
            (
                sleuthc::expand::expand(&checked, &Options::default()),
                checked,
            )
        });
        let (parsed, _) = sleuthc::resolve::load(name, src.clone(), &NoImports);
        let (checked, _) = sleuthc::resolve::resolve(parsed);
        let (program, _) = sleuthc::expand::expand(&checked, &Options::default());
        let program = program.expect("expands");
        let rebuild = sleuthc::pipeline::Rebuild {
            root_name: name,
            params: &[],
            expect: &[],
            github_actions: false,
        };
        let pipelines = time(runs, || {
            let mut d = sleuthc::diagnostics::Diagnostics::default();
            sleuthc::pipeline::emit(&program, &rebuild, false, &mut d)
        });
        let templates = time(runs, || {
            program
                .stacks
                .iter()
                .map(|inst| sleuthc::emit::to_json(&sleuthc::emit::cloudformation::Template(inst)))
                .collect::<Vec<_>>()
        });
        println!("    load: parse the root, decode the stdlib {}", ms(load));
        println!(
            "    resolve and type-check                {}",
            ms(resolved.saturating_sub(load))
        );
        println!(
            "    expand every stack instance           {}",
            ms(expanded.saturating_sub(resolved))
        );
        println!(
            "    pipelines (declarations, templates)   {}",
            ms(pipelines)
        );
        println!(
            "    stack templates serialised            {}",
            ms(templates)
        );

        // The deploy graph on its own: both levels built and checked for cycles, the
        // waves computed, and the order view rendered.
        let (parsed, _) = sleuthc::resolve::load(name, src.clone(), &NoImports);
        let (checked, _) = sleuthc::resolve::resolve(parsed);
        let (expanded, _) = sleuthc::expand::expand(&checked, &Options::default());
        let expanded = expanded.expect("expands");
        let graph = time(runs, || {
            let mut d = sleuthc::diagnostics::Diagnostics::default();
            sleuthc::graph::check(&expanded, &mut d).expect("acyclic")
        });
        let stacks = sleuthc::graph::check(&expanded, &mut Default::default()).expect("acyclic");
        let request = sleuthc::graph::view::Request {
            level: sleuthc::graph::view::Level::Stacks,
            envs: Vec::new(),
            regions: Vec::new(),
            stacks: Vec::new(),
            all_resources: false,
        };
        let order = time(runs, || {
            sleuthc::graph::view::order_text(&expanded, &stacks, &request)
        });
        println!(
            "  deploy graph ({} instances, {} resources): build + cycles + waves {}",
            expanded.stacks.len(),
            expanded
                .stacks
                .iter()
                .map(|s| s.resources.len())
                .sum::<usize>(),
            ms(graph)
        );
        println!("  order view (waves as text)              {}", ms(order));
    }
}
