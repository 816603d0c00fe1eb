#!/usr/bin/env python3
"""Generate schema/cfn.schemas (and schema/handler-permissions.tsv) from the resource provider schemas bundled in cfn-lint.

Run with the python that has cfn-lint installed:

    .venv/cfn-lint/bin/python scripts/gen-schemas.py [--out schema/cfn.schemas]

cfn-lint's layout (1.x): data/schemas/providers/<region>.json maps each resource
type offered in that region to a content hash; data/schemas/resources/<hash>.json is
the (already patched) provider schema. providers/sam.json lists the SAM
(AWS::Serverless::*) types; they are transform macros, not CloudFormation
resources, and are left out. A region in cfnlint.helpers.REGIONS without a provider
file falls back to us-east-1, exactly as cfn-lint's schema manager does.

Output format (one file, deterministic, UTF-8, '\n' line ends):

  line 1   {"cfn_lint":"<version>","regions":[<every region cfn-lint knows, sorted>]}
  line 2+  <Type::Name>\t<compact json>, sorted by type name, where the json has
             "p"  properties {name: shape} in schema order (read-only ones dropped:
                  cfn-lint rejects them in templates, E3040)
             "r"  required property names (omitted when empty)
             "a"  GetAtt attribute names, sorted (omitted when empty); derived
                  with cfn-lint's own GetAtts logic; "X.*" means any "X.<name>"
             "t"  "l" tags are a list of {Key, Value}; "m" a map string->string;
                  omitted when not taggable
             "tp" tag property name when it is not "Tags"
             "g"  sorted indices into the header's regions offering the type;
                  omitted when every region offers it

schema/iam-resources.tsv: one line per IAM action, lower case, with the resource
types it can be scoped to (role, instance-profile, policy, ...), from cfn-lint's
Policies.json; the execution role scopes its IAM actions with it.

schema/handler-permissions.tsv: one line per type whose schema lists handlers,
sorted by type name: <Type::Name>\t<IAM actions separated by spaces>, the union of
the create, update, delete and read handler permissions, sorted, without the few
that are not IAM actions (cfn-lint's Policies.json decides). It is what a
CloudFormation execution role needs to manage resources of that type.

Shapes: "s" string, "i" integer, "n" number, "b" boolean, "j" anything,
{"l": shape} list, {"m": shape} map, {"o": {props}, "r": [required]} object
("r" omitted when empty), {"e": [strings]} string enum, {"ie": [integers]} integer
enum, {"u": [shapes]} union.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from pathlib import Path

import cfnlint
from cfnlint.helpers import REGIONS
from cfnlint.schema import Schema
from cfnlint.version import __version__ as CFN_LINT_VERSION

# Per-type budget for the property shapes. The three QuickSight
# Analysis/Dashboard/Template schemas inline to ~1 MB each; for types over budget
# the nesting is cut to "j" at the deepest depth that fits.
MAX_TYPE_BYTES = 128 * 1024


class Converter:
    """Turns one provider schema into compact shapes."""

    def __init__(self, schema: dict, max_depth: int | None = None):
        self.schema = schema
        self.max_depth = max_depth
        self.read_only = set(schema.get("readOnlyProperties", []))

    # -- $ref -------------------------------------------------------------
    def resolve_pointer(self, ref: str):
        if not ref.startswith("#/"):
            return None
        node = self.schema
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node if isinstance(node, dict) else None

    def deref(self, node: dict, stack: tuple):
        """Inline $ref (repeatedly); returns (node, stack) or (None, stack) on recursion."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in stack:
                return None, stack
            target = self.resolve_pointer(ref)
            if target is None:
                return {}, stack
            merged = dict(target)
            for k, v in node.items():
                if k != "$ref":
                    merged.setdefault(k, v)
            node = merged
            stack = stack + (ref,)
        return node, stack

    # -- merging for allOf / oneOf / anyOf ---------------------------------
    def merge(self, base: dict, extra: dict, stack: tuple, keep_required: bool):
        extra, stack2 = self.deref(extra, stack)
        if extra is None:
            return None, stack
        out = dict(base)
        for k, v in extra.items():
            if k == "properties" and isinstance(v, dict):
                props = dict(out.get("properties") or {})
                props.update(v)
                out["properties"] = props
            elif k == "required":
                if keep_required:
                    req = list(out.get("required") or [])
                    req += [r for r in v if r not in req]
                    out["required"] = req
            elif k == "type" and "type" in out:
                a = _types(out)
                b = _types(extra)
                both = [t for t in a if t in b]
                out["type"] = both or b
            else:
                out[k] = v
        return out, stack2

    # -- shapes --------------------------------------------------------------
    def shape(self, node, path: tuple, stack: tuple = ()):
        if not isinstance(node, dict):
            return "j"
        node, stack = self.deref(node, stack)
        if node is None:
            return "j"
        if len(stack) > 40:
            return "j"
        if self.max_depth is not None and len(path) > self.max_depth:
            return "j"

        if "allOf" in node:
            base = {k: v for k, v in node.items() if k != "allOf"}
            for sub in node["allOf"]:
                if isinstance(sub, dict):
                    merged, stack2 = self.merge(base, sub, stack, keep_required=True)
                    if merged is None:
                        return "j"
                    base = merged
                    stack = stack2
            return self.shape(base, path, stack)

        for comb in ("oneOf", "anyOf"):
            if comb in node and isinstance(node[comb], list):
                base = {k: v for k, v in node.items() if k != comb}
                shapes = []
                for sub in node[comb]:
                    if not isinstance(sub, dict):
                        continue
                    sub_d, _ = self.deref(sub, stack)
                    if sub_d is None:
                        shapes.append("j")
                        continue
                    # A branch that only adds 'required' (xor constraints) does not
                    # change the shape; keep 'required' only for branches that bring
                    # their own properties.
                    keep = "properties" in sub_d
                    merged, stack2 = self.merge(base, sub, stack, keep_required=keep)
                    if merged is None:
                        shapes.append("j")
                    else:
                        shapes.append(self.shape(merged, path, stack2))
                if not shapes:
                    return self.shape(base, path, stack)
                return union(shapes)

        types = _types(node)
        if not types:
            if "properties" in node or "patternProperties" in node or isinstance(
                node.get("additionalProperties"), dict
            ):
                types = ["object"]
            elif "items" in node:
                types = ["array"]
            elif "enum" in node:
                types = ["string"]
            elif "const" in node:
                types = ["string"]
            else:
                return "j"
        shapes = [self.typed_shape(node, t, path, stack) for t in types]
        return union([s for s in shapes if s is not None])

    def typed_shape(self, node: dict, t: str, path: tuple, stack: tuple):
        if t == "string":
            vals = node.get("enum")
            if vals is None and "const" in node:
                vals = [node["const"]]
            if isinstance(vals, list):
                strs = []
                for v in vals:
                    if isinstance(v, str) and v not in strs:
                        strs.append(v)
                if strs:
                    return {"e": strs}
            return "s"
        if t == "integer":
            vals = node.get("enum")
            if isinstance(vals, list):
                ints = []
                for v in vals:
                    if isinstance(v, int) and not isinstance(v, bool) and v not in ints:
                        ints.append(v)
                if ints:
                    return {"ie": ints}
            return "i"
        if t == "number":
            return "n"
        if t == "boolean":
            return "b"
        if t == "null":
            return None
        if t == "array":
            items = node.get("items")
            if isinstance(items, dict):
                return {"l": self.shape(items, path + ("*",), stack)}
            return {"l": "j"}
        if t == "object":
            props = node.get("properties")
            if isinstance(props, dict) and props:
                out = {}
                for name, sub in props.items():
                    p = path + (name,)
                    if "/properties/" + "/".join(p) in self.read_only:
                        continue
                    out[name] = self.shape(sub, p, stack)
                req = [r for r in node.get("required", []) if isinstance(r, str) and r in out]
                obj = {"o": out}
                if req:
                    obj["r"] = req
                return obj
            values = []
            pp = node.get("patternProperties")
            if isinstance(pp, dict):
                for sub in pp.values():
                    values.append(self.shape(sub, path + ("*",), stack))
            ap = node.get("additionalProperties")
            if isinstance(ap, dict):
                values.append(self.shape(ap, path + ("*",), stack))
            if values:
                return {"m": union(values)}
            return {"m": "j"}
        return "j"


