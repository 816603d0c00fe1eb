//! [`VecMap`]: a small map in insertion order, its entries in one vector.
//!
//! For the maps the compiler makes by the thousand and which hold a handful of
//! entries: a record value (`{ cidr = ..., az = ... }`), a JSON object. An `IndexMap`
//! is two allocations (its hash table and its entries) and a hash for every insert and
//! lookup; here a map is one allocation and a lookup compares keys from the start,
//! which for a few short keys is cheaper than hashing one. Large maps (a template's
//! resources, the stacks of a program) stay `IndexMap`s.
//!
//! It behaves as `IndexMap` does where the compiler relies on it: insertion order is
//! kept, `insert` on a key already there replaces its value in place, `shift_remove`
//! keeps the order of the rest. Two maps are equal when they hold the same keys with
//! equal values, in any order (as `IndexMap`'s equality).

use std::borrow::Borrow;
use std::fmt;

#[derive(Clone)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
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

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The first entry.
    pub fn first(&self) -> Option<(&K, &V)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// A map of `entries`, in this order. The keys must be distinct (checked in debug
    /// builds): for entries known to be, such as a literal's.
    pub fn from_entries(entries: Vec<(K, V)>) -> Self
    where
        K: PartialEq,
    {
        debug_assert!(
            entries
                .iter()
                .enumerate()
                .all(|(i, (k, _))| entries[..i].iter().all(|(other, _)| other != k)),
            "a key given twice"
        );
        VecMap { entries }
    }

    fn position<Q: ?Sized + PartialEq>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        self.entries.iter().position(|(k, _)| k.borrow() == key)
    }

    pub fn get<Q: ?Sized + PartialEq>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries
            .iter()
            .find(|(k, _)| k.borrow() == key)
            .map(|(_, v)| v)
    }

    pub fn get_mut<Q: ?Sized + PartialEq>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.entries
            .iter_mut()
            .find(|(k, _)| k.borrow() == key)
            .map(|(_, v)| v)
    }

    pub fn contains_key<Q: ?Sized + PartialEq>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.position(key).is_some()
    }

    /// Removes `key`, keeping the order of the others.
    pub fn shift_remove<Q: ?Sized + PartialEq>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    /// As [`VecMap::shift_remove`].
    pub fn remove<Q: ?Sized + PartialEq>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.shift_remove(key)
    }
}

impl<K: PartialEq, V> VecMap<K, V> {
    /// Sets `key` to `value`: in place if the key is there (returning the old value),
    /// else at the end.
    pub fn insert(&mut self, key: impl Into<K>, value: V) -> Option<V> {
        let key = key.into();
        match self.entries.iter().position(|(k, _)| *k == key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// The value at `key`, inserted by `make` when missing.
    pub fn get_or_insert_with(&mut self, key: impl Into<K>, make: impl FnOnce() -> V) -> &mut V {
        let key = key.into();
        let i = match self.entries.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.entries.push((key, make()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }
}

/// Maps are equal when they hold the same keys with equal values, in any order.
impl<K: PartialEq, V: PartialEq> PartialEq for VecMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.entries.iter().any(|(k2, v2)| k2 == k && v2 == v))
    }
}

impl<K: Eq, V: Eq> Eq for VecMap<K, V> {}

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

impl<K: PartialEq, V, Q: Into<K>> FromIterator<(Q, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (Q, V)>>(items: I) -> Self {
        let mut map = VecMap::new();
        map.extend(items);
        map
    }
}

impl<K: PartialEq, V, Q: Into<K>> Extend<(Q, V)> for VecMap<K, V> {
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
    fn maps_are_equal_in_any_order() {
        let a: VecMap<String, i32> = [("a", 1), ("b", 2)].into_iter().collect();
        let b: VecMap<String, i32> = [("b", 2), ("a", 1)].into_iter().collect();
        let c: VecMap<String, i32> = [("a", 1), ("b", 3)].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
