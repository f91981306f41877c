//! Whether every `{`, `[` and `(` of an HCL file is closed, read before hcl-edit's parser sees the file. With one
//! left open, that parser backtracks over everything after it, in time that grows exponentially with the lines
//! that follow (a 1.1 KB file took over ten seconds; found by the `preflight_config` fuzz target), and the line the
//! bracket was opened on is also a better message than the parser's own at the end of the file.
//!
//! The scan knows just enough HCL to skip what may hold brackets that do not count: quoted strings (with `\`
//! escapes), heredoc bodies, and `#`, `//` and `/* */` comments. Strings and heredocs are templates: the `${ }` and
//! `%{ }` inside them do count (`$${` and `%%{` are literal), and inside one the scan reads an expression again, so
//! a heredoc's closing marker is only seen outside its templates, as HCL sees it. A string, comment, heredoc or
//! template left open is named on the line it opens as well: behind an open bracket the parser backtracks over it
//! just the same (a quoted string running into the end of its line, and a heredoc's `${` never closed, each took
//! over ten seconds; found by the same target), and HCL refuses all of them.

use super::value::printable;

/// An unmatched bracket: the 1-based line to point at, and one sentence.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unbalanced {
    pub line: u32,
    pub message: String,
}

/// What is open at a point of the scan; the innermost decides how the next byte is read.
#[derive(Clone, Copy)]
enum Open {
    /// `{`, `[` or `(`, on a line.
    Bracket(u8, u32),
    /// A `${` or `%{` template inside a quoted string or a heredoc, closed by `}`.
    Template(u32),
    /// A quoted string, on a line.
    Quoted(u32),
    /// A heredoc's body, opened on a line, ended by a line holding only the marker at `marker` (a byte range).
    Heredoc { line: u32, marker: (usize, usize) },
    /// A whole text read as a template (a `.tf.json` string), which nothing closes.
    Text,
}

/// Checks that brackets pair up and that no string, comment, heredoc or template is left open.
pub(super) fn check(text: &str) -> Result<(), Unbalanced> {
    scan(text, Vec::new())
}

/// The same for a text read as a template, whose brackets and quotes count only inside its `${ }` and `%{ }`: a
/// `.tf.json` string in a place Terraform evaluates templates. (An expression, such as a `.tf.json` variable's
/// `type`, is read by `check`: the parser backtracks over those as over a file.)
pub(super) fn check_template(text: &str) -> Result<(), Unbalanced> {
    scan(text, vec![Open::Text])
}

fn scan(text: &str, open: Vec<Open>) -> Result<(), Unbalanced> {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        open,
        line: 1,
        i: 0,
    };
    while scan.i < scan.bytes.len() {
        match scan.open.last().copied() {
            Some(Open::Quoted(at)) => scan.quoted(at)?,
            Some(Open::Heredoc { marker, .. }) => scan.template_text(Some(marker)),
            Some(Open::Text) => scan.template_text(None),
            _ => scan.expression()?,
        }
    }
    scan.at_the_end()
}

/// A scan in progress: the text, what is open, the line and the byte it is at.
struct Scan<'a> {
    bytes: &'a [u8],
    open: Vec<Open>,
    line: u32,
    i: usize,
}

