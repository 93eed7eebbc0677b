//! The users of a team server: each added with a role and a token shown once, kept only as the
//! token's SHA-256, and found again by the token a request carries.

use super::sql::args;
use super::{Result, Store, StoreError};
use crate::api::ids::now_ms;
use crate::api::users::{Role, User};
use sha2::{Digest, Sha256};

/// A new token: 256 random bits, with a prefix that says what it is where it turns up.
fn new_token() -> String {
    format!("rh_{:032x}{:032x}", rand::random::<u128>(), rand::random::<u128>())
}

/// What is kept of a token. Tokens are random and long, so a fast hash is as safe as a slow one,
/// and a request's lookup stays cheap.
fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && !name.contains(':')
        && !name.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "Invalid user name '{}': 1 to 256 characters, no spaces or ':'",
            name.escape_debug()
        )))
    }
}

fn role_of(name: &str) -> Result<Role> {
    Role::parse(name).ok_or_else(|| StoreError::Internal(format!("unknown role '{name}' in the users table")))
}

impl Store {
    /// Adds a user; its token, which is shown only now.
    pub fn add_user(&self, name: &str, role: Role) -> Result<String> {
        validate_name(name)?;
        let token = new_token();
        self.write_db(|db| {
            let taken: Option<String> = db.value("SELECT name FROM users WHERE name = ?1", args![name])?;
            if taken.is_some() {
                return Err(StoreError::AlreadyExists(format!("User '{name}' already exists.")));
            }
            db.exec(
                "INSERT INTO users (name, role, token_hash, created_time) VALUES (?1, ?2, ?3, ?4)",
                args![name, role.name(), token_hash(&token), now_ms()],
            )?;
            Ok(())
        })?;
        Ok(token)
    }

    pub fn users(&self) -> Result<Vec<User>> {
        self.read_db(|db| {
            db.rows(
                "SELECT name, role, created_time FROM users ORDER BY name",
                args![],
                |r| {
                    Ok(User {
                        name: r.get(0)?,
                        role: role_of(&r.get::<String>(1)?)?,
                        created_time: r.get(2)?,
                    })
                },
            )
        })
    }

    pub fn remove_user(&self, name: &str) -> Result<()> {
        let removed = self.write_db(|db| db.exec("DELETE FROM users WHERE name = ?1", args![name]))?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!("No user '{name}'")));
        }
        Ok(())
    }

    /// A new token for the user; the old one stops working at once.
    pub fn rotate_token(&self, name: &str) -> Result<String> {
        let token = new_token();
        let changed = self.write_db(|db| {
            db.exec(
                "UPDATE users SET token_hash = ?1 WHERE name = ?2",
                args![token_hash(&token), name],
            )
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("No user '{name}'")));
        }
        Ok(token)
    }

    /// The user whose token this is. The lookup is by the token's hash: how long it takes says
    /// nothing about any token.
    pub fn user_by_token(&self, token: &str) -> Result<Option<User>> {
        let hash = token_hash(token);
        self.read_db(|db| {
            db.row(
                "SELECT name, role, created_time FROM users WHERE token_hash = ?1",
                args![hash],
                |r| {
                    Ok(User {
                        name: r.get(0)?,
                        role: role_of(&r.get::<String>(1)?)?,
                        created_time: r.get(2)?,
                    })
                },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_found_by_its_token_until_the_token_is_rotated_or_the_user_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let token = store.add_user("ana", Role::Writer).unwrap();
        assert!(token.starts_with("rh_") && token.len() == 67);
        assert!(matches!(
            store.add_user("ana", Role::Reader),
            Err(StoreError::AlreadyExists(_))
        ));
        assert!(matches!(
            store.add_user("a b", Role::Reader),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.add_user("a:b", Role::Reader),
            Err(StoreError::Invalid(_))
        ));
        let ana = store.user_by_token(&token).unwrap().unwrap();
        assert_eq!((ana.name.as_str(), ana.role), ("ana", Role::Writer));
        assert_eq!(store.user_by_token("rh_guess").unwrap(), None);
        // Only the hash is kept.
        let kept: String = store
            .read_db(|db| {
                db.value("SELECT token_hash FROM users", args![])
                    .map(Option::unwrap_or_default)
            })
            .unwrap();
        assert_ne!(kept, token);
        let rotated = store.rotate_token("ana").unwrap();
        assert_eq!(store.user_by_token(&token).unwrap(), None);
        assert_eq!(
            store.user_by_token(&rotated).unwrap().map(|u| u.name),
            Some("ana".into())
        );
        assert_eq!(store.users().unwrap().len(), 1);
        store.remove_user("ana").unwrap();
        assert_eq!(store.user_by_token(&rotated).unwrap(), None);
        assert!(matches!(store.remove_user("ana"), Err(StoreError::NotFound(_))));
    }
}
