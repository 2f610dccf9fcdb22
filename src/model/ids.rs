//! Identifiers. Ids are short strings written by people in preset files (`lg_m50t`, `M3`), stable
//! across edits and unique within their kind in one project.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// Identifies a cell in the project's library.
    CellId
);
string_id!(
    /// Identifies a module design.
    ModuleId
);
string_id!(
    /// Identifies a node of the pack graph (a module instance, terminal, contactor or fuse).
    NodeId
);
