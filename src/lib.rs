//! `sleuthc`: compiles `.sleuth` programs into CloudFormation templates and a manifest.
//!
//! The phases run in one direction, each consuming the previous one's output type:
//! source → [`resolve::load`] (`Parsed`) → [`resolve::resolve`] (`Checked`) →
//! [`expand::expand`] (`Expanded`) → [`emit`] (output files). Every phase collects
//! diagnostics instead of stopping at the first; the driver stops between phases when
//! errors were reported. The library does no I/O: callers pass a [`source::SourceLoader`].

/// A JSON object of `key => value` pairs, in this order, each value moved in with
/// `json::Value::from`, in a map sized for exactly its keys (a key written as a literal
/// is borrowed, not copied).
///
/// For objects whose values are Rust expressions (`object! { "Ref" => id }`); `json!`
/// is for JSON written in JSON's own syntax. Both move their values in.
macro_rules! object {
    (@one $key:expr) => { () };
    ($($key:expr => $value:expr),* $(,)?) => {{
        let mut map = $crate::json::Map::with_capacity(<[()]>::len(&[$(object!(@one $key)),*]));
        $( map.insert($key, $crate::json::Value::from($value)); )*
        $crate::json::Value::Object(map)
    }};
}

pub mod alloc;
pub mod codes;
pub mod diagnostics;
pub mod emit;
pub mod expand;
pub mod graph;
pub mod json;
pub mod pipeline;
pub mod resolve;
pub mod schema;
pub mod source;
pub mod span;
pub mod syntax;
pub mod types;
pub mod vecmap;

use diagnostics::{Diagnostic, Diagnostics};
use emit::OutputFile;
use source::{SourceLoader, SourceMap};

pub use expand::Options;

/// The ordered map used throughout: insertion order for deterministic output, and a
/// fast non-cryptographic hasher (keys come from the program, not from an attacker
/// who could profit from collisions; a pathological file only slows its own build).
pub type Map<K, V> = indexmap::IndexMap<K, V, rustc_hash::FxBuildHasher>;

/// What the driver should produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Everything but output files.
    Check,
    /// Output files too.
    Build,
}

/// The result of one compilation: the sources (for rendering diagnostics), the
/// diagnostics in source order, and the output files when there were no errors.
pub struct Compilation {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub files: Option<Vec<OutputFile>>,
    /// What was built on the way: see [`Built`].
    pub built: Built,
}

/// What a compilation built on the way to its files (the checked program, its
/// expansion and deploy graph), handed back rather than freed inside `compile`, so
/// that a caller about to exit can leave it to the OS with `std::mem::forget`
/// instead of freeing it piece by piece (5 % of a 600-stack build). Dropping it
/// frees it as usual.
#[derive(Default)]
pub struct Built {
    _checked: Option<resolve::Checked>,
    _program: Option<(expand::Expanded, graph::StackGraph)>,
}

impl Built {
    fn new(
        checked: Option<resolve::Checked>,
        program: Option<(expand::Expanded, graph::StackGraph)>,
    ) -> Built {
        Built {
            _checked: checked,
            _program: program,
        }
    }
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == diagnostics::Severity::Error)
    }
}

/// Compiles the program whose root file is `root_name` with text `root_text`.
pub fn compile(
    root_name: &str,
    root_text: String,
    loader: &dyn SourceLoader,
    options: &Options,
    mode: Mode,
) -> Compilation {
    let (sources, mut diags, checked, program) = analyze(root_name, root_text, loader, options);
    let Some((expanded, stack_graph)) = &program else {
        return done(sources, diags, None, Built::new(checked, program));
    };
    if let (Some(previous), false) = (&options.previous_manifest, options.allow_export_removal) {
        graph::check_export_removal(previous, expanded, &mut diags);
    }
    let rebuild = pipeline::Rebuild {
        root_name,
        params: &options.params,
        expect: &options.expect_pipelines,
        github_actions: options.github_actions,
    };
    let selected = !options.envs.is_empty() || !options.regions.is_empty();
    let pipelines = pipeline::emit(expanded, &rebuild, selected, &mut diags);
    let files = emit_files(expanded, stack_graph, pipelines, &mut diags);
    let built = Built::new(checked, program);
    if diags.has_errors() || mode == Mode::Check {
        return done(sources, diags, None, built);
    }
    done(sources, diags, Some(files), built)
}

/// How `sleuthc graph` prints the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
    /// The deploy waves, for a person.
    Order,
}

