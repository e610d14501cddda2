//! The installation's ed25519 signing key, in `witness.key` in the data directory: created on
//! first use from the operating system's random source, written with mode 0600, and refused
//! when the file can be read by anyone but its owner.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use rand::RngCore;

/// The file's name in the data directory.
pub const KEY_FILE: &str = "witness.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot {0} {1}: {2}")]
    Io(&'static str, PathBuf, std::io::Error),
    #[error("{0} is not a witness key (64 hex digits)")]
    Malformed(PathBuf),
    #[error("{0} can be read by others (mode {1:o}); run `chmod 600` on it")]
    Exposed(PathBuf, u32),
    #[error("{0} does not exist: this installation has not signed a checkpoint yet")]
    Missing(PathBuf),
}

/// The key in `data_dir`, created if there is none.
pub fn load_or_create(data_dir: &Path) -> Result<SigningKey, KeyError> {
    let path = data_dir.join(KEY_FILE);
    match load(data_dir) {
        Err(KeyError::Missing(_)) => {}
        other => return other,
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| KeyError::Io("create", data_dir.to_owned(), e))?;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let mut text = hex::encode(seed);
    seed.fill(0);
    text.push('\n');
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let written = opts.open(&path).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    // Overwrite the text form before it is freed.
    text.replace_range(.., &"0".repeat(text.len()));
    match written {
        Ok(()) => {
            tracing::info!(path = %path.display(), "created the installation's witness key");
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load(data_dir),
        Err(e) => Err(KeyError::Io("write", path, e)),
    }
}

/// The key in `data_dir`; [`KeyError::Missing`] when there is none.
pub fn load(data_dir: &Path) -> Result<SigningKey, KeyError> {
    let path = data_dir.join(KEY_FILE);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(KeyError::Missing(path)),
        Err(e) => return Err(KeyError::Io("read", path, e)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed(path, mode));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(&path).map_err(|e| KeyError::Io("read", path.clone(), e))?;
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| KeyError::Malformed(path))?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    Ok(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_key_is_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(load(dir.path()), Err(KeyError::Missing(_))));
        let a = load_or_create(dir.path()).unwrap();
        let b = load_or_create(dir.path()).unwrap();
        assert_eq!(a.to_bytes(), b.to_bytes(), "the same key on every start");
        let other = load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
        assert_ne!(
            a.to_bytes(),
            other.to_bytes(),
            "each installation its own key"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.path().join(KEY_FILE);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(load(dir.path()), Err(KeyError::Exposed(_, 0o644))));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            std::fs::write(&path, "not a key\n").unwrap();
            assert!(matches!(load(dir.path()), Err(KeyError::Malformed(_))));
        }
    }
}
