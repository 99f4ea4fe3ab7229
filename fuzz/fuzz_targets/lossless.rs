//! Valid JSON resources: lenient reading keeps everything and writes the same JSON back (key
//! order free, number text exact, repeated keys in order). What "valid JSON" means here, for
//! duplicate keys and lone surrogates, is documented on `fhir_fuzz::check_lossless`.
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};

fuzz_target!(|data: &[u8]| -> Corpus {
    let Ok(input) = std::str::from_utf8(data) else {
        return Corpus::Reject;
    };
    match fhir_fuzz::check_lossless(input) {
        Ok(Ok(())) => Corpus::Keep,
        // Outside the property: keeping it would only steer the fuzzer away from resources.
        Ok(Err(_skip)) => Corpus::Reject,
        Err(what) => panic!("{what}\ninput {input}"),
    }
});
