//! The pre-parsed standard library (`stdlib/parsed.postcard`) must match the stdlib
//! sources, and decoding it must give exactly what parsing gives. Regenerate it with
//! `SLEUTHC_BLESS=1 cargo test --test stdlib_cache` after editing `stdlib/`.

mod common;

use sleuthc::diagnostics::Diagnostics;
use sleuthc::source::STDLIB;
use sleuthc::syntax::{self, cache};

fn parse_stdlib() -> Vec<syntax::ast::Module> {
    STDLIB
        .iter()
        .enumerate()
        .map(|(i, (name, text))| {
            let mut diags = Diagnostics::default();
            let module = syntax::parse(cache::stdlib_file(i), text, &mut diags);
            assert!(diags.is_empty(), "std.{name} does not parse cleanly");
            module.expect("the stdlib parses")
        })
        .collect()
}

#[test]
fn cache_is_current_and_decodes_to_the_parse() {
    let parsed = parse_stdlib();
    let fresh = cache::encode(&parsed);
    let path = common::root().join("stdlib/parsed.postcard");
    if std::env::var_os("SLEUTHC_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write the cache");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "stdlib/parsed.postcard is stale: run `SLEUTHC_BLESS=1 cargo test --test stdlib_cache` and commit it"
    );
    // What the compiler embeds decodes to exactly the parse.
    assert_eq!(cache::modules().as_deref(), Some(parsed.as_slice()));
}
