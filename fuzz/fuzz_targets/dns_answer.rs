//! What a DNS server sends back (any bytes): a decodable message becomes facts whatever it holds
//! (records of other types, SRV targets without addresses, huge counts), and the facts are
//! judged and rendered within the output cap; never a panic.
#![no_main]

use std::time::Duration;

use check_consul_dns::evaluate::{Criteria, Expected, evaluate};
use check_consul_dns::facts::{Facts, QueryType, Question, ServerAnswers, Transport};
use check_consul_dns::probe::read_answer;
use hastack_common::{Outcome, Peer, Range, Thresholds};
use hickory_proto::op::Message;
use hickory_proto::rr::RecordType;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::from_vec(data) else {
        return;
    };
    for (query_type, record_type) in [
        (QueryType::A, RecordType::A),
        (QueryType::Aaaa, RecordType::AAAA),
        (QueryType::Srv, RecordType::SRV),
    ] {
        let asked = hickory_proto::rr::Name::from_ascii("galeradb.service.consul.").expect("name");
        let transport = match data.len() % 2 {
            0 => Transport::Udp,
            _ => Transport::TcpAfterFullUdp,
        };
        let answer = read_answer(&message, &asked, record_type, transport, Duration::from_micros(data.len() as u64));
        let question = Question {
            name: "galeradb.service.consul.".into(),
            query_type,
            service: (data.len() % 3 != 0).then(|| "galeradb".into()),
        };
        let server = |port: u16, answer| Outcome {
            peer: Peer::at(format!("127.0.0.1:{port}")),
            result: Ok(answer),
        };
        let outcomes = [
            ServerAnswers { main: server(8600, answer.clone()), also: vec![("example.org.".into(), Ok(answer.clone()))] },
            ServerAnswers { main: server(53, answer), also: Vec::new() },
        ];
        let range = |t: &str| t.parse::<Range>().ok();
        let criteria = Criteria {
            instances: Thresholds::new(range("3:"), range("1:")),
            time: Thresholds::new(range("0.5"), range("1")),
            expected: vec![
                Expected { host: "127.0.0.11".into(), port: None },
                Expected { host: "node1.node.dc1.consul.".into(), port: Some(3306) },
            ],
            exact: data.first().is_some_and(|b| b % 2 == 0),
        };
        for shown in [&outcomes[..1], &outcomes[..]] {
            let facts = Facts { question: question.clone(), servers: shown.to_vec() };
            let Ok(report) = evaluate(&facts, &criteria) else {
                panic!("no report from answers");
            };
            let output = report.render("CONSUL DNS", 3);
            assert!(output.starts_with(&format!("CONSUL DNS {} - ", report.state())), "{output}");
            assert!(output.len() <= 8 * 1024, "output of {} bytes", output.len());
            assert!(!output.lines().next().unwrap_or_default().contains('\r'));
        }
    }
});
