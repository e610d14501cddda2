//! The architecture invariants of ARCHITECTURE.md that a machine can check.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | ".git") {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "benches", "fuzz"] {
        if root.join(dir).is_dir() {
            rust_files(&root.join(dir), &mut files);
        }
    }
    files
}

/// The packages a crate depends on for its normal (non-dev, non-build) use.
fn normal_dependencies(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            package,
        ])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn every_rust_file_says_why_it_exists() {
    let missing: Vec<_> = all_rust_files()
        .into_iter()
        .filter(|f| {
            !std::fs::read_to_string(f)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! module comment: {missing:?}"
    );
}

#[test]
fn domain_crates_do_no_io_and_know_nothing_of_the_server() {
    let forbidden = [
        "tokio",
        "sqlx",
        "axum",
        "hyper",
        "reqwest",
        "tower",
        "hamnvakt-store",
        "hamnvakt-server",
    ];
    for package in [
        "hamnvakt-core",
        "hamnvakt-identity",
        "hamnvakt-access",
        "hamnvakt-ais",
        "hamnvakt-maritime",
        "hamnvakt-targeting",
        "hamnvakt-release",
        "hamnvakt-assessment",
        "hamnvakt-incidents",
        "hamnvakt-demo",
    ] {
        let deps = normal_dependencies(package);
        let bad: Vec<_> = deps
            .iter()
            .filter(|d| forbidden.contains(&d.as_str()))
            .collect();
        assert!(bad.is_empty(), "{package} depends on {bad:?}");
    }
}

#[test]
fn the_release_rules_depend_on_no_hamnvakt_crate_but_core() {
    let ours: Vec<String> = normal_dependencies("hamnvakt-release")
        .into_iter()
        .filter(|d| d.starts_with("hamnvakt-") && d != "hamnvakt-release")
        .collect();
    assert_eq!(ours, ["hamnvakt-core"]);
}

#[test]
fn the_assessment_rules_depend_on_no_hamnvakt_crate_but_core() {
    let ours: Vec<String> = normal_dependencies("hamnvakt-assessment")
        .into_iter()
        .filter(|d| d.starts_with("hamnvakt-") && d != "hamnvakt-assessment")
        .collect();
    assert_eq!(ours, ["hamnvakt-core"]);
}

#[test]
fn the_incident_rules_depend_on_no_hamnvakt_crate_but_core() {
    let ours: Vec<String> = normal_dependencies("hamnvakt-incidents")
        .into_iter()
        .filter(|d| d.starts_with("hamnvakt-") && d != "hamnvakt-incidents")
        .collect();
    assert_eq!(ours, ["hamnvakt-core"]);
}

#[test]
fn storage_knows_nothing_of_http_and_nothing_depends_on_the_server() {
    let deps = normal_dependencies("hamnvakt-store");
    for forbidden in ["axum", "hyper", "tower", "hamnvakt-server", "hamnvakt-demo"] {
        assert!(
            !deps.iter().any(|d| d == forbidden),
            "hamnvakt-store depends on {forbidden}"
        );
    }
    for package in [
        "hamnvakt-core",
        "hamnvakt-identity",
        "hamnvakt-store",
        "hamnvakt-demo",
        "hamnvakt-testkit",
    ] {
        assert!(
            !normal_dependencies(package)
                .iter()
                .any(|d| d == "hamnvakt-server"),
            "{package} depends on the server"
        );
    }
}

#[test]
fn only_the_server_clock_reads_the_system_time() {
    let allowed = workspace_root().join("crates/server/src/web/state.rs");
    let patterns = [
        "SystemTime::now",
        "Timestamp::now",
        "Utc::now",
        "Instant::now()",
    ];
    let mut offenders = Vec::new();
    for f in all_rust_files() {
        if f == allowed
            || f.components()
                .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "benches")
        {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for p in patterns {
            // Instant is for measuring durations (metrics), not for telling the time.
            if p == "Instant::now()" {
                continue;
            }
            if text.contains(p) {
                offenders.push(format!("{}: {p}", f.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn no_test_is_ignored() {
    let marker = ["#[", "ignore]"].concat();
    let offenders: Vec<_> = all_rust_files()
        .into_iter()
        .filter(|f| std::fs::read_to_string(f).unwrap().contains(&marker))
        .collect();
    assert!(offenders.is_empty(), "{offenders:?}");
}

/// The server's source folder.
pub(crate) fn server_src() -> PathBuf {
    workspace_root().join("crates/server/src")
}

/// The capability folders of the server: every folder of `src/` but the platform (`web`) and
/// the command line (`cli`), which sit below and above them.
fn capability_folders() -> Vec<String> {
    let mut caps: Vec<String> = std::fs::read_dir(server_src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "web" && n != "cli")
        .collect();
    caps.sort();
    caps
}

/// The module names of a folder's files, other than its `mod.rs`.
fn private_files(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            let stem = name
                .strip_suffix(".rs")
                .map(str::to_owned)
                .or_else(|| p.is_dir().then_some(name.clone()))?;
            (stem != "mod").then_some(stem)
        })
        .collect()
}

/// Lines of Rust in `files` that contain `needle` outside a comment.
fn code_lines_with(files: &[PathBuf], needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for f in files {
        for (n, line) in std::fs::read_to_string(f).unwrap().lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains(needle) {
                hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn the_server_is_laid_out_by_capability() {
    let mut top: Vec<String> = std::fs::read_dir(server_src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(
        top,
        ["app.rs", "lib.rs", "main.rs"],
        "only app.rs, lib.rs and main.rs sit beside the capability folders, web/ and cli/"
    );
    for cap in capability_folders() {
        let m = server_src().join(&cap).join("mod.rs");
        let text = std::fs::read_to_string(&m).unwrap_or_default();
        assert!(
            text.trim_start().starts_with("//!") && text.contains("pub fn routes()"),
            "{} must open with what the capability is and expose routes()",
            m.display()
        );
    }
}

#[test]
fn capabilities_talk_through_their_mod_rs() {
    let src = server_src();
    let mut offenders = Vec::new();
    for cap in capability_folders() {
        let inside = src.join(&cap);
        let mut outside = Vec::new();
        rust_files(&src, &mut outside);
        for dir in ["tests", "benches"] {
            rust_files(
                &workspace_root().join("crates/server").join(dir),
                &mut outside,
            );
        }
        outside.retain(|f| !f.starts_with(&inside));
        for file in private_files(&inside) {
            for prefix in ["crate", "hamnvakt_server"] {
                offenders.extend(code_lines_with(
                    &outside,
                    &format!("{prefix}::{cap}::{file}::"),
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "reaching into another capability's private files: {offenders:#?}"
    );
}

#[test]
fn imports_run_one_way_app_then_capabilities_then_web() {
    let src = server_src();
    let mut web = Vec::new();
    rust_files(&src.join("web"), &mut web);
    let mut below_app = web.clone();
    for cap in capability_folders() {
        rust_files(&src.join(&cap), &mut below_app);
    }
    let mut offenders = code_lines_with(&below_app, "crate::app");
    offenders.extend(code_lines_with(&below_app, "crate::cli"));
    for cap in capability_folders() {
        offenders.extend(code_lines_with(&web, &format!("crate::{cap}")));
    }
    assert!(
        offenders.is_empty(),
        "imports must run app → capabilities → web: {offenders:#?}"
    );
}

/// API handlers read their input through `web::extract`, never through axum's own `Path`,
/// `Query` or `Bytes`, whose rejections are `text/plain`, not problem documents.
#[test]
fn api_handlers_read_input_through_our_extractors() {
    let mut files = Vec::new();
    rust_files(&server_src(), &mut files);
    files.retain(|f| {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        name == "api.rs" || name.ends_with("_api.rs")
    });
    assert!(files.len() >= 9, "{files:?}");
    let mut found = Vec::new();
    for needle in [": Path<", ": Query<", ": Bytes", "axum::extract::Query<"] {
        found.extend(code_lines_with(&files, needle));
    }
    let word = |line: &str, w: &str| {
        line.split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|x| x == w)
    };
    for line in code_lines_with(&files, "use axum::") {
        if ["Path", "Query", "Bytes"].iter().any(|w| word(&line, w)) {
            found.push(line);
        }
    }
    assert!(
        found.is_empty(),
        "use ApiPath, ApiQuery or CsvBody instead: {found:#?}"
    );
}

/// No two types give the OpenAPI document a schema of the same name. The document is merged
/// from every capability's part, and a second schema of a name silently replaces the first:
/// an operation is then described with another's body (an alert's `Created` as a shared
/// indicator's). A type that derives `ToSchema` is named by its `#[schema(as = …)]` if it has
/// one, by its own name otherwise.
#[test]
fn no_two_schemas_share_a_name() {
    let mut by_name: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for f in all_rust_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if !(code.contains("derive(") && code.contains("ToSchema")) {
                continue;
            }
            // The attributes up to the item they belong to.
            let mut alias = None;
            for (j, next) in lines.iter().enumerate().skip(i).take(16) {
                let next = next.trim();
                if let Some(at) = next.find("as = ").filter(|_| next.contains("schema(")) {
                    let name: String = next[at + 5..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    alias = name.rsplit("::").next().map(str::to_owned);
                }
                let item = next
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ");
                let Some(rest) = item
                    .strip_prefix("struct ")
                    .or_else(|| item.strip_prefix("enum "))
                else {
                    continue;
                };
                let own: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                by_name
                    .entry(alias.clone().unwrap_or(own))
                    .or_default()
                    .push(format!("{}:{}", f.display(), j + 1));
                break;
            }
        }
    }
    assert!(by_name.len() > 150, "only {} schemas found", by_name.len());
    let shared: Vec<_> = by_name.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(
        shared.is_empty(),
        "schemas of the same name (give one a #[schema(as = …)]): {shared:#?}"
    );
}

/// Console pages read their query and forms through the `Ui` extractors (`UiQuery`, `UiForm`,
/// `UiFormBody`), whose refusals are the console's error page; `ApiQuery` and `FormBody`
/// refuse with a problem document, JSON in a person's browser.
#[test]
fn pages_read_input_through_the_console_extractors() {
    let mut files = Vec::new();
    rust_files(&server_src(), &mut files);
    files.retain(|f| {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        name == "pages.rs"
            || name == "page.rs"
            || name.ends_with("_pages.rs")
            || name.ends_with("_page.rs")
    });
    assert!(files.len() >= 10, "{files:?}");
    let mut found = Vec::new();
    for needle in ["ApiQuery<", "FormBody<", "ApiJson<"] {
        found.extend(
            code_lines_with(&files, needle)
                .into_iter()
                .filter(|l| !l.contains("UiFormBody<")),
        );
    }
    assert!(
        found.is_empty(),
        "use UiQuery, UiForm or UiFormBody on pages: {found:#?}"
    );
}