impl Scan<'_> {
    fn at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.i + offset).copied()
    }

    /// Steps over `$${` or `%%{` (a literal `${` or `%{`) or opens a template at `${` or `%{`, as strings and
    /// heredocs both read them; false, having done nothing, at anything else.
    fn template_sign(&mut self, c: u8) -> bool {
        if !matches!(c, b'$' | b'%') {
            return false;
        }
        if self.at(1) == Some(c) && self.at(2) == Some(b'{') {
            self.i += 3;
        } else if self.at(1) == Some(b'{') {
            self.open.push(Open::Template(self.line));
            self.i += 2;
        } else {
            return false;
        }
        true
    }

    /// One step inside a quoted string opened on line `at`.
    fn quoted(&mut self, at: u32) -> Result<(), Unbalanced> {
        let c = self.bytes[self.i];
        if self.template_sign(c) {
            return Ok(());
        }
        match c {
            // A backslash does not escape the end of a line: the string still ends there, unclosed.
            b'\\' if self.at(1) == Some(b'\n') => return Err(unterminated_string(at)),
            b'\\' => self.i += 1,
            b'"' => {
                self.open.pop();
            }
            // HCL's quoted strings end on their line (a template inside one may span lines).
            b'\n' => return Err(unterminated_string(at)),
            _ => {}
        }
        self.i += 1;
        Ok(())
    }

    /// One step of template text: a heredoc's body, whose marker is the byte range `marker` (a line holding only
    /// the marker ends it; its newline is left to the expression around it, which counts the line), or a whole
    /// text read as a template (no marker). No escapes but `$${` and `%%{`.
    fn template_text(&mut self, marker: Option<(usize, usize)>) {
        let c = self.bytes[self.i];
        if let Some(marker) = marker
            && self.i > 0
            && self.bytes[self.i - 1] == b'\n'
        {
            let end = line_end(self.bytes, self.i);
            if self.bytes[self.i..end].trim_ascii() == &self.bytes[marker.0..marker.1] {
                self.open.pop();
                self.i = end;
                return;
            }
        }
        if self.template_sign(c) {
            return;
        }
        if c == b'\n' {
            self.line += 1;
        }
        self.i += 1;
    }

    /// One step of an expression: at the top of the file, in brackets, or in a template.
    fn expression(&mut self) -> Result<(), Unbalanced> {
        let c = self.bytes[self.i];
        let next = self.at(1);
        match c {
            b'\n' => self.line += 1,
            // A comment runs to its line's newline, which the next step counts.
            b'#' => {
                self.i = line_end(self.bytes, self.i);
                return Ok(());
            }
            b'/' if next == Some(b'/') => {
                self.i = line_end(self.bytes, self.i);
                return Ok(());
            }
            b'/' if next == Some(b'*') => match find(self.bytes, self.i + 2, b"*/") {
                Some(end) => {
                    self.line += newlines(&self.bytes[self.i..end]);
                    self.i = end + 1;
                }
                None => {
                    return Err(Unbalanced {
                        line: self.line,
                        message: "the `/*` comment opened on this line is never closed with `*/`"
                            .to_owned(),
                    });
                }
            },
            b'"' => self.open.push(Open::Quoted(self.line)),
            b'<' if next == Some(b'<') => {
                if let Some((marker, newline)) = heredoc_start(self.bytes, self.i) {
                    self.open.push(Open::Heredoc {
                        line: self.line,
                        marker,
                    });
                    // The body starts past the newline; the heredoc's step counts that newline's line.
                    self.i = newline;
                    return Ok(());
                }
            }
            b'{' | b'[' | b'(' => self.open.push(Open::Bracket(c, self.line)),
            b'}' | b']' | b')' => close(&mut self.open, c, self.line)?,
            _ => {}
        }
        self.i += 1;
        Ok(())
    }

    /// What is left open at the end of the text. A string open at the very end (no newline after it) is named
    /// itself. Otherwise the innermost heredoc or template left open: it reads everything after it as its own, so
    /// the closers of whatever is around it never count, and its line is the one to look at. Otherwise the
    /// outermost bracket, whose line is where the missing closer belongs.
    fn at_the_end(&self) -> Result<(), Unbalanced> {
        if let Some(Open::Quoted(at)) = self.open.last() {
            return Err(unterminated_string(*at));
        }
        let swallowing = self
            .open
            .iter()
            .rev()
            .find(|o| matches!(o, Open::Template(_) | Open::Heredoc { .. }));
        match swallowing.or_else(|| self.open.first()) {
            Some(Open::Bracket(c, at)) => Err(Unbalanced {
                line: *at,
                message: format!(
                    "the `{}` opened on this line is never closed before the end of the file (a missing `{}` here \
                     or in a block or value inside it)",
                    char::from(*c),
                    char::from(closer(*c))
                ),
            }),
            Some(Open::Template(at)) => Err(Unbalanced {
                line: *at,
                message: "the template (`${` or `%{`) opened on this line is never closed with `}`"
                    .to_owned(),
            }),
            Some(Open::Heredoc { line, marker }) => Err(Unbalanced {
                line: *line,
                message: format!(
                    "the heredoc opened on this line never reaches a line holding only its closing `{}`",
                    printable(
                        &String::from_utf8_lossy(&self.bytes[marker.0..marker.1]),
                        MARKER_SHOWN
                    )
                ),
            }),
            Some(Open::Quoted(_) | Open::Text) | None => Ok(()),
        }
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
        Some(Open::Quoted(_) | Open::Heredoc { .. } | Open::Text) | None => Err(Unbalanced {
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

/// The end of the line holding `from`: the index of its newline, or the end of the text.
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |at| from + at)
}

/// A heredoc starting at `<<` at `at` (`<<ID` or `<<-ID`, then only spaces to the end of the line): its marker's
/// byte range and the index of that line's newline. `None` when `<<` does not start one.
fn heredoc_start(bytes: &[u8], at: usize) -> Option<((usize, usize), usize)> {
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
    let newline = i + bytes[i..].iter().position(|&b| b == b'\n')?;
    if i == start || !bytes[i..newline].iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(((start, i), newline))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each text passes the scan and is read by hcl-edit: the scan refuses nothing the parser would read.
    fn accepted_by_both(
        texts: &[&str],
        scan: fn(&str) -> Result<(), Unbalanced>,
        parses: fn(&str) -> bool,
    ) {
        for text in texts {
            assert_eq!(scan(text), Ok(()), "{text:?}");
            assert!(parses(text), "hcl-edit refuses {text:?}");
        }
    }

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
        accepted_by_both(&texts, check, |text| {
            hcl::edit::parser::parse_body(text).is_ok()
        });
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
    fn a_heredoc_body_is_a_template_whose_marker_counts_only_outside_its_templates() {
        let balanced = [
            "a = <<EOT\n${ {k = \"}\"}.k } and %{ if true }{%{ endif }\nEOT\n",
            "a = <<EOT\n$${ literal, never closed\n%%{ also literal\nEOT\n",
            "a = <<EOT\n\"an unclosed quote is text here\nEOT\n",
            "a = <<-EOT\n  ${\n    x\n  }\n  EOT\nb = {}\n",
            "a = <<EOT\n${ <<INNER\n{\nINNER\n}\nEOT\n",
            "a = <<EOT\nEOT",
        ];
        accepted_by_both(&balanced, check, |text| {
            hcl::edit::parser::parse_body(text).is_ok()
        });
        // The `EOT` line is read inside the template, so the heredoc never ends: the template is named.
        let template = check("a = {\n  b = <<EOT\n  x ${ y\nEOT\n").unwrap_err();
        assert_eq!(template.line, 3);
        assert!(template.message.contains("`${`"), "{}", template.message);
        assert_eq!(line_of("a = <<EOT\n${ \"s\"\n\nEOT\n"), Some(2));
        assert_eq!(line_of("a = <<EOT\n${ [ }\nEOT\n"), Some(2));
        // A `}` after the marker closes the template; then the heredoc runs to the end of the file unended.
        let heredoc = check("a = {\n  b = <<EOT\n  x ${ y\nEOT\n}\n").unwrap_err();
        assert_eq!(heredoc.line, 2);
        assert!(heredoc.message.contains("`EOT`"), "{}", heredoc.message);
        // Lines are counted through a heredoc's templates as through its text.
        assert_eq!(line_of("a = <<EOT\n${\n1\n}\nEOT\nb = (\n"), Some(6));
    }

    #[test]
    fn a_text_read_as_a_template_counts_brackets_only_inside_its_templates() {
        let balanced = [
            "plain { [ ( \" text",
            "${var.a}-${ {k = \"}\"}.k }",
            "%{ for x in [1, 2] }${x}%{ endfor }",
            "$${ literal %%{ literal",
            "line one\n\nEOT\n${\n  x\n}",
        ];
        accepted_by_both(&balanced, check_template, |text| {
            hcl::edit::parser::parse_template(text).is_ok()
        });
        assert_eq!(check_template("a ${ b").map_err(|u| u.line), Err(1));
        assert_eq!(check_template("a\n${ [b }").map_err(|u| u.line), Err(2));
        assert_eq!(check_template("${ \"b }").map_err(|u| u.line), Err(1));
    }

    #[test]
    fn an_expression_is_checked_as_a_file_is() {
        // A `.tf.json` variable's `type` is an expression: `%{` there is a modulo and an object.
        assert!(check(&"5111%{ -51.11".repeat(18)).is_err());
        assert_eq!(check("map(object({ a = string }))"), Ok(()));
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
