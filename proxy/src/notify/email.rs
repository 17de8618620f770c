//! A small SMTP client (RFC 5321): plain, STARTTLS or implicit TLS (rustls
//! with the web PKI roots), optional `AUTH PLAIN`, one message per
//! connection. Enough for a relay or a mail provider's submission port, and
//! no dependency tree of its own.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::config::Secret;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// Plain text (local relays only).
    None,
    /// Upgrade with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct Smtp {
    /// Server host name (also the TLS server name).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Transport security.
    pub tls: Tls,
    /// Credentials for `AUTH PLAIN`.
    pub credentials: Option<(String, Secret)>,
    /// Envelope and header sender.
    pub from: String,
    /// Per-step timeout.
    pub timeout: Duration,
}

/// Sending failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Connecting or talking failed.
    #[error("smtp connection to {host} failed")]
    Io {
        /// The server.
        host: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The server answered with an unexpected code.
    #[error("smtp server refused {step}: {reply}")]
    Refused {
        /// The command.
        step: &'static str,
        /// The reply line.
        reply: String,
    },
    /// A step took longer than the timeout.
    #[error("smtp server did not answer {step} in time")]
    Timeout {
        /// The command.
        step: &'static str,
    },
    /// The server name is not valid for TLS.
    #[error("smtp host {0} is not a valid tls server name")]
    ServerName(String),
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

struct Session {
    stream: BufReader<Box<dyn Stream>>,
    host: String,
    timeout: Duration,
}

impl Session {
    async fn reply(&mut self, step: &'static str, expect: u16) -> Result<String, Error> {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(self.timeout, self.stream.read_line(&mut line))
                .await
                .map_err(|_| Error::Timeout { step })?
                .map_err(|source| Error::Io { host: self.host.clone(), source })?;
            if read == 0 {
                return Err(Error::Refused { step, reply: "connection closed".into() });
            }
            text.push_str(&line);
            // "250-..." continues a multi-line reply; "250 ..." ends it.
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
                if code != expect {
                    return Err(Error::Refused { step, reply: line.trim_end().to_owned() });
                }
                return Ok(text);
            }
        }
    }

    async fn command(
        &mut self,
        step: &'static str,
        line: &str,
        expect: u16,
    ) -> Result<String, Error> {
        let host = self.host.clone();
        tokio::time::timeout(self.timeout, async {
            self.stream.get_mut().write_all(line.as_bytes()).await?;
            self.stream.get_mut().write_all(b"\r\n").await?;
            self.stream.get_mut().flush().await
        })
        .await
        .map_err(|_| Error::Timeout { step })?
        .map_err(|source| Error::Io { host, source })?;
        self.reply(step, expect).await
    }
}

fn tls_connector() -> tokio_rustls::TlsConnector {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|builder| builder.with_root_certificates(roots).with_no_client_auth())
        .unwrap_or_else(|_| {
            tokio_rustls::rustls::ClientConfig::builder()
                .with_root_certificates(tokio_rustls::rustls::RootCertStore::empty())
                .with_no_client_auth()
        });
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn wrap_tls(stream: Box<dyn Stream>, host: &str) -> Result<Box<dyn Stream>, Error> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|_| Error::ServerName(host.to_owned()))?;
    let tls = tls_connector()
        .connect(name, stream)
        .await
        .map_err(|source| Error::Io { host: host.to_owned(), source })?;
    Ok(Box::new(tls))
}

/// Dot-stuffs and CRLF-normalises a body for DATA.
fn data_text(text: &str) -> String {
    let mut res = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        if line.starts_with('.') {
            res.push('.');
        }
        res.push_str(line);
        res.push_str("\r\n");
    }
    res
}

/// Headers may not carry line breaks (header injection).
fn header_value(text: &str) -> String {
    text.chars().map(|ch| if ch == '\r' || ch == '\n' { ' ' } else { ch }).collect()
}

/// Sends one plain-text message to `to`.
pub async fn send(
    smtp: &Smtp,
    to: &[String],
    subject: &str,
    body: &str,
    date: DateTime<Utc>,
) -> Result<(), Error> {
    let host = smtp.host.clone();
    let connect = TcpStream::connect((smtp.host.as_str(), smtp.port));
    let tcp = tokio::time::timeout(smtp.timeout, connect)
        .await
        .map_err(|_| Error::Timeout { step: "connect" })?
        .map_err(|source| Error::Io { host: host.clone(), source })?;
    let mut stream: Box<dyn Stream> = Box::new(tcp);
    if smtp.tls == Tls::Tls {
        stream = wrap_tls(stream, &smtp.host).await?;
    }
    let mut session =
        Session { stream: BufReader::new(stream), host: host.clone(), timeout: smtp.timeout };
    session.reply("greeting", 220).await?;
    session.command("EHLO", "EHLO claudedirector", 250).await?;
    if smtp.tls == Tls::Starttls {
        session.command("STARTTLS", "STARTTLS", 220).await?;
        let plain = session.stream.into_inner();
        let tls = wrap_tls(plain, &smtp.host).await?;
        session =
            Session { stream: BufReader::new(tls), host: host.clone(), timeout: smtp.timeout };
        session.command("EHLO", "EHLO claudedirector", 250).await?;
    }
    if let Some((user, password)) = &smtp.credentials {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("\0{user}\0{}", password.expose()));
        session.command("AUTH", &format!("AUTH PLAIN {token}"), 235).await?;
    }
    session.command("MAIL FROM", &format!("MAIL FROM:<{}>", header_value(&smtp.from)), 250).await?;
    for rcpt in to {
        session.command("RCPT TO", &format!("RCPT TO:<{}>", header_value(rcpt)), 250).await?;
    }
    session.command("DATA", "DATA", 354).await?;
    let message_id = format!("{:x}{:08x}", date.timestamp_millis(), fastrand::u32(..));
    let message = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@claudedirector>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}.",
        from = header_value(&smtp.from),
        to = header_value(&to.join(", ")),
        subject = header_value(subject),
        date = date.to_rfc2822(),
        id = message_id,
        body = data_text(body),
    );
    session.command("message", &message, 250).await?;
    // The message is accepted; a failed QUIT changes nothing.
    let _ = session.command("QUIT", "QUIT", 221).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_dot_stuffed_and_headers_cannot_be_injected() {
        assert_eq!(data_text("a\n.b\nc"), "a\r\n..b\r\nc\r\n");
        assert_eq!(header_value("hi\r\nBcc: x@y"), "hi  Bcc: x@y");
    }
}
