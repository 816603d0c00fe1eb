//! One diagnostic type for every phase, its stable codes, and its two renderings:
//! human (through codespan-reporting) and JSON. Phases build diagnostics; only this
//! module knows how they look.

use std::collections::BTreeMap;
use std::io::Write;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use serde::Serialize;

pub use crate::codes::Code;
use crate::source::SourceMap;
use crate::span::Span;

/// How bad it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary location with a message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A compiler message: code, primary span, secondary labels, notes and help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// What to say under the primary caret.
    pub label: String,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        // A label on the primary span itself joins the primary label.
        if span == self.span {
            let message = message.into();
            if !self.label.contains(&message) {
                self.label = if self.label.is_empty() {
                    message
                } else {
                    format!("{}: {message}", self.label)
                };
            }
            return self;
        }
        if !self.secondary.iter().any(|l| l.span == span) {
            self.secondary.push(Label {
                span,
                message: message.into(),
            });
        }
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds `did you mean `x`?` when a close candidate exists.
    pub fn with_suggestion<'a>(
        self,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        match did_you_mean(name, candidates) {
            Some(best) => self.with_help(format!("did you mean `{best}`?")),
            None => self,
        }
    }

    fn sort_key(&self) -> (Span, Code, &str) {
        (self.span, self.code, &self.message)
    }
}

/// Collects diagnostics from a phase; deduplicates the same message at the same
/// place (a component instantiated in ten regions reports its mistake once).
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: BTreeMap<(Span, Code, String), Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        let key = (d.span, d.code, d.message.clone());
        match self.items.get_mut(&key) {
            // The same mistake reached another way (another call site): one message,
            // every way that led to it.
            Some(existing) => {
                for l in d.secondary {
                    if l.span != existing.span && !existing.secondary.contains(&l) {
                        existing.secondary.push(l);
                    }
                }
            }
            None => {
                self.items.insert(key, d);
            }
        }
    }

    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items.into_values() {
            self.push(d);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.items.values().any(|d| d.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// In source order.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        let mut v: Vec<_> = self.items.into_values().collect();
        v.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        v
    }
}

/// `a`, `b`, `c`: names in code style for messages.
pub fn code_list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest candidate by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = if c.to_ascii_lowercase() == lower {
            0
        } else {
            levenshtein(&lower, &c.to_ascii_lowercase())
        };
        let limit = (name.chars().count().max(3) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, bc)| (d, c) < (bd, bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and
/// transpositions of neighbours (`vcp` → `vpc`) each cost one.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Renders diagnostics for a terminal (or a plain string when `color` is false).
pub fn render_human(sources: &SourceMap, diags: &[Diagnostic], color: bool) -> String {
    let mut files = SimpleFiles::new();
    let mut ids = Vec::new();
    for (_, f) in sources.files() {
        ids.push(files.add(f.name.clone(), f.text.as_ref()));
    }
    let config = term::Config::default();
    let mut out = Vec::new();
    {
        let mut writer: Box<dyn term::WriteStyle> = if color {
            Box::new(term::termcolor::Ansi::new(&mut out))
        } else {
            Box::new(term::termcolor::NoColor::new(&mut out))
        };
        for d in diags {
            let file = ids[d.span.file.0 as usize];
            let sev = match d.severity {
                Severity::Error => cs::Diagnostic::error(),
                Severity::Warning => cs::Diagnostic::warning(),
            };
            let mut labels =
                vec![cs::Label::primary(file, d.span.range()).with_message(d.label.clone())];
            for l in &d.secondary {
                labels.push(
                    cs::Label::secondary(ids[l.span.file.0 as usize], l.span.range())
                        .with_message(l.message.clone()),
                );
            }
            let mut notes = d.notes.clone();
            if let Some(h) = &d.help {
                notes.push(format!("help: {h}"));
            }
            let diag = sev
                .with_code(d.code.as_str())
                .with_message(d.message.clone())
                .with_labels(labels)
                .with_notes(notes);
            // Rendering into memory fails only for a span outside its file, which would
            // be a compiler bug; the message itself is then still shown.
            if term::emit_to_write_style(&mut *writer, &config, &files, &diag).is_err() {
                let _ = writeln!(writer, "error[{}]: {}", d.code.as_str(), d.message);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    start: u32,
    end: u32,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: Severity,
    message: &'a str,
    primary: JsonLabel<'a>,
    secondary: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
}

/// One JSON object per line, for editors and CI annotations.
pub fn render_json(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let mk = |span: Span, message: &'_ str| {
        let (line, column) = sources.line_col(span.file, span.start);
        (span, line, column, message.to_string())
    };
    let mut out = String::new();
    for d in diags {
        let (p, pl, pc, pm) = mk(d.span, &d.label);
        let sec: Vec<_> = d.secondary.iter().map(|l| mk(l.span, &l.message)).collect();
        let j = JsonDiagnostic {
            code: d.code.as_str(),
            severity: d.severity,
            message: &d.message,
            primary: JsonLabel {
                file: &sources.get(p.file).name,
                start: p.start,
                end: p.end,
                line: pl,
                column: pc,
                message: &pm,
            },
            secondary: sec
                .iter()
                .map(|(s, l, c, m)| JsonLabel {
                    file: &sources.get(s.file).name,
                    start: s.start,
                    end: s.end,
                    line: *l,
                    column: *c,
                    message: m,
                })
                .collect(),
            notes: &d.notes,
            help: d.help.as_deref(),
        };
        out.push_str(&serde_json::to_string(&j).unwrap_or_default());
        out.push('\n');
    }
    out
}
