//! The one scrubber every word a server says passes through on its way into a report.
//!
//! A server may echo what it was sent: the secret in an `error_description`, the Basic header in a debug page, a
//! token in a body too large to parse. The only way to turn [`Heard`] text into something a report can show is
//! [`Scrubber::quote`], which replaces the secret (raw, form-, percent-, JSON- and base64-encoded, and inside the
//! Basic credential) and every token the check holds with `[redacted]`, removes control characters and bounds the
//! length. What it gives back is [`Quoted`], which nothing else can make.
//!
//! The scrubber holds the secret in every encoding: each is built in memory sized for it up front (growing a
//! string copies it and leaves the old bytes behind) and wiped when the scrubber is dropped.

use base64::Engine;
use zeroize::Zeroizing;

use crate::check::base::heard::text::Heard;
use crate::check::base::secret::Secret;

/// What replaces a secret in anything shown.
pub const REDACTED: &str = "[redacted]";

/// Shorter values are not scrubbed: they would blank ordinary words (and no real secret is that short).
const MIN_NEEDLE: usize = 4;

/// Outside text after the scrubber: no secret or token the check holds, no control character, bounded. Only
/// [`Scrubber`] makes one, so a report field of this type cannot carry server text that skipped it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quoted(String);

impl Quoted {
    /// The scrubbed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scrubbed text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::ops::Deref for Quoted {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Quoted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Quoted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl PartialEq<str> for Quoted {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Quoted {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
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

/// One character as it appears inside a JSON string (the escapes serde_json writes), written into `buf`.
fn json_char(c: char, buf: &mut [u8; 6]) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let fixed = match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed;
    }
    if (c as u32) < 0x20 {
        let n = c as usize;
        *buf = [b'\\', b'u', b'0', b'0', HEX[n >> 4], HEX[n & 15]];
        return std::str::from_utf8(&buf[..]).unwrap_or("");
    }
    c.encode_utf8(&mut buf[..4])
}

/// `value` as it appears inside a JSON string, built in place.
fn json_escaped(value: &str) -> Secret {
    let mut buf = [0u8; 6];
    let size = value.chars().map(|c| json_char(c, &mut buf).len()).sum();
    let mut text = String::with_capacity(size);
    for c in value.chars() {
        text.push_str(json_char(c, &mut buf));
    }
    Secret::new(text)
}

/// `text` with every `needle` replaced by [`REDACTED`], in one allocation of the final size.
fn redact(text: &str, needle: &str) -> Zeroizing<String> {
    let count = text.matches(needle).count();
    let mut out = String::with_capacity(text.len() - count * needle.len() + count * REDACTED.len());
    let mut rest = text;
    while let Some(at) = rest.find(needle) {
        out.push_str(&rest[..at]);
        out.push_str(REDACTED);
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    Zeroizing::new(out)
}

impl Scrubber {
    /// A scrubber that knows the client secret and the Basic credential built from it.
    pub fn for_credentials(client_id: &str, secret: &Secret) -> Scrubber {
        let mut scrubber = Scrubber::default();
        scrubber.add_secret(secret.expose());
        let raw = Secret::concat(&[client_id, ":", secret.expose()]);
        let (id, value) = (
            Secret::form_encoded(client_id, false),
            Secret::form_encoded(secret.expose(), false),
        );
        let form = Secret::concat(&[id.expose(), ":", value.expose()]);
        for pair in [raw, form] {
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::STANDARD_NO_PAD,
                &base64::engine::general_purpose::URL_SAFE,
            ] {
                scrubber.add(Secret::new(engine.encode(pair.expose().as_bytes())));
            }
            scrubber.add(pair);
        }
        scrubber
    }

    /// Adds a secret value in every encoding it may come back in.
    pub fn add_secret(&mut self, value: &str) {
        self.add(Secret::concat(&[value]));
        self.add(Secret::form_encoded(value, false));
        let percent = Secret::form_encoded(value, true);
        // `to_ascii_lowercase` copies once, at the final size.
        self.add(Secret::new(percent.expose().to_ascii_lowercase()));
        self.add(percent);
        self.add(json_escaped(value));
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            self.add(Secret::new(engine.encode(value.as_bytes())));
        }
    }

    /// Adds a token (or an assertion) the check holds; it is also removed in its JSON-escaped form.
    pub fn add_token(&mut self, token: &str) {
        self.add(Secret::concat(&[token]));
        self.add(json_escaped(token));
    }

    fn add(&mut self, needle: Secret) {
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

    /// Removes every known secret form from `text`, then control characters; whitespace runs become one space;
    /// at most `max_chars` characters (then `…`).
    fn clean(&self, text: &str, max_chars: usize) -> String {
        // Most text holds no secret: it is read where it lies, with no copy to make and wipe (the copy and its
        // wiping were a fifth of a quote's time).
        let Some(first) = self
            .needles
            .iter()
            .position(|needle| text.contains(needle.expose()))
        else {
            return one_line(text, max_chars);
        };
        let mut out = redact(text, self.needles[first].expose());
        for needle in &self.needles[first + 1..] {
            if out.contains(needle.expose()) {
                out = redact(&out, needle.expose());
            }
        }
        // No secret is left, so the copy made from here on holds nothing to wipe.
        one_line(&out, max_chars)
    }

    /// What a server said, scrubbed, on one line of at most `max_chars` characters (then `…`).
    pub fn quote(&self, heard: &Heard, max_chars: usize) -> Quoted {
        Quoted(self.clean(&heard.0, max_chars))
    }

    /// Our own text that may embed outside words (a path, a library's message), scrubbed and bounded the same
    /// way.
    pub fn quote_text(&self, text: &str, max_chars: usize) -> Quoted {
        Quoted(self.clean(text, max_chars))
    }
}

