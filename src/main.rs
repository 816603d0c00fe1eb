//! The `sleuthc` command line: argument parsing, file reading and writing, colour and
//! exit codes. All compiler logic lives in the library.

// On Linux the process starts in `main` below, not in the Rust runtime's start-up: see
// `start`.
#![cfg_attr(all(target_os = "linux", not(test)), no_main)]

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use sleuthc::codes::Code;
use sleuthc::diagnostics::{render_human, render_json, Diagnostic};
use sleuthc::emit::OutputFile;
use sleuthc::source::{LoadError, Origin, SourceLoader, SourceMap};
use sleuthc::span::Span;
use sleuthc::{compile, Compilation, GraphFormat, Mode, Options};

#[derive(Parser)]
#[command(
    name = "sleuthc",
    version,
    about = "Compile .sleuth environment descriptions into AWS CloudFormation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile and write templates and manifest.json into the output directory.
    Build {
        #[command(flatten)]
        input: Input,
        /// Output directory; replaced atomically, untouched on error.
        #[arg(short, long, default_value = "out")]
        out_dir: PathBuf,
        /// Build even when an export that the previous build's stacks import (per
        /// OUT_DIR/manifest.json) is removed: for when the importing stack goes too.
        #[arg(long)]
        allow_export_removal: bool,
        /// The manifest.json of what is deployed, for the export guard, instead of
        /// OUT_DIR/manifest.json (a CI job on a fresh checkout has no OUT_DIR yet).
        #[arg(long, value_name = "FILE")]
        previous_manifest: Option<PathBuf>,
        /// Fail unless pipeline NAME's setup (its declaration, support and bootstrap
        /// templates) has this digest (the manifest's `pipelines[].digest`): the
        /// pipeline's build step passes the deployed one, so a source that needs a
        /// different pipeline or roles stops before deploying.
        #[arg(long = "expect-pipeline", value_name = "NAME=DIGEST", value_parser = parse_expectation)]
        expect_pipelines: Vec<(String, String)>,
        /// Also write each pipeline as a CI workflow under OUT_DIR/ci/ (and the roles
        /// it assumes into the bootstrap templates).
        #[arg(long, value_enum)]
        ci: Option<CiArg>,
    },
    /// Parse, resolve, type-check and expand; write nothing.
    Check {
        #[command(flatten)]
        input: Input,
    },
    /// Print the dependency graph: stack instances (with deploy waves) or resources.
    Graph {
        #[command(flatten)]
        input: Input,
        /// Which level: stack instances, the resources of each template, or the
        /// pipelines' stages and actions.
        #[arg(long, value_enum, default_value_t = ViewArg::Stacks)]
        view: ViewArg,
        /// dot (Graphviz), mermaid (renders on GitHub), json, or order (the deploy
        /// waves, for a person).
        #[arg(long, value_enum, default_value_t = FormatArg::Dot)]
        format: FormatArg,
        /// Only these stacks (repeatable).
        #[arg(long = "stack", value_name = "STACK")]
        stacks: Vec<String>,
        /// In the resources view, one node per resource instead of one per
        /// component instance.
        #[arg(long)]
        all_resources: bool,
    },
    /// Explain a diagnostic code, e.g. `sleuthc explain E0207`.
    Explain {
        /// The code, such as E0207.
        code: String,
    },
}

#[derive(Args)]
struct Input {
    /// The .sleuth file to compile.
    file: PathBuf,
    /// Only these environments (repeatable).
    #[arg(long = "env", value_name = "ENV")]
    envs: Vec<String>,
    /// Only these regions (repeatable).
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Override a param: `--param ssh_cidr=198.51.100.4/32` (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// How diagnostics are printed: human (stderr) or one JSON object per line (stdout).
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// When to colour diagnostics (NO_COLOR is honoured in `auto`).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, ValueEnum)]
enum CiArg {
    /// GitHub Actions: ci/github-actions/<pipeline>.yml.
    GithubActions,
}

#[derive(Clone, Copy, ValueEnum)]
enum ViewArg {
    Stacks,
    Resources,
    /// The pipelines' stages and actions, in the order they run.
    Pipeline,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Dot,
    Mermaid,
    Json,
    Order,
}

#[derive(Clone, Copy, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, found `{s}`")),
    }
}

