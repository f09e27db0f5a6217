//! Test support shared by every plugin's tests: free loopback ports, server processes stopped by
//! PID whatever happens, bounded waits, running a plugin binary and reading its output, and hung
//! peers (a TCP tarpit and a UDP black hole).

pub mod consul;
pub mod contract;
pub mod dns;
pub mod galera;
pub mod icinga;
pub mod kernel;
pub mod ldap;
pub mod nagios;
pub mod ntp;
pub mod output;
pub mod peers;
pub mod ports;
pub mod process;
pub mod samba;
pub mod scripted;
pub mod scripted_ldap;
pub mod scripted_mysql;
pub mod stack;
pub mod tls;

pub use contract::assert_shared_cli_contract;
pub use output::{Perf, PluginOutput, PluginRun};
pub use peers::{TcpTarpit, UdpBlackHole, UdpPeer};
pub use ports::{free_tcp_port, free_udp_port};
pub use process::{Server, wait_until};
pub use tempfile::{TempDir, tempdir};

/// The suite's plugin binaries.
pub const PLUGINS: [&str; 5] = [
    "check_galera",
    "check_clock_skew",
    "check_consul_dns",
    "check_ldap_paging",
    "check_split_order",
];
