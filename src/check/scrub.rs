//! The one scrubber every word a server says passes through on its way into a report.
//!
//! A server may echo what it was sent: the secret in an `error_description`, the Basic header in a debug page, a
//! token in a body too large to parse. [`Heard`] holds such text; the only way to turn it into something a
//! report can show is [`Scrubber::quote`], which replaces the secret (raw, form-, percent-, JSON- and
//! base64-encoded, and inside the Basic credential) and every token the check holds with `[redacted]`, removes
//! control characters and bounds the length.

use base64::Engine;

use super::secret::Secret;

/// What replaces a secret in anything shown.
pub const REDACTED: &str = "[redacted]";

/// Shorter values are not scrubbed: they would blank ordinary words (and no real secret is that short).
const MIN_NEEDLE: usize = 4;

/// Text a server sent. It has no `Display`: it reaches a report only through [`Scrubber::quote`].
#[derive(Clone, PartialEq, Eq)]
pub struct Heard(String);

impl Heard {
    /// Wraps what a server said.
    pub fn new(text: impl Into<String>) -> Heard {
        Heard(text.into())
    }

    /// Lower-cased, for matching known words against (never for showing).
    pub fn lower(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// True when the server said nothing (or only whitespace).
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// The raw text, for parsing numbers and codes (never for showing).
    pub fn raw(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Heard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Heard({} chars)", self.0.chars().count())
    }
}

/// Knows every secret form a check holds, and removes them from server words.
#[derive(Clone, Default)]
pub struct Scrubber {
    needles: Vec<Secret>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber({} needles)", self.needles.len())
    }
}

fn percent_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl Scrubber {
    /// A scrubber that knows the client secret and the Basic credential built from it.
    pub fn for_credentials(client_id: &str, secret: &Secret) -> Scrubber {
        let mut scrubber = Scrubber::default();
        scrubber.add_secret(secret.expose());
        let form =
            |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        for (id, value) in [
            (client_id.to_string(), secret.expose().to_string()),
            (form(client_id), form(secret.expose())),
        ] {
            let mut pair = Secret::new(format!("{id}:{value}"));
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                &base64::engine::general_purpose::URL_SAFE,
            ] {
                scrubber.add(engine.encode(pair.expose().as_bytes()));
            }
            scrubber.add_raw(std::mem::replace(&mut pair, Secret::new(String::new())));
        }
        scrubber
    }

    /// Adds a secret value in every encoding it may come back in.
    pub fn add_secret(&mut self, value: &str) {
        self.add(value.to_string());
        self.add(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
        let percent = percent_encode(value);
        self.add(percent.to_ascii_lowercase());
        self.add(percent);
        if let Ok(json) = serde_json::to_string(value) {
            self.add(json.trim_matches('"').to_string());
        }
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            self.add(engine.encode(value.as_bytes()));
        }
    }

    /// Adds a token (or an assertion) the check holds; it is also removed in its JSON-escaped form.
    pub fn add_token(&mut self, token: &str) {
        self.add(token.to_string());
        if let Ok(json) = serde_json::to_string(token) {
            self.add(json.trim_matches('"').to_string());
        }
    }

    fn add(&mut self, needle: String) {
        self.add_raw(Secret::new(needle));
    }

    fn add_raw(&mut self, needle: Secret) {
        if needle.expose().chars().count() < MIN_NEEDLE
            || self.needles.iter().any(|n| n.expose() == needle.expose())
        {
            return;
        }
        self.needles.push(needle);
        // Longest first, so a secret inside a longer encoded form does not leave the rest of that form behind.
        self.needles
            .sort_by_key(|n| std::cmp::Reverse(n.expose().len()));
    }

    /// Removes every known secret form from `text`, then control characters; whitespace runs become one space.
    pub fn clean(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.expose()) {
                out = out.replace(needle.expose(), REDACTED);
            }
        }
        let printable: String = out
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        super::secret::wipe(&mut out);
        printable.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// What a server said, scrubbed, on one line of at most `max_chars` characters (then `…`).
    pub fn quote(&self, heard: &Heard, max_chars: usize) -> String {
        bound(&self.clean(&heard.0), max_chars)
    }

    /// Our own text that may embed server words (transport errors), scrubbed and bounded the same way.
    pub fn quote_text(&self, text: &str, max_chars: usize) -> String {
        bound(&self.clean(text), max_chars)
    }
}

/// Cuts text to `max_chars` characters, marking the cut.
fn bound(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubber() -> Scrubber {
        Scrubber::for_credentials("ci-bot", &Secret::new("p&ss:w+rd/S3cret"))
    }

    #[test]
    fn the_secret_never_survives_in_any_encoding() {
        let s = scrubber();
        let basic = base64::engine::general_purpose::STANDARD.encode("ci-bot:p&ss:w+rd/S3cret");
        let basic_form =
            base64::engine::general_purpose::STANDARD.encode("ci-bot:p%26ss%3Aw%2Brd%2FS3cret");
        for said in [
            "bad secret p&ss:w+rd/S3cret".to_string(),
            "client_secret=p%26ss%3Aw%2Brd%2FS3cret&x".to_string(),
            "got p%26ss%3aw%2brd%2fs3cret".to_string(),
            format!("Authorization: Basic {basic}"),
            format!("Authorization: Basic {basic_form}"),
            format!(
                "b64 {}",
                base64::engine::general_purpose::STANDARD.encode("p&ss:w+rd/S3cret")
            ),
        ] {
            let shown = s.quote(&Heard::new(said.clone()), 500);
            assert!(!shown.contains("w+rd"), "{said} -> {shown}");
            assert!(!shown.contains("S3cret"), "{said} -> {shown}");
            assert!(
                !shown.contains(&basic) && !shown.contains(&basic_form),
                "{shown}"
            );
            assert!(shown.contains(REDACTED), "{said} -> {shown}");
        }
    }

    #[test]
    fn tokens_added_later_are_removed_and_text_stays_one_bounded_line() {
        let mut s = scrubber();
        s.add_token("eyJhbGciOi.payload.sig");
        let shown = s.quote(
            &Heard::new("token eyJhbGciOi.payload.sig\n\u{1b}[2J end"),
            500,
        );
        assert_eq!(shown, "token [redacted] [2J end");
        assert_eq!(s.quote(&Heard::new("abcdef"), 3), "abc…");
    }

    #[test]
    fn short_values_are_not_needles() {
        let s = Scrubber::for_credentials("id", &Secret::new("ab"));
        assert_eq!(s.clean("about ab"), "about ab");
    }
}