/// Control characters blanked, whitespace runs as one space, no space at either end, then cut to `max_chars`
/// characters (marked by `…`). One pass and one allocation: every word a server sends passes here, and the
/// three passes it replaced (blank, split and join, bound) were most of a quote's time. Runs of visible ASCII
/// (most of any text) are found eight bytes a step and copied whole; other characters go one at a time.
fn one_line(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)) + 3);
    let mut count = 0usize;
    let mut space = false;
    let mut at = 0usize;
    while at < text.len() {
        let rest = &text[at..];
        let run = visible_ascii_run(rest.as_bytes());
        let (piece, chars) = if run > 0 {
            at += run;
            (&rest[..run], run)
        } else {
            let Some(c) = rest.chars().next() else { break };
            at += c.len_utf8();
            if c.is_control() || c.is_whitespace() {
                space = count > 0;
                continue;
            }
            (&rest[..c.len_utf8()], 1)
        };
        // The space a run of blanks before this piece became, then the piece, each while there is room.
        if space {
            if count == max_chars {
                out.push('…');
                return out;
            }
            out.push(' ');
            count += 1;
            space = false;
        }
        let room = max_chars - count;
        if chars > room {
            // Longer than the room left: a run (ASCII, a byte a character) or, with no room, any character.
            out.push_str(&piece[..room]);
            out.push('…');
            return out;
        }
        out.push_str(piece);
        count += chars;
    }
    out
}

