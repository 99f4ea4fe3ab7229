//! Step 2: StructureDefinitions → the typed IR.
//!
//! Walks each type's snapshot: an element with children becomes a struct, `[x]` a choice enum,
//! a `contentReference` the struct it points to, a required binding to an enumerable value set a
//! code enum. Nothing here is specific to a FHIR version: a difference between versions that
//! needs handling is handled by the definition feature that shows it (see `attribute_or_id`).

use std::collections::{BTreeMap, BTreeSet};

use super::ir::*;
use super::load::{Definitions, ElementDefinition, StructureDefinition};
use super::names::{doc_line, field_name, type_name_for_path, upper_first, variant_name};
use super::shape::XHTML;
use super::{cycles, value_sets};

/// The Rust side of each FHIR primitive: the `Kind` strict mode checks, and the value type.
/// A primitive missing here is a new kind of value that needs a runtime type first. The
/// runtime's `Kind` enum is generated from this table (`generated/kind.rs`).
pub const PRIMITIVES: &[(&str, &str, &str)] = &[
    ("base64Binary", "Base64Binary", "String"),
    ("boolean", "Boolean", "bool"),
    ("canonical", "Canonical", "String"),
    ("code", "Code", "String"),
    ("date", "Date", "crate::value::Date"),
    ("dateTime", "DateTime", "crate::value::DateTime"),
    ("decimal", "Decimal", "crate::value::Decimal"),
    ("id", "Id", "String"),
    ("instant", "Instant", "crate::value::Instant"),
    ("integer", "Integer", "i32"),
    ("integer64", "Integer64", "i64"),
    ("markdown", "Markdown", "String"),
    ("oid", "Oid", "String"),
    ("positiveInt", "PositiveInt", "u32"),
    ("string", "String", "String"),
    ("time", "Time", "crate::value::Time"),
    ("unsignedInt", "UnsignedInt", "u32"),
    ("uri", "Uri", "String"),
    ("url", "Url", "String"),
    ("uuid", "Uuid", "String"),
    ("xhtml", "Xhtml", "String"),
];

const REGEX_EXT: &str = "http://hl7.org/fhir/StructureDefinition/regex";
/// FHIRPath's system string: the type of `Element.id`, `Extension.url` and (in R4) `Resource.id`.
const SYSTEM_STRING: &str = "http://hl7.org/fhirpath/System.String";

pub fn convert(defs: &Definitions, module: &str) -> Result<Model, String> {
    let mut model = Model {
        module: module.to_owned(),
        fhir_version: defs.fhir_version.clone(),
        primitives: Vec::new(),
        structs: Vec::new(),
        choices: Vec::new(),
        codes: Vec::new(),
    };
    let mut base_types: Vec<&StructureDefinition> = defs
        .structures
        .iter()
        .filter(|sd| {
            sd.derivation.as_deref() == Some("specialization") || sd.base_definition.is_none()
        })
        .filter(|sd| sd.kind != "logical")
        .collect();
    base_types.sort_by(|a, b| a.name.cmp(&b.name));

    for sd in base_types.iter().filter(|sd| sd.kind == "primitive-type") {
        model.primitives.push(primitive(sd)?);
    }
    let complex_types: BTreeSet<&str> = base_types
        .iter()
        .filter(|sd| sd.kind == "complex-type")
        .map(|sd| sd.type_name.as_str())
        .collect();
    let mut codes = CodeEnums::default();
    for sd in base_types
        .iter()
        .filter(|sd| sd.kind != "primitive-type" && !sd.is_abstract)
    {
        let kind = if sd.kind == "resource" {
            StructKind::Resource
        } else {
            StructKind::Datatype
        };
        let ctx = TypeContext {
            defs,
            sd,
            kind,
            complex_types: &complex_types,
        };
        ctx.convert(&mut model, &mut codes)?;
    }
    model.codes = codes.finish(&model)?;
    cycles::box_cycles(&mut model);
    check_unique_names(&model)?;
    check_references(&model)?;
    Ok(model)
}

fn primitive(sd: &StructureDefinition) -> Result<PrimitiveDef, String> {
    let (_, kind, value_type) = PRIMITIVES
        .iter()
        .find(|(name, _, _)| *name == sd.type_name)
        .ok_or_else(|| {
            format!(
                "primitive type `{}` has no Rust value type: add it to the runtime",
                sd.type_name
            )
        })?;
    let elements = sd
        .snapshot
        .as_ref()
        .map(|s| s.element.as_slice())
        .unwrap_or_default();
    let root_short = elements
        .first()
        .and_then(|e| e.short.clone())
        .unwrap_or_default();
    let regex = elements
        .iter()
        .find(|e| e.path.ends_with(".value"))
        .and_then(|e| e.types.first())
        .and_then(|t| t.extension.iter().find(|x| x.url == REGEX_EXT))
        .and_then(|x| x.value_string.clone());
    let short = sd
        .description
        .as_deref()
        .or(sd.short.as_deref())
        .unwrap_or(&root_short);
    Ok(PrimitiveDef {
        fhir_name: sd.type_name.clone(),
        alias: format!("{}Type", upper_first(&sd.type_name)),
        kind: (*kind).to_owned(),
        value_type: (*value_type).to_owned(),
        short: doc_line(short),
        regex,
    })
}