def convert(schema: dict, max_depth):
    return Converter(schema, max_depth).shape(
        {
            "type": "object",
            "properties": schema.get("properties", {}),
            "required": schema.get("required", []),
        },
        (),
    )


def _types(node: dict) -> list:
    t = node.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def _key(shape) -> str:
    return json.dumps(shape, sort_keys=True, separators=(",", ":"))


def union(shapes: list):
    flat = []
    for s in shapes:
        if isinstance(s, dict) and "u" in s:
            flat.extend(s["u"])
        else:
            flat.append(s)
    seen = set()
    out = []
    for s in flat:
        k = _key(s)
        if k not in seen:
            seen.add(k)
            out.append(s)
    if not out:
        return "j"
    if "j" in out:
        return "j"
    # A plain string absorbs string enums.
    if "s" in out:
        out = [s for s in out if not (isinstance(s, dict) and "e" in s)]
    # Merge several enums into one.
    enums = [s for s in out if isinstance(s, dict) and "e" in s]
    if len(enums) > 1:
        vals = []
        for e in enums:
            vals += [v for v in e["e"] if v not in vals]
        first = out.index(enums[0])
        out = [s for s in out if not (isinstance(s, dict) and "e" in s)]
        out.insert(first, {"e": vals})
    kinds = set()
    for s in out:
        if isinstance(s, str):
            kinds.add(s)
        else:
            kinds.add(next(iter(s)))
    if {"s", "b", "l"} <= kinds and ("n" in kinds or "i" in kinds) and (
        "m" in kinds or "o" in kinds
    ):
        return "j"
    if len(out) == 1:
        return out[0]
    return {"u": out}


