//! Client numbers, kept apart because they never change once a client exists.

use super::table::Id;

/// Client numbers never change once a client exists, so they live in an append-only arena joined
/// by newlines, which lets a substring search run over all of them at once (`memchr::memmem`).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Numbers {
    text: Vec<u8>,
    /// ASCII-lowercased copy, made only once some number has capital letters.
    folded: Option<Vec<u8>>,
    starts: Vec<u32>,
    /// Which bytes occur in any folded number: a query with letters where every number is
    /// digits skips the scan.
    #[serde(with = "byte_set")]
    present: [bool; 256],
}

impl Default for Numbers {
    fn default() -> Numbers {
        Numbers { text: Vec::new(), folded: None, starts: Vec::new(), present: [false; 256] }
    }
}

impl Numbers {
    pub fn push(&mut self, no: &str) {
        if !self.starts.is_empty() {
            self.text.push(b'\n');
            if let Some(f) = &mut self.folded {
                f.push(b'\n');
            }
        }
        self.starts.push(self.text.len() as u32);
        self.text.extend_from_slice(no.as_bytes());
        for b in no.bytes() {
            self.present[usize::from(b.to_ascii_lowercase())] = true;
        }
        if self.folded.is_none() && no.bytes().any(|b| b.is_ascii_uppercase()) {
            self.folded = Some(self.text.to_ascii_lowercase());
        } else if let Some(f) = &mut self.folded {
            f.extend(no.bytes().map(|b| b.to_ascii_lowercase()));
        }
    }

    fn span(&self, id: Id) -> std::ops::Range<usize> {
        let i = id as usize;
        let start = self.starts[i] as usize;
        let end = self.starts.get(i + 1).map_or(self.text.len(), |s| *s as usize - 1);
        start..end
    }

    pub fn get(&self, id: Id) -> &str {
        std::str::from_utf8(&self.text[self.span(id)]).unwrap_or("")
    }

    /// Lowercase, for matching.
    pub fn folded(&self, id: Id) -> &[u8] {
        let span = self.span(id);
        match &self.folded {
            Some(f) => &f[span],
            None => &self.text[span],
        }
    }

    /// Whether some number could contain `needle`: false when it has a byte no number has
    /// (letters, where every number is digits), so a name query need not look at numbers.
    pub fn may_contain(&self, needle: &[u8]) -> bool {
        needle.iter().all(|b| self.present[usize::from(*b)])
    }

    /// Clients whose folded number contains `needle`, in id order, until `found` says stop.
    pub fn containing(&self, needle: &[u8], mut found: impl FnMut(Id) -> bool) {
        if !self.may_contain(needle) {
            return;
        }
        let hay = self.folded.as_deref().unwrap_or(&self.text);
        let mut last = None;
        let mut id = 0;
        for at in memchr::memmem::find_iter(hay, needle) {
            id = self.holding(at, id);
            if last != Some(id) {
                if !found(id as Id) {
                    return;
                }
                last = Some(id);
            }
        }
    }

    /// The number whose text holds byte `at`, looking forward from number `from`: matches come
    /// in order and are often close together, so a galloping search beats a binary one.
    fn holding(&self, at: usize, from: usize) -> usize {
        let starts = &self.starts;
        let mut step = 1;
        while from + step < starts.len() && starts[from + step] as usize <= at {
            step *= 2;
        }
        let lo = from + step / 2;
        let hi = (from + step).min(starts.len());
        lo + starts[lo..hi].partition_point(|s| *s as usize <= at) - 1
    }

    pub fn bytes(&self) -> usize {
        self.text.capacity() + self.folded.as_ref().map_or(0, Vec::capacity) + self.starts.capacity() * 4
    }
}

/// `[bool; 256]` as a sequence: serde derives arrays only up to 32 long.
mod byte_set {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(set: &[bool; 256], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(set.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[bool; 256], D::Error> {
        let v = Vec::<bool>::deserialize(d)?;
        let len = v.len();
        v.try_into().map_err(|_| D::Error::custom(format!("byte set of {len}, not 256")))
    }
}