struct TypeContext<'a> {
    defs: &'a Definitions,
    sd: &'a StructureDefinition,
    kind: StructKind,
    complex_types: &'a BTreeSet<&'a str>,
}

impl TypeContext<'_> {
    fn convert(&self, model: &mut Model, codes: &mut CodeEnums) -> Result<(), String> {
        let snapshot = self
            .sd
            .snapshot
            .as_ref()
            .ok_or_else(|| format!("{} has no snapshot", self.sd.name))?;
        let elements = &snapshot.element;
        let mut children: BTreeMap<&str, Vec<&ElementDefinition>> = BTreeMap::new();
        for e in &elements[1..] {
            let parent = e.path.rsplit_once('.').map_or("", |(p, _)| p);
            children.entry(parent).or_default().push(e);
        }
        let root = &elements[0];
        let owner = type_name_for_path(&root.path);
        // Backbone elements in snapshot order, after their parents.
        let mut struct_paths = vec![(root.path.as_str(), root)];
        for e in &elements[1..] {
            if children.contains_key(e.path.as_str()) {
                struct_paths.push((e.path.as_str(), e));
            }
        }
        for (path, element) in struct_paths {
            let kind = if path == root.path {
                self.kind
            } else {
                StructKind::Backbone
            };
            let short = if kind == StructKind::Backbone {
                element.short.as_deref()
            } else {
                self.sd.description.as_deref().or(element.short.as_deref())
            };
            let mut fields = Vec::new();
            for child in children.get(path).map(Vec::as_slice).unwrap_or_default() {
                if child.max.as_deref() == Some("0") {
                    continue;
                }
                fields.push(self.field(child, &owner, &children, model, codes)?);
            }
            model.structs.push(StructDef {
                name: type_name_for_path(path),
                path: path.to_owned(),
                kind,
                owner: owner.clone(),
                short: doc_line(short.unwrap_or("")),
                fields,
            });
        }
        Ok(())
    }

    fn field(
        &self,
        e: &ElementDefinition,
        owner: &str,
        children: &BTreeMap<&str, Vec<&ElementDefinition>>,
        model: &mut Model,
        codes: &mut CodeEnums,
    ) -> Result<FieldDef, String> {
        let name = e.path.rsplit('.').next().unwrap_or(&e.path);
        let min = e.min.unwrap_or(0);
        let card = match e.max.as_deref() {
            Some("1") if min >= 1 => Card::Required,
            Some("1") => Card::Optional,
            _ => Card::List { required: min >= 1 },
        };
        let json_name = name.trim_end_matches("[x]").to_owned();
        let ty = if let Some(reference) = &e.content_reference {
            // `#Questionnaire.item` in R4, `http://...#Questionnaire.item` later: the path follows `#`.
            let path = reference
                .rsplit_once('#')
                .map_or(reference.as_str(), |(_, p)| p);
            FieldType::Complex {
                name: type_name_for_path(path),
                boxed: false,
            }
        } else if children.contains_key(e.path.as_str()) {
            FieldType::Complex {
                name: type_name_for_path(&e.path),
                boxed: false,
            }
        } else if name.ends_with("[x]") {
            let choice = self.choice(e, owner, &json_name, model)?;
            let name = choice.name.clone();
            model.choices.push(choice);
            FieldType::Choice { name }
        } else {
            let [t] = e.types.as_slice() else {
                return Err(format!("{}: {} types without [x]", e.path, e.types.len()));
            };
            self.single_type(e, &t.code, codes, model)?
        };
        let xhtml = match &ty {
            FieldType::Primitive { primitive, .. } => {
                model.primitive(*primitive).fhir_name == XHTML
            }
            _ => false,
        };
        let shape = Shape::of(card, &ty, xhtml).map_err(|why| {
            format!(
                "{}: {why}; the generator and the model's runtime have no shape for it",
                e.path
            )
        })?;
        Ok(FieldDef {
            rust_name: field_name(&json_name),
            json_name,
            short: doc_line(e.short.as_deref().unwrap_or("")),
            card,
            ty,
            shape,
        })
    }

    fn single_type(
        &self,
        e: &ElementDefinition,
        code: &str,
        codes: &mut CodeEnums,
        model: &Model,
    ) -> Result<FieldType, String> {
        if code == SYSTEM_STRING {
            return attribute_or_id(e, model);
        }
        if code.starts_with("http://hl7.org/fhirpath/") {
            return Err(format!("{}: FHIRPath type {code} has no mapping", e.path));
        }
        if let Some(primitive) = model.primitive_id(code) {
            let code_enum = match &e.binding {
                Some(b) if code == "code" && b.strength == "required" => match &b.value_set {
                    Some(url) => codes.enum_for(self.defs, url),
                    None => None,
                },
                _ => None,
            };
            return Ok(FieldType::Primitive {
                primitive,
                code_enum,
            });
        }
        if code == "Resource" {
            return Ok(FieldType::Resource);
        }
        if self.complex_types.contains(code) {
            return Ok(FieldType::Complex {
                name: code.to_owned(),
                boxed: false,
            });
        }
        Err(format!("{}: unknown type {code}", e.path))
    }

    fn choice(
        &self,
        e: &ElementDefinition,
        owner: &str,
        json_base: &str,
        model: &Model,
    ) -> Result<ChoiceDef, String> {
        let mut variants = Vec::new();
        for t in &e.types {
            let ty = if let Some(primitive) = model.primitive_id(&t.code) {
                VariantType::Primitive { primitive }
            } else if self.complex_types.contains(t.code.as_str()) {
                VariantType::Complex {
                    name: t.code.clone(),
                }
            } else {
                return Err(format!("{}: choice of unknown type {}", e.path, t.code));
            };
            variants.push(ChoiceVariant {
                json_suffix: upper_first(&t.code),
                rust_name: upper_first(&t.code),
                ty,
            });
        }
        Ok(ChoiceDef {
            name: type_name_for_path(&e.path),
            path: e.path.clone(),
            owner: owner.to_owned(),
            short: doc_line(e.short.as_deref().unwrap_or("")),
            json_base: json_base.to_owned(),
            variants,
        })
    }
}

