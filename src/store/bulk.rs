//! Bulk writes: an import of a million rows, written in batches yet all or nothing.
//!
//! One sled transaction holding a whole register keeps every write of it in memory until it
//! commits (gigabytes at a million clients). A bulk write instead commits batch by batch, each
//! batch in its own transaction together with an undo record: what every key it changed held
//! before. A durable marker in `meta` says a bulk write is under way; the last transaction of the
//! bulk write removes it together with the import's own last writes (its audit record). So:
//!
//! - killed before that last transaction: the marker is there when the store is next opened,
//!   and `Store::open` undoes every batch that reached the disk, newest first, before anyone
//!   reads the store; the store is as it was before the import;
//! - killed after it: the import is whole; the leftover undo records are dropped.
//!
//! Readers in the same process may see the batches land one by one while the import runs; no
//! one sees half an import after a restart. Writers do not interleave: the service holds its
//! writer lock for the whole import.

use std::cell::Cell;

use sled::transaction::{Transactional, TransactionalTree};

use super::tx::Undo;
use super::{Saved, Store, StoreError, Tree, Tx, TxResult};

/// The sled tree holding undo records: batch number (big-endian) → the batch's undo entries.
pub(super) const UNDO_TREE: &str = "import_undo";
/// Meta key present while a bulk write is under way; its value names what is being written.
const MARKER: &[u8] = b"bulk_write";

/// Rows an import writes per transaction: large enough that per-transaction costs vanish, small
/// enough that a batch's writes and undo record stay a few megabytes.
pub const BULK_BATCH_ROWS: usize = 2_000;

/// A bulk write under way. Dropped without `commit`, it undoes what it wrote.
pub struct Bulk<'a> {
    store: &'a Store,
    next_batch: Cell<u64>,
    done: bool,
    /// `Store::reopens` when the bulk write began: a reopen since then has undone its batches
    /// (`recover_bulk`), so it cannot go on.
    reopens: u64,
}

impl Store {
    /// Starts a bulk write described by `what` (shown if the store must undo it on opening).
    pub fn begin_bulk(&self, what: &str) -> Result<Bulk<'_>, StoreError> {
        // A store is recovered on opening, so a marker here is a bulk write of this process that
        // was neither committed nor undone; undo it rather than build on it.
        self.ensure_room()?;
        self.recover_bulk()?;
        self.tree(Tree::Meta).insert(MARKER, what.as_bytes()).map_err(|e| self.failed(e))?;
        // The marker must be on disk before any batch is.
        self.flush()?;
        let reopens = self.reopens.load(std::sync::atomic::Ordering::SeqCst);
        Ok(Bulk { store: self, next_batch: Cell::new(0), done: false, reopens })
    }

    /// Finishes what a bulk write cut off left: undoes it if its marker is still there, and
    /// drops leftover undo records of one that committed.
    pub(super) fn recover_bulk(&self) -> Result<(), StoreError> {
        let marked = self.tree(Tree::Meta).get(MARKER)?.is_some();
        if !marked && self.undo().is_empty() {
            return Ok(());
        }
        if marked {
            self.undo_batches()?;
            self.tree(Tree::Meta).remove(MARKER).map_err(|e| self.failed(e))?;
        }
        self.undo().clear().map_err(|e| self.failed(e))?;
        self.flush()?;
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.notify(Saved::Many);
        Ok(())
    }

    /// Undoes every batch with an undo record, newest first, each in one transaction that also
    /// drops its record, so being cut off here too only leaves less to undo next time.
    fn undo_batches(&self) -> Result<(), StoreError> {
        let sled = self.sled();
        while let Some((key, value)) = sled.undo.last()? {
            let entries = decode_undo(&value)?;
            let mut refs: Vec<&sled::Tree> = sled.trees.iter().collect();
            refs.push(&sled.undo);
            refs[..].transaction(|trees: &Vec<TransactionalTree>| {
                for e in entries.iter().rev() {
                    let t = &trees[e.tree as usize];
                    match &e.old {
                        Some(v) => t.insert(&e.key[..], &v[..])?,
                        None => t.remove(&e.key[..])?,
                    };
                }
                trees[Tree::ALL.len()].remove(&key[..])?;
                Ok::<(), sled::transaction::ConflictableTransactionError<StoreError>>(())
            })?;
        }
        Ok(())
    }
}

