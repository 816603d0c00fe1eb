//! [`VecMap`]: a small map in insertion order, its entries in one vector.
//!
//! For the maps the compiler makes by the thousand and which hold a handful of
//! entries: a record value (`{ cidr = ..., az = ... }`), a JSON object. An `IndexMap`
//! is two allocations (its hash table and its entries) and a hash for every insert and
//! lookup; here a map is one allocation and a lookup compares keys from the start,
//! which for a few short keys is cheaper than hashing one. Large maps (a template's
//! resources, the stacks of a program) stay `IndexMap`s.
//!
//! Beyond a few dozen entries (a record literal of thousands of fields) a map also
//! keeps a hash table of its keys' positions, so no input makes building one
//! quadratic.
//!
//! It behaves as `IndexMap` does where the compiler relies on it: insertion order is
//! kept, `insert` on a key already there replaces its value in place, `shift_remove`
//! keeps the order of the rest. Two maps are equal when they hold the same keys with
//! equal values, in any order (as `IndexMap`'s equality).

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;

/// Beyond this many entries a map also indexes its keys: a linear search per insert
/// would make a map built from a record of many thousand fields quadratic.
const SMALL: usize = 32;

#[derive(Clone)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
    /// Each key's position in `entries`, once there are more than [`SMALL`].
    index: Option<Box<rustc_hash::FxHashMap<K, usize>>>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
            index: None,
        }
    }
}

impl<K, V> VecMap<K, V> {
    pub fn new() -> Self {
        VecMap::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        VecMap {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter(self.entries.iter())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The first entry.
    pub fn first(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<K: Hash + Eq + Clone, V> VecMap<K, V> {
    /// A map of `entries`, in this order. The keys must be distinct (checked in debug
    /// builds): for entries known to be, such as a literal's.
    pub fn from_entries(entries: Vec<(K, V)>) -> Self {
        if entries.len() > SMALL {
            return entries.into_iter().collect();
        }
        debug_assert!(
            entries
                .iter()
                .enumerate()
                .all(|(i, (k, _))| entries[..i].iter().all(|(other, _)| other != k)),
            "a key given twice"
        );
        VecMap {
            entries,
            index: None,
        }
    }

    #[inline]
    fn position<Q: ?Sized + Hash + Eq>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        match &self.index {
            None => self.entries.iter().position(|(k, _)| k.borrow() == key),
            Some(index) => Self::indexed(index, key),
        }
    }

    #[cold]
    #[inline(never)]
    fn indexed<Q: ?Sized + Hash + Eq>(
        index: &rustc_hash::FxHashMap<K, usize>,
        key: &Q,
    ) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        index.get(key).copied()
    }

    #[inline]
    pub fn get<Q: ?Sized + Hash + Eq>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// The key as stored, and its value.
    #[inline]
    pub fn get_key_value<Q: ?Sized + Hash + Eq>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.position(key).map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    #[inline]
    pub fn contains_key<Q: ?Sized + Hash + Eq>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.position(key).is_some()
    }

    /// Removes `key`, keeping the order of the others.
    pub fn shift_remove<Q: ?Sized + Hash + Eq>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.position(key)?;
        let (_, value) = self.entries.remove(i);
        if let Some(index) = &mut self.index {
            index.remove(key);
            for at in index.values_mut() {
                if *at > i {
                    *at -= 1;
                }
            }
        }
        Some(value)
    }

    /// Sets `key` to `value`: in place if the key is there (returning the old value),
    /// else at the end.
    #[inline]
    pub fn insert(&mut self, key: impl Into<K>, value: V) -> Option<V> {
        let key = key.into();
        if self.index.is_some() || self.entries.len() >= SMALL {
            return self.insert_indexed(key, value);
        }
        match self.entries.iter().position(|(k, _)| *k == key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// [`VecMap::insert`] into a map that is, or is about to be, indexed.
    #[cold]
    #[inline(never)]
    fn insert_indexed(&mut self, key: K, value: V) -> Option<V> {
        if let Some(i) = self.position(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        } else {
            let mut index: rustc_hash::FxHashMap<K, usize> = Default::default();
            index.reserve(2 * SMALL);
            for (i, (k, _)) in self.entries.iter().enumerate() {
                index.insert(k.clone(), i);
            }
            index.insert(key.clone(), self.entries.len());
            self.index = Some(Box::new(index));
        }
        self.entries.push((key, value));
        None
    }

    /// The value at `key`, inserted by `make` when missing.
    pub fn get_or_insert_with(&mut self, key: impl Into<K>, make: impl FnOnce() -> V) -> &mut V {
        let key = key.into();
        let i = match self.position(&key) {
            Some(i) => i,
            None => {
                self.insert(key, make());
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }
}

/// Maps are equal when they hold the same keys with equal values, in any order.
impl<K: Hash + Eq + Clone, V: PartialEq> PartialEq for VecMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Hash + Eq + Clone, V: Eq> Eq for VecMap<K, V> {}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A map's entries, in order.
pub struct Iter<'a, K, V>(std::slice::Iter<'a, (K, V)>);

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Hash + Eq + Clone, V, Q: Into<K>> FromIterator<(Q, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (Q, V)>>(items: I) -> Self {
        let mut map = VecMap::new();
        map.extend(items);
        map
    }
}

impl<K: Hash + Eq + Clone, V, Q: Into<K>> Extend<(Q, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (Q, V)>>(&mut self, items: I) {
        let items = items.into_iter();
        self.entries.reserve(items.size_hint().0);
        for (k, v) in items {
            self.insert(k, v);
        }
    }
}

impl<K: AsRef<str>, V: serde::Serialize> serde::Serialize for VecMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k.as_ref(), v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_keeps_an_existing_keys_place_and_remove_keeps_the_order() {
        let mut m: VecMap<String, i32> = VecMap::new();
        m.insert("a", 1);
        m.insert("b", 2);
        m.insert("c", 3);
        assert_eq!(m.insert("a", 4), Some(1));
        assert_eq!(m.shift_remove("b"), Some(2));
        m.insert("d".to_string(), 5);
        let entries: Vec<(&str, i32)> = m.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(entries, [("a", 4), ("c", 3), ("d", 5)]);
    }

    #[test]
    fn a_large_map_keeps_its_order_and_its_semantics() {
        let n = 10 * SMALL;
        let mut m: VecMap<String, usize> = VecMap::with_capacity(3);
        for i in 0..n {
            assert_eq!(m.insert(format!("k{i}"), i), None);
        }
        assert!(m.index.is_some());
        assert_eq!(m.insert("k3", 33), Some(3));
        assert_eq!(m.shift_remove("k0"), Some(0));
        assert_eq!(m.len(), n - 1);
        assert_eq!(m.get("k3"), Some(&33));
        assert_eq!(*m.get_or_insert_with("new", || 7), 7);
        let keys: Vec<&str> = m.keys().map(String::as_str).take(3).collect();
        assert_eq!(keys, ["k1", "k2", "k3"]);
        assert_eq!(m.keys().last().map(String::as_str), Some("new"));
        let back: VecMap<String, usize> = m.clone().into_iter().collect();
        assert_eq!(back, m);
    }

    #[test]
    fn maps_are_equal_in_any_order() {
        let a: VecMap<String, i32> = [("a", 1), ("b", 2)].into_iter().collect();
        let b: VecMap<String, i32> = [("b", 2), ("a", 1)].into_iter().collect();
        let c: VecMap<String, i32> = [("a", 1), ("b", 3)].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
