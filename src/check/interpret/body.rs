//! Reading an answer's body without trusting it: JSON, form pairs, an HTML page's title, anything else, or a
//! body too large to read; and describing it in a few scrubbed words.

use serde_json::{Map, Value};

use crate::check::http::Answer;
use crate::check::scrub::{Heard, Scrubber};

/// The body, as far as it could be understood.
#[derive(Debug, Clone)]
pub enum Body {
    /// A JSON object.
    Json(Map<String, Value>),
    /// `application/x-www-form-urlencoded` pairs (some old servers answer this way).
    Form(Vec<(String, String)>),
    /// An HTML page, with its title when it has one.
    Html(Option<Heard>),
    /// Something else.
    Other(Heard),
    /// More than the cap, or cut off: never parsed or quoted, since it may hold anything (a token included).
    Truncated(usize),
    /// Nothing.
    Empty,
}

/// Parses a body without trusting it.
pub fn parse_body(answer: &Answer) -> Body {
    if answer.truncated {
        return Body::Truncated(answer.body.len());
    }
    let text = String::from_utf8_lossy(&answer.body);
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Body::Empty;
    }
    if trimmed.starts_with('{')
        && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed)
    {
        return Body::Json(map);
    }
    let lower_head: String = trimmed
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if answer.content_type.contains("html")
        || lower_head.starts_with("<!doctype html")
        || lower_head.contains("<html")
    {
        return Body::Html(html_title(trimmed));
    }
    if (answer.content_type.contains("x-www-form-urlencoded")
        || answer.content_type.starts_with("text/plain"))
        && trimmed.contains('=')
        && !trimmed.contains(' ')
    {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(trimmed.as_bytes())
            .into_owned()
            .collect();
        if pairs
            .iter()
            .any(|(k, _)| k == "access_token" || k == "error")
        {
            return Body::Form(pairs);
        }
    }
    Body::Other(Heard::new(trimmed))
}

fn html_title(html: &str) -> Option<Heard> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = lower[start..].find('>')? + start + 1;
    let close = lower[open_end..].find("</title")? + open_end;
    let title = Heard::new(html.get(open_end..close)?);
    (!title.is_blank()).then_some(title)
}

/// A field of a JSON or form body, as the server said it.
pub fn field(body: &Body, name: &str) -> Option<Heard> {
    match body {
        Body::Json(map) => match map.get(name)? {
            Value::String(s) => Some(Heard::new(s.clone())),
            Value::Number(n) => Some(Heard::new(n.to_string())),
            Value::Bool(b) => Some(Heard::new(b.to_string())),
            _ => None,
        },
        Body::Form(pairs) => pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Heard::new(v.clone())),
        _ => None,
    }
}

/// A few words saying what the body was, never the body itself.
pub fn describe_body(body: &Body, scrub: &Scrubber) -> String {
    match body {
        Body::Json(map) => {
            // Keys are the server's words too: scrubbed, shortened and made printable like any excerpt.
            let keys: Vec<String> = map
                .keys()
                .take(8)
                .map(|key| scrub.quote(&Heard::new(key.clone()), 40))
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