/// Exit codes: 0 success, 1 diagnostics, 2 usage or I/O problems.
const EXIT_SUCCESS: u8 = 0;
const EXIT_DIAGNOSTICS: u8 = 1;
const EXIT_IO: u8 = 2;

// The compiler allocates many small values: the main thread's region, then mimalloc,
// are markedly faster than the system allocator for that (see `sleuthc::alloc` and
// docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: sleuthc::alloc::Allocator = sleuthc::alloc::Allocator;

/// The allocator is set up (the region mapped, mimalloc's options set) before the first
/// allocation, which the Rust runtime's start-up or ours makes before `sleuthc_main`
/// (`sleuthc::alloc::set_up`).
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static SET_UP_ALLOCATOR: extern "C" fn() = sleuthc::alloc::set_up;

/// The process's entry point on Linux, called by the C library's start-up with the
/// arguments (which `std::env::args` reads on its own); see [`start`].
#[cfg(all(target_os = "linux", not(test)))]
#[no_mangle]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    start::prepare();
    let status = sleuthc_main();
    // Flushes standard output, as the Rust runtime's exit does, then exits.
    std::process::exit(i32::from(status))
}

#[cfg(not(all(target_os = "linux", not(test))))]
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(sleuthc_main())
}

/// What the Rust runtime's start-up (`lang_start`) does that this program needs, done
/// instead of it on Linux, where it also installs a handler that reports a stack
/// overflow by name: finding the main thread's stack for that (glibc reads
/// `/proc/self/maps`), mapping an alternate signal stack and unmapping it at exit cost
/// an empty program about 0.1 ms, and the fleet's build 0.03-0.06 ms at the 10th
/// percentile (docs/PERFORMANCE.md). Without the handler an
/// overflow is a plain SIGSEGV; the compiler's recursion is bounded, or grows its
/// stack (stacker), so that none happens.
#[cfg(all(target_os = "linux", not(test)))]
mod start {
    /// Standard descriptors that are closed are opened on `/dev/null`, so that no file
    /// the build opens becomes standard output; a write to a closed pipe is an error
    /// (exit status 2), not a SIGPIPE.
    pub fn prepare() {
        for fd in 0..3 {
            // SAFETY: F_GETFD only reads the descriptor's flags.
            let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
            // The lowest free descriptor is `fd`: the ones below it are open by now.
            // SAFETY: a NUL-terminated path.
            if closed && unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) } != fd {
                std::process::abort();
            }
        }
        // SAFETY: sets the disposition of one signal, before any thread exists.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    }
}

fn sleuthc_main() -> u8 {
    #[cfg(not(target_os = "linux"))]
    sleuthc::alloc::set_up();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_IO
            } else {
                EXIT_SUCCESS
            };
        }
    };
    // Release builds abort on panic (smaller, faster code); say what happened first.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal compiler error: {info}");
        eprintln!("note: this is a bug in sleuthc; please report it with the input that caused it");
    }));
    // Tree depth, component nesting and value sizes are bounded by the library; chains
    // of stacks reading stacks are not, and grow the stack as they go (stacker).
    run(cli)
}

fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Explain { code } => explain(&code),
        Command::Check { input } => {
            let Some(c) = compile_input(&input, Mode::Check, Guards::default()) else {
                return EXIT_IO;
            };
            report(&c, &input);
            let status = if c.has_errors() {
                EXIT_DIAGNOSTICS
            } else {
                EXIT_SUCCESS
            };
            // As for `build`: the process ends, freeing is left to the OS.
            std::mem::forget(c);
            status
        }
        Command::Graph {
            input,
            view,
            format,
            stacks,
            all_resources,
        } => {
            let pipeline = matches!(view, ViewArg::Pipeline);
            let request = sleuthc::graph::view::Request {
                level: match view {
                    ViewArg::Stacks => sleuthc::graph::view::Level::Stacks,
                    ViewArg::Resources => sleuthc::graph::view::Level::Resources,
                    ViewArg::Pipeline => sleuthc::graph::view::Level::Pipeline,
                },
                // --env and --region select what is expanded, except for pipelines,
                // which are laid out over every environment and then filtered.
                envs: if pipeline {
                    input.envs.clone()
                } else {
                    Vec::new()
                },
                regions: if pipeline {
                    input.regions.clone()
                } else {
                    Vec::new()
                },
                stacks,
                all_resources,
            };
            let format = match format {
                FormatArg::Dot => GraphFormat::Dot,
                FormatArg::Mermaid => GraphFormat::Mermaid,
                FormatArg::Json => GraphFormat::Json,
                FormatArg::Order => GraphFormat::Order,
            };
            let Some(c) = read_and(&input, |name, text, options| {
                let mut options = options.clone();
                if pipeline {
                    options.envs.clear();
                    options.regions.clear();
                }
                sleuthc::graph_view(name, text, &FsLoader, &options, &request, format)
            }) else {
                return EXIT_IO;
            };
            report(&c, &input);
            match c.files.as_deref() {
                Some([file]) => {
                    use std::io::Write as _;
                    let mut out = std::io::stdout().lock();
                    if out.write_all(file.contents.as_bytes()).is_err() {
                        return EXIT_IO;
                    }
                    EXIT_SUCCESS
                }
                _ => EXIT_DIAGNOSTICS,
            }
        }
        Command::Build {
            input,
            out_dir,
            allow_export_removal,
            previous_manifest,
            expect_pipelines,
            ci,
        } => {
            // The output directory's manifest, and the one --previous-manifest names,
            // are read now and their texts dropped: a manifest's buffer (tens of KiB)
            // is then free again before the compilation's heap grows around it, which
            // keeps that heap a 2 MiB huge page smaller (docs/PERFORMANCE.md).
            let own = std::fs::read_to_string(out_dir.join("manifest.json")).ok();
            let written = own.as_deref().and_then(written_files);
            let text = match &previous_manifest {
                Some(file) => match std::fs::read_to_string(file) {
                    Ok(text) => Some(text),
                    Err(e) => {
                        eprintln!("error: cannot read {}: {}", file.display(), io_reason(&e));
                        return EXIT_IO;
                    }
                },
                None => own,
            };
            let previous = text.as_deref().map(sleuthc::graph::read_previous_manifest);
            drop(text);
            let guards = Guards {
                previous,
                allow_export_removal,
                expect_pipelines,
                github_actions: matches!(ci, Some(CiArg::GithubActions)),
            };
            let Some(c) = compile_input(&input, Mode::Build, guards) else {
                return EXIT_IO;
            };
            report(&c, &input);
            let Some(files) = &c.files else {
                return EXIT_DIAGNOSTICS;
            };
            let status = match write_atomically(&out_dir, files, written.as_ref()) {
                Ok(()) => EXIT_SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", out_dir.display());
                    EXIT_IO
                }
            };
            // The process ends here: its memory goes back to the OS at once, so the
            // program, its expansion and the files are not freed one allocation at a
            // time first (as compilers commonly do; see `sleuthc::Built`).
            std::mem::forget(c);
            status
        }
    }
}

fn explain(code: &str) -> u8 {
    match Code::parse(code) {
        Some(c) => {
            println!("{}: {}\n\n{}", c.as_str(), c.title(), c.explain());
            EXIT_SUCCESS
        }
        None => {
            eprintln!("error: unknown diagnostic code `{code}`; codes look like E0207");
            EXIT_IO
        }
    }
}

struct FsLoader;

impl SourceLoader for FsLoader {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        read_source(Path::new(path)).map_err(|e| match e {
            ReadError::Io(m) => LoadError::Io(m),
            ReadError::NotUtf8(offset) => LoadError::NotUtf8 { offset },
        })
    }
}

