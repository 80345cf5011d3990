//! The scrape cache's series texts → entries map, laid out for the steady state: entries and
//! their texts are stored in the order they were first scraped, and a lookup first tries the
//! entry after the previous hit. A target exposes its series in the same order every scrape,
//! so most lookups are one comparison against memory read in sequence, with no hashing and
//! no random access into a large table (which is what a plain hash map costs per sample).

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use super::cache::{Entry, RawBuild};

const NONE: u32 = u32::MAX;

/// A hasher for keys that are already hashes.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PassHasher(u64);

impl Hasher for PassHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One entry with where its text is.
#[derive(Debug)]
struct Slot {
    entry: Entry,
    start: usize,
    end: usize,
    hash: u64,
    /// The next slot with the same hash (64-bit collisions are rare but possible).
    next_same: u32,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct SeriesTexts {
    build: RawBuild,
    slots: Vec<Slot>,
    /// Every text, back to back, in slot order.
    text: Vec<u8>,
    /// Hash of a text → its newest slot.
    by_hash: HashMap<u64, u32, BuildHasherDefault<PassHasher>>,
    /// The slot after the last one found or inserted: the likely next lookup.
    guess: usize,
}

impl SeriesTexts {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn hash(&self, raw: &[u8]) -> u64 {
        self.build.hash_one(raw)
    }

    fn text(&self, s: &Slot) -> &[u8] {
        &self.text[s.start..s.end]
    }

    /// The entry of `raw`, if cached.
    pub fn get_mut(&mut self, raw: &[u8]) -> Option<&mut Entry> {
        let i = match self.slots.get(self.guess) {
            Some(s) if self.text(s) == raw => self.guess,
            _ => self.find(raw)?,
        };
        self.guess = i + 1;
        Some(&mut self.slots[i].entry)
    }

    fn find(&self, raw: &[u8]) -> Option<usize> {
        let hash = self.hash(raw);
        let mut i = *self.by_hash.get(&hash)?;
        while i != NONE {
            let s = &self.slots[i as usize];
            if s.hash == hash && self.text(s) == raw {
                return Some(i as usize);
            }
            i = s.next_same;
        }
        None
    }

    /// Adds `raw` (not cached yet) with `entry`.
    pub fn insert(&mut self, raw: &[u8], entry: Entry) {
        let hash = self.hash(raw);
        let i = self.slots.len();
        let start = self.text.len();
        self.text.extend_from_slice(raw);
        let next_same = self.by_hash.insert(hash, i as u32).unwrap_or(NONE);
        self.slots.push(Slot { entry, start, end: self.text.len(), hash, next_same });
        self.guess = i + 1;
    }

    pub fn values(&self) -> impl Iterator<Item = &Entry> {
        self.slots.iter().map(|s| &s.entry)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.slots.iter_mut().map(|s| &mut s.entry)
    }

    /// Keeps the entries `keep` accepts, in their order; rebuilt only when one goes.
    pub fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        if self.slots.iter().all(|s| keep(&s.entry)) {
            return;
        }
        let old_slots = std::mem::take(&mut self.slots);
        let old_text = std::mem::take(&mut self.text);
        self.by_hash.clear();
        for s in old_slots {
            if keep(&s.entry) {
                // The hash is the same text's: no need to hash it again.
                let i = self.slots.len();
                let start = self.text.len();
                self.text.extend_from_slice(&old_text[s.start..s.end]);
                let next_same = self.by_hash.insert(s.hash, i as u32).unwrap_or(NONE);
                self.slots.push(Slot {
                    entry: s.entry,
                    start,
                    end: self.text.len(),
                    hash: s.hash,
                    next_same,
                });
            }
        }
        self.slots.shrink_to_fit();
        self.text.shrink_to_fit();
        self.guess = 0;
    }
}

#[cfg(test)]
mod tests {
    use model::labels::Labels;

    use super::*;

    fn entry(iter: u64) -> Entry {
        Entry {
            labels: Labels::empty(),
            hint: None,
            last_iter: iter,
            written: 0,
            written_before: 0,
        }
    }

    #[test]
    fn lookups_in_order_out_of_order_and_after_retain() {
        let mut t = SeriesTexts::default();
        let keys: Vec<String> = (0..50).map(|i| format!("m{{i=\"{i}\"}}")).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(t.get_mut(k.as_bytes()).is_none());
            t.insert(k.as_bytes(), entry(i as u64));
        }
        // In order (the guess), backwards and shuffled (the hash).
        for (i, k) in keys.iter().enumerate().chain(keys.iter().enumerate().rev()) {
            assert_eq!(t.get_mut(k.as_bytes()).map(|e| e.last_iter), Some(i as u64));
        }
        for i in (0..50).map(|i| (i * 17) % 50) {
            assert_eq!(t.get_mut(keys[i].as_bytes()).map(|e| e.last_iter), Some(i as u64));
        }
        assert!(t.get_mut(b"m").is_none());
        assert!(t.get_mut(b"").is_none());
        t.retain(|e| e.last_iter % 3 == 0);
        assert_eq!(t.len(), 17);
        for (i, k) in keys.iter().enumerate() {
            let got = t.get_mut(k.as_bytes()).map(|e| e.last_iter);
            assert_eq!(got, (i % 3 == 0).then_some(i as u64), "{k}");
        }
        assert_eq!(t.values().count(), 17);
    }

    #[test]
    fn texts_with_one_hash_are_chained() {
        let mut t = SeriesTexts::default();
        // Force a collision by inserting two slots under one hash by hand.
        t.insert(b"a", entry(1));
        let hash = t.hash(b"a");
        let i = t.slots.len();
        let start = t.text.len();
        t.text.extend_from_slice(b"b");
        let next_same = t.by_hash.insert(hash, i as u32).unwrap_or(NONE);
        t.slots.push(Slot { entry: entry(2), start, end: t.text.len(), hash, next_same });
        t.guess = 0;
        assert_eq!(t.get_mut(b"b").map(|e| e.last_iter), None, "b's true hash differs");
        t.guess = 5;
        assert_eq!(t.get_mut(b"a").map(|e| e.last_iter), Some(1), "found down the chain");
    }
}
