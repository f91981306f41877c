//! Whether every `{`, `[` and `(` of an HCL file is closed, read before hcl-edit's parser sees the file. With one
//! left open, that parser backtracks over everything after it, in time that grows exponentially with the lines
//! that follow (a 1.1 KB file took over ten seconds; found by the `preflight_config` fuzz target), and the line the
//! bracket was opened on is also a better message than the parser's own at the end of the file.
//!
//! The scan knows just enough HCL to skip what may hold brackets that do not count: quoted strings (with `\`
//! escapes, and the `${ }` / `%{ }` templates inside them, which do count, `$${` and `%%{` being literal),
//! heredocs, and `#`, `//` and `/* */` comments. A string, comment or heredoc left open is named on the line it
//! opens as well: behind an open bracket the parser backtracks over it just the same (a quoted string running
//! into the end of its line took over ten seconds, found by the same target), and HCL refuses all three.

use super::value::printable;

/// An unmatched bracket: the 1-based line to point at, and one sentence.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unbalanced {
    pub line: u32,
    pub message: String,
}

/// What is open at a point of the scan.
#[derive(Clone, Copy)]
enum Open {
    /// `{`, `[` or `(`, on a line.
    Bracket(u8, u32),
    /// A `${` or `%{` template inside a quoted string, closed by `}`.
    Template(u32),
    /// A quoted string, on a line.
    Quoted(u32),
}

/// Checks that brackets pair up and that no string, comment or heredoc is left open.
pub(super) fn check(text: &str) -> Result<(), Unbalanced> {
    let bytes = text.as_bytes();
    let mut open: Vec<Open> = Vec::new();
    let mut line: u32 = 1;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if let Some(Open::Quoted(at)) = open.last() {
            match c {
                // A backslash does not escape the end of a line: the string still ends there, unclosed.
                b'\\' if next == Some(b'\n') => return Err(unterminated_string(*at)),
                b'\\' => i += 1,
                b'"' => {
                    open.pop();
                }
                // HCL's quoted strings end on their line (a template inside one may span lines).
                b'\n' => return Err(unterminated_string(*at)),
                b'$' | b'%' if next == Some(c) && bytes.get(i + 2) == Some(&b'{') => i += 2,
                b'$' | b'%' if next == Some(b'{') => {
                    open.push(Open::Template(line));
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'\n' => line += 1,
            b'#' => i = line_end(bytes, i),
            b'/' if next == Some(b'/') => i = line_end(bytes, i),
            b'/' if next == Some(b'*') => match find(bytes, i + 2, b"*/") {
                Some(end) => {
                    line += newlines(&bytes[i..end]);
                    i = end + 1;
                }
                None => {
                    return Err(Unbalanced {
                        line,
                        message: "the `/*` comment opened on this line is never closed with `*/`"
                            .to_owned(),
                    });
                }
            },
            b'"' => open.push(Open::Quoted(line)),
            b'<' if next == Some(b'<') => match heredoc_end(bytes, i) {
                Some(Heredoc::Skip(end)) => {
                    line += newlines(&bytes[i..end]);
                    i = end;
                    continue;
                }
                Some(Heredoc::Unterminated(ident)) => {
                    return Err(Unbalanced {
                        line,
                        message: format!(
                            "the heredoc opened on this line never reaches a line holding only its closing `{}`",
                            printable(&String::from_utf8_lossy(ident), MARKER_SHOWN)
                        ),
                    });
                }
                None => {}
            },
            b'{' | b'[' | b'(' => open.push(Open::Bracket(c, line)),
            b'}' | b']' | b')' => close(&mut open, c, line)?,
            _ => {}
        }
        i += 1;
    }
    // A string open at the very end (no newline after it) is named itself; otherwise the outermost bracket or
    // template left open, whose line is where the missing closer belongs.
    if let Some(Open::Quoted(at)) = open.last() {
        return Err(unterminated_string(*at));
    }
    match open.iter().find(|o| !matches!(o, Open::Quoted(_))) {
        Some(Open::Bracket(c, at)) => Err(Unbalanced {
            line: *at,
            message: format!(
                "the `{}` opened on this line is never closed before the end of the file (a missing `{}` here or \
                 in a block or value inside it)",
                char::from(*c),
                char::from(closer(*c))
            ),
        }),
        Some(Open::Template(at)) => Err(Unbalanced {
            line: *at,
            message: "the `${` template opened on this line is never closed".to_owned(),
        }),
        _ => Ok(()),
    }
}

fn unterminated_string(line: u32) -> Unbalanced {
    Unbalanced {
        line,
        message: "the quoted string opened on this line is not closed on it: HCL strings cannot span lines (close \
                  it with `\"`, write a line break as `\\n`, or use a heredoc)"
            .to_owned(),
    }
}

/// Closes the innermost open bracket with `c`, or says why it cannot.
fn close(open: &mut Vec<Open>, c: u8, line: u32) -> Result<(), Unbalanced> {
    let shown = char::from(c);
    match open.pop() {
        Some(Open::Bracket(o, _)) if closer(o) == c => Ok(()),
        Some(Open::Template(_)) if c == b'}' => Ok(()),
        Some(Open::Bracket(o, at)) => Err(Unbalanced {
            line,
            message: format!(
                "this `{shown}` does not close the `{}` opened on line {at}",
                char::from(o)
            ),
        }),
        Some(Open::Template(at)) => Err(Unbalanced {
            line,
            message: format!(
                "this `{shown}` does not close the `${{` template opened on line {at}"
            ),
        }),
        Some(Open::Quoted(_)) | None => Err(Unbalanced {
            line,
            message: format!("this `{shown}` closes nothing that is open"),
        }),
    }
}

/// How many characters of a heredoc's marker a message shows; a longer one is cut, with `…`.
const MARKER_SHOWN: usize = 40;

fn closer(open: u8) -> u8 {
    match open {
        b'{' => b'}',
        b'[' => b']',
        _ => b')',
    }
}

/// The index of the newline that ends the line holding `from` (or the end of the text).
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |at| from + at - 1)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| from + at)
}

