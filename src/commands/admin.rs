//! `ferry admin …`: operator tasks that have no web page on purpose.

use std::io::Read;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ferry_domain::accounts::{self, Email, NewPassword, PersonName};
use rand::RngCore;

use crate::app::open_database;
use crate::config::Settings;

pub async fn create_support_user(
    settings: Settings,
    email: &str,
    name: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let email = Email::parse(email)?;
    let name = PersonName::parse(name)?;
    let (password, generated) = if password_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        (input.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        let mut bytes = [0u8; 18];
        rand::rng().fill_bytes(&mut bytes);
        (URL_SAFE_NO_PAD.encode(bytes), true)
    };
    let password_input = NewPassword::parse(&password)?;
    let db = open_database(&settings).await?;
    let (_, created) =
        accounts::create_support_user(&db, email.clone(), name, password_input).await?;
    if created {
        println!("Created support user {}.", email.as_str());
        if generated {
            println!("Password (shown once): {password}");
        }
    } else {
        println!(
            "{} already had an account; it now has the support role. Its password is unchanged.",
            email.as_str()
        );
    }
    Ok(())
}
