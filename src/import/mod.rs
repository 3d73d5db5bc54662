//! Reading import files: encoding detection, header matching and cell parsing. Pure text in,
//! typed records (or problems) out; the service decides what they do to the store.

pub mod cells;
pub mod columns;
pub mod decode;
pub mod grid;
pub mod records;
pub mod sheet;
pub mod workbook;

pub use columns::Parsed;
pub use decode::decode;
pub use records::{parse_clients, parse_contacts, parse_holdings, parse_staff, read_file, read_text};
