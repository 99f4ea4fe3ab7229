//! Step 2's output: the typed intermediate representation of a FHIR version's model.
//!
//! Everything the templates need is decided here, in plain data: Rust names, cardinality, which
//! fields are boxed, which codes become enums, how each field is read and written ([`Shape`]).
//! The templates only spell it out.

pub use super::shape::{Arity, Shape, VariantShape};

/// One FHIR version's model.
pub struct Model {
    /// The module name, e.g. `r4`.
    pub module: String,
    /// The FHIR version, e.g. `4.0.1`.
    pub fhir_version: String,
    pub primitives: Vec<PrimitiveDef>,
    /// Every struct: datatypes, resources, backbone elements.
    pub structs: Vec<StructDef>,
    pub choices: Vec<ChoiceDef>,
    pub codes: Vec<CodeEnumDef>,
}

/// A primitive type of a [`Model`]: its position in `Model::primitives`. Fields refer to their
/// primitive by id, resolved once when the IR is built, so a template cannot name a missing one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PrimitiveId(pub(crate) usize);

/// A FHIR primitive type and the Rust type that holds its value.
pub struct PrimitiveDef {
    /// FHIR name, e.g. `dateTime`.
    pub fhir_name: String,
    /// The alias the model exports, e.g. `DateTimeType`.
    pub alias: String,
    /// The `Kind` variant strict mode checks it as, e.g. `DateTime`.
    pub kind: String,
    /// The Rust value type, as a path, e.g. `crate::value::DateTime`.
    pub value_type: String,
    pub short: String,
    /// The regular expression the definition gives for the value, if any.
    pub regex: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StructKind {
    Resource,
    Datatype,
    Backbone,
}

/// A struct: a resource, a complex datatype or a backbone element.
pub struct StructDef {
    /// Rust name, e.g. `PatientContact`.
    pub name: String,
    /// FHIR path, e.g. `Patient.contact`.
    pub path: String,
    pub kind: StructKind,
    /// The resource or datatype whose file holds it, e.g. `Patient`.
    pub owner: String,
    pub short: String,
    pub fields: Vec<FieldDef>,
}

/// How many values an element holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Card {
    /// 0..1
    Optional,
    /// 1..1
    Required,
    /// 0..* (`required` = 1..*)
    List { required: bool },
}

impl Card {
    pub fn is_required(self) -> bool {
        matches!(self, Card::Required | Card::List { required: true })
    }
}

/// One element of a struct.
pub struct FieldDef {
    /// JSON property name; for a choice element the name without its type (`value`).
    pub json_name: String,
    /// Rust field name, e.g. `birth_date` or `r#type`.
    pub rust_name: String,
    pub short: String,
    pub card: Card,
    pub ty: FieldType,
    /// How it is read and written: decided from `card` and `ty` when the IR is built.
    pub shape: Shape,
}

pub enum FieldType {
    /// A primitive; `code_enum` names the enum of a required binding.
    Primitive {
        primitive: PrimitiveId,
        code_enum: Option<String>,
    },
    /// A datatype or backbone struct; `boxed` where a cycle needs it.
    Complex { name: String, boxed: bool },
    /// Any resource (the version's `Resource` enum).
    Resource,
    /// A choice element; the enum's name.
    Choice { name: String },
    /// A string that JSON never splits into value and `_` element (`Element.id`, `Extension.url`).
    Attribute,
}

/// A choice element's enum, e.g. `ObservationValue` for `Observation.value[x]`.
pub struct ChoiceDef {
    pub name: String,
    pub path: String,
    pub owner: String,
    pub short: String,
    /// The JSON name without type, e.g. `value`.
    pub json_base: String,
    pub variants: Vec<ChoiceVariant>,
}

pub struct ChoiceVariant {
    /// The type as it ends the property name, e.g. `Quantity` in `valueQuantity`.
    pub json_suffix: String,
    /// Rust variant name.
    pub rust_name: String,
    pub ty: VariantType,
}

pub enum VariantType {
    Primitive {
        primitive: PrimitiveId,
    },
    /// Always boxed: the enum stays as small as its primitive variants.
    Complex {
        name: String,
    },
}

/// The codes of a required, enumerable value set, as a Rust enum.
pub struct CodeEnumDef {
    pub name: String,
    pub value_set_url: String,
    pub value_set_name: String,
    pub short: String,
    pub codes: Vec<CodeDef>,
}

pub struct CodeDef {
    pub code: String,
    pub variant: String,
    /// One line for documentation.
    pub display: String,
    /// The display as the definitions give it, for `Coding.display`.
    pub display_text: Option<String>,
    /// The code system, for `Coding.system`.
    pub system: Option<String>,
}

impl VariantType {
    /// How the variant is read and written.
    pub fn shape(&self) -> VariantShape {
        match self {
            VariantType::Primitive { .. } => VariantShape::Primitive,
            VariantType::Complex { .. } => VariantShape::Complex,
        }
    }
}

impl Model {
    pub fn primitive(&self, id: PrimitiveId) -> &PrimitiveDef {
        &self.primitives[id.0]
    }

    /// The id of the primitive type named `fhir_name` (e.g. `dateTime`), if the model has it.
    pub fn primitive_id(&self, fhir_name: &str) -> Option<PrimitiveId> {
        self.primitives
            .iter()
            .position(|p| p.fhir_name == fhir_name)
            .map(PrimitiveId)
    }

    pub fn resources(&self) -> impl Iterator<Item = &StructDef> {
        self.structs
            .iter()
            .filter(|s| s.kind == StructKind::Resource)
    }
}
