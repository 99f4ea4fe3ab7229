//! The model alone, for memory figures: reads a file and parses it as a resource, as the command
//! line's client does with a page and `fhir create` with a file. Built by `cargo build -p fhir-rs-cli
//! --example parse_file`, `/usr/bin/time -v` on it gives the peak (text and model) to compare
//! with the command's own.

use fhir_model::ParseOptions;
use fhir_model::r4::Resource;

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_file FILE");
    let text = std::fs::read_to_string(&path).expect("a readable UTF-8 file");
    let resource = Resource::from_json_str(&text, ParseOptions::lenient()).expect("a resource");
    println!(
        "{} parsed from {} bytes",
        resource.resource_type(),
        text.len()
    );
}
