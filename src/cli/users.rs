//! `runhistory user add|list|remove` and `token rotate`: the users of a server started with
//! --auth, kept in its store (the folder, or the team database); a token is printed once.

use super::args::{TokenAction, UserAction, UsersIn};
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
