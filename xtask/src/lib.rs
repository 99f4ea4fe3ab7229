//! Project automation behind `cargo xtask`; the library half exists so that the workspace tests
//! can snapshot what the generator produces.

pub mod add_version;
pub mod build_cost;
pub mod codegen;
pub mod interop;
