//! The plugin contract shared by every hastack plugin: states and their worst-of order, Nagios
//! ranges and thresholds, perfdata, the report, errors, secrets, the shared options and the runtime.
//!
//! A plugin builds a [`Report`] (or returns a [`CheckError`]); only [`runtime`] prints and exits.

pub mod address;
pub mod ber;
pub mod certificate;
pub mod cli;
pub mod error;
pub mod history;
pub mod input;
pub mod memory;
pub mod net;
pub mod peer;
pub mod perfdata;
pub mod range;
pub mod report;
pub mod runtime;
pub mod secret;
pub mod state;
pub mod threshold;
#[cfg(feature = "tls")]
pub mod tls;
pub mod units;

pub use cli::{CommonArgs, ThresholdArgs, ThresholdPair, ThresholdSet};
pub use error::CheckError;
pub use peer::{Failure, Outcome, Peer};
pub use perfdata::{Labels, Metric, Uom, Value};
pub use range::{Range, RangeError};
pub use report::Report;
pub use runtime::{Config, Context, Plugin};
pub use secret::Secret;
pub use state::State;
pub use threshold::{Checked, Thresholds};