fn newlines(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|&&b| b == b'\n').count()).unwrap_or(u32::MAX)
}

enum Heredoc<'a> {
    /// The index just past the terminator's line (its newline is left to the scan, so lines are counted).
    Skip(usize),
    /// A heredoc whose terminator (the identifier given) never comes.
    Unterminated(&'a [u8]),
}

/// A heredoc starting at `<<` at `at` (`<<ID` or `<<-ID`, then a newline): where the scan goes on. `None` when
/// `<<` does not start one.
fn heredoc_end(bytes: &[u8], at: usize) -> Option<Heredoc<'_>> {
    let mut i = at + 2;
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    let start = i;
    while bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
    {
        i += 1;
    }
    let ident = &bytes[start..i];
    let rest_of_line = i + bytes[i..].iter().position(|&b| b == b'\n')?;
    if ident.is_empty() || !bytes[i..rest_of_line].iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let mut line_start = rest_of_line + 1;
    while line_start < bytes.len() {
        let end = bytes[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| line_start + p);
        if bytes[line_start..end].trim_ascii() == ident {
            return Some(Heredoc::Skip(end));
        }
        line_start = end + 1;
    }
    Some(Heredoc::Unterminated(ident))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str) -> Option<u32> {
        check(text).err().map(|u| u.line)
    }

    #[test]
    fn balanced_configurations_pass_whatever_their_strings_comments_and_heredocs_hold() {
        let texts = [
            "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n",
            "a = { b = [1, (2 + 3)] }\n",
            "a = \"{ [ (\"\n",
            "a = \"say \\\" { \"\n",
            "a = \"${var.x} and ${ {k = \"}\"}.k }\"\n",
            "a = \"$${not a template {\"\n",
            "a = \"%{ if true }yes%{ endif }\"\n",
            "# {\n// [\n/* ( \n } */\nb = 1\n",
            "a = <<EOT\n  { unbalanced [ in a heredoc\n  EOT\nb = {}\n",
            "a = <<-EOT\n    (\n    EOT\n",
            "a = 1 # trailing {\n",
            "",
        ];
        for text in texts {
            assert_eq!(check(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn an_unclosed_bracket_is_named_on_the_line_it_was_opened() {
        assert_eq!(line_of("provider \"a\" {\n  x = 1\n"), Some(1));
        assert_eq!(line_of("a = 1\nb = [\n  1,\n"), Some(2));
        assert_eq!(line_of("a = \"${ x\n"), Some(1));
        let unbalanced = check("a = {\n").unwrap_err();
        assert!(unbalanced.message.contains("`{`"), "{}", unbalanced.message);
        assert!(unbalanced.message.contains("`}`"), "{}", unbalanced.message);
    }

    #[test]
    fn a_stray_or_mismatched_closer_is_named_on_its_own_line() {
        assert_eq!(line_of("a = 1\n}\n"), Some(2));
        let mismatched = check("a = [\n  1\n}\n").unwrap_err();
        assert_eq!(mismatched.line, 3);
        assert!(
            mismatched.message.contains("line 1"),
            "{}",
            mismatched.message
        );
    }

    #[test]
    fn a_string_comment_or_heredoc_left_open_is_named_on_the_line_it_opens() {
        // With a bracket open before it, hcl-edit's parser backtracks over these as over an unclosed bracket.
        let string = check("a = {\n  b = \"unterminated\n  c = {\n}\n").unwrap_err();
        assert_eq!(string.line, 2);
        assert!(
            string.message.contains("cannot span lines"),
            "{}",
            string.message
        );
        assert_eq!(line_of("a = \"${x} then ${ y\n} still open\n"), Some(1));
        assert_eq!(line_of("a = {\n  b = \"c \\\n  d\"\n}\n"), Some(2));
        let comment = check("a = 1\n/* unterminated {\n").unwrap_err();
        assert_eq!(comment.line, 2);
        assert!(comment.message.contains("`*/`"), "{}", comment.message);
        let heredoc = check("a = {\n  b = <<EOT\n{\n").unwrap_err();
        assert_eq!(heredoc.line, 2);
        assert!(heredoc.message.contains("`EOT`"), "{}", heredoc.message);
    }

    #[test]
    fn a_long_heredoc_marker_is_shown_cut_short() {
        let marker = "EOT".repeat(100);
        let heredoc = check(&format!("a = <<{marker}\nb\n")).unwrap_err();
        assert!(heredoc.message.chars().count() < 160, "{}", heredoc.message);
        assert!(heredoc.message.contains("`EOTEOT"), "{}", heredoc.message);
    }

    #[test]
    fn a_template_may_span_lines_inside_a_quoted_string() {
        assert_eq!(check("a = \"${\n  x\n}\"\nb = {}\n"), Ok(()));
    }

    #[test]
    fn lines_are_counted_through_comments_and_heredocs() {
        assert_eq!(line_of("/* a\nb\n*/\nx = {\n"), Some(4));
        assert_eq!(line_of("a = <<EOT\n1\n2\nEOT\nb = (\n"), Some(5));
    }
}
