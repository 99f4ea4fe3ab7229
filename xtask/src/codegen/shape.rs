//! The contract between the generated code and the model's runtime: how each field is read and
//! written.
//!
//! A field's [`Shape`] is decided once, when the IR is built, from its cardinality and type; a
//! combination the runtime has no helpers for is an error there, naming the element. Each shape
//! names the runtime helpers that read and write it: for JSON the methods of
//! `fhir_model::codec::fields::{ReadFields, WriteFields}`, for XML those of the XML reader's and
//! writer's field helpers (`codec/xml/fields.rs`). The names are spelled here and nowhere else in
//! the generator, and a test compares them with the runtime's sources. A new kind of field is a
//! new variant here plus its helpers there.

use super::ir::{Card, FieldType};

/// How many values a field holds, as far as its helpers care.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Arity {
    /// `Option<T>` (0..1).
    Opt,
    /// `T` (1..1).
    Req,
    /// `Vec<T>` (0..* and 1..*).
    List,
}

/// How a field is read and written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    /// A primitive: a value and its `_name` twin in JSON, a `value` attribute in XML.
    Primitive(Arity),
    /// The narrative's `xhtml`: a string in JSON, an embedded XHTML element in XML.
    Xhtml(Arity),
    /// A datatype or backbone element.
    Complex(Arity),
    /// Any resource (`contained`, `Bundle.entry.resource`).
    Resource(Arity),
    /// A string that is an XML attribute and never split in JSON (`Element.id`, `Extension.url`).
    Attribute(Arity),
    /// A choice element (`value[x]`).
    Choice(Arity),
}

/// The FHIR primitive whose XML form is an embedded element, not a `value` attribute.
pub const XHTML: &str = "xhtml";

impl Shape {
    /// The shape of a field of cardinality `card` and type `ty` (`xhtml`: its primitive type is
    /// [`XHTML`]), or what the runtime lacks for it.
    pub fn of(card: Card, ty: &FieldType, xhtml: bool) -> Result<Shape, String> {
        let arity = match card {
            Card::Optional => Arity::Opt,
            Card::Required => Arity::Req,
            Card::List { .. } => Arity::List,
        };
        let shape = match ty {
            FieldType::Primitive { .. } if xhtml => Shape::Xhtml(arity),
            FieldType::Primitive { .. } => Shape::Primitive(arity),
            FieldType::Complex { .. } => Shape::Complex(arity),
            FieldType::Resource => Shape::Resource(arity),
            FieldType::Attribute => Shape::Attribute(arity),
            FieldType::Choice { .. } => Shape::Choice(arity),
        };
        match shape {
            Shape::Xhtml(Arity::List) => Err("a list of xhtml (no XML form; no helpers)".into()),
            Shape::Resource(Arity::Req) => Err("a required resource element (no helpers)".into()),
            Shape::Attribute(Arity::List) => Err("a repeating XML attribute (no helpers)".into()),
            Shape::Choice(Arity::List) => Err("a repeating choice element (no helpers)".into()),
            ok => Ok(ok),
        }
    }

    /// How many values the field holds.
    pub fn arity(self) -> Arity {
        match self {
            Shape::Primitive(a)
            | Shape::Xhtml(a)
            | Shape::Complex(a)
            | Shape::Resource(a)
            | Shape::Attribute(a)
            | Shape::Choice(a) => a,
        }
    }

