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

/// The repository's top directory.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The plugin binaries of this build, beside the running test executable's directory; each
/// must be there.
pub fn built_plugins() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target profile directory")
        .to_path_buf();
    for plugin in PLUGINS {
        assert!(
            dir.join(plugin).exists(),
            "{} is missing: build the plugins first (cargo build --workspace --bins)",
            dir.join(plugin).display()
        );
    }
    dir
}
