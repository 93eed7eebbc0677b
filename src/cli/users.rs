//! `runhistory user add|list|remove`, `token rotate` and `permission set|list|remove`: the users
//! of a server started with --auth and their permissions on experiments, kept in its store (the
//! folder, or the team database); a token is printed once.

use super::args::{PermissionAction, TokenAction, UserAction, UsersIn};
use super::rows::Rows;
use super::{Cli, CliError};
use crate::format::fmt_time;

fn open(cli: &Cli, place: &UsersIn) -> Result<crate::store::Store, CliError> {
    Rows::of(place.database.as_deref(), None, &cli.store)?.open()
}

pub fn user(cli: &Cli, action: &UserAction) -> Result<i32, CliError> {
    match action {
        UserAction::Add { name, role, place } => {
            let token = open(cli, place)?.add_user(name, role.role())?;
            eprintln!("Added {name} ({}). Its token, shown only now:", role.role().name());
            println!("{token}");
        }
        UserAction::List { place } => {
            let users = open(cli, place)?.users()?;
            if users.is_empty() {
                eprintln!("No users yet: add one with `runhistory user add NAME --role admin`.");
            }
            for u in users {
                println!("{}\t{}\t{}", u.name, u.role.name(), fmt_time(u.created_time));
            }
        }
        UserAction::Remove { name, place } => {
            open(cli, place)?.remove_user(name)?;
            eprintln!("Removed {name}: its token no longer works.");
        }
    }
    Ok(0)
}

/// An experiment given by id or by name.
fn experiment_id(store: &crate::store::Store, given: &str) -> Result<String, CliError> {
    if given.bytes().all(|b| b.is_ascii_digit())
        && let Ok(e) = store.get_experiment(given)
    {
        return Ok(e.experiment_id);
    }
    Ok(store.get_experiment_by_name(given)?.experiment_id)
}

pub fn permission(cli: &Cli, action: &PermissionAction) -> Result<i32, CliError> {
    match action {
        PermissionAction::Set {
            experiment,
            user,
            permission,
            place,
        } => {
            let store = open(cli, place)?;
            let id = experiment_id(&store, experiment)?;
            store.set_permission(&id, user, *permission)?;
            eprintln!("{user} has {} on experiment {id}.", permission.name());
        }
        PermissionAction::List { experiment, place } => {
            let store = open(cli, place)?;
            let id = experiment.as_deref().map(|e| experiment_id(&store, e)).transpose()?;
            let grants = store.permissions(id.as_deref())?;
            if grants.is_empty() {
                eprintln!("No permissions granted: every user has the server's default (--default-permission).");
            }
            for g in grants {
                println!("{}	{}	{}", g.experiment_id, g.user, g.permission.name());
            }
        }
        PermissionAction::Remove {
            experiment,
            user,
            place,
        } => {
            let store = open(cli, place)?;
            let id = experiment_id(&store, experiment)?;
            store.remove_permission(&id, user)?;
            eprintln!("{user}'s grant on experiment {id} is gone: the server's default applies.");
        }
    }
    Ok(0)
}

pub fn token(cli: &Cli, action: &TokenAction) -> Result<i32, CliError> {
    match action {
        TokenAction::Rotate { name, place } => {
            let token = open(cli, place)?.rotate_token(name)?;
            eprintln!("A new token for {name}; the old one no longer works:");
            println!("{token}");
        }
    }
    Ok(0)
}