enum ReadError {
    Io(String),
    NotUtf8(usize),
}

fn read_source(path: &Path) -> Result<String, ReadError> {
    if path.is_dir() {
        return Err(ReadError::Io("it is a directory, not a file".into()));
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(io_reason(&e)))?;
    let mut text =
        String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))?;
    // Some editors start UTF-8 files with a byte-order mark; it is not part of the program.
    if text.starts_with('\u{feff}') {
        text.replace_range(..3, "   ");
    }
    Ok(text)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// What `build` checks against what is deployed.
#[derive(Default)]
struct Guards {
    /// The manifest of what is deployed, which guards exports.
    previous: Option<Result<sleuthc::graph::PreviousManifest, String>>,
    allow_export_removal: bool,
    expect_pipelines: Vec<(String, String)>,
    github_actions: bool,
}

/// `NAME=DIGEST`.
fn parse_expectation(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, digest)) if !name.is_empty() && !digest.is_empty() => {
            Ok((name.to_string(), digest.to_string()))
        }
        _ => Err(format!("expected NAME=DIGEST, got `{s}`")),
    }
}

/// Reads the root file and compiles it. `None` after printing an I/O error.
fn compile_input(input: &Input, mode: Mode, guards: Guards) -> Option<Compilation> {
    read_and(input, |name, text, options| {
        let options = Options {
            previous_manifest: guards.previous,
            allow_export_removal: guards.allow_export_removal,
            expect_pipelines: guards.expect_pipelines,
            github_actions: guards.github_actions,
            ..options.clone()
        };
        compile(name, text, &FsLoader, &options, mode)
    })
}

/// Reads the root file and runs `then` on it with the command line's options. `None`
/// after printing an I/O error; invalid UTF-8 becomes a diagnostic.
fn read_and(
    input: &Input,
    then: impl FnOnce(&str, String, &Options) -> Compilation,
) -> Option<Compilation> {
    let name = input.file.to_string_lossy().into_owned();
    let options = Options {
        envs: input.envs.clone(),
        regions: input.regions.clone(),
        params: input.params.clone(),
        ..Options::default()
    };
    match read_source(&input.file) {
        Ok(text) => Some(then(&name, text, &options)),
        Err(ReadError::Io(reason)) => {
            eprintln!("error: cannot read {name}: {reason}");
            None
        }
        Err(ReadError::NotUtf8(offset)) => {
            // Shown as a diagnostic so editors and CI can locate it.
            let bytes = std::fs::read(&input.file).unwrap_or_default();
            let mut sources = SourceMap::default();
            let file = sources.add(
                name.clone(),
                String::from_utf8_lossy(&bytes).into_owned(),
                Origin::User,
            );
            let lossy_offset = String::from_utf8_lossy(&bytes[..offset.min(bytes.len())]).len();
            let d = Diagnostic::error(
                Code::InvalidUtf8,
                Span::new(file, lossy_offset, lossy_offset + 1),
                format!("{name} is not valid UTF-8"),
            )
            .with_label(format!("invalid byte at offset {offset}"))
            .with_help("save the file as UTF-8");
            Some(Compilation {
                sources,
                diagnostics: vec![d],
                files: None,
                built: Default::default(),
            })
        }
    }
}

fn report(c: &Compilation, input: &Input) {
    if c.diagnostics.is_empty() {
        return;
    }
    let text = match input.message_format {
        MessageFormat::Json => render_json(&c.sources, &c.diagnostics),
        MessageFormat::Human => {
            let color = match input.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stderr().is_terminal()
                }
            };
            let mut s = render_human(&c.sources, &c.diagnostics, color);
            let errors = c
                .diagnostics
                .iter()
                .filter(|d| d.severity == sleuthc::diagnostics::Severity::Error)
                .count();
            if errors > 0 {
                s.push_str(&format!(
                    "error: could not compile `{}` due to {errors} error{}\n",
                    input.file.display(),
                    if errors == 1 { "" } else { "s" }
                ));
            }
            s
        }
    };
    // JSON is for tools and goes to stdout (like cargo's); human text to stderr.
    let _ = match input.message_format {
        MessageFormat::Json => std::io::stdout().write_all(text.as_bytes()),
        MessageFormat::Human => std::io::stderr().write_all(text.as_bytes()),
    };
}

