//! Who may use a team server (`serve --auth`): users, each with a role that says what it may do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads and writes everything, and manages users.
    Admin,
    /// Reads everything; logs runs, creates experiments and models.
    Writer,
    /// Reads only: any write is refused with 403 PERMISSION_DENIED.
    Reader,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Writer => "writer",
            Role::Reader => "reader",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "writer" => Some(Role::Writer),
            "reader" => Some(Role::Reader),
            _ => None,
        }
    }

    pub fn may_write(self) -> bool {
        self != Role::Reader
    }
}

/// A user as listed (never with a token: only its hash is kept, and shown nowhere).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub created_time: i64,
}
