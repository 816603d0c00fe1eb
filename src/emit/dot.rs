//! Graphviz DOT for `sleuthc graph --format dot`: one cluster per environment and
//! region (and one per stack inside it in the resources view), edges labelled with
//! the mechanism that made them. Render with `dot -Tsvg`.

use crate::graph::view::GraphView;

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
    let rankdir = if view.view == "stacks" { "TB" } else { "LR" };
    out.push_str(&format!(
        "  rankdir={rankdir};\n  compound=true;\n  fontname=\"Helvetica\";\n"
    ));
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f7fa\", fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#5b6b7f\"];\n");
    for (c, cluster) in view.clusters.iter().enumerate() {
        out.push_str(&format!("  subgraph cluster_{c} {{\n"));
        out.push_str(&format!(
            "    label={};\n    style=\"rounded\";\n    color=\"#9aa5b1\";\n",
            quote(&format!("{} · {}", cluster.env, cluster.region))
        ));
        let node_line = |n: &crate::graph::view::Node, indent: &str| {
            let style = if n.kind == "context" {
                ", style=\"rounded,dashed\""
            } else {
                ""
            };
            let mut label = n.label.clone();
            if let Some(w) = n.wave {
                label.push_str(&format!("\nwave {w}"));
            } else {
                label.push('\n');
                label.push_str(&n.detail);
            }
            format!(
                "{indent}{} [label={}{style}];\n",
                quote(&n.id),
                quote(&label)
            )
        };
        if cluster.groups.is_empty() {
            for n in view.nodes.iter().filter(|n| n.cluster == cluster.id) {
                out.push_str(&node_line(n, "    "));
            }
        } else {
            for (g, group) in cluster.groups.iter().enumerate() {
                out.push_str(&format!("    subgraph cluster_{c}_{g} {{\n"));
                out.push_str(&format!(
                    "      label={};\n      style=\"dashed\";\n",
                    quote(&group.label)
                ));
                for n in view
                    .nodes
                    .iter()
                    .filter(|n| n.group.as_deref() == Some(group.id.as_str()))
                {
                    out.push_str(&node_line(n, "      "));
                }
                out.push_str("    }\n");
            }
        }
        out.push_str("  }\n");
    }
    for e in &view.edges {
        let style = match e.mechanism.as_str() {
            "get-stack-output" | "cross-region" => ", style=dashed",
            "depends_on" => ", style=dotted",
            _ => "",
        };
        out.push_str(&format!(
            "  {} -> {} [label={}{style}];\n",
            quote(&e.from),
            quote(&e.to),
            quote(&e.label)
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
