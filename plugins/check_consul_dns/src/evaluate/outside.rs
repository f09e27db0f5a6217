//! Names outside Consul (`--also-resolve`): the forwarder must still recurse for everything
//! else, or every other lookup of the hosts behind it fails.

use hastack_common::{Report, State};

use super::answers::describe_failure;
use super::{LISTED, has_instances, instances, trim};
use crate::facts::{Rcode, ServerAnswers};

pub(super) fn judge(report: &mut Report, servers: &[ServerAnswers]) {
    for server in servers {
        let peer = &server.main.peer;
        for (name, result) in &server.also {
            let name = trim(name);
            let text = match result {
                Ok(answer) if has_instances(answer) => {
                    report.detail(
                        State::Ok,
                        format!(
                            "{peer}: {name} resolves ({})",
                            instances(&answer.instances, LISTED)
                        ),
                    );
                    continue;
                }
                Ok(answer) => {
                    let why = match &answer.rcode {
                        Rcode::NxDomain => "NXDOMAIN",
                        Rcode::ServFail => "SERVFAIL (server failure)",
                        Rcode::Refused => "REFUSED",
                        Rcode::Other(code) => code.as_str(),
                        Rcode::NoError => "no address records",
                    };
                    format!("{peer} cannot resolve {name}: {why}")
                }
                Err(failure) => format!("{} (resolving {name})", describe_failure(peer, failure)),
            };
            report
                .add(State::Critical, text.clone())
                .detail(State::Critical, text);
        }
    }
}
