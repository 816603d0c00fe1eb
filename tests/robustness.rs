//! The compiler never panics and never hangs: arbitrary text, mutated programs, deep
//! nesting and large garbage all end in diagnostics.

mod common;

use proptest::prelude::*;
use sleuthc::{compile, Mode, Options};

fn check(text: String) -> bool {
    let c = compile(
        "fuzz.sleuth",
        text,
        &common::RepoLoader,
        &Options::default(),
        Mode::Build,
    );
    // Errors always come with a code and never with output files.
    !c.has_errors() || c.files.is_none()
}

/// `sleuthc check` of `text`, named `name`.
fn check_only(name: &str, text: String) -> sleuthc::Compilation {
    compile(
        name,
        text,
        &common::RepoLoader,
        &Options::default(),
        Mode::Check,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        prop_assert!(check(text));
    }

    #[test]
    fn program_shaped_text_never_panics(parts in prop::collection::vec(prop::sample::select(vec![
        "app a { tags = { P = \"x\" } }", "environments {", "}", "{", "env dev {", "account = \"111111111111\"",
        "regions = [\"us-east-1\"]", "stack s {", "resource b: AWS::S3::Bucket {", "let x = ", "1", "\"s${x}\"",
        "if x {", "for a in [1, 2] {", "output o = x", "b.ref", "b.Arn", "[", "]", "(", ")", ",", "==", "+",
        "import std.network.vpc", "component c(p: Int = 1) {", "c(p: 2)", "none", "7d", "\"\"\"\nx\n\"\"\"",
    ]), 0..40)) {
        prop_assert!(check(parts.join(" ")));
    }

    #[test]
    fn mutated_examples_never_panic(cut in 0usize..100_000, insert in "\\PC{0,5}") {
        let src = std::fs::read_to_string(common::root().join("examples/tablesleuth/envs.sleuth")).expect("readable");
        let mut at = cut % (src.len() + 1);
        while !src.is_char_boundary(at) { at -= 1; }
        let mutated = format!("{}{}{}", &src[..at], insert, &src[at..]);
        prop_assert!(check(mutated));
    }
}

#[test]
fn deep_nesting_is_a_diagnostic() {
    let text = format!(
        "stack s {{ let x = {}1{} }}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let c = check_only("deep.sleuth", text);
    assert!(
        c.diagnostics.iter().any(|d| d.code.as_str() == "E0004"),
        "{}",
        common::render(&c)
    );
}

/// Chains that nest without brackets, each 20,000 long: the grammar repeats rather
/// than recurses over them (its recursion goes through brackets only, which are
/// bounded before pest runs), and lowering bounds the tree they build. A parser that
/// recursed once per link would need tens of MiB of stack for them, and crash.
#[test]
fn long_chains_without_brackets_are_diagnostics() {
    let chains = [
        (
            "E0004",
            format!(
                "if x {{ let a = 1 }}{}",
                " else if x { let a = 1 }".repeat(20_000)
            ),
        ),
        (
            "E0004",
            format!(
                "let y = if x {{ 1 }}{} else {{ 2 }}",
                " else if x { 1 }".repeat(20_000)
            ),
        ),
        ("E0004", format!("let y = x{}", " + x".repeat(20_000))),
        ("E0004", format!("let y = x{}", ".a".repeat(20_000))),
        ("E0004", format!("let y = {}x", "- ".repeat(20_000))),
        ("E0004", format!("let y = {}x", "!".repeat(20_000))),
        (
            "E0001",
            format!(
                "let y = {}x{}",
                "if ".repeat(20_000),
                " { 1 } else { 2 }".repeat(20_000)
            ),
        ),
        (
            "E0001",
            format!("if {}x {{ let a = 1 }}", "!if ".repeat(20_000)),
        ),
    ];
    for (code, body) in chains {
        let text = format!("stack s {{\n  let x = true\n  {body}\n}}\n");
        let c = check_only("chain.sleuth", text);
        assert!(
            c.diagnostics.iter().any(|d| d.code.as_str() == code),
            "{code} for {}...: {}",
            &body[..40],
            common::render(&c).chars().take(2000).collect::<String>()
        );
    }
}

/// Brackets nested as deep as the parser accepts ([`sleuthc::syntax::MAX_NESTING`]),
/// of every kind, parse and lower without an error. Run with `RUST_MIN_STACK=262144`,
/// it also shows that `syntax::parse` gives itself the stack it needs on a thread
/// with little (at this depth: 0.5-1 MiB in a debug build, under 0.5 MiB optimised).
#[test]
fn nesting_to_the_limit_parses() {
    let kinds = ["(", "[", "{ a = ", "\"${"];
    let closers = [")", "]", " }", "}\""];
    // The stack's braces are the first level.
    let depth = sleuthc::syntax::MAX_NESTING - 1;
    let mut open = String::new();
    let mut close = String::new();
    for i in 0..depth {
        open.push_str(kinds[i % 4]);
        close.insert_str(0, closers[i % 4]);
    }
    let text = format!("stack s {{\n  let x = {open}1{close}\n}}\n");
    let c = check_only("limit.sleuth", text);
    assert!(
        !c.diagnostics
            .iter()
            .any(|d| matches!(d.code.as_str(), "E0001" | "E0004")),
        "{}",
        common::render(&c).chars().take(2000).collect::<String>()
    );
}

#[test]
fn large_garbage_is_a_diagnostic() {
    let mut text = String::with_capacity(10 << 20);
    let mut x: u32 = 12345;
    while text.len() < 10 << 20 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        text.push(char::from(b' ' + (x >> 16) as u8 % 95));
    }
    let c = check_only("garbage.sleuth", text);
    assert!(c.has_errors());
}

/// Thousands of names in one block and a record of thousands of fields: small scopes
/// and records are searched entry by entry, large ones through a hash table, so such a
/// program compiles as it should (and does not take time quadratic in its size).
#[test]
fn many_names_and_fields_compile() {
    let n = 3_000;
    let lets: String = (0..n).map(|i| format!("  let v{i} = {i}\n")).collect();
    let fields: Vec<String> = (0..n).map(|i| format!("f{i} = v{i}")).collect();
    let text = format!(
        "app a {{ tags = {{ P = \"x\" }} }}\n\
         environments {{ env dev {{ account = \"111111111111\", regions = [\"us-east-1\"] }} }}\n\
         stack s {{\n{lets}  let big = {{ {} }}\n  resource topic: AWS::SNS::Topic {{}}\n  output last = \"${{big.f{}}}-${{v{}}}\"\n}}\n",
        fields.join(", "),
        n - 1,
        n / 2
    );
    let c = compile(
        "many.sleuth",
        text,
        &common::RepoLoader,
        &Options::default(),
        Mode::Build,
    );
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let files = c.files.expect("files");
    let template = files
        .iter()
        .find(|f| f.path.ends_with("s.template.json"))
        .expect("the stack's template");
    assert!(
        template.contents.contains("\"2999-1500\""),
        "{}",
        template.contents
    );
}
