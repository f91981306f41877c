//! The explanation of an outcome as data: typed lines (what was sent, what came back, what it means, the
//! causes, what to do) that each face renders in its own words.

use crate::check::report::words::{Vocabulary, Words};

/// One line of a diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// What was sent where (never the secret, key, assertion or token).
    Sent(Words),
    /// What came back.
    Got(Words),
    /// What the other ways tried got.
    Also(Words),
    /// What it means.
    Meaning(Words),
    /// The likely causes, most likely first.
    Causes(Vec<Words>),
    /// What to do.
    Fix(Words),
    /// A labelled fact (`Granted scopes (response): read`).
    Fact(&'static str, Words),
    /// A labelled list (`Tried:` and one item a line).
    List(&'static str, Vec<Words>),
    /// A sentence of its own.
    Note(Words),
}

/// The explanation of an outcome, as data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnosis {
    /// The lines, in reading order.
    pub lines: Vec<Line>,
}

impl Diagnosis {
    /// A diagnosis that is one sentence.
    pub fn note(words: Words) -> Diagnosis {
        Diagnosis {
            lines: vec![Line::Note(words)],
        }
    }

    /// Appends a line.
    pub fn push(&mut self, line: Line) {
        self.lines.push(line);
    }

    /// Replaces what to do (a later finding knows better), moving it to the end.
    pub fn set_fix(&mut self, fix: Words) {
        self.lines.retain(|line| !matches!(line, Line::Fix(_)));
        self.lines.push(Line::Fix(fix));
    }

    /// What to do, when the diagnosis says.
    pub fn fix(&self) -> Option<&Words> {
        self.lines.iter().find_map(|line| match line {
            Line::Fix(words) => Some(words),
            _ => None,
        })
    }

    /// What came back, when the diagnosis says.
    pub fn got(&self) -> Option<&Words> {
        self.lines.iter().find_map(|line| match line {
            Line::Got(words) => Some(words),
            _ => None,
        })
    }

    /// What it means, when the diagnosis says.
    pub fn meaning(&self) -> Option<&Words> {
        self.lines.iter().find_map(|line| match line {
            Line::Meaning(words) => Some(words),
            _ => None,
        })
    }

    /// The likely causes.
    pub fn causes(&self) -> &[Words] {
        self.lines
            .iter()
            .find_map(|line| match line {
                Line::Causes(causes) => Some(causes.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// The diagnosis as text lines (`Sent: …`, `Got: …`, `Meaning: …`, numbered causes, `What to do: …`).
    pub fn render(&self, vocabulary: &dyn Vocabulary) -> String {
        let mut out: Vec<String> = Vec::new();
        for line in &self.lines {
            match line {
                Line::Sent(w) => out.push(format!("Sent: {}", w.render(vocabulary))),
                Line::Got(w) => out.push(format!("Got: {}", w.render(vocabulary))),
                Line::Also(w) => out.push(format!("Also tried: {}", w.render(vocabulary))),
                Line::Meaning(w) => out.push(format!("Meaning: {}", w.render(vocabulary))),
                Line::Causes(causes) if causes.is_empty() => {}
                Line::Causes(causes) => {
                    out.push("Likely causes, most likely first:".to_string());
                    for (i, cause) in causes.iter().enumerate() {
                        out.push(format!("  {}. {}", i + 1, cause.render(vocabulary)));
                    }
                }
                Line::Fix(w) => out.push(format!("What to do: {}", w.render(vocabulary))),
                Line::Fact(label, w) => out.push(format!("{label}: {}", w.render(vocabulary))),
                Line::List(label, items) => {
                    out.push(format!("{label}:"));
                    for item in items {
                        out.push(format!("  - {}", item.render(vocabulary)));
                    }
                }
                Line::Note(w) => out.push(w.render(vocabulary)),
            }
        }
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnosis_renders_in_the_documented_layout() {
        let diagnosis = Diagnosis {
            lines: vec![
                Line::Sent(Words::text("POST x")),
                Line::Got(Words::text("HTTP 401")),
                Line::Meaning(Words::text("refused")),
                Line::Causes(vec![Words::text("one"), Words::text("two")]),
                Line::Fix(Words::text("rotate")),
            ],
        };
        assert_eq!(
            diagnosis.render(&crate::check::report::words::Plain),
            "Sent: POST x\nGot: HTTP 401\nMeaning: refused\nLikely causes, most likely first:\n  1. one\n  2. two\nWhat to do: rotate"
        );
        assert_eq!(diagnosis.fix(), Some(&Words::text("rotate")));
    }
}
