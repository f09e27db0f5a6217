//! One LDAP connection: TCP, then TLS (LDAPS at once, or after StartTLS), messages framed
//! from the stream under a size cap checked before anything is allocated, and responses
//! matched to the request that asked. A server that sends more than a message may hold, a
//! malformed message, a response to another request or a Notice of Disconnection ends the
//! operation with an error naming it.

use std::sync::Arc;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::ber;
use super::message::{
    self, Control, LdapResult, MAX_MESSAGE, Message, NOTICE_OF_DISCONNECTION_OID, Response, Scope,
};

/// Why an operation has no answer.
#[derive(Debug)]
pub(crate) enum ClientError {
    /// The transport failed (TLS errors are inside, as rustls reports them).
    Io(std::io::Error),
    /// The server closed the connection between messages.
    Closed,
    /// A message announced more bytes than [`MAX_MESSAGE`].
    TooLarge {
        size: usize,
    },
    Malformed(String),
    /// A response that does not belong where it came (another request's, another type).
    Unexpected(String),
    /// The server said it is closing the connection (Notice of Disconnection).
    Disconnected(LdapResult),
}

impl From<std::io::Error> for ClientError {
    fn from(error: std::io::Error) -> ClientError {
        match error.kind() {
            std::io::ErrorKind::UnexpectedEof => ClientError::Closed,
            _ => ClientError::Io(error),
        }
    }
}

enum Stream {
    Plain(BufReader<TcpStream>),
    Tls(Box<BufReader<TlsStream<TcpStream>>>),
}

/// An open connection.
pub(crate) struct Connection {
    stream: Stream,
    next_id: i64,
}

impl Connection {
    /// A TCP connection to `host:port`.
    pub(crate) async fn connect(host: &str, port: u16) -> Result<Connection, ClientError> {
        let tcp = TcpStream::connect((host, port)).await?;
        let _ = tcp.set_nodelay(true);
        Ok(Connection {
            stream: Stream::Plain(BufReader::new(tcp)),
            next_id: 1,
        })
    }

    /// TLS over the connection as it is now (LDAPS: right after connecting).
    pub(crate) async fn tls(
        self,
        config: Arc<rustls::ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<Connection, ClientError> {
        let Stream::Plain(reader) = self.stream else {
            return Err(ClientError::Unexpected("TLS is already on".into()));
        };
        let tcp = reader.into_inner();
        let tls = TlsConnector::from(config).connect(name, tcp).await?;
        Ok(Connection {
            stream: Stream::Tls(Box::new(BufReader::new(tls))),
            next_id: self.next_id,
        })
    }

    /// StartTLS: the extended operation, then TLS. The server's refusal is its result.
    pub(crate) async fn start_tls(
        mut self,
        config: Arc<rustls::ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<Result<Connection, LdapResult>, ClientError> {
        let id = self.send(message::start_tls).await?;
        let reply = self.receive_for(id).await?;
        match reply.response {
            Response::Extended { result, .. } if result.code == 0 => {
                Ok(Ok(self.tls(config, name).await?))
            }
            Response::Extended { result, .. } => Ok(Err(result)),
            other => Err(unexpected("the StartTLS response", &other)),
        }
    }

    /// A simple bind.
    pub(crate) async fn bind(
        &mut self,
        dn: &str,
        password: &[u8],
    ) -> Result<LdapResult, ClientError> {
        let id = self.send(|id| message::bind(id, dn, password)).await?;
        match self.receive_for(id).await?.response {
            Response::Bind(result) => Ok(result),
            other => Err(unexpected("the bind response", &other)),
        }
    }

    /// A search; `each` sees every entry and reference as it arrives (nothing is kept here),
    /// and ends the search with the reason when what it sees cannot be right. Returns the
    /// final result and its controls.
    pub(crate) async fn search(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &[u8],
        attributes: &[&str],
        controls: &[Control],
        mut each: impl FnMut(Response) -> Result<(), String>,
    ) -> Result<(LdapResult, Vec<Control>), ClientError> {
        let id = self
            .send(|id| message::search(id, base, scope, filter, attributes, controls))
            .await?;
        loop {
            let reply = self.receive_for(id).await?;
            match reply.response {
                Response::SearchDone(result) => return Ok((result, reply.controls)),
                entry @ (Response::Entry { .. } | Response::Reference(_)) => {
                    each(entry).map_err(ClientError::Malformed)?
                }
                Response::Intermediate => {}
                other => return Err(unexpected("a search response", &other)),
            }
        }
    }

    /// The polite end: an unbind, not waited for.
    pub(crate) async fn unbind(&mut self) {
        let _ = self.send(message::unbind).await;
    }

    async fn send(&mut self, encode: impl FnOnce(i64) -> Vec<u8>) -> Result<i64, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let bytes = encode(id);
        match &mut self.stream {
            Stream::Plain(s) => write_all(s, &bytes).await?,
            Stream::Tls(s) => write_all(s.as_mut(), &bytes).await?,
        }
        Ok(id)
    }

    /// The next message for request `id`. A Notice of Disconnection ends it; a message for
    /// another request is a server error.
    async fn receive_for(&mut self, id: i64) -> Result<Message, ClientError> {
        let bytes = match &mut self.stream {
            Stream::Plain(s) => read_message(s).await?,
            Stream::Tls(s) => read_message(s.as_mut()).await?,
        };
        let reply = message::decode(&bytes).map_err(ClientError::Malformed)?;
        if reply.id == 0 {
            if let Response::Extended { result, name } = reply.response
                && name.as_deref() == Some(NOTICE_OF_DISCONNECTION_OID)
            {
                return Err(ClientError::Disconnected(result));
            }
            return Err(ClientError::Unexpected(
                "an unsolicited message (ID 0) that is not a Notice of Disconnection".into(),
            ));
        }
        if reply.id != id {
            return Err(ClientError::Unexpected(format!(
                "a response to message {} while waiting for {id}",
                reply.id
            )));
        }
        Ok(reply)
    }
}

async fn write_all<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(bytes).await?;
    stream.flush().await
}

