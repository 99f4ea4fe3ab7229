//! `fhir convert`: a resource from JSON to XML or back, offline, through the typed model of the
//! run's FHIR version.

use std::io::Write;

use fhir_model::{FhirJson, FhirXml};

use crate::cli::{Convert, ConvertTo};
use crate::failure::Failure;
use crate::input;
use crate::version::CliVersion;

/// Reads the file (its format recognised by content), checks it as `create` does, and prints
/// it in the other format (or the one asked for). Content that lenient reading kept and that has
/// no form in the output format is not dropped silently: the conversion is refused.
pub fn run<V: CliVersion>(args: &Convert, out: &mut dyn Write) -> Result<(), Failure> {
    let (name, text) = input::read_text(&args.file)?;
    let from_xml = input::is_xml(&text);
    let resource = input::parse_resource::<V>(&name, &text, args.lenient)?;
    drop(text);
    let to = args.to.unwrap_or(if from_xml {
        ConvertTo::Json
    } else {
        ConvertTo::Xml
    });
    let (written, skipped) = write(&resource, to);
    if skipped > 0 {
        let (what, other) = match to {
            ConvertTo::Json => ("XML", "JSON"),
            ConvertTo::Xml => ("JSON", "XML"),
        };
        return Err(Failure::Usage(format!(
            "{name}: {skipped} element(s) that lenient reading kept as {what} have no {other} form \
             and would be lost; fix the input, or convert to its own format"
        )));
    }
    writeln!(out, "{written}")?;
    Ok(())
}

/// The resource in `to`, and how many kept elements had to be left out.
fn write<R: FhirJson + FhirXml>(resource: &R, to: ConvertTo) -> (String, usize) {
    match to {
        ConvertTo::Json => {
            let mut w = fhir_model::json::Writer::new(true);
            resource.write_to(&mut w);
            let skipped = w.skipped();
            (w.into_string(), skipped)
        }
        ConvertTo::Xml => {
            let mut w = fhir_model::xml::Writer::new(true);
            resource.write_xml_to(&mut w);
            let skipped = w.skipped();
            (w.into_string(), skipped)
        }
    }
}