    /// The `ReadFields` method that reads the field's JSON value (the property without `_`).
    pub fn json_read(self) -> &'static str {
        match self {
            Shape::Primitive(a) | Shape::Xhtml(a) => {
                by_arity(a, "prim_opt", "prim_req", "prim_list")
            }
            Shape::Complex(a) => by_arity(a, "opt", "req", "list"),
            Shape::Resource(a) => by_arity(a, "opt_resource", "-", "list_resource"),
            Shape::Attribute(a) => by_arity(a, "attr_opt", "attr_req", "-"),
            // Choices are read through their enum's `Choice::read_choice`, wrapped for a
            // required one by `codec::required_choice`.
            Shape::Choice(a) => by_arity(a, "read_choice", "required_choice", "-"),
        }
    }

    /// The `ReadFields` method that reads a primitive's `_name` twin (id and extensions).
    pub fn json_read_ext(self) -> Option<&'static str> {
        match self {
            Shape::Primitive(a) | Shape::Xhtml(a) => {
                Some(by_arity(a, "prim_opt_ext", "prim_req_ext", "prim_list_ext"))
            }
            _ => None,
        }
    }

    /// The `WriteFields` method that writes the field (both halves of a primitive).
    pub fn json_write(self) -> &'static str {
        match self {
            Shape::Choice(a) => by_arity(a, "choice_opt", "choice_req", "-"),
            other => other.json_read(),
        }
    }

    /// The XML reader's method for the field (for a choice: the required one's; an optional
    /// choice is read through its enum's `XmlChoice::read_xml`).
    pub fn xml_read(self) -> &'static str {
        match self {
            Shape::Xhtml(a) => by_arity(a, "xhtml_opt", "xhtml_req", "-"),
            Shape::Choice(a) => by_arity(a, "read_xml", "choice_req", "-"),
            other => other.json_read(),
        }
    }

    /// The XML writer's method for the field.
    pub fn xml_write(self) -> &'static str {
        match self {
            Shape::Xhtml(_) => self.xml_read(),
            other => other.json_write(),
        }
    }

    /// Every runtime helper name a shape can use: (JSON names, XML names), for the contract test.
    #[cfg(test)]
    pub fn all_helpers() -> (Vec<&'static str>, Vec<&'static str>) {
        let arities = [Arity::Opt, Arity::Req, Arity::List];
        let mut json = Vec::new();
        let mut xml = Vec::new();
        for a in arities {
            for shape in [
                Shape::Primitive(a),
                Shape::Xhtml(a),
                Shape::Complex(a),
                Shape::Resource(a),
                Shape::Attribute(a),
                Shape::Choice(a),
            ] {
                let ok = Shape::of(
                    match a {
                        Arity::Opt => Card::Optional,
                        Arity::Req => Card::Required,
                        Arity::List => Card::List { required: false },
                    },
                    &match shape {
                        Shape::Primitive(_) | Shape::Xhtml(_) => FieldType::Primitive {
                            primitive: super::ir::PrimitiveId(0),
                            code_enum: None,
                        },
                        Shape::Complex(_) => FieldType::Complex {
                            name: "X".into(),
                            boxed: false,
                        },
                        Shape::Resource(_) => FieldType::Resource,
                        Shape::Attribute(_) => FieldType::Attribute,
                        Shape::Choice(_) => FieldType::Choice { name: "X".into() },
                    },
                    matches!(shape, Shape::Xhtml(_)),
                )
                .is_ok();
                if !ok {
                    continue;
                }
                json.push(shape.json_read());
                json.extend(shape.json_read_ext());
                json.push(shape.json_write());
                xml.push(shape.xml_read());
                xml.push(shape.xml_write());
            }
        }
        (json, xml)
    }
}

/// The helper of an arity; `-` marks one that [`Shape::of`] never lets through.
fn by_arity(a: Arity, opt: &'static str, req: &'static str, list: &'static str) -> &'static str {
    match a {
        Arity::Opt => opt,
        Arity::Req => req,
        Arity::List => list,
    }
}

/// How a choice variant is read and written: by its type alone (a variant holds one value).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VariantShape {
    /// A primitive value, with its `_name` twin in JSON.
    Primitive,
    /// A datatype, boxed.
    Complex,
}

impl VariantShape {
    /// The JSON reader's method for the variant's value.
    pub fn json_read(self) -> &'static str {
        match self {
            VariantShape::Primitive => "choice_prim",
            VariantShape::Complex => "choice",
        }
    }
    /// The JSON reader's method for a primitive variant's `_name` twin.
    pub fn json_read_ext(self) -> Option<&'static str> {
        match self {
            VariantShape::Primitive => Some("choice_prim_ext"),
            VariantShape::Complex => None,
        }
    }
    /// The writer's method for the variant's value (JSON and XML alike).
    pub fn write(self) -> &'static str {
        match self {
            VariantShape::Primitive => "prim_req",
            VariantShape::Complex => "req",
        }
    }
    /// The XML reader's method for the variant's value.
    pub fn xml_read(self) -> &'static str {
        self.json_read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The method names of `fn`s in a runtime source file.
    fn fns(path: &str) -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        text.split("fn ")
            .skip(1)
            .filter_map(|rest| {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                (!name.is_empty()).then_some(name)
            })
            .collect()
    }

    #[test]
    fn every_helper_a_shape_names_exists_in_the_runtime() {
        let json_fns = [
            fns("crates/fhir-model/src/codec/fields.rs"),
            fns("crates/fhir-model/src/codec/mod.rs"),
        ]
        .concat();
        let xml_fns = [
            fns("crates/fhir-model/src/codec/xml/fields.rs"),
            fns("crates/fhir-model/src/codec/xml/mod.rs"),
        ]
        .concat();
        let (json, xml) = Shape::all_helpers();
        let variants = [VariantShape::Primitive, VariantShape::Complex];
        let json = json.into_iter().chain(
            variants
                .iter()
                .flat_map(|v| [Some(v.json_read()), v.json_read_ext(), Some(v.write())])
                .flatten(),
        );
        let xml = xml
            .into_iter()
            .chain(variants.iter().flat_map(|v| [v.xml_read(), v.write()]));
        for name in json {
            assert!(
                json_fns.iter().any(|f| f == name),
                "JSON helper `{name}` is not in the runtime"
            );
        }
        for name in xml {
            assert!(
                xml_fns.iter().any(|f| f == name),
                "XML helper `{name}` is not in the runtime"
            );
        }
    }

    #[test]
    fn combinations_without_helpers_are_refused_with_a_reason() {
        let err = Shape::of(Card::Required, &FieldType::Resource, false).unwrap_err();
        assert!(err.contains("required resource"), "{err}");
        let list = Card::List { required: false };
        let err = Shape::of(list, &FieldType::Attribute, false).unwrap_err();
        assert!(err.contains("attribute"), "{err}");
    }
}
