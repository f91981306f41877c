//! Whether every `{`, `[` and `(` of an HCL file is closed, read before hcl-edit's parser sees the file. With one
//! left open, that parser backtracks over everything after it, in time that grows exponentially with the lines
//! that follow (a 1.1 KB file took over ten seconds; found by the `preflight_config` fuzz target), and the line the
//! bracket was opened on is also a better message than the parser's own at the end of the file.
//!
//! The scan knows just enough HCL to skip what may hold brackets that do not count: quoted strings (with `\`
//! escapes, and the `${ }` / `%{ }` templates inside them, which do count, `$${` and `%%{` being literal),
//! heredocs, and `#`, `//` and `/* */` comments. Whatever it cannot follow (an unterminated string, comment or
//! heredoc) it leaves to the parser, which names that better.

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
    /// A quoted string.
    Quoted,
}

/// Checks that brackets pair up; `Ok` also when the scan meets something it leaves to the parser.
pub(super) fn check(text: &str) -> Result<(), Unbalanced> {
    let bytes = text.as_bytes();
    let mut open: Vec<Open> = Vec::new();
    let mut line: u32 = 1;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if let Some(Open::Quoted) = open.last() {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    open.pop();
                }
                // A quoted string ends at its line: the parser says so better than a bracket count.
                b'\n' => return Ok(()),
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
                None => return Ok(()),
            },
            b'"' => open.push(Open::Quoted),
            b'<' if next == Some(b'<') => match heredoc_end(bytes, i) {
                Some(Heredoc::Skip(end)) => {
                    line += newlines(&bytes[i..end]);
                    i = end;
                    continue;
                }
                Some(Heredoc::Unterminated) => return Ok(()),
                None => {}
            },
            b'{' | b'[' | b'(' => open.push(Open::Bracket(c, line)),
            b'}' | b']' | b')' => close(&mut open, c, line)?,
            _ => {}
        }
        i += 1;
    }
    match open.iter().find(|o| !matches!(o, Open::Quoted)) {
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
        Some(Open::Quoted) | None => Err(Unbalanced {
            line,
            message: format!("this `{shown}` closes nothing that is open"),
        }),
    }
}

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

enum Heredoc {
    /// The index just past the terminator's line (its newline is left to the scan, so lines are counted).
    Skip(usize),
    /// A heredoc whose terminator never comes.
    Unterminated,
}

/// A heredoc starting at `<<` at `at` (`<<ID` or `<<-ID`, then a newline): where the scan goes on. `None` when
/// `<<` does not start one.
fn heredoc_end(bytes: &[u8], at: usize) -> Option<Heredoc> {
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
    Some(Heredoc::Unterminated)
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
    fn what_the_scan_cannot_follow_is_left_to_the_parser() {
        for text in [
            "a = \"unterminated\nb = {\n",
            "/* unterminated {\n",
            "a = <<EOT\n{\n",
        ] {
            assert_eq!(check(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn lines_are_counted_through_comments_and_heredocs() {
        assert_eq!(line_of("/* a\nb\n*/\nx = {\n"), Some(4));
        assert_eq!(line_of("a = <<EOT\n1\n2\nEOT\nb = (\n"), Some(5));
    }
}