/// `System.String` types two kinds of element: XML attributes that JSON never splits into value
/// and `_` element (`Element.id`, `Extension.url`), and a resource's logical id, which is a real
/// `id` primitive. The element's base path tells them apart.
fn attribute_or_id(e: &ElementDefinition, model: &Model) -> Result<FieldType, String> {
    match e.base.as_ref().map(|b| b.path.as_str()) {
        Some("Resource.id") => Ok(FieldType::Primitive {
            primitive: model
                .primitive_id("id")
                .ok_or_else(|| format!("{}: the definitions have no `id` primitive", e.path))?,
            code_enum: None,
        }),
        _ => Ok(FieldType::Attribute),
    }
}

/// The code enums found so far, one per value set.
#[derive(Default)]
struct CodeEnums {
    /// Value set URL (without version) → enum name, or `None` when not enumerable.
    by_url: BTreeMap<String, Option<String>>,
    defs: Vec<CodeEnumDef>,
}

impl CodeEnums {
    fn enum_for(&mut self, defs: &Definitions, url: &str) -> Option<String> {
        let url = url.split('|').next().unwrap_or(url).to_owned();
        if let Some(known) = self.by_url.get(&url) {
            return known.clone();
        }
        let made = self.make(defs, &url);
        let name = made.as_ref().map(|d| d.name.clone());
        if let Some(d) = made {
            self.defs.push(d);
        }
        self.by_url.insert(url, name.clone());
        name
    }

    fn make(&self, defs: &Definitions, url: &str) -> Option<CodeEnumDef> {
        let vs = defs.value_sets.get(url)?;
        let expansion = value_sets::expand(defs, url)?;
        let vs_name = vs
            .name
            .clone()
            .unwrap_or_else(|| url.rsplit('/').next().unwrap_or(url).to_owned());
        let base: String = vs_name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .map(upper_first)
            .collect();
        let mut name = base.clone();
        if super::emit::imports::reserved().any(|r| r == name) {
            name.push_str("Code");
        }
        let base = name.clone();
        let mut n = 2;
        while self.defs.iter().any(|d| d.name == name) {
            name = format!("{base}{n}");
            n += 1;
        }
        let mut used = BTreeSet::new();
        let mut codes = Vec::new();
        for c in expansion {
            let display = c.display.clone().unwrap_or_default();
            let mut variant = variant_name(&c.code)
                .or_else(|| variant_name(&display))
                .unwrap_or_else(|| "Code".to_owned());
            if used.contains(&variant.to_ascii_lowercase()) {
                // Codes that differ only in case or punctuation (`A`/`a`) keep apart by position.
                let stem = variant.clone();
                let mut k = 2;
                while used.contains(&variant.to_ascii_lowercase()) {
                    variant = format!("{stem}{k}");
                    k += 1;
                }
            }
            used.insert(variant.to_ascii_lowercase());
            codes.push(CodeDef {
                code: c.code,
                variant,
                display: doc_line(&display),
                display_text: c
                    .display
                    .map(|d| d.trim().to_owned())
                    .filter(|d| !d.is_empty()),
                system: c.system,
            });
        }
        Some(CodeEnumDef {
            name,
            value_set_url: url.to_owned(),
            value_set_name: vs_name,
            short: doc_line(vs.title.as_deref().or(vs.name.as_deref()).unwrap_or("")),
            codes,
        })
    }

