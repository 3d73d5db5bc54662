//! Ranking within a grade of match (a kind, primary readings before others): the searcher's own
//! clients first, then higher tier, then the most recent contact, then client number so that
//! ties always come out the same way.
//!
//! Every client has a place in one global order (tier, recent contact, client number), kept up to
//! date as clients change; its position is the client's rank. Comparing two candidates is then
//! comparing two integers, and a large set of candidates can be searched in this order, stopping
//! after the first few that match.

use std::cmp::{Ordering, Reverse};

use super::table::{Id, Table};

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Rank {
    order: Vec<Id>,
    pos: Vec<u32>,
}

fn standing(t: &Table, id: Id) -> (Reverse<crate::domain::CardTier>, Reverse<i32>) {
    (Reverse(t.tier[id as usize]), Reverse(t.last_contact[id as usize]))
}

/// Client-number order: case-insensitively, then exactly, then by id (numbers are unique, but the
/// index does not rely on it).
pub fn cmp_no(t: &Table, a: Id, b: Id) -> Ordering {
    t.nos.folded(a).cmp(t.nos.folded(b)).then_with(|| t.nos.get(a).cmp(t.nos.get(b))).then(a.cmp(&b))
}

impl Rank {
    /// `by_no` is every id in client-number order; a stable sort keeps that order among equals.
    pub fn build(t: &Table, by_no: &[Id]) -> Rank {
        let mut order = by_no.to_vec();
        order.sort_by_key(|id| standing(t, *id));
        let mut pos = vec![0; order.len()];
        for (p, id) in order.iter().enumerate() {
            pos[*id as usize] = p as u32;
        }
        Rank { order, pos }
    }

    fn cmp(t: &Table, a: Id, b: Id) -> Ordering {
        standing(t, a).cmp(&standing(t, b)).then_with(|| cmp_no(t, a, b))
    }

    pub fn of(&self, id: Id) -> u32 {
        self.pos[id as usize]
    }

    pub fn order(&self) -> &[Id] {
        &self.order
    }

    /// Places a new client.
    pub fn insert(&mut self, t: &Table, id: Id) {
        let at = self.order.partition_point(|o| Rank::cmp(t, *o, id) == Ordering::Less);
        self.order.insert(at, id);
        if self.pos.len() <= id as usize {
            self.pos.resize(id as usize + 1, 0);
        }
        self.renumber(at, self.order.len());
    }

    /// Moves a client whose tier or last contact changed; only the clients between its old and
    /// new place shift.
    pub fn reposition(&mut self, t: &Table, id: Id) {
        let from = self.pos[id as usize] as usize;
        self.order.remove(from);
        let to = self.order.partition_point(|o| Rank::cmp(t, *o, id) == Ordering::Less);
        self.order.insert(to, id);
        self.renumber(from.min(to), from.max(to) + 1);
    }

    fn renumber(&mut self, from: usize, to: usize) {
        for p in from..to {
            self.pos[self.order[p] as usize] = p as u32;
        }
    }

    pub fn bytes(&self) -> usize {
        (self.order.capacity() + self.pos.capacity()) * 4
    }
}

/// The best `cap` candidates seen so far by (not mine, rank). Keys are unique per client, so a
/// client offered twice is kept once.
pub struct TopK {
    cap: usize,
    kept: Vec<(u64, Id)>,
}

impl TopK {
    pub fn new(cap: usize) -> TopK {
        TopK { cap, kept: Vec::with_capacity(cap + 1) }
    }

    pub fn offer(&mut self, key: u64, id: Id) {
        if self.kept.len() == self.cap && self.kept.last().is_some_and(|(k, _)| key >= *k) {
            return;
        }
        match self.kept.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(_) => {}
            Err(at) => {
                self.kept.insert(at, (key, id));
                self.kept.truncate(self.cap);
            }
        }
    }

    pub fn into_ids(self) -> impl Iterator<Item = Id> {
        self.kept.into_iter().map(|(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_keeps_the_best_once_each() {
        let mut top = TopK::new(3);
        for (k, id) in [(5, 50), (1, 10), (9, 90), (1, 10), (3, 30), (2, 20)] {
            top.offer(k, id);
        }
        assert_eq!(top.into_ids().collect::<Vec<_>>(), [10, 20, 30]);
    }
}