def tagging(schema: dict, props_shapes: dict):
    tg = schema.get("tagging")
    all_props = schema.get("properties", {})
    if tg is None:
        taggable = "Tags" in all_props
        tag_prop = "/properties/Tags"
    else:
        taggable = bool(tg.get("taggable", True))
        tag_prop = tg.get("tagProperty", "/properties/Tags")
    if not taggable or not isinstance(tag_prop, str):
        return None, None
    parts = tag_prop.split("/")
    if len(parts) != 3 or parts[1] != "properties":
        return None, None  # nested tag property (e.g. TagSpecifications/*/Tags)
    name = parts[2]
    shape = props_shapes.get(name)
    if shape is None:
        return None, None
    return tag_kind(shape), name


def tag_kind(shape):
    if isinstance(shape, dict) and "u" in shape:
        for s in shape["u"]:
            k = tag_kind(s)
            if k:
                return k
        return None
    if isinstance(shape, dict) and "l" in shape:
        item = shape["l"]
        items = item["u"] if isinstance(item, dict) and "u" in item else [item]
        for it in items:
            if isinstance(it, dict) and "o" in it and {"Key", "Value"} <= set(it["o"]):
                return "l"
        return None
    if isinstance(shape, dict) and "m" in shape:
        return "m"
    if shape == "j":
        return "m"
    return None


