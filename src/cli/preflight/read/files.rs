//! Which files of a directory Terraform reads as the root module, and loading them with a size cap.

use super::assemble::is_override;
use super::value::printable;
use super::{ReadError, ReadErrorKind, Sources};
use std::fs;
use std::io::Read;
use std::path::Path;

/// The largest configuration or definitions file read.
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// The largest file `file("...")` reads.
pub const MAX_FUNCTION_FILE_BYTES: u64 = 1 << 20;

/// Files Terraform ignores in a module directory: hidden files and editor backups (Terraform's
/// `configs.IsIgnoredFile`).
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

fn is_config(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// A definitions file Terraform loads on its own, with its rank in the precedence (lower is applied first).
pub(super) fn tfvars_rank(name: &str) -> Option<u8> {
    match name {
        "terraform.tfvars" => Some(0),
        "terraform.tfvars.json" => Some(1),
        _ if name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json") => Some(2),
        _ => None,
    }
}

/// Terraform's order of configuration files: primary files by name, then override files by name.
pub(super) fn config_order(a: &str, b: &str) -> std::cmp::Ordering {
    (is_override(a), a).cmp(&(is_override(b), b))
}

/// Definitions files in precedence order, lowest first (auto files in lexical order of their names).
pub(super) fn tfvars_order(a: &str, b: &str) -> std::cmp::Ordering {
    (tfvars_rank(a), a).cmp(&(tfvars_rank(b), b))
}

fn sort_configs(files: &mut [(String, Vec<u8>)]) {
    files.sort_by(|(a, _), (b, _)| config_order(a, b));
}

fn sort_tfvars(files: &mut [(String, Vec<u8>)]) {
    files.sort_by(|(a, _), (b, _)| tfvars_order(a, b));
}

fn error(kind: ReadErrorKind, message: String) -> ReadError {
    ReadError {
        kind,
        at: None,
        message,
    }
}

/// Reads the root module's configuration and definitions files (not its subdirectories).
pub fn load(dir: &Path) -> Result<Sources, ReadError> {
    let shown = printable(&dir.display().to_string(), 200);
    let entries = match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => fs::read_dir(dir).map_err(|why| {
            error(
                ReadErrorKind::Io,
                format!("cannot list the directory {shown}: {why}"),
            )
        })?,
        Ok(_) => {
            return Err(error(
                ReadErrorKind::NoDirectory,
                format!("{shown} is not a directory"),
            ));
        }
        Err(_) => {
            return Err(error(
                ReadErrorKind::NoDirectory,
                format!("there is no directory {shown}"),
            ));
        }
    };
    let mut sources = Sources::default();
    for entry in entries {
        let entry = entry.map_err(|why| {
            error(
                ReadErrorKind::Io,
                format!("cannot list the directory {shown}: {why}"),
            )
        })?;
        // A name that is not UTF-8 cannot be a name Terraform matches either.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if is_ignored(&name) || !(is_config(&name) || tfvars_rank(&name).is_some()) {
            continue;
        }
        let path = entry.path();
        // Follows symbolic links, as Terraform does; a directory named like a file is not one.
        if !fs::metadata(&path).is_ok_and(|meta| meta.is_file()) {
            continue;
        }
        let bytes = read_capped(&path, &name, MAX_FILE_BYTES)?;
        if is_config(&name) {
            sources.tf.push((name, bytes));
        } else {
            sources.tfvars.push((name, bytes));
        }
    }
    if sources.tf.is_empty() {
        return Err(error(
            ReadErrorKind::NoFiles,
            format!("there are no .tf or .tf.json files in {shown}"),
        ));
    }
    sort_configs(&mut sources.tf);
    sort_tfvars(&mut sources.tfvars);
    Ok(sources)
}

