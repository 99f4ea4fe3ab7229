//! JSON reading and writing: a pull reader and a writer over text, and a lossless JSON value.
//!
//! The generated model drives [`Reader`] and [`Writer`] directly, without serde, so that the
//! code is compiled once and not per format, and so that number texts and positions survive.

mod reader;
mod value;
mod writer;

pub use reader::{Peek, Reader};
pub use value::JsonValue;
pub use writer::Writer;
