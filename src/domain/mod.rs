//! The 名单制 business: types and rules. Pure — no IO and no clock reads; `today` is passed in.

pub mod audit;
pub mod calendar;
pub mod client;
pub mod complaint;
pub mod compliance;
pub mod contact;
pub mod coverage;
pub mod ids;
mod labels;
pub mod mask;
pub mod money;
pub mod names;
pub mod past;
pub mod percent;
pub mod product;
pub mod quota;
pub mod results;
pub mod rules;
pub mod seal;
pub mod staff;
pub mod suggest;
pub mod task;
pub mod text;

pub use audit::{AuditAction, AuditLink, AuditRecord, SealMark};
pub use calendar::{DueBucket, Quarter};
pub use client::{CardTier, Client, ClientClass, ClientStatus, Gender, Holdings, Segment, Sticker};
pub use compliance::Requirement;
pub use contact::{Aim, Channel, Contact, ContactDraft, Outcome, Purpose};
pub use ids::{ClientNo, ContactId, LaunchId, Login, OutletId, StaffNo};
pub use labels::parse_yes_no;
pub use mask::Sensitive;
pub use money::Fen;
pub use product::ProductLaunch;
pub use rules::Rules;
pub use staff::{JobRole, Permission, Scope, Staff};
pub use task::{Attempts, SurveyFor, Task, TaskId, TaskKind, TaskState};
pub use text::inert;

/// A rule was broken by input; the message is the Chinese text shown to the user and names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{field}：{reason}")]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Invalid { field: field.into(), reason: reason.into() }
    }
}
