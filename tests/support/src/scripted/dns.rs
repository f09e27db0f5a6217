//! A scripted DNS server that sends whatever a test makes of each query (hostile answers, the
//! ones no real server sends).

use crate::scripted::peers::UdpPeer;

/// A DNS server on a free loopback UDP port that answers each query with the datagrams `script`
/// makes of it (raw bytes: malformed ones included), for the answers no real server sends.
pub struct ScriptedDns(UdpPeer);

/// What a script makes of a query: the datagrams to send back, in order.
pub type Script = dyn Fn(&hickory_proto::op::Message) -> Vec<Vec<u8>> + Send;

impl ScriptedDns {
    pub fn start(script: Box<Script>) -> Result<ScriptedDns, String> {
        let peer = UdpPeer::start(move |bytes, client, socket| {
            if let Ok(query) = hickory_proto::op::Message::from_vec(bytes) {
                for datagram in script(&query) {
                    let _ = socket.send_to(&datagram, client);
                }
            }
        })?;
        Ok(ScriptedDns(peer))
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        self.0.addr().to_string()
    }
}

/// The response a standard server would start from: the query's ID, opcode and question, QR
/// and AA set.
pub fn reply_to(query: &hickory_proto::op::Message) -> hickory_proto::op::Message {
    let mut reply = hickory_proto::op::Message::response(query.metadata.id, query.metadata.op_code);
    reply.metadata.authoritative = true;
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.queries = query.queries.clone();
    reply
}
