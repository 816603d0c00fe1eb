//! Graphviz DOT for `sleuthc graph --format dot`: one cluster per environment and
//! region (and one per stack inside it in the resources view), edges labelled with
//! the mechanism that made them. Render with `dot -Tsvg`.

use crate::graph::view::{EdgeStyle, GraphView};

/// A DOT string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn render(view: &GraphView) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "digraph {} {{\n",
        quote(&format!("{} {}", view.app, view.view))
    ));
    // Stacks: waves read top-down, clusters left to right in build order. Resources:
    // chains are long, so left to right.
    // Pipelines: stages left to right, like the console draws them.
    let rankdir = if view.view == "stacks" { "TB" } else { "LR" };
    out.push_str(&format!(
        "  rankdir={rankdir};\n  compound=true;\n  fontname=\"Helvetica\";\n"
    ));
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f7fa\", fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#5b6b7f\"];\n");
    for (c, (cluster, groups)) in view.nesting().into_iter().enumerate() {
        out.push_str(&format!("  subgraph cluster_{c} {{\n"));
        out.push_str(&format!(
            "    label={};\n    style=\"rounded\";\n    color=\"#9aa5b1\";\n",
            quote(&cluster.label)
        ));
        for (g, (group, nodes)) in groups.into_iter().enumerate() {
            let indent = if group.is_some() { "      " } else { "    " };
            if let Some(group) = group {
                out.push_str(&format!("    subgraph cluster_{c}_{g} {{\n"));
                out.push_str(&format!(
                    "      label={};\n      style=\"dashed\";\n",
                    quote(&group.label)
                ));
            }
            for i in nodes {
                let n = &view.nodes[i];
                let style = match n.kind {
                    "context" => ", style=\"rounded,dashed\"",
                    "approval" => ", shape=hexagon, style=filled, fillcolor=\"#fff4d6\"",
                    _ => "",
                };
                out.push_str(&format!(
                    "{indent}{} [label={}{style}];\n",
                    quote(&n.id),
                    quote(&n.caption())
                ));
            }
            if group.is_some() {
                out.push_str("    }\n");
            }
        }
        out.push_str("  }\n");
    }
    for e in &view.edges {
        let mut attrs = Vec::new();
        if !e.label.is_empty() {
            attrs.push(format!("label={}", quote(&e.label)));
        }
        match e.style() {
            EdgeStyle::Dashed => attrs.push("style=dashed".to_string()),
            EdgeStyle::Dotted => attrs.push("style=dotted".to_string()),
            EdgeStyle::Solid => {}
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        out.push_str(&format!(
            "  {} -> {}{attrs};\n",
            quote(&e.from),
            quote(&e.to)
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_escapes_what_dot_needs() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
