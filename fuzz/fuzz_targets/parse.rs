//! Any input: reading never panics, strict implies lenient with the same output, the output is
//! valid JSON that reads back to itself, and `Patient::from_json_str` takes only Patients.
//! The properties are in `fhir_fuzz::check_parse`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The model reads `&str`: bytes that are not UTF-8 never reach it.
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(what) = fhir_fuzz::check_parse(input) {
        panic!("{what}\ninput {input}");
    }
});
