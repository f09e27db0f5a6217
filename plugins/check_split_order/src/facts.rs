//! What check_split_order's probe read and its evaluate judges: the inventory's bytes and, when
//! one was named, Terraform's output, or why a file has none. Plain data.

use std::path::PathBuf;

use hastack_common::input::InputError;

/// A file as the probe read it: its bytes, or why there are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub bytes: Result<Vec<u8>, InputError>,
}

/// What the probe read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub inventory: File,
    pub terraform_output: Option<File>,
}
