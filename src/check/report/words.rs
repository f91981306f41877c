//! Sentences the engine writes for people, with the inputs they mention kept as typed references, so that each
//! face names an input in its own vocabulary (`client_secret_env` in Terraform, `--client-secret-file` in the
//! CLI, a query key for the external program) without parsing anyone's prose.

use crate::surface::{Group, Input};

/// One piece of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text (already scrubbed when it came from a server).
    Text(String),
    /// The name of an input, as the face's user writes it.
    Name(Input),
    /// An input set to a value (`allow_http = true`, `--allow-http`).
    Assign(Input, String),
    /// The inputs of a group the face offers (e.g. every way to give the secret).
    Group(Group),
    /// Where an input's value was given, as a phrase (`the client_secret attribute`, `the client_secret query
    /// key`): the face knows what its inputs are called, the engine does not.
    Place(Input),
}

/// Where an input's value was given, for sentences such as "the secret in the client_secret attribute".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place(pub Input);

/// An input set to a value, for advice such as "set allow_http = true".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assign(pub Input, pub String);

impl From<&str> for Piece {
    fn from(text: &str) -> Self {
        Piece::Text(text.to_string())
    }
}

impl From<String> for Piece {
    fn from(text: String) -> Self {
        Piece::Text(text)
    }
}

impl From<&String> for Piece {
    fn from(text: &String) -> Self {
        Piece::Text(text.clone())
    }
}

impl From<crate::check::base::heard::Quoted> for Piece {
    fn from(text: crate::check::base::heard::Quoted) -> Self {
        Piece::Text(text.into_string())
    }
}

impl From<Input> for Piece {
    fn from(input: Input) -> Self {
        Piece::Name(input)
    }
}

impl From<Group> for Piece {
    fn from(group: Group) -> Self {
        Piece::Group(group)
    }
}

impl From<Place> for Piece {
    fn from(place: Place) -> Self {
        Piece::Place(place.0)
    }
}

impl From<Assign> for Piece {
    fn from(assign: Assign) -> Self {
        Piece::Assign(assign.0, assign.1)
    }
}

/// How a face names inputs.
pub trait Vocabulary {
    /// The input's name, e.g. `` `client_id` `` or `--client-id`.
    fn name(&self, input: Input) -> String;
    /// The input set to `value`, e.g. `allow_http = true` or `--allow-http`.
    fn assign(&self, input: Input, value: &str) -> String;
    /// Every way this face offers to give a group's value, as a phrase.
    fn group(&self, group: Group) -> String;
    /// Where the input's value was given, as a phrase; by default the input's name.
    fn place(&self, input: Input) -> String {
        self.name(input)
    }
}

/// A sentence (or a few) for people. Build it with [`words!`](crate::words).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words(Vec<Piece>);

/// Builds [`Words`] from pieces: text, [`Input`]s, [`Assign`]s, [`Group`]s or other `Words`.
#[macro_export]
macro_rules! words {
    ($($piece:expr),* $(,)?) => {{
        let mut words = $crate::check::report::words::Words::default();
        $( words.push($piece); )*
        words
    }};
}

/// Anything that can be appended to [`Words`].
pub trait IntoPieces {
    /// Appends itself.
    fn append_to(self, words: &mut Words);
}

impl<T: Into<Piece>> IntoPieces for T {
    fn append_to(self, words: &mut Words) {
        words.0.push(self.into());
    }
}

impl IntoPieces for Words {
    fn append_to(self, words: &mut Words) {
        words.0.extend(self.0);
    }
}

impl IntoPieces for &Words {
    fn append_to(self, words: &mut Words) {
        words.0.extend(self.0.iter().cloned());
    }
}

impl Words {
    /// Plain text without input references.
    pub fn text(text: impl Into<String>) -> Words {
        Words(vec![Piece::Text(text.into())])
    }

    /// Appends a piece or more words.
    pub fn push(&mut self, piece: impl IntoPieces) {
        piece.append_to(self);
    }

    /// The pieces.
    pub fn pieces(&self) -> &[Piece] {
        &self.0
    }

    /// True when there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.0
            .iter()
            .all(|p| matches!(p, Piece::Text(t) if t.is_empty()))
    }

    /// The sentence in a face's vocabulary.
    pub fn render(&self, vocabulary: &dyn Vocabulary) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => push_printable(&mut out, text),
                Piece::Name(input) => out.push_str(&vocabulary.name(*input)),
                // A face may write the value bare (`--flag value`): it passes the same test as text.
                Piece::Assign(input, value) => {
                    push_printable(&mut out, &vocabulary.assign(*input, value))
                }
                Piece::Group(group) => out.push_str(&vocabulary.group(*group)),
                Piece::Place(input) => out.push_str(&vocabulary.place(*input)),
            }
        }
        out
    }

    /// True when the words mention `input` by name.
    pub fn mentions(&self, input: Input) -> bool {
        self.0.iter().any(|p| match p {
            Piece::Name(i) | Piece::Assign(i, _) | Piece::Place(i) => *i == input,
            _ => false,
        })
    }
}

/// Text with its control characters but the line break written as escapes (`\u{7f}`). A piece may hold an
/// input as it was given (a path, a profile name), and no face may pass a control character on to a terminal or a
/// one-line protocol; a server's words have been through the scrubber already.
fn push_printable(out: &mut String, text: &str) {
    let control = |c: char| c.is_control() && c != '\n';
    if !may_hold_control(text.as_bytes()) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        if control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
}

