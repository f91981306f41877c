//! One HTTP answer as it arrived: status, the headers the check reads, and the body (capped, in memory that is
//! wiped when dropped, since a token answer holds the token); and what the body is, read without trusting it:
//! JSON, form pairs, an HTML page's title, anything else, or a body too large to read.

use std::time::Duration;

use zeroize::Zeroizing;

use crate::check::base::heard::json::Json;
use crate::check::base::heard::scrub::Scrubber;
use crate::check::base::heard::text::Heard;
use crate::check::base::secret::SecretBytes;

/// Largest answer body read; the rest is dropped, so a hostile server cannot exhaust memory.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What came back from a server.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Heard,
    /// `Retry-After` in seconds, when given as seconds or an HTTP date.
    pub retry_after: Option<Duration>,
    /// `Location`, for redirects.
    pub location: Option<Heard>,
    /// `WWW-Authenticate`.
    pub www_authenticate: Option<Heard>,
    /// A request or correlation id header (its name and value), for support tickets.
    pub request_id: Option<(&'static str, Heard)>,
    /// The server's `Date`, to compare clocks.
    pub date: Option<Heard>,
    /// The body, at most [`MAX_BODY_BYTES`].
    pub body: Received,
    /// True when the body was longer than the cap (or cut off).
    pub truncated: bool,
}

impl Answer {
    /// An answer with no headers the check reads, for tests and fuzzing.
    pub fn bare(status: u16, content_type: &str, body: &[u8]) -> Answer {
        let mut received = Received::default();
        received.push(body);
        Answer {
            status,
            content_type: Heard::new(content_type.to_ascii_lowercase()),
            retry_after: None,
            location: None,
            www_authenticate: None,
            request_id: None,
            date: None,
            body: received,
            truncated: false,
        }
    }

    /// The body as a JSON document, when it is one (and whole).
    pub fn json(&self) -> Option<Json> {
        if self.truncated {
            return None;
        }
        Json::parse(self.body.0.expose())
    }

    /// The whole body as a secret, for a server that answers a token as plain text (a workload's token
    /// service): trimmed UTF-8, never shown; none when it was cut off, is not UTF-8, or is empty.
    pub fn body_as_secret(&self) -> Option<crate::check::base::secret::Secret> {
        if self.truncated {
            return None;
        }
        let text = std::str::from_utf8(self.body.bytes()).ok()?.trim();
        (!text.is_empty()).then(|| crate::check::base::secret::Secret::concat(&[text]))
    }

    /// `a text/html body of 1234 bytes` or `an empty body`: what the body was, never what it said.
    pub fn body_kind(&self, scrub: &Scrubber) -> String {
        if self.body.is_empty() {
            return "an empty body".to_string();
        }
        let kind = self
            .content_type
            .0
            .split(';')
            .next()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or_else(
                || "unlabelled".to_string(),
                |kind| scrub.quote(&Heard::new(kind), 60).into_string(),
            );
        format!("a {kind} body of {} bytes", self.body.len())
    }
}

/// An answer's body bytes, in memory that is wiped when dropped. There is no accessor for the bytes: the body
/// is read as [`Body`] or [`Json`], whose text is server text.
#[derive(Debug, Clone, Default)]
pub struct Received(SecretBytes);

impl Received {
    /// Room for `bytes` bytes, so that the body is not copied as it arrives.
    pub fn with_capacity(bytes: usize) -> Received {
        Received(SecretBytes::new(Vec::with_capacity(bytes)))
    }

    /// Appends what arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        self.0.extend(bytes);
    }

    /// The bytes, for the readers of this module (JSON, XML, the body's kind) only.
    pub(super) fn bytes(&self) -> &[u8] {
        self.0.expose()
    }

    /// How many bytes arrived.
    pub fn len(&self) -> usize {
        self.0.expose().len()
    }

    /// True when nothing arrived.
    pub fn is_empty(&self) -> bool {
        self.0.expose().is_empty()
    }
}

/// The body, as far as it could be understood.
#[derive(Debug)]
pub enum Body {
    /// A JSON object.
    Json(Json),
    /// `application/x-www-form-urlencoded` pairs (some old servers answer this way).
    Form(Vec<(Heard, Heard)>),
    /// An HTML page, with its title when it has one.
    Html(Option<Heard>),
    /// Something else.
    Other(Heard),
    /// More than the cap, or cut off: never parsed or quoted, since it may hold anything (a token included).
    Truncated(usize),
    /// Nothing.
    Empty,
}

impl Body {
    /// Reads an answer's body without trusting it.
    pub fn of(answer: &Answer) -> Body {
        if answer.truncated {
            return Body::Truncated(answer.body.len());
        }
        let content_type = &answer.content_type.0;
        match std::str::from_utf8(answer.body.0.expose()) {
            Ok(text) => Body::read(text, content_type),
            Err(_) => {
                let text =
                    Zeroizing::new(String::from_utf8_lossy(answer.body.0.expose()).into_owned());
                Body::read(&text, content_type)
            }
        }
    }

