//! Finding a client by what is at hand: name, pinyin, phone, client number, ID suffix.

use serde::{Deserialize, Serialize};

use super::views::StaffRef;
use super::{Service, ServiceError};
use crate::domain::mask::mask_phone;
use crate::domain::{CardTier, ClientNo, Staff};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub no: ClientNo,
    pub name: String,
    /// Masked.
    pub phone: String,
    pub tier: CardTier,
    pub maintainer: Option<StaffRef>,
    pub mine: bool,
}

impl Service {
    pub fn search(&self, actor: &Staff, query: String, limit: u32) -> Result<Vec<SearchHit>, ServiceError> {
        let q = query.trim().to_lowercase();
        let mut out = Vec::new();
        if q.is_empty() {
            return Ok(out);
        }
        for c in self.store.clients() {
            let c = c?;
            if c.name.to_lowercase().contains(&q)
                || c.no.as_str().to_lowercase().contains(&q)
                || c.phone.ends_with(&q)
            {
                let maintainer = c.maintainer.as_ref().map(|m| self.staff_ref(m)).transpose()?;
                out.push(SearchHit {
                    mine: c.maintainer.as_ref() == Some(&actor.no),
                    phone: mask_phone(&c.phone),
                    no: c.no,
                    name: c.name,
                    tier: c.tier,
                    maintainer,
                });
                if out.len() >= limit as usize {
                    break;
                }
            }
        }
        Ok(out)
    }
}
