//! Shared helpers for the integration tests: compiling a file from disk through the
//! library, and rendering diagnostics without colour.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sleuthc::source::{LoadError, SourceLoader};
use sleuthc::{compile, Compilation, Mode, Options};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads imports relative to the repository root (paths are joined by the compiler).
pub struct RepoLoader;

impl SourceLoader for RepoLoader {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        let bytes = std::fs::read(root().join(path)).map_err(|e| LoadError::Io(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| LoadError::NotUtf8 {
            offset: e.utf8_error().valid_up_to(),
        })
    }
}

/// Compiles `rel` (relative to the repository root) as the CLI would.
pub fn compile_file(rel: &str, mode: Mode) -> Compilation {
    compile_file_with(rel, mode, &Options::default())
}

/// Compiles `rel` with the given options.
pub fn compile_file_with(rel: &str, mode: Mode, options: &Options) -> Compilation {
    let text = std::fs::read_to_string(root().join(rel)).expect("test input is readable");
    compile(rel, text, &RepoLoader, options, mode)
}

pub fn render(c: &Compilation) -> String {
    sleuthc::diagnostics::render_human(&c.sources, &c.diagnostics, false)
}

/// Every file under `dir` with extension `ext`, sorted, relative to the repository root.
pub fn files_under(dir: &str, ext: &str) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, ext: &str, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, ext, out);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(
                    p.strip_prefix(base)
                        .unwrap_or(&p)
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    let base = root();
    walk(&base, &base.join(dir), ext, &mut out);
    out.sort();
    out
}
