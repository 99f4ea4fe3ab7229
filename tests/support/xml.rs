//! The XML round trips: JSON → model → XML → model → JSON against the input JSON, and
//! XML → model → XML against the input XML, compared canonically.

use fhir_model::json::JsonValue;
use fhir_model::{FhirJson, FhirXml, ParseOptions};
use quick_xml::events::Event;

use crate::{Outcome, first_difference};

/// Reads JSON `text`, writes it as XML, reads that back and writes JSON again, which must equal
/// the input; the XML written from the second model must equal the first XML.
pub fn json_through_xml<R: FhirJson + FhirXml>(text: &str, options: ParseOptions) -> Outcome {
    let input = match JsonValue::parse(text) {
        Ok(v) => v,
        Err(e) => return Outcome::Refused(e),
    };
    if input.get("resourceType").is_none() {
        return Outcome::NotAResource;
    }
    let resource = match R::from_json_str(text, options) {
        Ok(r) => r,
        Err(e) => return Outcome::Refused(e),
    };
    let mut w = fhir_model::xml::Writer::new(false);
    resource.write_xml_to(&mut w);
    if w.skipped() > 0 {
        return Outcome::Changed(format!(
            "{} properties kept from lenient JSON reading have no XML form",
            w.skipped()
        ));
    }
    let xml = w.into_string();
    let again = match R::from_xml_str(&xml, options) {
        Ok(r) => r,
        Err(e) => return Outcome::Changed(format!("the XML written does not read back: {e}")),
    };
    let written = again.to_json_string();
    let output = match JsonValue::parse(&written) {
        Ok(v) => v,
        Err(e) => return Outcome::Changed(format!("the output is not JSON: {e}")),
    };
    if let Some(d) = first_difference(&input, &output) {
        return Outcome::Changed(d);
    }
    let xml_again = again.to_xml_string();
    if xml_again != xml {
        return Outcome::Changed(format!(
            "the XML written twice differs: {}",
            first_text_difference(&xml, &xml_again)
        ));
    }
    Outcome::Passed
}

/// Reads XML `text`, writes it back as XML, and compares canonically with the input.
pub fn xml_through_model<R: FhirXml>(text: &str, options: ParseOptions) -> Outcome {
    let resource = match R::from_xml_str(text, options) {
        Ok(r) => r,
        Err(e) => return Outcome::Refused(e),
    };
    let written = resource.to_xml_string();
    match canonical_difference(text, &written) {
        Ok(None) => Outcome::Passed,
        Ok(Some(d)) => Outcome::Changed(d),
        Err(e) => Outcome::Changed(format!("the output is not XML: {e}")),
    }
}

fn first_text_difference(a: &str, b: &str) -> String {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(40);
    let end = |s: &str| (at + 40).min(s.len());
    format!(
        "at byte {at}: {:?} against {:?}",
        a.get(from..end(a)).unwrap_or(""),
        b.get(from..end(b)).unwrap_or("")
    )
}

/// One node of a document in canonical form.
#[derive(Debug, PartialEq)]
enum Node {
    /// Namespace, local name, attributes sorted (namespace declarations left out), children.
    Element {
        ns: String,
        name: String,
        attrs: Vec<(String, String)>,
        children: Vec<Node>,
    },
    Text(String),
}

/// The first difference between two XML documents compared canonically: attribute order,
/// namespace declarations and prefixes, comments, processing instructions, the XML
/// declaration and white space between elements do not count; inside XHTML all text counts.
pub fn canonical_difference(a: &str, b: &str) -> Result<Option<String>, String> {
    let x = canonical(a).map_err(|e| format!("first document: {e}"))?;
    let y = canonical(b).map_err(|e| format!("second document: {e}"))?;
    Ok(node_difference(&x, &y, &mut String::new()))
}

fn node_difference(a: &Node, b: &Node, path: &mut String) -> Option<String> {
    match (a, b) {
        (
            Node::Element {
                ns: na,
                name: xa,
                attrs: aa,
                children: ca,
            },
            Node::Element {
                ns: nb,
                name: xb,
                attrs: ab,
                children: cb,
            },
        ) => {
            let len = path.len();
            path.push('/');
            path.push_str(xa);
            if (na, xa) != (nb, xb) {
                return Some(format!("{path}: element {{{nb}}}{xb} instead"));
            }
            if aa != ab {
                return Some(format!("{path}: attributes {aa:?} became {ab:?}"));
            }
            for (i, (x, y)) in ca.iter().zip(cb).enumerate() {
                let l2 = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(d) = node_difference(x, y, path) {
                    return Some(d);
                }
                path.truncate(l2);
            }
            if ca.len() != cb.len() {
                return Some(format!("{path}: {} children became {}", ca.len(), cb.len()));
            }
            path.truncate(len);
            None
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a:?} became {b:?}")),
    }
}

