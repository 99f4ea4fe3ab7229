//! Any input read as FHIR XML: reading never panics, in either mode; what strict reading accepts
//! lenient reading reads the same; and what is read writes XML that reads back and writes the
//! same XML again. The properties are in `fhir_fuzz::check_parse_xml`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(what) = fhir_fuzz::check_parse_xml(input) {
        panic!("{what}\ninput {input}");
    }
});
