//! The index as the service holds it: first being built (on another thread, so start-up does not
//! wait), then ready. Changes that arrive while it is being built are kept and applied when it is
//! done, after everything the build read, so none is lost whichever the build saw.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{Answer, Row, SearchIndex};

enum State {
    Building { pending: Vec<Row> },
    Ready(Box<SearchIndex>),
    Failed(String),
}

pub enum Searched {
    /// Being built, or rebuilt after a large import; try again shortly.
    Building,
    Ready(Answer),
    /// The clients could not be read; the reason, for the person searching.
    Failed(String),
}

pub struct LiveIndex {
    state: RwLock<State>,
    /// A batch that rebuilds the index is being applied (seconds at a million clients): searches
    /// say "not ready" instead of waiting for it behind the lock.
    rebuilding: AtomicBool,
    /// Bumped by `restart`; a build finishing for an earlier one is stale and dropped.
    epoch: AtomicU64,
}

impl Default for LiveIndex {
    fn default() -> LiveIndex {
        LiveIndex {
            state: RwLock::new(State::Building { pending: Vec::new() }),
            rebuilding: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
        }
    }
}

impl LiveIndex {
    // A panic while holding the lock leaves at worst an index missing the change being applied;
    // searching on with it beats refusing every search until a restart.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Clients just written.
    pub fn apply(&self, rows: Vec<Row>) {
        if rows.is_empty() {
            return;
        }
        // Asked under the read lock, so searches go on while the index counts what changed. The
        // batch is applied under the write lock later, and `upsert` decides afresh from what the
        // index holds then; if a concurrent write changed the answer, searches merely wait for
        // the lock or say "not ready" briefly, and nothing is applied differently.
        let large = match &*self.read() {
            State::Ready(ix) => ix.rebuilds_for(&rows),
            // No index to rebuild: the rows are only queued, or dropped.
            State::Building { .. } | State::Failed(_) => false,
        };
        if large {
            self.rebuilding.store(true, Ordering::Release);
        }
        match &mut *self.write() {
            State::Building { pending } => pending.extend(rows),
            State::Ready(ix) => ix.upsert(&rows),
            State::Failed(_) => {}
        }
        if large {
            self.rebuilding.store(false, Ordering::Release);
        }
    }

    /// Throws the index away to be built afresh (after a bulk write changed any number of
    /// clients); searches say "not ready" until a build of the returned epoch finishes.
    pub fn restart(&self) -> u64 {
        let mut state = self.write();
        *state = State::Building { pending: Vec::new() };
        self.epoch.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The epoch a build started now belongs to.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// The build is done: apply what changed meanwhile and start answering.
    pub fn finish(&self, ix: SearchIndex) {
        self.finish_epoch(ix, self.epoch());
    }

    /// `finish`, unless the index was restarted after the build of `epoch` began.
    pub fn finish_epoch(&self, mut ix: SearchIndex, epoch: u64) {
        let mut state = self.write();
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        if let State::Building { pending } = &mut *state {
            ix.upsert(pending);
            *state = State::Ready(Box::new(ix));
        }
    }

    pub fn fail(&self, reason: String) {
        *self.write() = State::Failed(reason);
    }

    pub fn is_ready(&self) -> bool {
        matches!(*self.read(), State::Ready(_))
    }

    /// `f` of the index when it is ready and whole (not being built or rebuilt), else `None`.
    pub fn with_ready<R>(&self, f: impl FnOnce(&SearchIndex) -> R) -> Option<R> {
        if self.rebuilding.load(Ordering::Acquire) {
            return None;
        }
        match &*self.read() {
            State::Ready(ix) => Some(f(ix)),
            State::Building { .. } | State::Failed(_) => None,
        }
    }

    pub fn search(&self, query: &str, actor: Option<&str>, limit: usize) -> Searched {
        if self.rebuilding.load(Ordering::Acquire) {
            return Searched::Building;
        }
        match &*self.read() {
            State::Building { .. } => Searched::Building,
            State::Ready(ix) => Searched::Ready(ix.answer(query, actor, limit)),
            State::Failed(reason) => Searched::Failed(reason.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CardTier;

    fn row(no: &str, name: &str) -> Row {
        Row {
            no: no.into(),
            phone: String::new(),
            id_number: String::new(),
            name: name.into(),
            maintainer: None,
            tier: CardTier::Ordinary,
            last_contact: None,
        }
    }

    fn names(s: Searched) -> Vec<String> {
        match s {
            Searched::Ready(a) => a.found.into_iter().map(|f| f.name).collect(),
            _ => vec!["(not ready)".into()],
        }
    }

    #[test]
    fn changes_made_during_the_build_are_not_lost() {
        let live = LiveIndex::default();
        assert!(matches!(live.search("zw", None, 10), Searched::Building));
        // The build read C1 as 张伟; meanwhile C1 was renamed and C2 added.
        let built = SearchIndex::build([row("C1", "张伟")]);
        live.apply(vec![row("C1", "赵文"), row("C2", "周武")]);
        live.finish(built);
        assert_eq!(names(live.search("zw", None, 10)), ["赵文", "周武"]);
        assert_eq!(names(live.search("zhangwei", None, 10)), Vec::<String>::new());
        live.apply(vec![row("C3", "朱伟")]);
        assert_eq!(names(live.search("zw", None, 10)), ["赵文", "周武", "朱伟"], "equals by client number");
    }

    #[test]
    fn re_saving_many_unchanged_clients_does_not_interrupt_searching() {
        let rows: Vec<Row> = (0..600).map(|i| row(&format!("C{i:04}"), "张伟")).collect();
        let live = LiveIndex::default();
        live.finish(SearchIndex::build(rows.clone()));
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..200 {
                    live.apply(rows.clone());
                }
                done.store(true, Ordering::Release);
            });
            while !done.load(Ordering::Acquire) {
                assert!(matches!(live.search("zw", None, 1), Searched::Ready(_)), "an import of nothing new");
            }
        });
    }
}
