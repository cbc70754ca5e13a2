//! The master key (encrypts connection secrets) and the session key (signs
//! sessions and CSRF tokens): taken from configuration, or generated once and
//! kept in the data directory with mode 0600 so restarts keep sessions valid.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice, SecretString};

pub struct Keys {
    pub master: SecretSlice<u8>,
    pub session: SecretSlice<u8>,
}

const KEY_BYTES: usize = 32;

impl Keys {
    /// Configured keys where given; otherwise the files in `data_dir`,
    /// created on first use.
    pub fn load_or_create(
        data_dir: &Path,
        master: Option<&SecretString>,
        session: Option<&SecretString>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            master: resolve(data_dir, "master.key", master)?,
            session: resolve(data_dir, "session.key", session)?,
        })
    }
}

fn decode(what: &str, encoded: &str) -> anyhow::Result<SecretSlice<u8>> {
    let bytes = STANDARD
        .decode(encoded.trim())
        .with_context(|| format!("{what} is not valid base64"))?;
    if bytes.len() < KEY_BYTES {
        anyhow::bail!("{what} must be at least {KEY_BYTES} bytes (base64 of 32 random bytes)");
    }
    Ok(SecretSlice::from(bytes))
}

fn resolve(
    data_dir: &Path,
    file: &str,
    configured: Option<&SecretString>,
) -> anyhow::Result<SecretSlice<u8>> {
    if let Some(value) = configured {
        return decode(file, value.expose_secret());
    }
    let path = data_dir.join(file);
    if path.exists() {
        let content =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        return decode(&path.display().to_string(), &content);
    }
    fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut bytes = vec![0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    write_private(&path, STANDARD.encode(&bytes).as_bytes())?;
    tracing::info!(path = %path.display(), "generated a new key");
    Ok(SecretSlice::from(bytes))
}

/// Creates `path` readable by the owner only; refuses to overwrite.
fn write_private(path: &Path, content: &[u8]) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_generated_once_then_reused_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keys::load_or_create(dir.path(), None, None).unwrap();
        let again = Keys::load_or_create(dir.path(), None, None).unwrap();
        assert_eq!(first.session.expose_secret(), again.session.expose_secret());
        assert_ne!(first.master.expose_secret(), first.session.expose_secret());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("master.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn configured_keys_win_and_short_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let good = SecretString::from(STANDARD.encode([7u8; 32]));
        let keys = Keys::load_or_create(dir.path(), Some(&good), Some(&good)).unwrap();
        assert_eq!(keys.master.expose_secret(), &[7u8; 32]);
        assert!(!dir.path().join("master.key").exists());
        let short = SecretString::from(STANDARD.encode([7u8; 8]));
        assert!(Keys::load_or_create(dir.path(), Some(&short), None).is_err());
    }
}