    fn read(text: &str, content_type: &str) -> Body {
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        if trimmed.is_empty() {
            return Body::Empty;
        }
        if trimmed.starts_with('{')
            && let Some(json) = Json::parse(trimmed.as_bytes()).filter(Json::is_object)
        {
            return Body::Json(json);
        }
        // The first 512 characters, looked at in place: a copy of a body may hold a token. A body of at most 512
        // bytes is all head, without counting its characters.
        let head = if trimmed.len() <= HEAD_CHARS {
            trimmed
        } else {
            &trimmed[..trimmed
                .char_indices()
                .nth(HEAD_CHARS)
                .map_or(trimmed.len(), |(at, _)| at)]
        };
        if content_type.contains("html")
            || head
                .get(.."<!doctype html".len())
                .is_some_and(|start| start.eq_ignore_ascii_case("<!doctype html"))
            || find_ci(head, "<html", 0).is_some()
        {
            return Body::Html(html_title(trimmed));
        }
        if (content_type.contains("x-www-form-urlencoded")
            || content_type.starts_with("text/plain"))
            && trimmed.contains('=')
            && !trimmed.contains(' ')
        {
            let pairs: Vec<(Heard, Heard)> = url::form_urlencoded::parse(trimmed.as_bytes())
                .map(|(k, v)| (Heard::new(k.into_owned()), Heard::new(v.into_owned())))
                .collect();
            if pairs
                .iter()
                .any(|(k, _)| k.is("access_token") || k.is("error"))
            {
                return Body::Form(pairs);
            }
        }
        Body::Other(Heard::new(trimmed))
    }

    /// A field of a JSON or form body, as the server said it (a number or boolean as its text).
    pub fn field(&self, name: &str) -> Option<Heard> {
        match self {
            Body::Json(json) => json.get(name)?.scalar(),
            Body::Form(pairs) => pairs
                .iter()
                .find(|(k, _)| k.is(name))
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    /// A few words saying what the body was, never the body itself.
    pub fn describe(&self, scrub: &Scrubber) -> String {
        match self {
            Body::Json(json) => {
                // Keys are the server's words too: scrubbed, shortened and made printable like any excerpt.
                let keys: Vec<String> = json
                    .root()
                    .keys()
                    .iter()
                    .take(8)
                    .map(|key| scrub.quote(key, 40).into_string())
                    .collect();
                format!("a JSON object with fields {}", keys.join(", "))
            }
            Body::Form(_) => "a form-encoded body".to_string(),
            Body::Html(Some(title)) => format!("an HTML page titled {:?}", scrub.quote(title, 100)),
            Body::Html(None) => "an HTML page".to_string(),
            Body::Other(text) => format!("{:?}", scrub.quote(text, 120)),
            Body::Truncated(bytes) => format!(
                "a body of more than {bytes} bytes that was cut off (not quoted: it may hold anything)"
            ),
            Body::Empty => "an empty body".to_string(),
        }
    }
}

/// How much of a body is looked at for the signs of an HTML page, in characters.
const HEAD_CHARS: usize = 512;

/// Where `needle` (ASCII, lower case, starting with `<`) first appears in `text` at or after byte `from`, in any
/// letter case. Only the places holding a `<` are compared: `str::find` reaches each with one fast byte search,
/// where comparing a window at every byte of a 512-character head cost a fuzz target 8 % of its time.
fn find_ci(text: &str, needle: &str, from: usize) -> Option<usize> {
    debug_assert!(needle.starts_with('<'));
    let mut at = from;
    loop {
        let found = at + text.get(at..)?.find('<')?;
        let window = text.as_bytes().get(found..found + needle.len())?;
        if window.eq_ignore_ascii_case(needle.as_bytes()) {
            return Some(found);
        }
        at = found + 1;
    }
}

fn html_title(html: &str) -> Option<Heard> {
    let start = find_ci(html, "<title", 0)?;
    let open_end = html.get(start..)?.find('>')? + start + 1;
    let close = find_ci(html, "</title", open_end)?;
    let title = Heard::new(html.get(open_end..close)?);
    (!title.is_blank()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wiped::Watch;

    #[test]
    fn a_token_answer_leaves_nothing_behind_once_read() {
        let watch = Watch::new(&[b"wipe-check-answer-token-01"]);
        for (content_type, body) in [
            (
                "application/json",
                &br#"{"access_token":"wipe-check-answer-token-01","token_type":"Bearer"}"#[..],
            ),
            (
                "application/x-www-form-urlencoded",
                b"access_token=wipe-check-answer-token-01&token_type=bearer",
            ),
            ("text/plain", b"\xff{wipe-check-answer-token-01"),
        ] {
            let answer = Answer::bare(200, content_type, body);
            let body = Body::of(&answer);
            let token = body.field("access_token");
            drop((answer, body, token));
        }
        assert_eq!(watch.leaks(), 0);
    }

    #[test]
    fn tags_are_found_in_any_letter_case_after_other_angle_brackets() {
        assert_eq!(find_ci("a < b <<HTML x", "<html", 0), Some(7));
        assert_eq!(find_ci("<title>T</TiTlE>", "</title", 7), Some(8));
        assert_eq!(find_ci("<title>T</TiTlE>", "<title", 1), None);
        assert_eq!(find_ci("é<html", "<html", 0), Some(2));
        assert_eq!(find_ci("ab<htm", "<html", 0), None);
        assert_eq!(find_ci("", "<html", 0), None);
        assert_eq!(find_ci("<html", "<html", 9), None);
    }

    #[test]
    fn bodies_are_read_for_what_they_are() {
        let json = Answer::bare(200, "application/json", br#"{"a":1}"#);
        assert!(matches!(Body::of(&json), Body::Json(_)));
        let page = Answer::bare(
            200,
            "text/plain",
            b"<!DOCTYPE HTML><title> Sign in </title>",
        );
        let Body::Html(Some(title)) = Body::of(&page) else {
            panic!("an HTML page");
        };
        assert!(title.is(" Sign in "));
        let mut cut = Answer::bare(200, "application/json", b"{");
        cut.truncated = true;
        assert!(matches!(Body::of(&cut), Body::Truncated(1)));
        assert_eq!(
            Answer::bare(502, "Text/HTML; charset=x", b"abc").body_kind(&Scrubber::default()),
            "a text/html body of 3 bytes"
        );
    }
}
