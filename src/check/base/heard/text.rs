//! Server text itself: [`Heard`] and its lower-cased twin [`Lowered`], which answer questions and never hand
//! their text out, and the kinds of [`Number`] such text may be read as.

use crate::check::base::secret::{Secret, wipe};

/// Text a server sent (or a library said about a connection). It has no `Display` and no accessor for its
/// text: it reaches a report only through [`Scrubber::quote`](super::Scrubber::quote). Wiped when dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Heard(pub(super) String);

impl Heard {
    /// Wraps outside text. Anyone may wrap; only the scrubber unwraps.
    pub fn new(text: impl Into<String>) -> Heard {
        Heard(text.into())
    }

    /// True when the server said nothing (or only whitespace).
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// True when the text is exactly `text`.
    pub fn is(&self, text: &str) -> bool {
        self.0 == text
    }

    /// True when the text is `text` in any ASCII letter case.
    pub fn is_ci(&self, text: &str) -> bool {
        self.0.eq_ignore_ascii_case(text)
    }

    /// True when the text contains `text` (letter case counts).
    pub fn contains(&self, text: &str) -> bool {
        self.0.contains(text)
    }

    /// Asks any yes-or-no question of the text; the answer is all that leaves.
    pub fn matches(&self, question: impl FnOnce(&str) -> bool) -> bool {
        question(&self.0)
    }

    /// The text lower-cased (ASCII), for matching known words against; it has no way out either.
    pub fn lowered(&self) -> Lowered {
        Lowered(self.0.to_ascii_lowercase())
    }

    /// The number the text states (surrounding whitespace allowed).
    pub fn number<N: Number>(&self) -> Option<N> {
        N::read(self.0.trim())
    }

    /// Several pieces said as one, `separator` between them.
    pub fn joined(pieces: &[Heard], separator: &str) -> Heard {
        let size = pieces.iter().map(|p| p.0.len()).sum::<usize>()
            + separator.len() * pieces.len().saturating_sub(1);
        let mut text = String::with_capacity(size);
        for (index, piece) in pieces.iter().enumerate() {
            if index > 0 {
                text.push_str(separator);
            }
            text.push_str(&piece.0);
        }
        Heard(text)
    }

    /// The whitespace-separated words (an RFC 6749 scope list), each still server text.
    pub fn words(&self) -> Vec<Heard> {
        self.0.split_whitespace().map(Heard::new).collect()
    }

    /// The text as a URL the check may use, parsed (and so normalised: no control characters survive).
    pub fn url(&self) -> Option<url::Url> {
        url::Url::parse(self.0.trim()).ok()
    }

    /// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds.
    pub fn http_date(&self) -> Option<i64> {
        crate::check::base::clock::parse_http_date(&self.0)
    }

    /// A token or credential the server handed over: moved into a secret, which redacts itself.
    pub fn into_secret(mut self) -> Secret {
        Secret::new(std::mem::take(&mut self.0))
    }

    /// The RFC 3339 / ISO 8601 time said (`2026-12-04T16:00:00Z`), as Unix seconds.
    pub fn rfc3339(&self) -> Option<i64> {
        crate::check::base::clock::parse_rfc3339(self.0.trim())
    }

    /// The same words without leading and trailing whitespace (this copy is wiped when dropped).
    pub fn trimmed(&self) -> Heard {
        Heard(self.0.trim().to_string())
    }

    /// How many characters were said.
    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }
}

impl Drop for Heard {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

impl std::fmt::Debug for Heard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Heard({} chars)", self.0.chars().count())
    }
}

/// Server text lower-cased for matching: like [`Heard`], it has no way out but questions.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Lowered(pub(super) String);

impl Lowered {
    /// Nothing said.
    pub fn empty() -> Lowered {
        Lowered::default()
    }

    /// True when the text holds `needle` (lower case).
    pub fn has(&self, needle: &str) -> bool {
        self.0.contains(needle)
    }

    /// True when the text holds any of `needles`.
    pub fn has_any(&self, needles: &[&str]) -> bool {
        needles.iter().any(|needle| self.0.contains(needle))
    }

