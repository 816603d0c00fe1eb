//! The binary form of a `cfn.schemas` type line, which the compiler reads instead of
//! the line's JSON. Shared by `build.rs` (which includes this file and encodes the
//! embedded file once, at build time) and the run-time index of any other text
//! (`Index::scan`), so both write the same bytes. The reader is `schema::binary`.
//!
//! Why: decoding a type from JSON meant scanning all of its property shapes to find
//! where each ends (the launch template's are 10 KB), and again for each nested object
//! the first time it was used: 1.3 M instructions of a fleet build, most of the
//! schema's cost. Here every object's properties carry their lengths, so a reader
//! steps over a shape in one addition, and names are borrowed as they stand.
//!
//! All integers are little-endian `u32`s (`i64` for integer enum values); a string is
//! its length, then its UTF-8 bytes; a list is its length, then its items.
//!
//! - A type: tagging (`TAG_NONE`, `TAG_LIST`, `TAG_MAP`), the tag property's name,
//!   the regions offering it (`ALL_REGIONS`, or a sorted, deduplicated list of
//!   indices into the header's regions), the required property names, the GetAtt
//!   attributes (sorted), then its properties.
//! - Properties: their count, then for each its name, the length of its shape and
//!   the shape.
//! - A shape: one of the `SHAPE_*` codes, followed by the list item's or map value's
//!   shape, an object's properties and required names, an enum's strings, an integer
//!   enum's values, or a union's shapes (count first).
//!
//! What reads as malformed JSON keeps its meaning: a type whose facts do not decode
//! is absent (its record is empty), a property shape that does not decode accepts
//! any JSON value (`SHAPE_JSON`), unless encoding strictly (the embedded file, where
//! either is an error of the generator).

use serde_json::Value;

pub const TAG_NONE: u32 = 0;
pub const TAG_LIST: u32 = 1;
pub const TAG_MAP: u32 = 2;

/// In place of a region list: every region offers the type.
pub const ALL_REGIONS: u32 = u32::MAX;

pub const SHAPE_STRING: u32 = 0;
pub const SHAPE_INTEGER: u32 = 1;
pub const SHAPE_NUMBER: u32 = 2;
pub const SHAPE_BOOLEAN: u32 = 3;
pub const SHAPE_JSON: u32 = 4;
pub const SHAPE_LIST: u32 = 5;
pub const SHAPE_MAP: u32 = 6;
pub const SHAPE_OBJECT: u32 = 7;
pub const SHAPE_ENUM: u32 = 8;
pub const SHAPE_INT_ENUM: u32 = 9;
pub const SHAPE_UNION: u32 = 10;

/// Appends the record of a type line's `json` to `out`. With `strict`, a property
/// shape that does not decode is an error rather than any JSON. On error `out` is as
/// it was.
pub fn encode_type(
    json: &str,
    region_count: usize,
    strict: bool,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let mark = out.len();
    let result = serde_json::from_str::<Value>(json)
        .map_err(|e| e.to_string())
        .and_then(|v| type_record(&v, region_count, strict, out));
    if result.is_err() {
        out.truncate(mark);
    }
    result
}

/// Appends one shape (`"s"`, `{"l": ...}`, ...) to `out`, for the reader's tests.
#[cfg(test)]
pub fn encode_shape(json: &str, strict: bool, out: &mut Vec<u8>) -> Result<(), String> {
    let mark = out.len();
    let result = serde_json::from_str::<Value>(json)
        .map_err(|e| e.to_string())
        .and_then(|v| shape(&v, strict, out));
    if result.is_err() {
        out.truncate(mark);
    }
    result
}

fn type_record(
    v: &Value,
    region_count: usize,
    strict: bool,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let Value::Object(map) = v else {
        return Err("a type is not an object".into());
    };
    let tagging = match map.get("t") {
        None => TAG_NONE,
        Some(Value::String(t)) if t == "l" => TAG_LIST,
        Some(Value::String(t)) if t == "m" => TAG_MAP,
        Some(other) => return Err(format!("unknown tagging {other}")),
    };
    let tag_property = match map.get("tp") {
        None => "Tags",
        Some(Value::String(p)) => p,
        Some(other) => return Err(format!("tag property {other} is not a string")),
    };
    let regions = match map.get("g") {
        None => None,
        Some(Value::Array(items)) => {
            let mut indices = Vec::with_capacity(items.len());
            for item in items {
                let i = item
                    .as_u64()
                    .and_then(|i| u32::try_from(i).ok())
                    .filter(|&i| (i as usize) < region_count)
                    .ok_or_else(|| format!("region index {item} out of range"))?;
                indices.push(i);
            }
            indices.sort_unstable();
            indices.dedup();
            Some(indices)
        }
        Some(other) => return Err(format!("regions {other} are not a list")),
    };
    let required = strings(map.get("r"), "required properties")?;
    let mut attributes = strings(map.get("a"), "attributes")?;
    attributes.sort_unstable();
    let Some(Value::Object(properties)) = map.get("p") else {
        return Err("no properties object".into());
    };
    word(out, tagging);
    string(out, tag_property)?;
    match regions {
        None => word(out, ALL_REGIONS),
        Some(indices) => {
            length(out, indices.len())?;
            for i in indices {
                word(out, i);
            }
        }
    }
    string_list(out, &required)?;
    string_list(out, &attributes)?;
    object_properties(properties, strict, out)
}