impl Bulk<'_> {
    /// Runs `f` as one transaction that is undone if the bulk write does not commit. Not flushed
    /// and not told to observers: `commit` does both once for the whole bulk write.
    pub fn write<R>(&self, f: impl Fn(&Tx) -> TxResult<R>) -> Result<R, StoreError> {
        use sled::transaction::TransactionError;
        let store = self.store;
        self.still_whole()?;
        // Every batch, not only the first: an import can be larger than the reserve.
        store.ensure_room()?;
        let batch = self.next_batch.get();
        let sled = store.sled();
        let mut refs: Vec<&sled::Tree> = sled.trees.iter().collect();
        refs.push(&sled.undo);
        let result = refs[..]
            .transaction(|trees: &Vec<TransactionalTree>| {
                let tx = Tx::with_undo(&trees[..Tree::ALL.len()], store.id_base, &store.fields);
                let r = f(&tx)?;
                let (_, undo) = tx.into_parts();
                if !undo.is_empty() {
                    trees[Tree::ALL.len()].insert(&batch.to_be_bytes()[..], encode_undo(&undo))?;
                }
                Ok(r)
            })
            .map_err(|e| match e {
                TransactionError::Abort(inner) => inner,
                TransactionError::Storage(e) => store.failed(e),
            })?;
        self.next_batch.set(batch + 1);
        Ok(result)
    }

    /// Refuses to go on after the store was opened again (a write failed and `reopen` undid
    /// this bulk write's batches).
    fn still_whole(&self) -> Result<(), StoreError> {
        if self.store.reopens.load(std::sync::atomic::Ordering::SeqCst) == self.reopens {
            Ok(())
        } else {
            Err(StoreError::Io(format!(
                "写入数据库 {} 时出错，这次导入已全部撤销，没有保存任何内容；请再导入一次",
                self.store.path.display()
            )))
        }
    }

    /// Writes `f` (the import's audit record, say) and ends the bulk write in one transaction:
    /// once it commits, the bulk write is whole. Flushed before returning.
    pub fn commit<R>(mut self, f: impl Fn(&Tx) -> TxResult<R>) -> Result<R, StoreError> {
        let store = self.store;
        self.still_whole()?;
        let r = store.write(|tx| {
            let r = f(tx)?;
            tx.remove_meta(MARKER)?;
            Ok(r)
        })?;
        self.done = true;
        // The bulk write is whole; its undo records only take room now.
        store.undo().clear().map_err(|e| store.failed(e))?;
        store.flush()?;
        store.notify(Saved::Many);
        Ok(r)
    }
}

impl Drop for Bulk<'_> {
    fn drop(&mut self) {
        if !self.done {
            // An error here leaves the marker, and the next open undoes the rest.
            let _ = self.store.recover_bulk();
        }
    }
}

/// `tree u8 | key len u32 | key | 0 absent, or 1 | value len u32 | value`, repeated.
fn encode_undo(entries: &[Undo]) -> Vec<u8> {
    let size: usize = entries.iter().map(|e| 10 + e.key.len() + e.old.as_ref().map_or(0, Vec::len)).sum();
    let mut out = Vec::with_capacity(size);
    for e in entries {
        out.push(e.tree as u8);
        out.extend_from_slice(&(e.key.len() as u32).to_be_bytes());
        out.extend_from_slice(&e.key);
        match &e.old {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&(v.len() as u32).to_be_bytes());
                out.extend_from_slice(v);
            }
        }
    }
    out
}

fn decode_undo(mut bytes: &[u8]) -> Result<Vec<Undo>, StoreError> {
    let corrupt =
        || StoreError::Corrupt {
            kind: "导入撤销记录", key: UNDO_TREE.into(), reason: "长度不对".into()
        };
    fn take<'b>(bytes: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
        let (head, rest) = bytes.split_at_checked(n)?;
        *bytes = rest;
        Some(head)
    }
    fn len(bytes: &mut &[u8]) -> Option<usize> {
        Some(u32::from_be_bytes(take(bytes, 4)?.try_into().ok()?) as usize)
    }
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let tree =
            *Tree::ALL.get(usize::from(take(&mut bytes, 1).ok_or_else(corrupt)?[0])).ok_or_else(corrupt)?;
        let n = len(&mut bytes).ok_or_else(corrupt)?;
        let key = take(&mut bytes, n).ok_or_else(corrupt)?.to_vec();
        let old = match take(&mut bytes, 1).ok_or_else(corrupt)?[0] {
            0 => None,
            _ => {
                let n = len(&mut bytes).ok_or_else(corrupt)?;
                Some(take(&mut bytes, n).ok_or_else(corrupt)?.to_vec())
            }
        };
        out.push(Undo { tree, key, old });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_records_read_back_as_written() {
        let entries = vec![
            Undo { tree: Tree::Clients, key: b"C1".to_vec(), old: None },
            Undo { tree: Tree::Roster, key: b"1001\0C1".to_vec(), old: Some(Vec::new()) },
            Undo { tree: Tree::Meta, key: b"k".to_vec(), old: Some(b"value".to_vec()) },
        ];
        assert_eq!(decode_undo(&encode_undo(&entries)).unwrap(), entries);
        assert!(decode_undo(&encode_undo(&entries)[..7]).is_err(), "a cut record is refused");
    }
}