    /// Renames enums that clash with a struct, choice or alias name, and hands them over.
    fn finish(mut self, model: &Model) -> Result<Vec<CodeEnumDef>, String> {
        let taken: BTreeSet<&str> = model
            .structs
            .iter()
            .map(|s| s.name.as_str())
            .chain(model.choices.iter().map(|c| c.name.as_str()))
            .chain(model.primitives.iter().map(|p| p.alias.as_str()))
            .chain(["Resource"])
            .collect();
        let mut renames = BTreeMap::new();
        for d in &mut self.defs {
            if taken.contains(d.name.as_str()) {
                let new = format!("{}Code", d.name);
                renames.insert(d.name.clone(), new.clone());
                d.name = new;
            }
        }
        if renames.is_empty() {
            return Ok(self.defs);
        }
        Err(format!(
            "code enum names clash with type names: {renames:?}; the renaming must reach the fields too"
        ))
    }
}

/// Structs, choices and code enums are referred to by their Rust name (their identity in the
/// generated code too): every name a field or variant uses must be one the model defines, so no
/// template can emit a type that does not exist.
fn check_references(model: &Model) -> Result<(), String> {
    let structs: BTreeSet<&str> = model.structs.iter().map(|s| s.name.as_str()).collect();
    let choices: BTreeSet<&str> = model.choices.iter().map(|c| c.name.as_str()).collect();
    let codes: BTreeSet<&str> = model.codes.iter().map(|c| c.name.as_str()).collect();
    let missing = |kind: &str, name: &str, at: &str| {
        Err(format!(
            "{at} refers to the {kind} `{name}`, which the model does not define"
        ))
    };
    for s in &model.structs {
        for f in &s.fields {
            let at = format!("{}.{}", s.path, f.json_name);
            match &f.ty {
                FieldType::Complex { name, .. } if !structs.contains(name.as_str()) => {
                    return missing("struct", name, &at);
                }
                FieldType::Choice { name } if !choices.contains(name.as_str()) => {
                    return missing("choice enum", name, &at);
                }
                FieldType::Primitive {
                    code_enum: Some(name),
                    ..
                } if !codes.contains(name.as_str()) => return missing("code enum", name, &at),
                _ => {}
            }
        }
    }
    for c in &model.choices {
        for v in &c.variants {
            if let VariantType::Complex { name } = &v.ty {
                if !structs.contains(name.as_str()) {
                    return missing("struct", name, &c.path);
                }
            }
        }
    }
    Ok(())
}

fn check_unique_names(model: &Model) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    let names = model
        .structs
        .iter()
        .map(|s| &s.name)
        .chain(model.choices.iter().map(|c| &c.name))
        .chain(model.codes.iter().map(|c| &c.name))
        .chain(model.primitives.iter().map(|p| &p.alias));
    for name in names {
        if !seen.insert(name) {
            return Err(format!("two generated types are named {name}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_with(ty: FieldType, shape: Shape) -> Model {
        Model {
            module: "r0".into(),
            fhir_version: "0.0.0".into(),
            primitives: Vec::new(),
            structs: vec![StructDef {
                name: "Thing".into(),
                path: "Thing".into(),
                kind: StructKind::Datatype,
                owner: "Thing".into(),
                short: String::new(),
                fields: vec![FieldDef {
                    json_name: "part".into(),
                    rust_name: "part".into(),
                    short: String::new(),
                    card: Card::Optional,
                    ty,
                    shape,
                }],
            }],
            choices: Vec::new(),
            codes: Vec::new(),
        }
    }

    #[test]
    fn a_name_the_model_does_not_define_stops_the_generator() {
        let dangling = model_with(
            FieldType::Complex {
                name: "Nowhere".into(),
                boxed: false,
            },
            Shape::Complex(Arity::Opt),
        );
        let err = check_references(&dangling).unwrap_err();
        assert_eq!(
            err,
            "Thing.part refers to the struct `Nowhere`, which the model does not define"
        );
        let choice = model_with(
            FieldType::Choice {
                name: "ThingValue".into(),
            },
            Shape::Choice(Arity::Opt),
        );
        assert!(
            check_references(&choice)
                .unwrap_err()
                .contains("choice enum `ThingValue`")
        );
        let fine = model_with(
            FieldType::Complex {
                name: "Thing".into(),
                boxed: true,
            },
            Shape::Complex(Arity::Opt),
        );
        assert!(check_references(&fine).is_ok());
    }
}
