//! The HTTP/1.1 layer: the accept loop, one bounded request per connection, responses and form decoding.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::{State, route};

const MAX_BODY: usize = 64 * 1024;
const MAX_HEAD: usize = 16 * 1024;
const MAX_REQUEST_LINE: usize = 8 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a kept connection waits for its next request.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
// After replying we keep reading briefly: closing a socket with unread input makes the kernel send RST,
// which can destroy the reply before the client has read it (the 413 case in particular).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
const DRAIN_LIMIT: usize = 1024 * 1024;
const MAX_CONNECTIONS: usize = 256;

pub(super) async fn accept_loop(listener: TcpListener, state: Arc<State>, lifetime: Duration) {
    let deadline = tokio::time::sleep(lifetime);
    tokio::pin!(deadline);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    if connections.len() >= MAX_CONNECTIONS {
                        // Refusing by closing keeps memory bounded if a test floods the server.
                        drop(stream);
                    } else {
                        connections.spawn(serve_connection(state.clone(), stream));
                    }
                }
                // Errors such as EMFILE are transient; back off instead of spinning on them.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
    // Dropping the JoinSet aborts in-flight connections; dropping the listener frees the port.
}

pub(super) struct Request {
    pub(super) method: String,
    target: String,
    headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
    /// HTTP/1.1 without `Connection: close` and nothing sent past the body: the connection may serve another.
    keep_alive: bool,
}

impl Request {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// The values of a query parameter, percent-decoded, in order.
    pub(super) fn query(&self, name: &str) -> Vec<String> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        url::form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect()
    }

    /// Every header as received, names as sent (SigV4 signs some of them).
    pub(super) fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The query string as sent, without the `?`; empty when there is none.
    pub(super) fn raw_query(&self) -> &str {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        query.split_once('#').map_or(query, |(q, _)| q)
    }

    pub(super) fn path(&self) -> &str {
        let mut target = self.target.as_str();
        // Absolute-form targets come from clients that think they talk to a proxy.
        if let Some(rest) = target.strip_prefix("http://") {
            target = rest.find('/').map_or("/", |i| &rest[i..]);
        }
        let end = target.find(['?', '#']).unwrap_or(target.len());
        &target[..end]
    }
}

pub(super) struct Response {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Response {
    pub(super) fn json(status: u16, body: String) -> Self {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body,
        }
    }

    pub(super) fn html(status: u16, body: &str) -> Self {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    /// An XML body as AWS's query-protocol services send it (`text/xml`).
    pub(super) fn xml(status: u16, body: String) -> Self {
        Response {
            status,
            content_type: "text/xml",
            headers: Vec::new(),
            body,
        }
    }

    /// An XML answer as the same document in JSON (`{"Root": {"Child": "text", …}}`), for a client that asked for
    /// JSON; any other answer as it is.
    pub(super) fn into_json(self) -> Self {
        if self.content_type != "text/xml" {
            return self;
        }
        let Ok(doc) = roxmltree::Document::parse(&self.body) else {
            return self;
        };
        fn value(node: roxmltree::Node<'_, '_>) -> serde_json::Value {
            let children: Vec<_> = node.children().filter(|c| c.is_element()).collect();
            if children.is_empty() {
                return serde_json::Value::String(
                    node.text().unwrap_or_default().trim().to_string(),
                );
            }
            serde_json::Value::Object(
                children
                    .into_iter()
                    .map(|c| (c.tag_name().name().to_string(), value(c)))
                    .collect(),
            )
        }
        let root = doc.root_element();
        let mut object = serde_json::Map::new();
        object.insert(root.tag_name().name().to_string(), value(root));
        Response {
            status: self.status,
            content_type: "application/json",
            headers: self.headers,
            body: serde_json::Value::Object(object).to_string(),
        }
    }

    pub(super) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn to_bytes(&self, keep_alive: bool) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
            self.status,
            reason_phrase(self.status),
            self.content_type,
            self.body.len(),
            if keep_alive { "keep-alive" } else { "close" }
        );
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn status_page(status: u16) -> Response {
    let reason = reason_phrase(status);
    Response::html(
        status,
        &format!(
            "<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
        ),
    )
}

enum ReadError {
    /// The peer went away before sending a request; there is nobody to answer.
    Closed,
    /// The request is unacceptable; send this and close.
    Reply(Response),
}

/// Serves requests on one connection: HTTP/1.1 clients keep it for the next request (as real servers let them,
/// which the round-trip benchmark relies on); anything refused, or a client that asks, gets `Connection: close`.
async fn serve_connection(state: Arc<State>, mut stream: TcpStream) {
    let mut first = true;
    loop {
        let wait = if first { READ_TIMEOUT } else { IDLE_TIMEOUT };
        let (response, keep) = match tokio::time::timeout(wait, read_request(&mut stream)).await {
            Ok(Ok(request)) => (route(&state, &request).await, request.keep_alive),
            Ok(Err(ReadError::Closed)) => return,
            Ok(Err(ReadError::Reply(response))) => (response, false),
            Err(_) if first => (status_page(408), false),
            Err(_) => return,
        };
        first = false;
        let bytes = response.to_bytes(keep);
        if keep {
            match tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(&bytes)).await {
                Ok(Ok(())) => continue,
                _ => return,
            }
        }
        let written = tokio::time::timeout(WRITE_TIMEOUT, async {
            stream.write_all(&bytes).await?;
            stream.shutdown().await
        })
        .await;
        if matches!(written, Ok(Ok(()))) {
            let _ = tokio::time::timeout(DRAIN_TIMEOUT, drain(&mut stream)).await;
        }
        return;
    }
}