/// What a previous build left in the output directory, relative to it: every file
/// (each one sleuthc wrote) and every directory, parents before their children.
/// Paths are `/`-separated, as the manifest and the new output spell them, and
/// compared as bytes (`RelPath`).
#[derive(Default)]
struct Previous {
    /// Each file, and whether it is a regular file (not a link or anything else),
    /// which an unchanged file of the new output may be linked to.
    files: std::collections::BTreeMap<RelPath, bool>,
    dirs: Vec<RelPath>,
}

/// A path relative to the output directory, `/`-separated, ordered byte by byte:
/// `Path`'s own ordering compares component by component, which cost the output's
/// bookkeeping 2 % of a fleet build's instructions. Both orders put a directory
/// before what it holds (a prefix sorts first). An `OsString`, so that a name that
/// is not UTF-8, found in the directory, is kept exactly.
type RelPath = std::ffi::OsString;

/// Size of the chunks in which a previous file is compared with the new output.
const COMPARE_CHUNK: usize = 16 * 1024;

impl Previous {
    fn is_empty(&self) -> bool {
        self.files.is_empty() && self.dirs.is_empty()
    }
}

/// What a sleuthc `manifest.json` (its text) says that build wrote, itself included;
/// `None` when it is not one.
fn written_files(manifest: &str) -> Option<std::collections::BTreeSet<RelPath>> {
    let manifest = serde_json::from_str::<WrittenFiles>(manifest).ok()?;
    if !manifest
        .compiler
        .as_deref()
        .is_some_and(|c| c.starts_with("sleuthc "))
    {
        return None;
    }
    let mut ours: std::collections::BTreeSet<RelPath> = manifest
        .stacks
        .iter()
        .filter_map(|s| s.template.as_deref())
        // Since manifest version 3: every file, pipelines and workflows included.
        .chain(manifest.files.iter().map(|f| &**f))
        .map(RelPath::from)
        .collect();
    ours.insert(RelPath::from("manifest.json"));
    Some(ours)
}

/// The output directory is replaced wholesale, so it must be one sleuthc wrote (its
/// `manifest.json` says so: `written`, read by [`written_files`]) or an empty one:
/// `-o src` must never delete a user's files. Returns what is there, when it may be
/// replaced.
fn check_replaceable(
    out: &Path,
    written: Option<&std::collections::BTreeSet<RelPath>>,
) -> std::io::Result<Previous> {
    let refuse = |why: &str| {
        Err(std::io::Error::other(format!(
            "refusing to replace it: {why}; choose another output directory with -o, or remove it"
        )))
    };
    if out.file_name().is_none() {
        return refuse("it is not a directory name sleuthc can replace (`.`, `..` or `/`)");
    }
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Previous::default()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return refuse("it exists and is not a directory");
    }
    // With a sleuthc manifest the directory is not empty: the walk below reads it once.
    let Some(ours) = written else {
        if std::fs::read_dir(out)?.next().is_none() {
            return Ok(Previous::default());
        }
        return refuse(
            "it is a non-empty directory that sleuthc did not write (no sleuthc manifest.json)",
        );
    };
    // Walked only now: a directory without a sleuthc manifest (`-o ~`) is not. Only
    // what that build wrote may be there: a file added since would be lost.
    let mut previous = Previous::default();
    walk(out, &RelPath::new(), &mut previous)?;
    if let Some(stranger) = previous.files.keys().find(|f| !ours.contains(*f)) {
        return refuse(&format!(
            "it holds `{}`, which sleuthc did not write",
            out.join(stranger).display()
        ));
    }
    Ok(previous)
}