/// How many bytes at the start of `bytes` are visible ASCII (`!` to `~`: no space, control or non-ASCII byte).
/// Eight at a time: in a word's bytes, `b - 0x21` borrows exactly when `b < 0x21` and `(b & 0x7f) + 1` carries into
/// the high bit exactly when `b >= 0x7f`; no carry or borrow crosses into a lower byte, so the lowest flagged
/// byte is the first one outside the range.
fn visible_ascii_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut done = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let word = u64::from_le_bytes(eight);
        let below = word.wrapping_sub(ONES * 0x21) & !word;
        let above = word | ((word & LOW7) + ONES);
        let outside = (below | above) & HIGH;
        if outside != 0 {
            return done + (outside.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    done + bytes[done..]
        .iter()
        .take_while(|&&b| (0x21..0x7f).contains(&b))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `one_line` as it was written before it became one pass: blank, split and join, then cut.
    fn three_passes(text: &str, max_chars: usize) -> String {
        let printable: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let joined = printable.split_whitespace().collect::<Vec<_>>().join(" ");
        match joined.char_indices().nth(max_chars) {
            Some((cut, _)) => format!("{}…", &joined[..cut]),
            None => joined,
        }
    }

    #[test]
    fn one_line_says_what_the_three_passes_said() {
        let texts = [
            "",
            " ",
            "a",
            "  a  b\tc\n\nd  ",
            "x\u{1}y\u{7f}z\u{85}w",
            "\u{a0}nbsp\u{2003}em\u{3000}ideo\u{200b}zw",
            "é€😀 ü\r\n ß",
            "word ",
            " word",
            "ab cd ef gh",
        ];
        for text in texts {
            for max in [0, 1, 2, 3, 4, 5, 8, 100] {
                assert_eq!(
                    one_line(text, max),
                    three_passes(text, max),
                    "{text:?} at {max}"
                );
            }
        }
    }

    /// The word-at-a-time run length against a byte-at-a-time one, for every byte at every position of buffers up
    /// to 17 bytes on visible backgrounds (the lowest outside byte must be found whatever follows it).
    #[test]
    fn visible_ascii_run_stops_at_the_first_byte_outside_the_range() {
        let naive = |bytes: &[u8]| {
            bytes
                .iter()
                .take_while(|&&b| (0x21..0x7f).contains(&b))
                .count()
        };
        for background in [b'a', b'!', b'~', b'0'] {
            for len in 0..=17 {
                for pos in 0..len {
                    for b in 0..=255u8 {
                        let mut buf = vec![background; len];
                        buf[pos] = b;
                        assert_eq!(
                            visible_ascii_run(&buf),
                            naive(&buf),
                            "{b:#x} at {pos} of {len}"
                        );
                        // A second outside byte after the first must not move the answer.
                        if pos + 1 < len {
                            buf[pos + 1] = 0x00;
                            assert_eq!(
                                visible_ascii_run(&buf),
                                naive(&buf),
                                "{b:#x} at {pos}, 0 after"
                            );
                        }
                    }
                }
            }
        }
    }

    /// `one_line` against the three passes on generated texts mixing long visible runs, spaces, tabs, line breaks,
    /// control characters, non-ASCII whitespace and letters, at every bound up to past their length.
    #[test]
    fn one_line_says_what_the_three_passes_said_on_generated_texts() {
        let pieces = [
            "a",
            "word",
            "0123456789abcdefXYZ",
            " ",
            "  ",
            "\t",
            "\n",
            "\u{1}",
            "\u{7f}",
            "\u{85}",
            "\u{a0}",
            "\u{3000}",
            "é",
            "😀",
            "~!",
            "[redacted]",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3000 {
            let mut text = String::new();
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            for _ in 0..(state >> 59) {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                text.push_str(pieces[(state >> 60) as usize % pieces.len()]);
            }
            for max in 0..=text.chars().count() + 1 {
                assert_eq!(
                    one_line(&text, max),
                    three_passes(&text, max),
                    "{text:?} at {max}"
                );
            }
        }
    }

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
    fn the_scrubber_leaves_no_encoding_of_the_secret_behind() {
        let basic = base64::engine::general_purpose::STANDARD
            .encode("ci-bot:wipe-check-scrub-secret-01 &+/");
        let watch = crate::wiped::Watch::new(&[
            b"wipe-check-scrub-secret-01",
            b"d2lwZS1jaGVjay1zY3J1Yi1zZWNyZXQtMDEgJisv",
            &basic.as_bytes()[..40],
        ]);
        let mut scrubber =
            Scrubber::for_credentials("ci-bot", &Secret::new("wipe-check-scrub-secret-01 &+/"));
        scrubber.add_token("wipe-check-scrub-token-002");
        let shown = scrubber.quote(
            &Heard::new(String::from(
                "echo wipe-check-scrub-secret-01 &+/ and b64 d2lwZS1jaGVjay1zY3J1Yi1zZWNyZXQtMDEgJisv",
            )),
            500,
        );
        assert_eq!(shown, "echo [redacted] and b64 [redacted]");
        drop((scrubber, shown));
        assert_eq!(watch.leaks(), 0);
    }

    #[test]
    fn short_values_are_not_needles() {
        let s = Scrubber::for_credentials("id", &Secret::new("ab"));
        assert_eq!(s.clean("about ab", usize::MAX), "about ab");
    }

    #[test]
    fn encodings_built_in_place_match_the_libraries() {
        for value in ["p&ss:w+rd/S3cret", "a b\"c\\d\n\u{1}é"] {
            assert_eq!(
                Secret::form_encoded(value, false).expose(),
                url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
            );
            assert_eq!(
                json_escaped(value).expose(),
                serde_json::to_string(value)
                    .expect("json")
                    .trim_matches('"')
            );
        }
        assert_eq!(Secret::form_encoded("a b", true).expose(), "a%20b");
        assert_eq!(
            redact("x SEC y SEC", "SEC").as_str(),
            "x [redacted] y [redacted]"
        );
    }
}
