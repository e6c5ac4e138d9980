//! Who is asking: bearer sessions resolved into a [`Viewer`].
pub mod session;
mod viewer;

pub use viewer::{FamilyMemberViewer, PractitionerViewer, Viewer};
