//! Mermaid flowcharts for `sleuthc graph --format mermaid`, as GitHub renders them in
//! a ```mermaid block: one subgraph per environment and region (and per stack in the
//! resources view). Node ids are positional (`n0`, `n1`, ...) because Mermaid ids
//! cannot hold `/`; the labels carry the names.

use crate::graph::view::{EdgeStyle, GraphView};

/// A Mermaid quoted label: `"` becomes `#quot;`, a backtick `#96;` (a label that
/// starts with one would be read as Markdown text), line breaks `<br/>`.
fn label(s: &str) -> String {
    let escaped = s
        .replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('`', "#96;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', "<br/>");
    format!("\"{escaped}\"")
}

pub fn render(view: &GraphView) -> String {
    let index: std::collections::HashMap<&str, usize> = view
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let id = |node: &str| index.get(node).map(|i| format!("n{i}"));
    let mut out = String::from("flowchart LR\n");
    for (c, (cluster, groups)) in view.nesting().into_iter().enumerate() {
        out.push_str(&format!("  subgraph c{c}[{}]\n", label(&cluster.label)));
        for (g, (group, nodes)) in groups.into_iter().enumerate() {
            let indent = if group.is_some() { "      " } else { "    " };
            if let Some(group) = group {
                out.push_str(&format!("    subgraph c{c}_{g}[{}]\n", label(&group.label)));
            }
            for i in nodes {
                let (open, close) = match view.nodes[i].kind {
                    "approval" => ("{{", "}}"),
                    _ => ("[", "]"),
                };
                out.push_str(&format!(
                    "{indent}n{i}{open}{}{close}\n",
                    label(&view.nodes[i].caption())
                ));
            }
            if group.is_some() {
                out.push_str("    end\n");
            }
        }
        out.push_str("  end\n");
    }
    for e in &view.edges {
        let arrow = match e.style() {
            EdgeStyle::Solid => "-->",
            EdgeStyle::Dashed | EdgeStyle::Dotted => "-.->",
        };
        // The view only links its own nodes; anything else would not parse.
        let (Some(from), Some(to)) = (id(&e.from), id(&e.to)) else {
            continue;
        };
        if e.label.is_empty() {
            out.push_str(&format!("  {from} {arrow} {to}\n"));
        } else {
            out.push_str(&format!("  {from} {arrow}|{}| {to}\n", label(&e.label)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_escape_quotes_and_markup() {
        assert_eq!(
            label("a \"b\" <c>\nd"),
            "\"a #quot;b#quot; #lt;c#gt;<br/>d\""
        );
        assert_eq!(label("`x`"), "\"#96;x#96;\"");
    }
}
