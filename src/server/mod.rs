//! The branch server: `mingdan serve` owns the store and answers every staff member's session
//! over a Unix socket, so many people logged in over SSH can work at once (sled allows one
//! process per store). It carries the service's own `Request`/`Response` values and nothing
//! else; the service still decides everything.
//!
//! - `wire`: handshake and frames (length-prefixed bincode with byte limits).
//! - `peer`: who connected, from the kernel.
//! - `limits`: what one account may hold at once (connections, request bytes), and a log a
//!   flood cannot fill.
//! - `listen`: the server — accept, identify, one thread per connection, graceful stop.
//! - `remote`: `RemoteApi`, the client `Api` the TUI and CLI use when a server is running.

pub mod limits;
pub mod listen;
pub mod peer;
pub mod remote;
pub mod wire;

pub use limits::Limits;
pub use listen::{Identity, ServeOptions, Server, StopHandle, Timeouts, identify};
pub use remote::{ConnectError, RemoteApi};

/// Where clients look for the server unless told otherwise (`--socket`, `MINGDAN_SOCKET`).
pub const DEFAULT_SOCKET: &str = "/run/mingdan/mingdan.sock";
