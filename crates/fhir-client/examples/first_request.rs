//! The guide's first two requests, typed: the server's CapabilityStatement (`GET {base}/metadata`),
//! then a Patient (`GET {base}/Patient/{id}`).
//!
//! ```sh
//! cargo run -p fhir-rs-client --example first_request -- https://r4.smarthealthit.org [patient-id]
//! ```
//!
//! The base URL comes from the first argument, else `FHIR_BASE_URL`, else the SMART sandbox. The
//! Patient id comes from the second argument, else the first Patient a search finds.

use fhir_client::{Client, SearchParams};
use fhir_model::prelude::*;
use fhir_model::r4::Patient;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), fhir_client::Error> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .or_else(|| std::env::var("FHIR_BASE_URL").ok())
        .unwrap_or_else(|| "https://r4.smarthealthit.org".to_owned());
    let client = Client::new(&base)?;

    // 1. GET {base}/metadata
    let metadata = client.capabilities().await?;
    println!("Server at {base}");
    if let Some(software) = &metadata.software {
        println!(
            "  software: {} {}",
            software.name.as_str().unwrap_or("?"),
            software.version.as_str().unwrap_or("")
        );
    }
    if let Some(v) = metadata.fhir_version.as_str() {
        println!("  FHIR version: {v}");
    }
    let formats: Vec<&str> = metadata.format.iter().filter_map(|f| f.as_str()).collect();
    println!("  formats: {}", formats.join(", "));
    for rest in &metadata.rest {
        println!("  {} resource types supported", rest.resource.len());
    }

    // 2. GET {base}/Patient/{id}
    let id = match args.next() {
        Some(id) => id,
        None => {
            let page = client
                .search::<Patient>(SearchParams::new().count(1))
                .await?;
            match page
                .matches
                .first()
                .and_then(|p| p.id.as_ref())
                .and_then(|id| id.as_str())
            {
                Some(id) => id.to_owned(),
                None => {
                    println!("The server has no Patient to read.");
                    return Ok(());
                }
            }
        }
    };
    let patient: Patient = client.read(&id).await?;
    println!("Patient/{id}");
    for name in &patient.name {
        let given: Vec<&str> = name.given.iter().filter_map(|g| g.as_str()).collect();
        let family = name.family.as_str().unwrap_or("");
        println!("  name: {} {}", given.join(" "), family);
    }
    if let Some(gender) = patient.gender.as_str() {
        println!("  gender: {gender}");
    }
    if let Some(birth) = patient.birth_date.value() {
        println!("  born: {}", birth.as_str());
    }
    for address in &patient.address {
        let city = address.city.as_str().unwrap_or("");
        let country = address.country.as_str().unwrap_or("");
        println!("  address: {city} {country}");
    }
    Ok(())
}