/// The strings of an optional list of strings.
fn strings<'v>(v: Option<&'v Value>, what: &str) -> Result<Vec<&'v str>, String> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .ok_or_else(|| format!("{what}: {i} is not a string"))
            })
            .collect(),
        Some(other) => Err(format!("{what}: {other} is not a list")),
    }
}

fn object_properties(
    properties: &serde_json::Map<String, Value>,
    strict: bool,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    length(out, properties.len())?;
    for (name, v) in properties {
        string(out, name)?;
        let at = out.len();
        word(out, 0); // the shape's length, once known
        let mark = out.len();
        if let Err(e) = shape(v, strict, out) {
            if strict {
                return Err(format!("{name}: {e}"));
            }
            out.truncate(mark);
            word(out, SHAPE_JSON);
        }
        let len = u32::try_from(out.len() - mark).map_err(|_| "a shape over 4 GiB")?;
        out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }
    Ok(())
}

fn shape(v: &Value, strict: bool, out: &mut Vec<u8>) -> Result<(), String> {
    let map = match v {
        Value::String(code) => {
            let leaf = match code.as_str() {
                "s" => SHAPE_STRING,
                "i" => SHAPE_INTEGER,
                "n" => SHAPE_NUMBER,
                "b" => SHAPE_BOOLEAN,
                "j" => SHAPE_JSON,
                other => return Err(format!("unknown shape {other:?}")),
            };
            word(out, leaf);
            return Ok(());
        }
        Value::Object(map) => map,
        other => return Err(format!("{other} is not a shape")),
    };
    let required = map.get("r");
    let codes: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| *k != "r").collect();
    let [(code, inner)] = codes.as_slice() else {
        return Err("a shape needs exactly one code".into());
    };
    if required.is_some() && code.as_str() != "o" {
        return Err("required properties outside an object".into());
    }
    match code.as_str() {
        "l" | "m" => {
            word(out, if *code == "l" { SHAPE_LIST } else { SHAPE_MAP });
            shape(inner, strict, out)
        }
        "o" => {
            let Value::Object(properties) = inner else {
                return Err("an object's properties are not a map".into());
            };
            word(out, SHAPE_OBJECT);
            object_properties(properties, strict, out)?;
            string_list(out, &strings(required, "required properties")?)
        }
        "e" => {
            word(out, SHAPE_ENUM);
            string_list(out, &strings(Some(inner), "enum values")?)
        }
        "ie" => {
            let Value::Array(items) = inner else {
                return Err("integer enum values are not a list".into());
            };
            word(out, SHAPE_INT_ENUM);
            length(out, items.len())?;
            for item in items {
                let n = item
                    .as_i64()
                    .ok_or_else(|| format!("{item} is not an integer"))?;
                out.extend_from_slice(&n.to_le_bytes());
            }
            Ok(())
        }
        "u" => {
            let Value::Array(items) = inner else {
                return Err("a union's shapes are not a list".into());
            };
            word(out, SHAPE_UNION);
            length(out, items.len())?;
            items.iter().try_for_each(|s| shape(s, strict, out))
        }
        other => Err(format!("unknown shape code {other:?}")),
    }
}

fn word(out: &mut Vec<u8>, w: u32) {
    out.extend_from_slice(&w.to_le_bytes());
}

fn length(out: &mut Vec<u8>, n: usize) -> Result<(), String> {
    word(out, u32::try_from(n).map_err(|_| "over 4 G items")?);
    Ok(())
}

fn string(out: &mut Vec<u8>, s: &str) -> Result<(), String> {
    length(out, s.len())?;
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn string_list(out: &mut Vec<u8>, items: &[&str]) -> Result<(), String> {
    length(out, items.len())?;
    items.iter().try_for_each(|s| string(out, s))
}