    /// True when `word` appears delimited by characters that cannot be part of a scope or identifier, so that
    /// "read" is not found in "already".
    pub fn has_word(&self, word: &str) -> bool {
        let text = &self.0;
        !word.is_empty()
            && text.match_indices(word).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + word.len()..].chars().next();
                let boundary = |c: Option<char>| {
                    c.is_none_or(|c| {
                        !(c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-'))
                    })
                };
                boundary(before) && boundary(after)
            })
    }

    /// True when the text is exactly `text`.
    pub fn is(&self, text: &str) -> bool {
        self.0 == text
    }

    /// True when the text begins with `text`.
    pub fn starts_with(&self, text: &str) -> bool {
        self.0.starts_with(text)
    }

    /// The same text with each of `identifiers` blanked out (protocol names that contain telling words).
    pub fn without(mut self, identifiers: &[&str]) -> Lowered {
        for identifier in identifiers {
            if self.0.contains(identifier) {
                let mut rest = self.0.replace(identifier, "");
                std::mem::swap(&mut self.0, &mut rest);
                wipe(&mut rest);
            }
        }
        self
    }

    /// The whole number written right after `marker` (`aadsts7000215: …` after `aadsts` gives 7000215), read
    /// whole so that 700021 is never mistaken for 7000215.
    pub fn number_after(&self, marker: &str) -> Option<u32> {
        let at = self.0.find(marker)? + marker.len();
        let digits: String = self.0[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    /// The RFC 3339 time written right after `marker` (`current time: 2026-…z`), as Unix seconds.
    pub fn time_after(&self, marker: &str) -> Option<i64> {
        let at = self.0.find(marker)? + marker.len();
        crate::check::base::clock::parse_rfc3339(&self.0[at..])
    }
}

impl Drop for Lowered {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

impl std::fmt::Debug for Lowered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lowered({} chars)", self.0.chars().count())
    }
}

/// The kinds of number server text may be read as (never text itself).
pub trait Number: Sized + sealed::Sealed {
    /// Reads the number.
    fn read(text: &str) -> Option<Self>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for u64 {}
    impl Sealed for u32 {}
    impl Sealed for f64 {}
}

impl Number for i64 {
    fn read(text: &str) -> Option<i64> {
        text.parse().ok()
    }
}

impl Number for u64 {
    fn read(text: &str) -> Option<u64> {
        text.parse().ok()
    }
}

impl Number for u32 {
    fn read(text: &str) -> Option<u32> {
        text.parse().ok()
    }
}

impl Number for f64 {
    fn read(text: &str) -> Option<f64> {
        text.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_answer_without_handing_the_text_out() {
        let heard = Heard::new(" Bearer ");
        assert!(!heard.is("bearer"));
        assert!(Heard::new("Bearer").is_ci("bearer"));
        assert_eq!(Heard::new(" 3600 ").number::<i64>(), Some(3600));
        assert_eq!(Heard::new("soon").number::<u64>(), None);
        assert_eq!(Heard::new("a  b").words().len(), 2);
        assert_eq!(format!("{heard:?}"), "Heard(8 chars)");
        assert!(Heard::new("\t ").is_blank());
    }

    #[test]
    fn server_text_is_wiped_when_dropped_lowered_or_made_a_secret() {
        let watch = crate::wiped::Watch::new(&[b"wipe-check-heard-0001", b"wipe-check-lowered-02"]);
        let heard = Heard::new(String::from("token wipe-check-heard-0001 here"));
        let copy = heard.clone();
        let words = heard.words();
        let secret = copy.into_secret();
        let lowered = Heard::new(String::from("WIPE-CHECK-LOWERED-02 client_secret"))
            .lowered()
            .without(&["client_secret"]);
        assert!(lowered.has("wipe-check-lowered-02"));
        drop((heard, words, secret, lowered));
        assert_eq!(watch.leaks(), 0);
    }

    #[test]
    fn lowered_words_are_matched_whole_and_codes_read_whole() {
        let said = Heard::new("AADSTS7000215: Scope READ already granted").lowered();
        assert_eq!(said.number_after("aadsts"), Some(7000215));
        assert!(said.has_word("read"));
        assert!(!said.has_word("ready"));
        assert!(!Heard::new("already").lowered().has_word("read"));
        let blanked = Heard::new("client_secret_basic is wrong")
            .lowered()
            .without(&["client_secret_basic"]);
        assert!(!blanked.has("client_secret"));
        assert!(blanked.has("is wrong"));
        assert_eq!(
            Heard::new("Trace. Current time: 2026-01-02T03:04:05Z.")
                .lowered()
                .time_after("current time: "),
            crate::check::base::clock::parse_rfc3339("2026-01-02T03:04:05Z")
        );
    }
}