/// What a previous `manifest.json` says sleuthc wrote: only the fields the output
/// check needs, borrowed from the text where they have no escapes (the rest of the
/// manifest is skipped, not built into a tree).
#[derive(serde::Deserialize)]
struct WrittenFiles<'a> {
    #[serde(borrow, default)]
    compiler: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    stacks: Vec<WrittenStack<'a>>,
    #[serde(borrow, default)]
    files: Vec<std::borrow::Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct WrittenStack<'a> {
    #[serde(borrow, default)]
    template: Option<std::borrow::Cow<'a, str>>,
}

/// Adds what is below `dir` (at `rel` from the output directory) to `found`, without
/// following symbolic links (a link is a file here, and removing it removes the link).
fn walk(dir: &Path, rel: &RelPath, found: &mut Previous) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let mut rel = rel.clone();
        if !rel.is_empty() {
            rel.push("/");
        }
        rel.push(entry.file_name());
        // The directory entry's own type: no stat of each file.
        let kind = entry.file_type()?;
        if kind.is_dir() {
            found.dirs.push(rel.clone());
            walk(&entry.path(), &rel, found)?;
        } else {
            found.files.insert(rel, kind.is_file());
        }
    }
    Ok(())
}

/// Reads the previous build's file `path` when it is a regular file that holds exactly
/// `contents`, unchanged while it was read (the same size and modification time
/// after as before), and returns its metadata (`None` when it differs, is not a
/// regular file, or cannot be read). On Linux a symbolic link put in its place is not
/// followed (`O_NOFOLLOW`); elsewhere the walk before found a regular file there.
/// `buf` is scratch space of [`COMPARE_CHUNK`] bytes, made once by the caller: zeroing
/// 16 KiB on the stack for each file was 1.5 % of a rebuild's instructions.
fn same_contents(path: &Path, contents: &[u8], buf: &mut [u8]) -> Option<std::fs::Metadata> {
    use std::io::Read;
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut open, libc::O_NOFOLLOW);
    let mut file = open.open(path).ok()?;
    let before = file.metadata().ok()?;
    if !before.is_file() || before.len() != contents.len() as u64 {
        return None;
    }
    let mut rest = contents;
    while !rest.is_empty() {
        let want = rest.len().min(buf.len());
        let n = match file.read(&mut buf[..want]) {
            Ok(0) | Err(_) => return None,
            Ok(n) => n,
        };
        if buf[..n] != rest[..n] {
            return None;
        }
        rest = &rest[n..];
    }
    // Written to while it was read: what was compared may not be what it holds.
    let after = file.metadata().ok()?;
    (after.len() == before.len() && after.modified().ok() == before.modified().ok())
        .then_some(before)
}

/// Links the previous build's file `from` into the new output at `to` when it holds
/// exactly `contents`: an unchanged file keeps its inode and modification time (tools
/// that look at either see only what changed), and costs a read instead of a write;
/// removing the previous output then frees nothing. `false`, with nothing done, when
/// the file differs, is not a regular file, or the filesystem has no hard links.
#[cfg(target_os = "linux")]
fn link_unchanged(from: &Path, to: &Path, contents: &[u8], buf: &mut [u8]) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(before) = same_contents(from, contents, buf) else {
        return false;
    };
    if std::fs::hard_link(from, to).is_err() {
        return false;
    }
    // What is linked must be the file just read, unchanged since: the same inode, size
    // and modification time (a file replaced or written to meanwhile is not kept).
    let same = std::fs::symlink_metadata(to).is_ok_and(|now| {
        now.is_file()
            && (now.dev(), now.ino()) == (before.dev(), before.ino())
            && now.len() == before.len()
            && (now.mtime(), now.mtime_nsec()) == (before.mtime(), before.mtime_nsec())
    });
    if !same {
        let _ = std::fs::remove_file(to);
    }
    same
}

#[cfg(not(target_os = "linux"))]
fn link_unchanged(_from: &Path, _to: &Path, _contents: &[u8], _buf: &mut [u8]) -> bool {
    false
}