const XHTML: &str = "http://www.w3.org/1999/xhtml";

fn canonical(text: &str) -> Result<Node, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(false);
    // Open elements, each with its namespace scope (prefix → namespace, "" for the default).
    let mut stack: Vec<(Node, Vec<(String, String)>)> = Vec::new();
    let mut root = None;
    loop {
        let ev = reader.read_event().map_err(|e| e.to_string())?;
        match ev {
            Event::Start(_) | Event::Empty(_) => {
                let empty = matches!(ev, Event::Empty(_));
                let (Event::Start(tag) | Event::Empty(tag)) = ev else {
                    unreachable!()
                };
                let mut scope = stack.last().map(|(_, s)| s.clone()).unwrap_or_default();
                let mut attrs = Vec::new();
                for attr in tag.attributes() {
                    let attr = attr.map_err(|e| e.to_string())?;
                    let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                    let value = attr
                        .unescape_value()
                        .map_err(|e| e.to_string())?
                        .into_owned();
                    if key == "xmlns" {
                        scope.push((String::new(), value));
                    } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                        scope.push((prefix.to_owned(), value));
                    } else {
                        attrs.push((key, value));
                    }
                }
                attrs.sort();
                let qname = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
                let (prefix, local) = match qname.split_once(':') {
                    Some((p, l)) => (p.to_owned(), l.to_owned()),
                    None => (String::new(), qname.clone()),
                };
                let ns = scope
                    .iter()
                    .rev()
                    .find(|(p, _)| *p == prefix)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                let node = Node::Element {
                    ns,
                    name: local,
                    attrs,
                    children: Vec::new(),
                };
                if empty {
                    push_child(&mut stack, &mut root, node);
                } else {
                    stack.push((node, scope));
                }
            }
            Event::End(_) => {
                let (node, _) = stack.pop().ok_or("unbalanced end tag")?;
                push_child(&mut stack, &mut root, node);
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| e.to_string())?.into_owned();
                push_text(&mut stack, s);
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let s = quick_xml::escape::unescape(&format!("&{name};"))
                    .map_err(|e| e.to_string())?
                    .into_owned();
                push_text(&mut stack, s);
            }
            Event::CData(c) => {
                push_text(&mut stack, String::from_utf8_lossy(&c).into_owned());
            }
            Event::Eof => break,
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
        }
    }
    let mut root = root.ok_or("no root element")?;
    drop_insignificant_space(&mut root, false);
    Ok(root)
}

fn push_child(stack: &mut [(Node, Vec<(String, String)>)], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some((Node::Element { children, .. }, _)) => children.push(node),
        Some((Node::Text(_), _)) => unreachable!("text is never open"),
        None => *root = Some(node),
    }
}

fn push_text(stack: &mut [(Node, Vec<(String, String)>)], s: String) {
    if let Some((Node::Element { children, .. }, _)) = stack.last_mut() {
        // Adjacent text pieces (text, then a reference, then text) are one text.
        if let Some(Node::Text(prev)) = children.last_mut() {
            prev.push_str(&s);
        } else {
            children.push(Node::Text(s));
        }
    }
}

/// White space between FHIR elements is not content; inside XHTML every character is.
fn drop_insignificant_space(node: &mut Node, in_xhtml: bool) {
    if let Node::Element { ns, children, .. } = node {
        let xhtml = in_xhtml || ns == XHTML;
        if !xhtml {
            children.retain(|c| !matches!(c, Node::Text(t) if t.trim().is_empty()));
        }
        for c in children {
            drop_insignificant_space(c, xhtml);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_order_comments_and_space_between_elements_do_not_count() {
        let a = r#"<?xml version="1.0"?><a xmlns="http://hl7.org/fhir"><!-- c --> <b x="1" y="2"/></a>"#;
        let b = r#"<a xmlns="http://hl7.org/fhir"><b y="2" x="1"/></a>"#;
        assert_eq!(canonical_difference(a, b).unwrap(), None);
    }

    #[test]
    fn values_names_and_xhtml_text_do() {
        let a = r#"<a xmlns="http://hl7.org/fhir"><b x="1"/></a>"#;
        assert!(
            canonical_difference(a, r#"<a xmlns="http://hl7.org/fhir"><b x="2"/></a>"#)
                .unwrap()
                .is_some()
        );
        assert!(
            canonical_difference(a, r#"<a xmlns="http://hl7.org/fhir"><c x="1"/></a>"#)
                .unwrap()
                .is_some()
        );
        let d1 = r#"<div xmlns="http://www.w3.org/1999/xhtml"><p>a b</p></div>"#;
        let d2 = r#"<div xmlns="http://www.w3.org/1999/xhtml"><p>a  b</p></div>"#;
        assert!(canonical_difference(d1, d2).unwrap().is_some());
    }
}
