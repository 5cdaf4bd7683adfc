//! Secrets from the environment, from a file, or from a systemd credential.
//!
//! Every secret variable `NAME` can be given three ways: `NAME` itself, `NAME_FILE`
//! (a path whose contents are the value: how Compose and Kubernetes mount secrets,
//! which keeps them out of `docker inspect` and `/proc/<pid>/environ`), or a systemd
//! credential called `NAME` (`LoadCredential=NAME:/path`, read from
//! `$CREDENTIALS_DIRECTORY/NAME`). Two of them at once is a configuration error
//! naming both: which one wins would be a guess.

use std::path::Path;

use super::{invalid, ConfigError};
use crate::values::Secret;

/// The largest secret file read: a bot token is about 72 bytes, a database URL a
/// few hundred; anything much larger is the wrong file.
const MAX_SECRET_FILE: u64 = 16 * 1024;

/// The secret `name`, from whichever of its forms is set, or `None` when none is.
pub fn read(
    name: &'static str,
    get: &impl Fn(&str) -> Option<String>,
    credentials_dir: Option<&Path>,
) -> Result<Option<Secret>, ConfigError> {
    let set = |variable: &str| get(variable).filter(|value| !value.trim().is_empty());
    let file_variable = file_variable(name);
    let direct = set(name);
    let file = set(file_variable);
    let credential = credentials_dir
        .map(|dir| dir.join(name))
        .filter(|path| path.is_file());
    let mut forms = Vec::new();
    if direct.is_some() {
        forms.push(name.to_string());
    }
    if file.is_some() {
        forms.push(file_variable.to_string());
    }
    if credential.is_some() {
        forms.push(format!("the systemd credential {name}"));
    }
    if forms.len() > 1 {
        return Err(invalid(
            name,
            format!(
                "is set more than one way ({}): keep one",
                forms.join(" and ")
            ),
        ));
    }
    if let Some(value) = direct {
        return Ok(Some(Secret::new(value.trim())));
    }
    let path = match (file, credential) {
        (Some(path), _) => std::path::PathBuf::from(path.trim()),
        (None, Some(path)) => path,
        (None, None) => return Ok(None),
    };
    from_file(name, file_variable, &path).map(Some)
}

/// Every secret variable and its file form. A secret not listed here cannot be
/// read (a test makes sure), so a new secret gets its `_FILE` form with its row.
pub const SECRETS: &[(&str, &str)] = &[
    ("DISCORD_TOKEN", "DISCORD_TOKEN_FILE"),
    ("DISCORD_PUBLIC_KEY", "DISCORD_PUBLIC_KEY_FILE"),
    ("SPAMHAUS_DQS_KEY", "SPAMHAUS_DQS_KEY_FILE"),
    ("SPAMRATS_KEY", "SPAMRATS_KEY_FILE"),
    ("DATABASE_URL", "DATABASE_URL_FILE"),
];

/// `NAME_FILE` for a secret `NAME`.
fn file_variable(name: &'static str) -> &'static str {
    SECRETS
        .iter()
        .find(|(secret, _)| *secret == name)
        .map(|(_, file)| *file)
        .expect("every secret is listed in SECRETS")
}

/// The secret in `path`, without the trailing newline an editor or `echo` adds.
fn from_file(
    name: &'static str,
    variable: &'static str,
    path: &Path,
) -> Result<Secret, ConfigError> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .map_err(|err| invalid(variable, format!("cannot read {shown}: {err}")))?
        .len();
    if size > MAX_SECRET_FILE {
        return Err(invalid(
            variable,
            format!("{shown} has {size} bytes, more than a {name} can be: is it the right file?"),
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|err| invalid(variable, format!("cannot read {shown}: {err}")))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(invalid(variable, format!("{shown} is empty")));
    }
    Ok(Secret::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn every_secret_has_its_file_form() {
        for (name, file) in SECRETS {
            assert_eq!(*file, format!("{name}_FILE"));
            assert_eq!(file_variable(name), *file);
        }
    }

    #[test]
    fn each_form_gives_the_value_and_none_gives_none() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "from-a-file\n").unwrap();
        let direct = read(
            "DISCORD_TOKEN",
            &lookup(&[("DISCORD_TOKEN", "direct".into())]),
            None,
        );
        assert_eq!(direct.unwrap().unwrap().expose(), "direct");
        let get = lookup(&[("DISCORD_TOKEN_FILE", file.display().to_string())]);
        let from_file = read("DISCORD_TOKEN", &get, None).unwrap().unwrap();
        assert_eq!(from_file.expose(), "from-a-file");
        let credentials = tempfile::tempdir().unwrap();
        std::fs::write(credentials.path().join("DISCORD_TOKEN"), "credential").unwrap();
        let from_credential = read("DISCORD_TOKEN", &lookup(&[]), Some(credentials.path()));
        assert_eq!(from_credential.unwrap().unwrap().expose(), "credential");
        assert!(read("DISCORD_TOKEN", &lookup(&[]), None).unwrap().is_none());
    }

    #[test]
    fn two_forms_at_once_are_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, "x").unwrap();
        let get = lookup(&[
            ("SPAMRATS_KEY", "abc".into()),
            ("SPAMRATS_KEY_FILE", file.display().to_string()),
        ]);
        let err = read("SPAMRATS_KEY", &get, None).unwrap_err().to_string();
        assert!(err.contains("SPAMRATS_KEY and SPAMRATS_KEY_FILE"), "{err}");
        assert!(!err.contains("abc"), "{err}");
        std::fs::write(dir.path().join("SPAMRATS_KEY"), "y").unwrap();
        let get = lookup(&[("SPAMRATS_KEY", "abc".into())]);
        let err = read("SPAMRATS_KEY", &get, Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("systemd credential"), "{err}");
    }

    #[test]
    fn a_missing_empty_or_huge_file_is_named_without_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let get = lookup(&[("DISCORD_TOKEN_FILE", missing.display().to_string())]);
        let err = read("DISCORD_TOKEN", &get, None).unwrap_err();
        assert_eq!(err.variable, "DISCORD_TOKEN_FILE");
        assert!(err.to_string().contains("cannot read"), "{err}");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let get = lookup(&[("DISCORD_TOKEN_FILE", empty.display().to_string())]);
        assert!(read("DISCORD_TOKEN", &get, None)
            .unwrap_err()
            .to_string()
            .contains("is empty"));
        let huge = dir.path().join("huge");
        std::fs::write(&huge, "s".repeat(20_000)).unwrap();
        let get = lookup(&[("DISCORD_TOKEN_FILE", huge.display().to_string())]);
        let err = read("DISCORD_TOKEN", &get, None).unwrap_err().to_string();
        assert!(err.contains("right file"), "{err}");
        assert!(!err.contains("sss"), "{err}");
    }
}