async fn drain(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let mut total = 0usize;
    while total < DRAIN_LIMIT {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
    }
}

/// Where the header section ends (just past its empty line), tolerating bare LF line ends.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for (i, b) in buf.iter().enumerate() {
        if *b == b'\n' {
            let line = &buf[line_start..i];
            if line.is_empty() || line == b"\r" {
                return Some(i + 1);
            }
            line_start = i + 1;
        }
    }
    None
}

async fn read_request(stream: &mut TcpStream) -> Result<Request, ReadError> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let end = read_head(stream, &mut buf, &mut chunk).await?;
    let (mut request, http11) = parse_head(&buf[..end])?;
    let length = content_length(&request)?;

    let mut body = buf.split_off(end);
    if body.len() < length
        && http11
        && request
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .map_err(|_| ReadError::Closed)?;
    }
    while body.len() < length {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| ReadError::Closed)?;
        if n == 0 {
            return Err(ReadError::Reply(status_page(400)));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    // Bytes past Content-Length would be a pipelined request, which this server does not serve: it answers this
    // one and closes.
    let pipelined = body.len() > length;
    body.truncate(length);
    request.body = body;
    request.keep_alive = http11
        && !pipelined
        && !request
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
    Ok(request)
}

/// Reads until the blank line that ends the head, within the size limits; returns where the head ends.
async fn read_head(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    chunk: &mut [u8],
) -> Result<usize, ReadError> {
    loop {
        if let Some(end) = head_end(buf) {
            if end > MAX_HEAD {
                return Err(ReadError::Reply(status_page(431)));
            }
            return Ok(end);
        }
        if !buf.contains(&b'\n') && buf.len() > MAX_REQUEST_LINE {
            return Err(ReadError::Reply(status_page(414)));
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::Reply(status_page(431)));
        }
        let n = stream.read(chunk).await.map_err(|_| ReadError::Closed)?;
        if n == 0 {
            return Err(if buf.is_empty() {
                ReadError::Closed
            } else {
                ReadError::Reply(status_page(400))
            });
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The request line and headers, strictly: a request without a body yet, and whether it is HTTP/1.1.
fn parse_head(head: &[u8]) -> Result<(Request, bool), ReadError> {
    let bad = || ReadError::Reply(status_page(400));
    let head = std::str::from_utf8(head).map_err(|_| bad())?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().ok_or_else(bad)?;
    if request_line.len() > MAX_REQUEST_LINE {
        return Err(ReadError::Reply(status_page(414)));
    }
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if method.is_empty() || !target.starts_with(['/', 'h']) || !version.starts_with("HTTP/1.") {
        return Err(bad());
    }
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        // Obsolete line folding and names with whitespace are request-smuggling material: refuse them.
        let (name, value) = line.split_once(':').ok_or_else(bad)?;
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(bad());
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body: Vec::new(),
        keep_alive: false,
    };
    Ok((request, version == "HTTP/1.1"))
}

/// The body's length: no chunked bodies, one Content-Length of digits only (repeats must agree), within limits.
fn content_length(request: &Request) -> Result<usize, ReadError> {
    let bad = || ReadError::Reply(status_page(400));
    if request.header("transfer-encoding").is_some() {
        return Err(ReadError::Reply(status_page(411)));
    }
    let mut length: Option<usize> = None;
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // Digits only, so a parse failure means overflow: certainly too large.
        let parsed = value.parse::<usize>().unwrap_or(usize::MAX);
        if length.is_some_and(|l| l != parsed) {
            return Err(bad());
        }
        length = Some(parsed);
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY {
        return Err(ReadError::Reply(status_page(413)));
    }
    Ok(length)
}

// ---------------------------------------------------------------------------------------------------------
// JSON rendering that keeps field order, so bodies read like the vendor's (serde_json's Map sorts keys).

pub(super) fn js(value: impl Into<Value>) -> String {
    value.into().to_string()
}

pub(super) fn obj(fields: &[(&str, String)]) -> String {
    let inner: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", js(*k)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

// ---------------------------------------------------------------------------------------------------------
// Form bodies, `application/x-www-form-urlencoded`.

pub(super) type Form = Vec<(String, String)>;

pub(super) fn form_value<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Decodes `application/x-www-form-urlencoded` text (RFC 6749 2.3.1 encodes Basic credentials this way).
pub(super) fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                out.push(hex_value(bytes[i + 1]) * 16 + hex_value(bytes[i + 2]));
                i += 3;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::super::test_support::*;
    use super::super::{Behavior, Client};
    use super::*;

    #[tokio::test]
    async fn oversized_and_chunked_bodies_are_refused() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let body = format!(
            "grant_type=client_credentials&pad={}",
            "x".repeat(100 * 1024)
        );
        let reply = send(&idp, &post("/oauth/token", &[], &body)).await;
        assert_eq!(reply.status, 413);

        let chunked = b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let reply = send(&idp, chunked).await;
        assert_eq!(reply.status, 411);
    }

    #[tokio::test]
    async fn malformed_and_oversized_heads_are_refused() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        assert_eq!(send(&idp, b"NONSENSE\r\n\r\n").await.status, 400);
        let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9 * 1024));
        assert_eq!(send(&idp, long_line.as_bytes()).await.status, 414);
        let big_header = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(17 * 1024));
        assert_eq!(send(&idp, big_header.as_bytes()).await.status, 431);
    }

    #[tokio::test]
    async fn token_alias_body_in_pieces_and_expect_continue() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let body = "grant_type=client_credentials&client_id=svc&client_secret=s";
        let request = post("/token", &[("Expect", "100-continue")], body);
        let split = request.len() - body.len();
        let mut stream = TcpStream::connect(idp.local_addr()).await.expect("connect");
        stream
            .write_all(&request[..split])
            .await
            .expect("write head");
        let mut interim = [0u8; 25];
        stream.read_exact(&mut interim).await.expect("100 Continue");
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        stream
            .write_all(&request[split..split + 5])
            .await
            .expect("write");
        tokio::time::sleep(Duration::from_millis(50)).await;
        stream
            .write_all(&request[split + 5..])
            .await
            .expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        assert_eq!(parse_reply(&raw).status, 200);
    }

    #[tokio::test]
    async fn an_http11_connection_serves_the_next_request_until_the_client_says_close() {
        let idp = start(vec![Client::new("svc", "s")]).await;
        let mut stream = TcpStream::connect(idp.local_addr()).await.expect("connect");
        let first = b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: localhost\r\n\r\n";
        stream.write_all(first).await.expect("write");
        // Read the first reply whole (by its Content-Length) while the connection stays open.
        let mut raw = Vec::new();
        let mut chunk = [0u8; 4096];
        let reply = loop {
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed a kept connection");
            raw.extend_from_slice(&chunk[..n]);
            if let Some(end) = head_end(&raw) {
                let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .expect("content-length");
                if raw.len() >= end + length {
                    break parse_reply(&raw);
                }
            }
        };
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("connection").as_deref(), Some("keep-alive"));
        stream
            .write_all(&get("/.well-known/openid-configuration", &[]))
            .await
            .expect("write");
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).await.expect("read");
        let second = parse_reply(&rest);
        assert_eq!(second.status, 200);
        assert_eq!(second.header("connection").as_deref(), Some("close"));
    }

    #[tokio::test]
    async fn slow_client_does_not_block_others() {
        let idp = start(vec![
            Client::new("slow", "s").behavior(Behavior::Slow(Duration::from_millis(800))),
            Client::new("fast", "s"),
        ])
        .await;
        let begun = tokio::time::Instant::now();
        let (slow, fast) = tokio::join!(
            async {
                let reply = token_basic(&idp, "slow", "s", "").await;
                (reply.status, begun.elapsed())
            },
            async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let reply = token_basic(&idp, "fast", "s", "").await;
                (reply.status, begun.elapsed())
            }
        );
        assert_eq!(slow.0, 200);
        assert_eq!(fast.0, 200);
        assert!(slow.1 >= Duration::from_millis(800));
        assert!(fast.1 < slow.1, "the fast request finished first");
    }

    #[tokio::test]
    async fn reqwest_interoperates() {
        let idp = start(vec![Client::new("svc", "p+ss/w=rd&%")]).await;
        // No proxy: a CI runner's HTTP_PROXY must not capture a loopback test.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let response = http
            .post(idp.token_url())
            .header("Authorization", basic("svc", "p+ss/w=rd&%"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=read")
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), 200);
        let json: Value =
            serde_json::from_str(&response.text().await.expect("body")).expect("JSON");
        assert_eq!(json["scope"], "read");
    }
}
