//! Test support shared by every plugin's tests, in three parts: the [`harness`] (ports,
//! processes stopped by PID, bounded waits, plugin runs and their output, the host's state),
//! real [`servers`] from Debian's packages, and [`scripted`] peers for what no real server does.

pub mod harness;
pub mod scripted;
pub mod servers;

pub use harness::contract::assert_shared_cli_contract;
pub use harness::output::{Perf, PluginOutput, PluginRun};
pub use harness::ports::{free_tcp_port, free_udp_port};
pub use harness::process::{Server, wait_until};
pub use scripted::peers::{TcpTarpit, UdpBlackHole, UdpPeer};
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
