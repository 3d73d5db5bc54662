//! mingdan (名单): a terminal workbench for the 名单制 management of premium personal clients.
//!
//! Layers, data flowing one way: `domain` (pure rules) ← `store` (sled) ← `service` (the one API,
//! permissions and audit) ← `tui` / `cli` / `server`. `search` is an in-memory index the service
//! owns and feeds.

pub mod cli;
pub mod demo;
pub mod domain;
pub mod import;
pub mod os;
pub mod report;
pub mod search;
pub mod server;
pub mod service;
pub mod store;
pub mod tui;
