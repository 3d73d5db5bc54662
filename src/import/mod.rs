//! Reading import files: encoding detection, header matching and cell parsing. Pure text in,
//! typed records (or problems) out; the service decides what they do to the store.

pub mod cells;
pub mod decode;
pub mod grid;
pub mod records;
pub mod sheet;

pub use decode::decode;
pub use records::{Parsed, parse_clients, parse_holdings, parse_staff};
