//! A small LDAP v3 client written for a monitoring check: BER with every length checked
//! (`ber`), search filters (`filter`), the messages (`message`) and the connection that frames
//! them under a size cap (`client`). Written here rather than taken from ldap3, whose decoder
//! panics on malformed messages and collects whatever a server announces: a server's bytes
//! must never end a check in a panic or an unbounded allocation.

pub mod ber;
pub(crate) mod client;
pub mod filter;
pub mod message;