def getatts(schema: dict) -> list:
    attrs = set()
    for k in Schema(copy.deepcopy(schema)).get_atts.keys():
        if k == "Outputs\\..*":
            attrs.add("Outputs.*")
            continue
        if "*" in k or "\\" in k:
            # nested through an array (a/*/b): not addressable by Fn::GetAtt
            continue
        attrs.add(k)
    return sorted(attrs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = Path(__file__).resolve().parent.parent
    ap.add_argument("--out", default=str(root / "schema" / "cfn.schemas"))
    ap.add_argument(
        "--permissions-out",
        default=str(root / "schema" / "handler-permissions.tsv"),
        help="where the handler permissions go",
    )
    ap.add_argument(
        "--iam-out",
        default=str(root / "schema" / "iam-resources.tsv"),
        help="where the IAM actions' resource types go",
    )
    ap.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the output file is not up to date",
    )
    args = ap.parse_args()

    data = Path(os.path.dirname(cfnlint.__file__)) / "data" / "schemas"
    providers = data / "providers"
    resources = data / "resources"

    regions = sorted(set(REGIONS))
    with open(providers / "us-east-1.json") as f:
        default = json.load(f)
    region_types = {}
    for r in regions:
        p = providers / f"{r}.json"
        if p.exists():
            with open(p) as f:
                region_types[r] = json.load(f)
        else:
            region_types[r] = default

    hashes: dict = {}
    offered: dict = {}
    for i, r in enumerate(regions):
        for t, h in region_types[r].items():
            prev = hashes.setdefault(t, h)
            if prev != h:
                # Different schemas per region: keep us-east-1's, else the first seen.
                if default.get(t) == h:
                    hashes[t] = h
            offered.setdefault(t, []).append(i)

    actions = known_actions()
    permission_lines = []
    lines = [
        json.dumps(
            {"cfn_lint": CFN_LINT_VERSION, "regions": regions}, separators=(",", ":")
        )
    ]
    for t in sorted(hashes):
        with open(resources / f"{hashes[t]}.json") as f:
            schema = json.load(f)
        top = convert(schema, None)
        depth = 16
        while len(_key(top)) > MAX_TYPE_BYTES and depth > 1:
            top = convert(schema, depth)
            depth -= 1
        if not (isinstance(top, dict) and "o" in top):
            top = {"o": {}}
        entry = {"p": top["o"]}
        if top.get("r"):
            entry["r"] = top["r"]
        attrs = getatts(schema)
        if attrs:
            entry["a"] = attrs
        kind, prop = tagging(schema, top["o"])
        if kind:
            entry["t"] = kind
            if prop != "Tags":
                entry["tp"] = prop
        idx = sorted(set(offered[t]))
        if len(idx) != len(regions):
            entry["g"] = idx
        lines.append(t + "\t" + json.dumps(entry, separators=(",", ":"), ensure_ascii=False))
        perms = handler_permissions(schema, actions)
        if perms is not None:
            permission_lines.append(t + "\t" + " ".join(perms))

    outputs = [
        (Path(args.out), "\n".join(lines) + "\n"),
        (Path(args.permissions_out), "\n".join(permission_lines) + "\n"),
        (Path(args.iam_out), iam_resources()),
    ]
    stale = 0
    for out, text in outputs:
        if args.check:
            current = out.read_text(encoding="utf-8") if out.exists() else None
            if current != text:
                print(f"{out} is out of date: run scripts/gen-schemas.py", file=sys.stderr)
                stale += 1
            else:
                print(f"{out} is up to date", file=sys.stderr)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}: {text.count(chr(10))} lines, {out.stat().st_size} bytes", file=sys.stderr)
    return 1 if stale else 0


def known_actions() -> set:
    """Every IAM action cfn-lint knows (data/AdditionalSpecs/Policies.json), lower case."""
    path = Path(os.path.dirname(cfnlint.__file__)) / "data" / "AdditionalSpecs" / "Policies.json"
    with open(path) as f:
        services = json.load(f)
    return {
        f"{prefix}:{action}".lower()
        for prefix, service in services.items()
        for action in service.get("Actions", {})
    }


def iam_resources() -> str:
    """One line per IAM action, `iam:<name>` in lower case (Policies.json keeps no
    capitalisation): its resource types, comma-separated, empty when it takes no
    resource ARN."""
    path = Path(os.path.dirname(cfnlint.__file__)) / "data" / "AdditionalSpecs" / "Policies.json"
    with open(path) as f:
        iam = json.load(f)["iam"]["Actions"]
    lines = [
        f"iam:{name}\t{','.join(sorted(set(spec.get('Resources', []))))}"
        for name, spec in sorted(iam.items())
    ]
    return "\n".join(lines) + "\n"


def handler_permissions(schema: dict, known: set):
    """The IAM actions CloudFormation needs to create, update, delete and read a
    resource of this type (the provider's handler permissions), sorted and without
    duplicates, keeping only actions cfn-lint knows (schemas list a few that IAM does
    not, such as `s3:REST.PUT.OBJECT`). None when the schema lists no handlers."""
    handlers = schema.get("handlers") or {}
    perms = set()
    for kind in ("create", "update", "delete", "read"):
        for p in (handlers.get(kind) or {}).get("permissions", []):
            if isinstance(p, str) and p.lower() in known:
                perms.add(p)
    if not handlers:
        return None
    return sorted(perms, key=lambda p: (p.lower(), p))


if __name__ == "__main__":
    sys.exit(main())