/// Compiles the program up to its deploy graph and renders the requested view; the
/// one output file is the rendering (`graph.dot`, `graph.mmd`, `graph.json`,
/// `order.txt`).
pub fn graph_view(
    root_name: &str,
    root_text: String,
    loader: &dyn SourceLoader,
    options: &Options,
    request: &graph::view::Request,
    format: GraphFormat,
) -> Compilation {
    let (sources, mut diags, _checked, program) = analyze(root_name, root_text, loader, options);
    let Some((expanded, stack_graph)) = program else {
        return done(sources, diags, None, Built::default());
    };
    graph::view::check_request(&expanded, request, &mut diags);
    if diags.has_errors() {
        return done(sources, diags, None, Built::default());
    }
    let (path, contents) = if request.level == graph::view::Level::Pipeline {
        let built = pipeline::declarations(&expanded, &mut diags);
        if built.is_empty() && !diags.has_errors() {
            diags.push(
                diagnostics::Diagnostic::error(
                    codes::Code::PipelineSetting,
                    expand::root_span(),
                    "--view pipeline: this program has no pipeline",
                )
                .with_label("nothing to show")
                .with_help("declare one with `pipeline NAME { account = ..., region = ..., source = ..., stage ENV }`"),
            );
        }
        if diags.has_errors() {
            return done(sources, diags, None, Built::default());
        }
        match format {
            GraphFormat::Order => (
                "order.txt",
                pipeline::view::order_text(&built, &expanded, request),
            ),
            _ => render(
                format,
                &pipeline::view::view(&expanded.app.name, &built, &expanded, request),
            ),
        }
    } else {
        match format {
            GraphFormat::Order => {
                let text = graph::view::order_text(&expanded, &stack_graph, request);
                ("order.txt", text)
            }
            _ => render(format, &graph::view::view(&expanded, &stack_graph, request)),
        }
    };
    let file = OutputFile {
        path: path.into(),
        contents,
    };
    done(sources, diags, Some(vec![file]), Built::default())
}

/// A view in one of the drawing formats: the file name and its text.
fn render(format: GraphFormat, view: &graph::view::GraphView) -> (&'static str, String) {
    match format {
        GraphFormat::Dot => ("graph.dot", emit::dot::render(view)),
        GraphFormat::Mermaid => ("graph.mmd", emit::mermaid::render(view)),
        _ => ("graph.json", emit::to_json(view)),
    }
}

/// Every phase up to the checked deploy graph; the program when there were no errors.
#[allow(clippy::type_complexity)]
fn analyze(
    root_name: &str,
    root_text: String,
    loader: &dyn SourceLoader,
    options: &Options,
) -> (
    SourceMap,
    Diagnostics,
    Option<resolve::Checked>,
    Option<(expand::Expanded, graph::StackGraph)>,
) {
    let (parsed, mut diags) = resolve::load(root_name, root_text, loader);
    if diags.has_errors() {
        return (parsed.sources, diags, None, None);
    }
    let (mut checked, resolve_diags) = resolve::resolve(parsed);
    diags.extend(resolve_diags);
    let program = if diags.has_errors() {
        None
    } else {
        let (expanded, expand_diags) = expand::expand(&checked, options);
        diags.extend(expand_diags);
        expanded.and_then(|expanded| {
            let stack_graph = graph::check(&expanded, &mut diags);
            stack_graph.map(|g| (expanded, g))
        })
    };
    // The sources go to the caller; the rest of the checked program with the `Built`.
    let sources = std::mem::take(&mut checked.sources);
    (sources, diags, Some(checked), program)
}

fn done(
    sources: SourceMap,
    diags: Diagnostics,
    files: Option<Vec<OutputFile>>,
    built: Built,
) -> Compilation {
    Compilation {
        sources,
        diagnostics: diags.into_vec(),
        files,
        built,
    }
}

/// Templates first (in manifest order), then the pipelines' files, then the manifest.
fn emit_files(
    ex: &expand::Expanded,
    stack_graph: &graph::StackGraph,
    pipelines: pipeline::Emitted,
    diags: &mut Diagnostics,
) -> Vec<OutputFile> {
    let mut files = Vec::with_capacity(ex.stacks.len() + 1);
    let mut sizes = Vec::with_capacity(ex.stacks.len());
    for inst in &ex.stacks {
        let body = emit::to_json(&emit::cloudformation::Template(inst));
        emit::limits::check_template(inst, &body, diags);
        sizes.push(body.len());
        files.push(OutputFile {
            path: emit::manifest::template_path(inst),
            contents: body,
        });
    }
    emit::limits::check_stack_names(&ex.stacks, diags);
    emit::limits::check_exports(&ex.stacks, diags);
    let schemas = schema::SchemaDb::embedded().cfn_lint_version().to_string();
    files.extend(pipelines.files);
    let paths = files.iter().map(|f| f.path.clone()).collect();
    let manifest =
        emit::manifest::manifest(ex, stack_graph, &sizes, &schemas, pipelines.manifest, paths);
    files.push(OutputFile {
        path: "manifest.json".into(),
        contents: emit::to_json(&manifest),
    });
    files
}
