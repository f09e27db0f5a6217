//! `hastack-generate checkcommands DIR` writes the Icinga 2 CheckCommands, `hastack-generate
//! nagios DIR` the Nagios command definitions (`hastack.cfg`), `hastack-generate man DIR` the man
//! pages, all from the plugins' clap definitions.

use std::path::PathBuf;
use std::process::ExitCode;

use hastack_packaging::{checkcommand, man_page, nagios, plugins};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (what, dir) = match (args.next(), args.next()) {
        (Some(what), Some(dir)) => (what, PathBuf::from(dir)),
        _ => return usage(),
    };
    let result = std::fs::create_dir_all(&dir).and_then(|()| {
        if what == "nagios" {
            return std::fs::write(dir.join("hastack.cfg"), nagios::render(&plugins()));
        }
        for plugin in plugins() {
            let command = (plugin.command)();
            let (name, content) = match what.as_str() {
                "checkcommands" => (
                    format!("{}.conf", plugin.spec.binary),
                    checkcommand::render(&plugin.spec, &command).into_bytes(),
                ),
                "man" => (format!("{}.1", plugin.spec.binary), man_page(command)?),
                _ => return Err(std::io::Error::other(format!("unknown kind '{what}'"))),
            };
            std::fs::write(dir.join(name), content)?;
        }
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("hastack-generate {what} {}: {e}", dir.display());
            }
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stderr)]
fn usage() -> ExitCode {
    eprintln!("usage: hastack-generate checkcommands|nagios|man DIR");
    ExitCode::from(2)
}
