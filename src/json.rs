//! The JSON values the compiler builds: template properties, intrinsics, the pipeline's
//! templates and declarations.
//!
//! Not `serde_json::Value`, for what it costs to build thousands of small objects a
//! run: with `preserve_order` its object is an `IndexMap` keyed by owned `String`s and
//! hashed with SipHash, two allocations (the hash table and the entries) plus one per
//! key, and 80 bytes a value. Here an object is a [`VecMap`](crate::vecmap::VecMap):
//! its entries in insertion order, found by comparing keys (template objects have a
//! handful; a large one also indexes them), and a string written in the source
//! (`"Ref"`, `"Fn::GetAtt"`, `"Allow"`) is a borrowed `&'static str`: a
//! `{"Ref": "Vpc"}` is two allocations instead of five, and a value is 32 bytes.
//!
//! Output is the same: objects keep insertion order, `insert` on an existing key keeps
//! its place (as `IndexMap::insert`), `remove` keeps the order of the rest (as
//! `shift_remove`), and the [`serde::Serialize`] implementation feeds serde_json's
//! serializer the same calls as `serde_json::Value` would. Equality of objects ignores
//! order, as `serde_json::Map`'s does.

use std::borrow::{Borrow, Cow};
use std::fmt;

pub use serde_json::Number;

/// A string in a JSON value (an object's key or a string value): a `&'static str`
/// when the program spells it out (`"Ref"`, `"Allow"`, an action name from the
/// embedded tables), owned otherwise.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Str(Cow<'static, str>);

/// An object's key.
pub type Key = Str;

impl Str {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Str {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&'static str> for Str {
    fn from(s: &'static str) -> Str {
        Str(Cow::Borrowed(s))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str(Cow::Owned(s))
    }
}

impl From<&String> for Str {
    fn from(s: &String) -> Str {
        Str(Cow::Owned(s.clone()))
    }
}

impl From<Str> for String {
    fn from(k: Str) -> String {
        k.0.into_owned()
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

/// A JSON value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Str),
    Array(Vec<Value>),
    Object(Map),
}

/// A JSON object: its entries in insertion order, keys unique.
pub type Map = crate::vecmap::VecMap<Key, Value>;

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// An object's value at `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }
}

static NULL: Value = Value::Null;

/// `v["key"]`: the value, or null when `v` is not an object or has no such key.
impl std::ops::Index<&str> for Value {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

/// `v["key"] = x`: null becomes an empty object first, and a missing key is added at
/// the end. Any other kind of value is a bug in the caller.
impl std::ops::IndexMut<&str> for Value {
    fn index_mut(&mut self, key: &str) -> &mut Value {
        if self.is_null() {
            *self = Value::Object(Map::new());
        }
        match self {
            Value::Object(m) => m.get_or_insert_with(key.to_string(), || Value::Null),
            _ => unreachable!("indexing a JSON value that is not an object by a key"),
        }
    }
}

/// A string the program spells out is borrowed, not copied; a string borrowed for
/// less than the program's life is written `.to_string()`.
impl From<&'static str> for Value {
    fn from(s: &'static str) -> Value {
        Value::String(Str::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Str::from(s))
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(Str::from(s))
    }
}

impl From<Str> for Value {
    fn from(s: Str) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// Integers, and references to them (`json!` takes `&n` as readily as `n`).
macro_rules! from_integer {
    ($($t:ty)*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Number(Number::from(n))
            }
        }

        impl From<&$t> for Value {
            fn from(n: &$t) -> Value {
                Value::Number(Number::from(*n))
            }
        }
    )*};
}

from_integer!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize);