/// Removes the previous output, moved to `old`: exactly the files and directories the
/// check found, children first. Something that appeared there since (a file written
/// into the output during the build) is not deleted: the removal stops, and the error
/// names what is left, for the user to look at.
fn remove_previous(old: &Path, previous: &Previous) -> std::io::Result<()> {
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    };
    for f in previous.files.keys() {
        gone(std::fs::remove_file(old.join(f)))?;
    }
    for d in previous.dirs.iter().rev() {
        gone(std::fs::remove_dir(old.join(d)))?;
    }
    gone(std::fs::remove_dir(old))
}

/// Swaps the directories `new` and `out` in one step, where the OS can (Linux's
/// `renameat2` with `RENAME_EXCHANGE`): `out` then never stops existing, even if the
/// process dies mid-swap, and the previous output is at `new`. `Ok(false)` where
/// the OS or filesystem cannot, for the caller to move `out` aside first.
#[cfg(target_os = "linux")]
fn exchange(new: &Path, out: &Path) -> std::io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let c =
        |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (new, out) = (c(new)?, c(out)?);
    // SAFETY: two valid NUL-terminated paths, relative to the working directory.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            new.as_ptr(),
            libc::AT_FDCWD,
            out.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // Not supported by this kernel, filesystem or libc.
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_new: &Path, _out: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Whether the output directory already holds exactly this output: the same files,
/// each a regular file with the same bytes, the same directories (`dirs`), nothing
/// else (`previous` is what the check found there). A build that changes nothing then
/// writes nothing: the directory, its files, their inodes and modification times stay
/// as they are, as they would after the swap (unchanged files are linked into the new
/// directory), without creating, linking and removing two trees of them.
fn holds_exactly(
    out: &Path,
    files: &[OutputFile],
    dirs: &std::collections::BTreeSet<&str>,
    previous: &Previous,
    buf: &mut [u8],
) -> bool {
    !previous.is_empty()
        && previous.files.len() == files.len()
        && previous.dirs.len() == dirs.len()
        && previous
            .dirs
            .iter()
            .all(|d| d.to_str().is_some_and(|d| dirs.contains(d)))
        && files.iter().all(|f| {
            previous.files.get(OsStr::new(&f.path)) == Some(&true)
                && same_contents(&out.join(&f.path), f.contents.as_bytes(), buf).is_some()
        })
}