/// One whole message: its tag and length are read first, and the length is checked against
/// [`MAX_MESSAGE`] before the rest is read.
async fn read_message<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Vec<u8>, ClientError> {
    let mut header = [0u8; 6];
    stream.read_exact(&mut header[..2]).await?;
    // A TLS record (alert or handshake, version 3.x) where an LDAP message belongs.
    if matches!(header, [0x15 | 0x16, 0x03, ..]) {
        return Err(ClientError::Malformed(
            "it answers in TLS: is this an LDAPS port? (use ldaps://)".into(),
        ));
    }
    let extra = match header[1] {
        b if b < 0x80 => 0,
        0x80 => {
            return Err(ClientError::Malformed(
                "an indefinite length (0x80), which LDAP does not allow".into(),
            ));
        }
        b => usize::from(b & 0x7f),
    };
    if extra > 4 {
        return Err(ClientError::Malformed(format!(
            "unsupported length form 0x{:02x}",
            header[1]
        )));
    }
    if extra > 0 {
        read_exact(stream, &mut header[2..2 + extra]).await?;
    }
    let (size, taken) = ber::length(&header[1..2 + extra]).map_err(ClientError::Malformed)?;
    if size > MAX_MESSAGE {
        return Err(ClientError::TooLarge { size });
    }
    let mut bytes = Vec::with_capacity(1 + taken + size);
    bytes.extend_from_slice(&header[..1 + taken]);
    bytes.resize(1 + taken + size, 0);
    read_exact(stream, &mut bytes[1 + taken..]).await?;
    Ok(bytes)
}

/// `read_exact` where the end of the stream inside a message is a malformed message.
async fn read_exact<S: AsyncRead + Unpin>(
    stream: &mut S,
    buffer: &mut [u8],
) -> Result<(), ClientError> {
    match stream.read_exact(buffer).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(ClientError::Malformed(
            "the connection closed in the middle of a message".into(),
        )),
        Err(e) => Err(ClientError::Io(e)),
    }
}

fn unexpected(what: &str, got: &Response) -> ClientError {
    let kind = match got {
        Response::Bind(_) => "a bind response",
        Response::Entry { .. } => "a search entry",
        Response::Reference(_) => "a search reference",
        Response::SearchDone(_) => "a search result",
        Response::Extended { .. } => "an extended response",
        Response::Intermediate => "an intermediate response",
    };
    ClientError::Unexpected(format!("{kind} where {what} belongs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(bytes: &[u8]) -> Result<Vec<u8>, ClientError> {
        let mut input = bytes;
        read_message(&mut input).await
    }

    #[tokio::test]
    async fn messages_are_framed_under_the_cap() {
        assert_eq!(
            read(b"\x30\x03\x02\x01\x01rest").await.expect("framed"),
            b"\x30\x03\x02\x01\x01"
        );
        assert!(matches!(read(b"").await, Err(ClientError::Closed)));
        assert!(matches!(
            read(b"\x30\x84\x80\x00\x00\x00").await,
            Err(ClientError::TooLarge { size: 0x8000_0000 })
        ));
        assert!(matches!(
            read(b"\x30\x80").await,
            Err(ClientError::Malformed(m)) if m.contains("indefinite")
        ));
        assert!(matches!(
            read(b"\x30\x05\x02\x01").await,
            Err(ClientError::Malformed(m)) if m.contains("middle of a message")
        ));
        assert!(matches!(
            read(b"\x30\x85\x01").await,
            Err(ClientError::Malformed(m)) if m.contains("0x85")
        ));
    }
}
