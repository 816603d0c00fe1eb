//! Loading: parse the root file and everything it imports (embedded stdlib modules
//! and relative user files), once each, reporting unknown modules and import cycles.

use crate::Map;

use crate::codes::Code;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::{join_relative, LoadError, Origin, SourceLoader, SourceMap, STDLIB};
use crate::span::{FileId, Span};
use crate::syntax::{self, ast};

/// A parsed file and the module key it was loaded under.
#[derive(Debug)]
pub struct LoadedModule {
    pub file: FileId,
    pub key: String,
    pub ast: ast::Module,
    /// For each import item (by index in `ast.items`), the module it refers to.
    pub import_targets: Map<usize, usize>,
}

/// Every file of a program, parsed. Module 0 is the root.
#[derive(Debug)]
pub struct Parsed {
    pub sources: SourceMap,
    pub modules: Vec<LoadedModule>,
}

struct Loader<'a> {
    loader: &'a dyn SourceLoader,
    sources: SourceMap,
    modules: Vec<LoadedModule>,
    by_key: Map<String, Option<usize>>,
    /// Modules being loaded, for cycle reports: (key, the import span that led here).
    stack: Vec<(String, Option<Span>)>,
    diags: Diagnostics,
    /// The pre-parsed stdlib, decoded on the first stdlib import (`None` inside: stale).
    stdlib: Option<Option<Vec<ast::Module>>>,
}

/// Parses `root_name` (text given) and all its imports.
pub fn load(
    root_name: &str,
    root_text: String,
    loader: &dyn SourceLoader,
) -> (Parsed, Diagnostics) {
    let mut l = Loader {
        loader,
        sources: SourceMap::default(),
        modules: Vec::new(),
        by_key: Map::default(),
        stack: Vec::new(),
        diags: Diagnostics::default(),
        stdlib: None,
    };
    let root = l
        .sources
        .add(root_name.to_string(), root_text, Origin::User);
    // The stdlib files always follow the root, so their ids match the pre-parsed cache.
    for (i, (name, text)) in STDLIB.iter().enumerate() {
        let id = l
            .sources
            .add(format!("<stdlib>/{name}.sleuth"), *text, Origin::Stdlib);
        debug_assert_eq!(id, syntax::cache::stdlib_file(i));
    }
    l.load_module(root_name.to_string(), root, Origin::User, None);
    (
        Parsed {
            sources: l.sources,
            modules: l.modules,
        },
        l.diags,
    )
}

impl Loader<'_> {
    fn load_module(
        &mut self,
        key: String,
        file: FileId,
        origin: Origin,
        via: Option<Span>,
    ) -> Option<usize> {
        self.by_key.insert(key.clone(), None);
        self.stack.push((key.clone(), via));
        let parsed = match self.preparsed(file) {
            Some(m) => Some(m),
            None => syntax::parse(file, &self.sources.get(file).text, &mut self.diags),
        };
        let result = parsed.map(|ast| {
            // The slot is taken before imports load, so the root is module 0.
            let index = self.modules.len();
            let imports: Vec<(usize, ast::Import)> = ast
                .items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    if let ast::Item::Import(imp) = item {
                        Some((i, imp.clone()))
                    } else {
                        None
                    }
                })
                .collect();
            self.modules.push(LoadedModule {
                file,
                key: key.clone(),
                ast,
                import_targets: Map::default(),
            });
            for (i, imp) in imports {
                if let Some(target) = self.import(&key, origin == Origin::Stdlib, &imp) {
                    self.modules[index].import_targets.insert(i, target);
                }
            }
            index
        });
        self.stack.pop();
        self.by_key.insert(key, result);
        result
    }

    /// The cached AST of a stdlib file, when the cache is current.
    fn preparsed(&mut self, file: FileId) -> Option<ast::Module> {
        let index = (0..STDLIB.len()).find(|&i| syntax::cache::stdlib_file(i) == file)?;
        let cache = self.stdlib.get_or_insert_with(syntax::cache::modules);
        cache
            .as_mut()
            .map(|modules| std::mem::take(&mut modules[index]))
    }

    fn import(&mut self, importer: &str, from_stdlib: bool, imp: &ast::Import) -> Option<usize> {
        let (key, file, origin, span) = match &imp.source {
            ast::ImportSource::Std(path) => {
                let span = path.first()?.span.to(path.last()?.span);
                let names: Vec<&str> = path.iter().map(|s| s.node.as_str()).collect();
                let module = names[1..].join(".");
                let known = || STDLIB.iter().map(|(n, _)| *n);
                if names[0] != "std" || names.len() != 2 {
                    let d = Diagnostic::error(
                        Code::UnknownImport,
                        span,
                        format!("unknown module `{}`", names.join(".")),
                    )
                    .with_label("not a module")
                    .with_help(format!(
                        "standard library modules are {}",
                        known()
                            .map(|m| format!("`std.{m}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    self.diags.push(d);
                    return None;
                }
                let Some(index) = STDLIB.iter().position(|(n, _)| *n == module) else {
                    self.diags.push(
                        Diagnostic::error(
                            Code::UnknownImport,
                            span,
                            format!("no module `std.{module}` in the standard library"),
                        )
                        .with_label("unknown module")
                        .with_help(match crate::diagnostics::did_you_mean(&module, known()) {
                            Some(m) => format!("did you mean `std.{m}`?"),
                            None => format!(
                                "the modules are {}",
                                known()
                                    .map(|m| format!("`std.{m}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        }),
                    );
                    return None;
                };
                (
                    format!("std.{module}"),
                    Some(syntax::cache::stdlib_file(index)),
                    Origin::Stdlib,
                    span,
                )
            }
            ast::ImportSource::File(path) => {
                if from_stdlib {
                    return None;
                }
                (
                    join_relative(importer, &path.node),
                    None,
                    Origin::User,
                    path.span,
                )
            }
        };
        if let Some(&existing) = self.by_key.get(&key) {
            if existing.is_none() && self.stack.iter().any(|(k, _)| *k == key) {
                self.report_cycle(&key, span);
            }
            return existing;
        }
        let file = match file {
            Some(f) => f,
            None => match self.loader.load(&key) {
                Ok(text) => self.sources.add(key.clone(), text, Origin::User),
                Err(err) => {
                    let d = match err {
                        LoadError::Io(reason) => Diagnostic::error(
                            Code::UnknownImport,
                            span,
                            format!("cannot read `{key}`: {reason}"),
                        )
                        .with_label("imported here"),
                        LoadError::NotUtf8 { offset } => Diagnostic::error(
                            Code::InvalidUtf8,
                            span,
                            format!("`{key}` is not valid UTF-8 (invalid byte at offset {offset})"),
                        )
                        .with_label("imported here")
                        .with_help("save the file as UTF-8"),
                    };
                    self.diags.push(d);
                    self.by_key.insert(key, None);
                    return None;
                }
            },
        };
        self.load_module(key, file, origin, Some(span))
    }

    fn report_cycle(&mut self, key: &str, span: Span) {
        let start = self.stack.iter().position(|(k, _)| k == key).unwrap_or(0);
        let chain: Vec<&str> = self.stack[start..]
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        let mut d = Diagnostic::error(
            Code::ImportCycle,
            span,
            format!("import cycle: {} → {key}", chain.join(" → ")),
        )
        .with_label(format!("`{key}` is already being imported"));
        for (k, via) in &self.stack[start + 1..] {
            if let Some(s) = via {
                d = d.with_secondary(*s, format!("imports `{k}`"));
            }
        }
        self.diags
            .push(d.with_help("move what both files need into a third file that both import"));
    }
}