impl From<&bool> for Value {
    fn from(b: &bool) -> Value {
        Value::Bool(*b)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Value>> From<&[T]> for Value {
    fn from(items: &[T]) -> Value {
        Value::Array(items.iter().cloned().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Value>> From<&Vec<T>> for Value {
    fn from(items: &Vec<T>) -> Value {
        Value::Array(items.iter().cloned().map(Into::into).collect())
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(text) => s.serialize_str(text),
            Value::Array(items) => s.collect_seq(items),
            Value::Object(m) => m.serialize(s),
        }
    }
}

/// A JSON value written in JSON's own syntax, with Rust expressions for values
/// (`json!({ "Ref": id })`, `json!(["a", x])`, `json!(null)`); an object's keys are
/// string literals or parenthesised expressions. Each value goes through
/// `Value::from`, so it is moved in, never copied through serialization.
#[macro_export]
macro_rules! json {
    (null) => { $crate::json::Value::Null };
    ([ $($tt:tt)* ]) => { $crate::json::Value::Array($crate::json!(@array [] () $($tt)*)) };
    ({ $($tt:tt)* }) => {
        $crate::json::Value::Object($crate::json::Map::from_entries($crate::json!(@object [] $($tt)*)))
    };
    // An array's elements, each gathered a token at a time up to a top-level comma,
    // then made into one `vec!` (sized for exactly its elements).
    (@array [$($done:expr,)*] ($($value:tt)+) , $($rest:tt)*) => {
        $crate::json!(@array [$($done,)* $crate::json!($($value)+),] () $($rest)*)
    };
    (@array [$($done:expr,)*] ($($value:tt)*) $next:tt $($rest:tt)*) => {
        $crate::json!(@array [$($done,)*] ($($value)* $next) $($rest)*)
    };
    (@array [$($done:expr,)*] ($($value:tt)+)) => {
        vec![$($done,)* $crate::json!($($value)+)]
    };
    (@array [$($done:expr,)*] ()) => { vec![$($done,)*] };
    // An object's entries: a key (a literal, or an expression in parentheses), a
    // colon, then the value's tokens up to a top-level comma.
    (@object [$($done:expr,)*]) => { vec![$($done,)*] };
    (@object [$($done:expr,)*] $key:literal : $($rest:tt)+) => {
        $crate::json!(@value [$($done,)*] ($key) () $($rest)+)
    };
    (@object [$($done:expr,)*] ($key:expr) : $($rest:tt)+) => {
        $crate::json!(@value [$($done,)*] ($key) () $($rest)+)
    };
    (@value [$($done:expr,)*] ($key:expr) ($($value:tt)+) , $($rest:tt)*) => {
        $crate::json!(@object [$($done,)* ($crate::json::Key::from($key), $crate::json!($($value)+)),] $($rest)*)
    };
    (@value [$($done:expr,)*] ($key:expr) ($($value:tt)*) $next:tt $($rest:tt)*) => {
        $crate::json!(@value [$($done,)*] ($key) ($($value)* $next) $($rest)*)
    };
    (@value [$($done:expr,)*] ($key:expr) ($($value:tt)+)) => {
        vec![$($done,)* ($crate::json::Key::from($key), $crate::json!($($value)+))]
    };
    ($other:expr) => { $crate::json::Value::from($other) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_json_writes() {
        let x = "x\n\"y\"";
        let n = 7_u32;
        let ours = json!({
            "a": [1, 2, { "b": x }],
            "e": { "f": [] },
            "g": {},
            "h": null,
            "i": true,
            "j": -3_i64,
            ("k".to_string()): format!("{n}"),
            "l": [[], [null, "m"]],
        });
        let compact = r#"{"a":[1,2,{"b":"x\n\"y\""}],"e":{"f":[]},"g":{},"h":null,"i":true,"j":-3,"k":"7","l":[[],[null,"m"]]}"#;
        assert_eq!(serde_json::to_string(&ours).expect("serialises"), compact);
        let theirs: serde_json::Value = serde_json::from_str(compact).expect("valid JSON");
        assert_eq!(crate::emit::to_json(&ours), crate::emit::to_json(&theirs));
    }

    #[test]
    fn objects_are_equal_in_any_order() {
        assert_eq!(json!({ "a": 1, "b": [2] }), json!({ "b": [2], "a": 1 }));
        assert_ne!(json!({ "a": 1 }), json!({ "a": 1, "b": 2 }));
        assert_ne!(json!([1, 2]), json!([2, 1]));
    }

    #[test]
    fn index_mut_makes_null_an_object_and_adds_keys_at_the_end() {
        let mut v = Value::Null;
        v["x"] = json!(1);
        v["y"]["z"] = json!("w");
        v["x"] = json!(2);
        assert_eq!(
            serde_json::to_string(&v).expect("serialises"),
            r#"{"x":2,"y":{"z":"w"}}"#
        );
    }
}
