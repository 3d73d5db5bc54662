//! Finding a client by what is at hand: name (characters, full pinyin, initials), phone,
//! client number, ID-number suffix.

use serde::{Deserialize, Serialize};

use super::views::StaffRef;
use super::{Service, ServiceError};
use crate::domain::mask::mask_phone;
use crate::domain::{CardTier, ClientNo, Staff};

/// Which of the client's fields the query matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchField {
    Name,
    Phone,
    ClientNo,
    IdNumber,
}

/// How well it matched; results are ranked in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MatchKind {
    Exact,
    Prefix,
    Initials,
    Fuzzy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub no: ClientNo,
    pub name: String,
    /// Masked, as everywhere else: a search never reveals what the card would hide.
    pub phone: String,
    pub tier: CardTier,
    pub maintainer: Option<StaffRef>,
    /// On the searcher's own roster.
    pub mine: bool,
    pub field: MatchField,
    pub kind: MatchKind,
    /// Positions (in characters) of `name` that matched, for highlighting; empty when the match
    /// was on another field.
    pub name_highlight: Vec<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// False while the index is still being built after start-up; `hits` is then empty.
    pub ready: bool,
}

impl Service {
    /// A plain scan: finds names containing the query, client numbers containing it and phones
    /// ending in it.
    pub fn search(&self, actor: &Staff, query: String, limit: u32) -> Result<SearchResults, ServiceError> {
        let q = query.trim().to_lowercase();
        let mut hits = Vec::new();
        if q.is_empty() {
            return Ok(SearchResults { hits, ready: true });
        }
        for c in self.store.clients() {
            let c = c?;
            let name_at = c.name.to_lowercase().find(&q).map(|b| c.name[..b].chars().count());
            let field = if name_at.is_some() {
                MatchField::Name
            } else if c.no.as_str().to_lowercase().contains(&q) {
                MatchField::ClientNo
            } else if c.phone.ends_with(&q) {
                MatchField::Phone
            } else {
                continue;
            };
            let maintainer = c.maintainer.as_ref().map(|m| self.staff_ref(m)).transpose()?;
            hits.push(SearchHit {
                mine: c.maintainer.as_ref() == Some(&actor.no),
                phone: mask_phone(&c.phone),
                name_highlight: name_at.map(|at| (at..at + q.chars().count()).collect()).unwrap_or_default(),
                no: c.no,
                name: c.name,
                tier: c.tier,
                maintainer,
                field,
                kind: MatchKind::Fuzzy,
            });
            if hits.len() >= limit as usize {
                break;
            }
        }
        Ok(SearchResults { hits, ready: true })
    }
}
