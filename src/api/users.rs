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

/// A user's permission on an experiment, as MLflow names them: READ reads; EDIT also logs runs,
/// renames and tags; MANAGE also deletes, restores and grants others; NO_PERMISSIONS sees nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "NO_PERMISSIONS")]
    NoPermissions,
    #[serde(rename = "READ")]
    Read,
    #[serde(rename = "EDIT")]
    Edit,
    #[serde(rename = "MANAGE")]
    Manage,
}

impl Permission {
    pub const ALL: [Permission; 4] = [
        Permission::Read,
        Permission::Edit,
        Permission::Manage,
        Permission::NoPermissions,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::NoPermissions => "NO_PERMISSIONS",
            Permission::Read => "READ",
            Permission::Edit => "EDIT",
            Permission::Manage => "MANAGE",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
    }

    pub fn can_read(self) -> bool {
        self >= Permission::Read
    }

    pub fn can_update(self) -> bool {
        self >= Permission::Edit
    }

    /// Deleting, restoring and granting others.
    pub fn can_manage(self) -> bool {
        self == Permission::Manage
    }

    /// What a user may do in an experiment: an admin anything; otherwise what was granted there,
    /// else the server's default, and a reader never more than READ.
    pub fn effective(role: Role, granted: Option<Permission>, default: Permission) -> Permission {
        match role {
            Role::Admin => Permission::Manage,
            Role::Writer => granted.unwrap_or(default),
            Role::Reader => granted.unwrap_or(default).min(Permission::Read),
        }
    }
}

/// A permission granted to a user on an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentPermission {
    pub experiment_id: String,
    pub user: String,
    pub permission: Permission,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_beats_the_default_an_admin_may_all_and_a_reader_only_reads() {
        use Permission::*;
        assert_eq!(Permission::effective(Role::Writer, None, Read), Read);
        assert_eq!(Permission::effective(Role::Writer, Some(Edit), Read), Edit);
        assert_eq!(
            Permission::effective(Role::Writer, Some(NoPermissions), Edit),
            NoPermissions
        );
        assert_eq!(Permission::effective(Role::Admin, Some(NoPermissions), Read), Manage);
        assert_eq!(Permission::effective(Role::Reader, Some(Manage), Read), Read);
        assert_eq!(Permission::effective(Role::Reader, None, NoPermissions), NoPermissions);
        assert!(Edit.can_update() && !Edit.can_manage() && Manage.can_manage() && !NoPermissions.can_read());
        assert_eq!(Permission::parse("edit"), Some(Edit));
        assert_eq!(Permission::parse("USE"), None);
        assert_eq!(serde_json::to_string(&NoPermissions).unwrap(), "\"NO_PERMISSIONS\"");
    }
}
