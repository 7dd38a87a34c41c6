//! A small ordered map on a sorted `Vec`, for the engine's state.
//!
//! The engine's maps hold a few dozen entries (at most 1000 per-site choices); a sorted vector
//! is as fast for that and far smaller in the wasm build than `BTreeMap`, whose node code is
//! monomorphised for every key and value type (about 30 KB for the engine's four maps). It
//! behaves as the `BTreeMap` it replaces: iteration in key order, equality of contents, and
//! serde as a map (a JSON object), so snapshots keep their shape.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// A map from `K` to `V`, kept sorted by key.
#[derive(Clone, PartialEq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub fn new() -> Self {
        VecMap(Vec::new())
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.0[i].1)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Insert or replace; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// The value for `key`, inserting `make()` first when there is none (`entry().or_insert_with()`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, make()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(k, v)| (k, v))).finish()
    }
}

/// Map keys as JSON object keys: strings as they are, tab ids as decimal strings (JSON, and
/// serde-wasm-bindgen's `json_compatible`, allow string keys only; serde_json wrote `BTreeMap<i64, _>`
/// keys the same way).
pub trait MapKey: Ord + Sized {
    fn to_key(&self) -> String;
    fn from_key(key: String) -> Option<Self>;
}

impl MapKey for String {
    fn to_key(&self) -> String {
        self.clone()
    }
    fn from_key(key: String) -> Option<Self> {
        Some(key)
    }
}

impl MapKey for i64 {
    fn to_key(&self) -> String {
        self.to_string()
    }
    fn from_key(key: String) -> Option<Self> {
        key.parse().ok()
    }
}

impl<K: MapKey, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(&k.to_key(), v)?;
        }
        m.end()
    }
}

impl<'de, K: MapKey, V: Deserialize<'de>> Deserialize<'de> for VecMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<K, V>(PhantomData<(K, V)>);
        impl<'de, K: MapKey, V: Deserialize<'de>> Visitor<'de> for Entries<K, V> {
            type Value = VecMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut map = VecMap::new();
                while let Some(k) = a.next_key::<String>()? {
                    let k = K::from_key(k).ok_or_else(|| serde::de::Error::custom("a map key is not an integer"))?;
                    map.insert(k, a.next_value()?);
                }
                Ok(map)
            }
        }
        d.deserialize_map(Entries(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_sorted_map() {
        let mut m = VecMap::new();
        assert_eq!(m.insert(3i64, "c"), None);
        assert_eq!(m.insert(1, "a"), None);
        assert_eq!(m.insert(2, "b"), None);
        assert_eq!(m.insert(2, "B"), Some("b"));
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(m.get(&2), Some(&"B"));
        assert_eq!(m.remove(&1), Some("a"));
        assert_eq!(m.remove(&1), None);
        *m.get_or_insert_with(0, || "z") = "y";
        assert_eq!(m.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(), [(0, "y"), (2, "B"), (3, "c")]);
        m.retain(|k, _| *k != 2);
        assert_eq!(m.len(), 2);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"0":"y","3":"c"}"#);
        let back: VecMap<i64, String> = serde_json::from_str(r#"{"3":"c","0":"y"}"#).unwrap();
        assert_eq!(back.keys().copied().collect::<Vec<_>>(), [0, 3]);
        assert!(serde_json::from_str::<VecMap<i64, String>>(r#"{"x":"c"}"#).is_err());
    }
}