/// Whether `bytes` may hold a control character: a byte below 0x20 (the line break too), DEL, or 0xC2, which
/// starts the UTF-8 of U+0080 to U+009F (and of other characters: a false alarm costs only the exact walk).
/// Eight bytes a step with the usual bit tests, which never miss a byte: every piece of every message passes
/// here, and nearly all of them hold none.
fn may_hold_control(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Some byte of `word` is below `n` (n at most 0x80), or equal to zero.
    let below = |word: u64, n: u64| word.wrapping_sub(ONES * n) & !word & HIGH != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let word = u64::from_le_bytes(eight);
        if below(word, 0x20) || below(word ^ (ONES * 0x7f), 1) || below(word ^ (ONES * 0xc2), 1) {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == 0x7f || b == 0xc2)
}

/// `name = "value"` as HCL writes it: strings quoted, booleans and numbers bare.
pub fn hcl_assign(input: Input, value: &str) -> String {
    match crate::surface::input(input).kind {
        crate::surface::Kind::Bool | crate::surface::Kind::Int { .. } => {
            format!("{} = {value}", input.name())
        }
        _ => format!("{} = {value:?}", input.name()),
    }
}

/// `a`, `a or b`, `a, b or c`.
pub fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The engine's own neutral vocabulary: the surface names as they are. Used for logs and by tests that do not
/// care which face renders.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

impl Vocabulary for Plain {
    fn name(&self, input: Input) -> String {
        input.name().to_string()
    }

    fn assign(&self, input: Input, value: &str) -> String {
        hcl_assign(input, value)
    }

    fn group(&self, group: Group) -> String {
        let names: Vec<&str> = crate::surface::group_members(group)
            .map(|row| row.name)
            .collect();
        one_of(&names)
    }

    fn place(&self, input: Input) -> String {
        format!("the {} input", input.name())
    }
}

impl From<&str> for Words {
    fn from(text: &str) -> Words {
        Words::text(text)
    }
}

impl From<String> for Words {
    fn from(text: String) -> Words {
        Words::text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time test answers as a byte-by-byte one would, for every byte at every position of buffers up
    /// to 17 bytes (two words and a remainder), on backgrounds that are far from and near each threshold.
    #[test]
    fn may_hold_control_never_misses_a_byte_and_names_no_other() {
        let suspect = |b: u8| b < 0x20 || b == 0x7f || b == 0xc2;
        for background in [b'a', b' ', 0x7e, 0x80, 0xc3, 0xff] {
            for len in 0..=17 {
                let plain = vec![background; len];
                assert!(!may_hold_control(&plain), "{background:#x} x {len}");
                for pos in 0..len {
                    for b in 0..=255u8 {
                        let mut buf = plain.clone();
                        buf[pos] = b;
                        assert_eq!(
                            may_hold_control(&buf),
                            suspect(b),
                            "{b:#x} at {pos} of {len}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_rendered_piece_shows_control_characters_as_escapes_and_keeps_the_line_break() {
        let mut out = String::new();
        for text in [
            "plain text, no controls",
            "tab\there",
            "del\u{7f}",
            "c1\u{85}x",
            "é€😀",
            "line\nbreak",
        ] {
            out.clear();
            push_printable(&mut out, text);
            let expected: String = text
                .chars()
                .flat_map(|c| {
                    if c.is_control() && c != '\n' {
                        c.escape_default().collect::<Vec<_>>()
                    } else {
                        vec![c]
                    }
                })
                .collect();
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn control_characters_in_text_are_rendered_as_escapes_but_line_breaks() {
        // Found by the external_query fuzz target: an AWS profile name holding DEL, quoted into "The AWS profile …
        // is not defined", reached the external program's one-line failure as it was.
        let words = words!["profile a\u{7f}\u{1b}[2J b\nnext line"];
        assert_eq!(
            words.render(&Dashes),
            "profile a\\u{7f}\\u{1b}[2J b\nnext line"
        );
        assert_eq!(words!["plain"].render(&Dashes), "plain");
        let assign = words![Assign(Input::TokenUrl, "https://x\u{7f}".into())];
        assert_eq!(assign.render(&Dashes), "--token-url https://x\\u{7f}");
    }

    struct Dashes;
    impl Vocabulary for Dashes {
        fn name(&self, input: Input) -> String {
            format!("--{}", input.name().replace('_', "-"))
        }
        fn assign(&self, input: Input, value: &str) -> String {
            format!("--{} {value}", input.name().replace('_', "-"))
        }
        fn group(&self, _: Group) -> String {
            "a file or stdin".to_string()
        }
    }

    #[test]
    fn each_face_names_the_input_its_own_way() {
        let words = crate::words![
            "Set ",
            Input::ClientId,
            " and ",
            Assign(Input::AllowHttp, "true".into()),
            "; give the secret by ",
            Group::SecretSource,
            "."
        ];
        assert_eq!(
            words.render(&Dashes),
            "Set --client-id and --allow-http true; give the secret by a file or stdin."
        );
        assert!(
            words
                .render(&Plain)
                .starts_with("Set client_id and allow_http = true")
        );
        assert!(words.mentions(Input::AllowHttp));
        assert!(!words.mentions(Input::Issuer));
    }
}