/// A file's bytes, refused when larger than `cap`. Read in one buffer sized from the file's length, so the bytes
/// (which may be secrets) are not copied by growth; `take` guards against a file that grows while read.
pub(super) fn read_capped(path: &Path, name: &str, cap: u64) -> Result<Vec<u8>, ReadError> {
    let shown = printable(name, 200);
    let too_big = || {
        let limit = if cap >= 1 << 20 {
            format!("{} MiB", cap >> 20)
        } else {
            format!("{cap} bytes")
        };
        error(
            ReadErrorKind::TooBig,
            format!("{shown} is larger than {limit}, more than a configuration file needs"),
        )
    };
    let io = |why: std::io::Error| error(ReadErrorKind::Io, format!("cannot read {shown}: {why}"));
    let mut file = fs::File::open(path).map_err(io)?;
    let length = file.metadata().map_err(io)?.len();
    if length > cap {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0).saturating_add(1));
    (&mut file)
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        zeroize::Zeroize::zeroize(&mut bytes);
        return Err(too_big());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::super::{Attr, Origin, ReadError, ReadErrorKind, read};
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn terraform_order_puts_override_files_last() {
        let mut files: Vec<(String, Vec<u8>)> = [
            "override.tf",
            "b.tf",
            "a_override.tf",
            "a.tf.json",
            "main.tf",
        ]
        .map(|n| (n.to_owned(), Vec::new()))
        .into();
        sort_configs(&mut files);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "a.tf.json",
                "b.tf",
                "main.tf",
                "a_override.tf",
                "override.tf"
            ]
        );
    }

    #[test]
    fn tfvars_precedence_order() {
        let mut files: Vec<(String, Vec<u8>)> = [
            "b.auto.tfvars",
            "terraform.tfvars.json",
            "a.auto.tfvars.json",
            "terraform.tfvars",
        ]
        .map(|n| (n.to_owned(), Vec::new()))
        .into();
        sort_tfvars(&mut files);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "terraform.tfvars",
                "terraform.tfvars.json",
                "a.auto.tfvars.json",
                "b.auto.tfvars"
            ]
        );
    }

    #[test]
    fn ignored_and_unrelated_files_are_not_read() {
        assert!(is_ignored(".hidden.tf") && is_ignored("main.tf~") && is_ignored("#main.tf#"));
        assert!(tfvars_rank("prod.tfvars").is_none() && !is_config("main.tf.bak"));
    }

    /// A directory under the system's temporary directory, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("authcheck-read-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            if let Err(why) = std::fs::create_dir_all(&dir) {
                panic!("{why}");
            }
            TempDir(dir)
        }

        fn write(&self, name: &str, bytes: &[u8]) {
            if let Err(why) = std::fs::write(self.0.join(name), bytes) {
                panic!("{why}");
            }
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_directory_without_tf_files_is_no_files_and_a_missing_one_no_directory() {
        let dir = TempDir::new("nofiles");
        dir.write("terraform.tfvars", b"a = 1\n");
        dir.write(".hidden.tf", b"provider \"x\" {}\n");
        assert!(matches!(
            load(&dir.0),
            Err(ReadError {
                kind: ReadErrorKind::NoFiles,
                ..
            })
        ));
        let missing = dir.0.join("missing");
        assert!(matches!(
            load(&missing),
            Err(ReadError {
                kind: ReadErrorKind::NoDirectory,
                ..
            })
        ));
    }

    #[test]
    fn the_loader_refuses_a_file_over_4_mib() {
        let dir = TempDir::new("toobig");
        dir.write("main.tf", b"provider \"x\" {}\n");
        dir.write("big.auto.tfvars", &vec![b'#'; (4 << 20) + 1]);
        match load(&dir.0) {
            Err(error) => {
                assert_eq!(error.kind, ReadErrorKind::TooBig);
                assert!(
                    error.message.contains("big.auto.tfvars") && error.message.contains("4 MiB"),
                    "{error}"
                );
            }
            Ok(sources) => panic!("loaded {} files", sources.tf.len()),
        }
    }

    #[test]
    fn read_loads_the_directory_and_file_reads_relative_to_it() {
        let dir = TempDir::new("read");
        let tf = "variable \"p\" {}\nprovider \"google\" {\n  credentials = file(var.p)\n}\n";
        dir.write(
            "main.tf",
            format!("{tf}resource \"google_x\" \"y\" {{}}\n").as_bytes(),
        );
        dir.write("terraform.tfvars", b"p = \"creds.json\"\n");
        dir.write("creds.json", b"{}");
        dir.write("notes.txt", b"not read");
        let config = match read(&dir.0, &|_| None) {
            Ok(config) => config,
            Err(error) => panic!("{error}"),
        };
        let credentials = &config.providers[0].attributes["credentials"];
        let file = Origin::File {
            path: "creds.json".into(),
        };
        assert!(
            matches!(credentials, Attr::Known { value, from, .. } if value.as_str() == Some("{}") && *from == file),
            "{credentials:?}"
        );
        assert_eq!(config.files, ["main.tf"]);
        assert_eq!(config.used, ["google"]);
    }
}
