//! An XML document from outside (AWS STS answers), read without trusting it: roxmltree parses it, and what the
//! check keeps is a small tree of element names and texts whose texts are [`Heard`] (a credential's secret comes
//! out only by [`Heard::into_secret`]). Namespaces are ignored: STS's elements are read by their local names.

use crate::check::base::heard::answer::Answer;
use crate::check::base::heard::text::Heard;

/// Elements kept at most; a document with more is not read (an STS answer has a few dozen).
const MAX_ELEMENTS: usize = 512;
/// Nesting kept at most.
const MAX_DEPTH: usize = 16;

/// One element: its local name, its own text (trimmed, possibly empty) and its child elements.
#[derive(Debug)]
pub struct Xml {
    name: String,
    text: Heard,
    children: Vec<Xml>,
}

impl Xml {
    /// The answer's body as an XML document, when it is one (whole, UTF-8, well-formed, small).
    pub fn of(answer: &Answer) -> Option<Xml> {
        if answer.truncated {
            return None;
        }
        let text = std::str::from_utf8(answer.body.bytes()).ok()?;
        Xml::parse(text)
    }

    /// Parses a document; `None` when it is not XML or holds more than the check reads.
    pub fn parse(text: &str) -> Option<Xml> {
        let options = roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: 4 * MAX_ELEMENTS as u32,
        };
        let document = roxmltree::Document::parse_with_options(text, options).ok()?;
        let mut budget = MAX_ELEMENTS;
        keep(document.root_element(), 0, &mut budget)
    }

    /// The element's local name.
    #[cfg(test)]
    fn name(&self) -> &str {
        &self.name
    }

    /// The element's own text.
    pub fn text(&self) -> &Heard {
        &self.text
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Xml> {
        self.children.iter().find(|child| child.name == name)
    }

    /// The element at the end of a path of child names, e.g. `["Credentials", "SessionToken"]`.
    pub fn at(&self, path: &[&str]) -> Option<&Xml> {
        path.iter()
            .try_fold(self, |element, name| element.child(name))
    }

    /// The text at the end of a path, when the element is there and not empty.
    pub fn text_at(&self, path: &[&str]) -> Option<Heard> {
        self.at(path)
            .map(|element| element.text.clone())
            .filter(|text| !text.is_blank())
    }

    /// The first element named `name` anywhere below (depth first), this one included.
    pub fn find(&self, name: &str) -> Option<&Xml> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|child| child.find(name))
    }
}

/// The element and what is below it, within the budget; `None` when the document is larger or deeper.
fn keep(node: roxmltree::Node<'_, '_>, depth: usize, budget: &mut usize) -> Option<Xml> {
    if depth > MAX_DEPTH || *budget == 0 {
        return None;
    }
    *budget -= 1;
    // The text is gathered into one buffer that is wiped with the `Heard` it becomes; roxmltree's own copies of
    // texts with entities in them are not (STS's secrets are base64 and hold none).
    let mut text = String::new();
    let mut children = Vec::new();
    for child in node.children() {
        if child.is_element() {
            children.push(keep(child, depth + 1, budget)?);
        } else if child.is_text() {
            text.push_str(child.text().unwrap_or_default());
        }
    }
    Some(Xml {
        name: node.tag_name().name().to_string(),
        text: Heard::new(text).trimmed(),
        children,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ERROR: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"#;

    #[test]
    fn elements_are_read_by_local_name_whatever_the_namespace() {
        let doc = Xml::parse(ERROR).expect("xml");
        assert_eq!(doc.name(), "ErrorResponse");
        assert!(
            doc.text_at(&["Error", "Code"])
                .is_some_and(|c| c.is("InvalidIdentityToken"))
        );
        assert!(
            doc.find("RequestId")
                .is_some_and(|r| r.text().is("c6104cbe-af31-11e0-8154-cbc7ccf896c7"))
        );
        assert!(doc.text_at(&["Error", "Nope"]).is_none());
    }

    #[test]
    fn entities_are_decoded_and_a_dtd_or_a_huge_document_is_not_read() {
        let doc = Xml::parse("<A><B>a &amp; b &lt;c&gt;</B></A>").expect("xml");
        assert!(doc.text_at(&["B"]).is_some_and(|t| t.is("a & b <c>")));
        assert!(Xml::parse(r#"<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#).is_none());
        let huge = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS + 1));
        assert!(Xml::parse(&huge).is_none());
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 2),
            "</a>".repeat(MAX_DEPTH + 2)
        );
        assert!(Xml::parse(&deep).is_none());
        assert!(Xml::parse("not xml").is_none());
        assert!(Xml::parse("{\"json\": true}").is_none());
    }
}