/// Writes every file into a fresh sibling directory, then swaps it into place, so an
/// error (or a crash) never leaves a half-written output directory; writes nothing
/// when the directory already holds exactly this output ([`holds_exactly`]).
/// `written` is what the directory's manifest said before the build
/// ([`written_files`]).
fn write_atomically(
    out: &Path,
    files: &[OutputFile],
    written: Option<&std::collections::BTreeSet<RelPath>>,
) -> std::io::Result<()> {
    let previous = check_replaceable(out, written)?;
    // Every directory the files need, each once, parents first (sorted paths put
    // `dev` before `dev/us-east-2`): each `/`-ended prefix of each file's path.
    let dirs: std::collections::BTreeSet<&str> = files
        .iter()
        .flat_map(|f| f.path.match_indices('/').map(|(at, _)| &f.path[..at]))
        .collect();
    let mut buf = vec![0u8; COMPARE_CHUNK];
    if holds_exactly(out, files, &dirs, &previous, &mut buf) {
        return Ok(());
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let base = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{base}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| {
        std::fs::create_dir(&tmp)?;
        debug_assert!(
            files.iter().all(|f| Path::new(&f.path)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))),
            "output paths are relative paths of plain names"
        );
        debug_assert!(
            files
                .iter()
                .map(|f| &f.path)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                == files.len(),
            "output paths are unique (each file is created new)"
        );
        for dir in &dirs {
            std::fs::create_dir(tmp.join(dir))?;
        }
        for f in files {
            let to = tmp.join(&f.path);
            if previous.files.get(OsStr::new(&f.path)) == Some(&true)
                && link_unchanged(&out.join(&f.path), &to, f.contents.as_bytes(), &mut buf)
            {
                continue;
            }
            // A new file, never an existing one: nothing is written through a link.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(to)?
                .write_all(f.contents.as_bytes())?;
        }
        let replacing = !previous.is_empty() || out.exists();
        if !replacing {
            return std::fs::rename(&tmp, out);
        }
        let moved_to = if exchange(&tmp, out)? {
            tmp.clone()
        } else {
            std::fs::rename(out, &old)?;
            if let Err(e) = std::fs::rename(&tmp, out) {
                let _ = std::fs::rename(&old, out);
                return Err(e);
            }
            old.clone()
        };
        if let Err(e) = remove_previous(&moved_to, &previous) {
            // The new output is in place; only the old one's removal stopped. What is
            // left goes by the name that says what it is.
            let moved_to = if moved_to != old && std::fs::rename(&moved_to, &old).is_ok() {
                old
            } else {
                moved_to
            };
            eprintln!(
                "warning: the previous output, moved to {}, is not entirely removed ({e}): \
                 sleuthc deletes only the files it found there before the build; look at \
                 what is left (a file added during the build, say), then delete it",
                moved_to.display()
            );
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `check_replaceable` finds in `dir`, as a build would see it.
    fn checked(dir: &Path) -> Previous {
        let written = written_files(&std::fs::read_to_string(dir.join("manifest.json")).unwrap());
        check_replaceable(dir, written.as_ref()).unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sleuthc-main-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A previous output: a manifest listing `a/b/t.json`, and an empty `a/c`.
    fn previous_output(dir: &Path) {
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::create_dir_all(dir.join("a/c")).unwrap();
        std::fs::write(dir.join("a/b/t.json"), "{}").unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            r#"{"compiler": "sleuthc 0.1.0", "files": ["a/b/t.json"]}"#,
        )
        .unwrap();
    }

    #[test]
    fn removes_exactly_what_the_check_found() {
        let dir = scratch("exact");
        previous_output(&dir);
        let previous = checked(&dir);
        let files: Vec<(&OsStr, bool)> = previous
            .files
            .iter()
            .map(|(f, regular)| (f.as_os_str(), *regular))
            .collect();
        assert_eq!(
            files,
            [
                (OsStr::new("a/b/t.json"), true),
                (OsStr::new("manifest.json"), true)
            ]
        );
        // Parents before their children, whatever order the directory lists them in.
        let at = |d: &str| previous.dirs.iter().position(|x| x == d).unwrap();
        assert_eq!(previous.dirs.len(), 3, "{:?}", previous.dirs);
        assert!(at("a") < at("a/b") && at("a") < at("a/c"));
        remove_previous(&dir, &previous).unwrap();
        assert!(!dir.exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn exchange_swaps_two_directories_in_one_step() {
        let dir = scratch("exchange");
        for (d, f) in [("new", "n"), ("out", "o")] {
            std::fs::create_dir(dir.join(d)).unwrap();
            std::fs::write(dir.join(d).join(f), "").unwrap();
        }
        // A filesystem without it says so (false) and the caller renames twice.
        if exchange(&dir.join("new"), &dir.join("out")).unwrap() {
            assert!(dir.join("out/n").is_file() && dir.join("new/o").is_file());
            assert!(exchange(&dir.join("new"), &dir.join("missing")).is_err());
        } else {
            assert!(dir.join("new/n").is_file() && dir.join("out/o").is_file());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_added_after_the_check_is_kept() {
        let dir = scratch("added-late");
        previous_output(&dir);
        let previous = checked(&dir);
        std::fs::write(dir.join("a/b/late.txt"), "mine").unwrap();
        assert!(remove_previous(&dir, &previous).is_err());
        assert_eq!(
            std::fs::read_to_string(dir.join("a/b/late.txt")).unwrap(),
            "mine"
        );
        assert!(!dir.join("a/b/t.json").exists() && !dir.join("a/c").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
