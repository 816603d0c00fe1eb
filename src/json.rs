//! The JSON values the compiler builds: template properties, intrinsics, the pipeline's
//! templates and declarations.
//!
//! Not `serde_json::Value`, for what it costs to build thousands of small objects a
//! run: with `preserve_order` its object is an `IndexMap` keyed by owned `String`s and
//! hashed with SipHash, two allocations (the hash table and the entries) plus one per
//! key, and 80 bytes a value. Here an object is a vector of entries in insertion order,
//! found by a linear search (template objects have a handful of keys; the large maps,
//! a template's resources and outputs, are the emitter's own), and a key written in the
//! source (`"Ref"`, `"Fn::GetAtt"`, `"Properties"`) is a borrowed `&'static str`: a
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

/// An object's key: a `&'static str` when the program spells it out, owned otherwise.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(Cow<'static, str>);

impl Key {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Key {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&'static str> for Key {
    fn from(s: &'static str) -> Key {
        Key(Cow::Borrowed(s))
    }
}

impl From<String> for Key {
    fn from(s: String) -> Key {
        Key(Cow::Owned(s))
    }
}

impl From<&String> for Key {
    fn from(s: &String) -> Key {
        Key(Cow::Owned(s.clone()))
    }
}

impl From<&Key> for Key {
    fn from(k: &Key) -> Key {
        k.clone()
    }
}

impl From<Key> for String {
    fn from(k: Key) -> String {
        k.0.into_owned()
    }
}

impl PartialEq<str> for Key {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Key {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

/// A JSON value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// A JSON object: its entries in insertion order, keys unique.
#[derive(Clone, Default)]
pub struct Map {
    entries: Vec<(Key, Value)>,
}

impl Map {
    pub fn new() -> Map {
        Map {
            entries: Vec::new(),
        }
    }

    pub fn with_capacity(n: usize) -> Map {
        Map {
            entries: Vec::with_capacity(n),
        }
    }

    /// An object of `entries`, in this order; the keys must be distinct (as they are
    /// in a `json!` literal: checked in debug builds).
    pub fn from_entries(entries: Vec<(Key, Value)>) -> Map {
        debug_assert!(
            entries
                .iter()
                .enumerate()
                .all(|(i, (k, _))| entries[..i].iter().all(|(other, _)| other != k)),
            "a key given twice"
        );
        Map { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k.as_str() == key)
    }

    /// Sets `key` to `value`: in place if the key is there (returning the old value),
    /// else at the end.
    pub fn insert(&mut self, key: impl Into<Key>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Removes `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    /// As [`Map::remove`] (the name `IndexMap` gives it).
    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        self.remove(key)
    }

    /// The value at `key`, inserted by `make` when missing.
    pub fn get_or_insert_with(
        &mut self,
        key: impl Into<Key>,
        make: impl FnOnce() -> Value,
    ) -> &mut Value {
        let key = key.into();
        let i = match self.position(&key) {
            Some(i) => i,
            None => {
                self.entries.push((key, make()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Key, &mut Value)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Key, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

/// Objects are equal when they have the same keys with equal values, in any order.
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| w == v))
    }
}

impl Eq for Map {}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// An object's entries, in order.
pub struct Iter<'a>(std::slice::Iter<'a, (Key, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Key, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Map {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(items: I) -> Map {
        let mut map = Map::new();
        map.extend(items);
        map
    }
}

impl<K: Into<Key>> Extend<(K, Value)> for Map {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, items: I) {
        let items = items.into_iter();
        self.entries.reserve(items.size_hint().0);
        for (k, v) in items {
            self.insert(k, v);
        }
    }
}

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

    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
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

    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// An object's value at `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_object_mut().and_then(|m| m.get_mut(key))
    }

    /// The compact JSON text, as `serde_json::to_string` writes it.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
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

/// `v[i]`: the element, or null when `v` is not an array or is shorter.
impl std::ops::Index<usize> for Value {
    type Output = Value;

    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json_string())
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl From<Key> for Value {
    fn from(k: Key) -> Value {
        Value::String(k.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_integer {
    ($($t:ty)*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Number(Number::from(n))
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

macro_rules! from_integer_ref {
    ($($t:ty)*) => {$(
        impl From<&$t> for Value {
            fn from(n: &$t) -> Value {
                Value::Number(Number::from(*n))
            }
        }
    )*};
}

from_integer_ref!(i32 i64 u32 u64 usize);

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

impl<T: Clone + Into<Value>, const N: usize> From<&[T; N]> for Value {
    fn from(items: &[T; N]) -> Value {
        Value::Array(items.iter().cloned().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<()> for Value {
    fn from((): ()) -> Value {
        Value::Null
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
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

impl serde::Serialize for Map {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
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
        assert_eq!(ours.to_json_string(), compact);
        let theirs: serde_json::Value = serde_json::from_str(compact).expect("valid JSON");
        assert_eq!(crate::emit::to_json(&ours), crate::emit::to_json(&theirs));
    }

    #[test]
    fn insert_keeps_an_existing_keys_place_and_remove_keeps_the_order() {
        let mut m = Map::new();
        m.insert("a", json!(1));
        m.insert("b", json!(2));
        m.insert("c", json!(3));
        assert_eq!(m.insert("a", json!(4)), Some(json!(1)));
        assert_eq!(m.remove("b"), Some(json!(2)));
        m.insert("d".to_string(), json!(5));
        let keys: Vec<&str> = m.keys().map(Key::as_str).collect();
        assert_eq!(keys, ["a", "c", "d"]);
        assert_eq!(Value::Object(m)["a"], json!(4));
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
        assert_eq!(v.to_json_string(), r#"{"x":2,"y":{"z":"w"}}"#);
    }
}
