//! Scripted peers, for what no installable server does: the Consul agent's DNS interface
//! (a stand-in that follows Consul's code), hostile or broken LDAP, MySQL, DNS and NTP answers,
//! and hung peers (a TCP tarpit, a UDP black hole).

pub mod consul;
pub mod dns;
pub mod ldap;
pub mod listener;
pub mod mysql;
pub mod ntp;
pub mod peers;
