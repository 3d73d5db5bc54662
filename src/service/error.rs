use serde::{Deserialize, Serialize};

use crate::domain::{Field, Invalid, Lang};
use crate::store::StoreError;

/// Why a request was not done. Carried over the socket unchanged, so callers in any mode show the
/// same message. `Display` is the Chinese sentence (logs, the audit trail, Chinese screens);
/// `render` writes it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ServiceError {
    /// The acting staff member may not do this.
    #[error("没有权限：{0}")]
    Denied(String),
    /// The login or 工号 is not an active staff member.
    #[error("{0}")]
    UnknownUser(String),
    #[error("找不到{0}")]
    NotFound(String),
    /// Input broke one or more rules; each names its field. Nothing was written.
    #[error("{}", join_invalid(.0))]
    Invalid(Vec<Invalid>),
    #[error("{0}")]
    Conflict(String),
    /// The store failed; nothing was written.
    #[error("{0}")]
    Store(String),
    /// A transport or protocol problem between a client and the branch server.
    #[error("{0}")]
    Transport(String),
}

fn join_invalid(list: &[Invalid]) -> String {
    list.iter().map(ToString::to_string).collect::<Vec<_>>().join("；")
}

impl ServiceError {
    /// `field` refused with a sentence particular to this request, in Chinese and English.
    pub fn invalid(field: Field, zh: impl Into<String>, en: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(vec![Invalid::said(field, zh, en)])
    }

    /// The message in `lang`, for the TUI's message line and the CLI's error output. Input
    /// problems are typed and read fully in either language; the other variants carry a Chinese
    /// sentence made where the request was refused, which English introduces with what kind of
    /// refusal it is.
    pub fn render(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::Zh) => self.to_string(),
            (ServiceError::Invalid(list), Lang::En) => {
                list.iter().map(|i| i.text(lang)).collect::<Vec<_>>().join("; ")
            }
            (ServiceError::Denied(why), Lang::En) => format!("Not permitted: {why}"),
            (ServiceError::UnknownUser(why), Lang::En) => format!("Not a staff member: {why}"),
            (ServiceError::NotFound(what), Lang::En) => format!("Not found: {what}"),
            (ServiceError::Conflict(why), Lang::En) => format!("Conflict: {why}"),
            (ServiceError::Store(why), Lang::En) => format!("Database: {why}"),
            (ServiceError::Transport(why), Lang::En) => format!("Branch server: {why}"),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> ServiceError {
        match e {
            StoreError::Conflict(msg) => ServiceError::Conflict(msg),
            other => ServiceError::Store(other.to_string()),
        }
    }
}

impl From<Invalid> for ServiceError {
    fn from(e: Invalid) -> ServiceError {
        ServiceError::Invalid(vec![e])
    }
}
