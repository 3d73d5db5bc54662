use serde::{Deserialize, Serialize};

use crate::domain::Invalid;
use crate::store::StoreError;

/// Why a request was not done. Carried over the socket unchanged, so callers in any mode show the
/// same Chinese message.
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
    pub fn invalid(field: &str, reason: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(vec![Invalid::new(field, reason)])
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
