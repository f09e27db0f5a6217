//! Reading the inventory and the Terraform output: each file under the size cap, enforced while
//! reading, with the stage naming it. I/O only: the bytes, or why there are none.

use std::path::PathBuf;

use hastack_common::Context;
use hastack_common::input::read_capped;

use crate::facts::{Facts, File};

/// The files to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub inventory: PathBuf,
    pub terraform_output: Option<PathBuf>,
    /// The size cap of each file, bytes.
    pub max_file_size: u64,
}

/// Read the inventory and, when one is named, the Terraform output.
pub async fn probe(target: &Target, ctx: &Context) -> Facts {
    let read = |what: &str, path: &PathBuf| File {
        path: path.clone(),
        bytes: read_capped(ctx, what, path, target.max_file_size),
    };
    Facts {
        inventory: read("inventory", &target.inventory),
        terraform_output: target
            .terraform_output
            .as_ref()
            .map(|path| read("Terraform output", path)),
    }
}
