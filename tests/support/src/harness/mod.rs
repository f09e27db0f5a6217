//! The harness every test stands on: free ports, processes stopped by PID, bounded waits,
//! plugin runs read as a monitoring core reads them, the shared CLI contract, throwaway TLS
//! material, and the host's own state (the kernel clock, who runs the tests, where tools are).

pub mod contract;
pub mod kernel;
pub mod output;
pub mod ports;
pub mod process;
pub mod seed;
pub mod system;
pub mod tls;
