//! Helpers shared by the IdP's unit tests: raw HTTP requests over TCP, reply parsing, token requests.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Client, Flavor, Idp, IdpConfig};

pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) head: String,
    pub(super) body: String,
}

impl Reply {
    pub(super) fn header(&self, name: &str) -> Option<String> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    pub(super) fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

pub(super) async fn send(idp: &Idp, request: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(idp.local_addr()).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    parse_reply(&raw)
}

pub(super) fn parse_reply(raw: &[u8]) -> Reply {
    let text = String::from_utf8(raw.to_vec()).expect("utf-8 reply");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let reply = Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    };
    let length: usize = reply
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .expect("content-length");
    assert_eq!(length, reply.body.len(), "Content-Length matches the body");
    reply
}

pub(super) fn post(path: &str, extra_headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    request.into_bytes()
}

pub(super) fn get(path: &str, extra_headers: &[(&str, &str)]) -> Vec<u8> {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.into_bytes()
}

pub(super) fn enc(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub(super) fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

pub(super) async fn token_basic(idp: &Idp, id: &str, secret: &str, extra: &str) -> Reply {
    let auth = basic(id, secret);
    let body = format!("grant_type=client_credentials{extra}");
    send(
        idp,
        &post("/oauth/token", &[("Authorization", auth.as_str())], &body),
    )
    .await
}

pub(super) async fn token_post(idp: &Idp, id: &str, secret: &str, extra: &str) -> Reply {
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}{extra}",
        enc(id),
        enc(secret)
    );
    send(idp, &post("/oauth/token", &[], &body)).await
}

pub(super) async fn start(clients: Vec<Client>) -> Idp {
    Idp::start(IdpConfig::new(clients)).await.expect("start")
}

pub(super) async fn start_genesys(clients: Vec<Client>) -> Idp {
    let config = IdpConfig {
        flavor: Flavor::Genesys,
        ..IdpConfig::new(clients)
    };
    Idp::start(config).await.expect("start")
}

pub(super) fn assert_error(reply: &Reply, status: u16, error: &str, description: &str) {
    assert_eq!(reply.status, status, "body: {}", reply.body);
    let json = reply.json();
    assert_eq!(json["error"], error);
    assert_eq!(json["error_description"], description);
}
