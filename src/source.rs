//! The source files of one compilation: the user's files and the embedded standard
//! library. The library never reads the file system itself: a [`SourceLoader`]
//! supplied by the caller (the CLI, or a test) does.

use std::borrow::Cow;

use crate::span::FileId;

/// Where a source file came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A user file (its name is the path it was loaded from).
    User,
    /// A module of the standard library embedded in the binary.
    Stdlib,
}

/// One source file.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown in diagnostics (`examples/x/envs.sleuth`, `<stdlib>/network.sleuth`).
    pub name: String,
    /// The text: borrowed from the binary for the standard library (never copied),
    /// owned for files read at run time.
    pub text: Cow<'static, str>,
    pub origin: Origin,
}

/// Every file of a compilation, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(
        &mut self,
        name: String,
        text: impl Into<Cow<'static, str>>,
        origin: Origin,
    ) -> FileId {
        self.files.push(SourceFile {
            name,
            text: text.into(),
            origin,
        });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, id: FileId, offset: u32) -> (usize, usize) {
        let text = &self.get(id).text;
        let offset = (offset as usize).min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before.len(), |nl| before.len() - nl - 1)
            + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Why an imported file could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Missing, unreadable, a directory: the reason in words.
    Io(String),
    /// Read, but not UTF-8; the byte offset of the first invalid byte.
    NotUtf8 { offset: usize },
}

/// Reads user files for imports. Paths are as written, joined to the importer's directory.
pub trait SourceLoader {
    fn load(&self, path: &str) -> Result<String, LoadError>;
}

/// The standard library modules embedded in the binary, by module path (`network`).
pub const STDLIB: &[(&str, &str)] = &[
    ("network", include_str!("../stdlib/network.sleuth")),
    ("iam", include_str!("../stdlib/iam.sleuth")),
    ("secrets", include_str!("../stdlib/secrets.sleuth")),
    ("compute", include_str!("../stdlib/compute.sleuth")),
    ("monitoring", include_str!("../stdlib/monitoring.sleuth")),
    ("ops", include_str!("../stdlib/ops.sleuth")),
    ("backup", include_str!("../stdlib/backup.sleuth")),
    ("kms", include_str!("../stdlib/kms.sleuth")),
];

/// Joins a relative import path to the directory of the importing file, lexically.
pub fn join_relative(importer: &str, relative: &str) -> String {
    let dir = match importer.rfind('/') {
        Some(i) => &importer[..i],
        None => "",
    };
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for seg in relative.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(seg),
        }
    }
    let joined = parts.join("/");
    if importer.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}
