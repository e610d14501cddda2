//! Bundles the console's front-end libraries (Leaflet, for the live map) into the binary. They
//! come from the npm registry, pinned by `web/package-lock.json`: when `web/node_modules` is
//! missing, `npm ci` fetches them once. Without npm (or offline) the build still succeeds:
//! the map page then says the library is missing and shows the vessel table alone.
//!
//! The map's offline base layer (land of the Baltic and, in detail, the Stockholm archipelago)
//! is converted here too, from the npm package pinned by `web/coastline/package-lock.json`
//! (OpenStreetMap land, ODbL): that package (135 MB of GeoJSON) is installed once into a cache
//! directory outside the repository (`$HAMNVAKT_CACHE_DIR`, else `$XDG_CACHE_HOME/hamnvakt`,
//! else `~/.cache/hamnvakt`), converted by `src/maritime/coastline.rs` (clipped, simplified),
//! and the result is kept in that cache, so later builds, in any checkout, need no network.

#![allow(clippy::print_stdout, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "src/maritime/coastline.rs"]
mod coastline;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let web = manifest.join("web");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    let dist = web.join("node_modules/leaflet/dist");
    if dist.join("leaflet.js").exists() {
        // Installed by hand or by an earlier build: a reinstall changes it. Not watched when this
        // script installs it below: the file would then be newer than this run, and cargo would
        // run the script and rebuild the crate a second time on every fresh checkout.
        println!("cargo:rerun-if-changed=web/node_modules/leaflet/package.json");
    } else {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&web)
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => println!(
                "cargo:warning=npm ci in {} failed ({s}); the live map will lack Leaflet",
                web.display()
            ),
            Err(e) => {
                println!("cargo:warning=npm is not available ({e}); the live map will lack Leaflet")
            }
        }
        if !dist.join("leaflet.js").exists() {
            // Not installed: try again on the next build (a missing file counts as changed).
            println!("cargo:rerun-if-changed=web/node_modules/leaflet/package.json");
        }
    }
    copy_or_fallback(
        &dist.join("leaflet.js"),
        &out.join("leaflet.js"),
        "/* Leaflet was unavailable when this binary was built: the map page shows the table */\nwindow.L = undefined;\n",
    );
    copy_or_fallback(
        &dist.join("leaflet.css"),
        &out.join("leaflet.css"),
        "/* Leaflet was unavailable when this binary was built */\n",
    );
    base_layer(&manifest, &out);
}

/// The package the base layer comes from, as pinned in `web/coastline/package-lock.json`.
const COAST_PACKAGE: &str = "@geo-maps/earth-lands-10m";
const COAST_VERSION: &str = "0.6.0";
const COAST_ATTRIBUTION: &str =
    "Land © OpenStreetMap contributors (ODbL), via @geo-maps/earth-lands-10m";

/// Writes `OUT_DIR/coast.json`: the converted base layer, from the cache or made now; or, when
/// the package cannot be had, a document with no layers (the map then says it has no land).
fn base_layer(manifest: &Path, out: &Path) {
    println!("cargo:rerun-if-changed=web/coastline/package-lock.json");
    println!("cargo:rerun-if-changed=src/maritime/coastline.rs");
    println!("cargo:rerun-if-env-changed=HAMNVAKT_CACHE_DIR");
    let target = out.join("coast.json");
    let converter = std::fs::read(manifest.join("src/maritime/coastline.rs")).unwrap_or_default();
    let key = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        converter.hash(&mut h);
        COAST_VERSION.hash(&mut h);
        h.finish()
    };
    let Some(cache) = cache_dir() else {
        println!("cargo:warning=no cache directory (set HAMNVAKT_CACHE_DIR): the map has no land");
        return fallback_layer(&target);
    };
    let dir = cache.join(format!("coastline-{COAST_VERSION}"));
    let converted = dir.join(format!("coast-{key:016x}.json"));
    if std::fs::copy(&converted, &target).is_ok() {
        return;
    }
    let source = dir
        .join("node_modules")
        .join(COAST_PACKAGE)
        .join("map.geo.json");
    if !source.exists() {
        let ready = std::fs::create_dir_all(&dir).is_ok()
            && std::fs::copy(
                manifest.join("web/coastline/package.json"),
                dir.join("package.json"),
            )
            .is_ok()
            && std::fs::copy(
                manifest.join("web/coastline/package-lock.json"),
                dir.join("package-lock.json"),
            )
            .is_ok();
        let status = ready.then(|| {
            Command::new("npm")
                .args([
                    "ci",
                    "--no-audit",
                    "--no-fund",
                    "--prefer-offline",
                    "--loglevel=error",
                ])
                .current_dir(&dir)
                .status()
        });
        match status {
            Some(Ok(s)) if s.success() => {}
            other => {
                println!(
                    "cargo:warning=cannot install {COAST_PACKAGE} {COAST_VERSION} into {} ({other:?}); the map has no land",
                    dir.display()
                );
                // Try again on the next build.
                println!("cargo:rerun-if-changed={}", converted.display());
                return fallback_layer(&target);
            }
        }
    }
    let result = std::fs::read(&source)
        .map_err(|e| format!("cannot read {}: {e}", source.display()))
        .and_then(|doc| coastline::convert(&doc, &coastline::console_layers(), COAST_ATTRIBUTION));
    match result {
        Ok((json, _stats)) => {
            // Conversions by earlier versions of the converter are no longer needed.
            for old in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let name = old.file_name().to_string_lossy().into_owned();
                if name.starts_with("coast-") && name.ends_with(".json") {
                    let _ = std::fs::remove_file(old.path());
                }
            }
            if std::fs::write(&converted, &json).is_err()
                || std::fs::copy(&converted, &target).is_err()
            {
                if let Err(e) = std::fs::write(&target, &json) {
                    println!("cargo:warning=cannot write {}: {e}", target.display());
                }
            }
        }
        Err(e) => {
            println!("cargo:warning=cannot convert {COAST_PACKAGE}: {e}; the map has no land");
            fallback_layer(&target);
        }
    }
}

fn fallback_layer(target: &Path) {
    if let Err(e) = std::fs::write(target, "{\"attribution\":\"\",\"layers\":{}}\n") {
        println!("cargo:warning=cannot write {}: {e}", target.display());
    }
}

fn cache_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("HAMNVAKT_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("hamnvakt")))
        .or_else(|| var("HOME").map(|d| d.join(".cache/hamnvakt")))
}

/// Copies a bundled file, or writes what the page falls back to when it is missing.
fn copy_or_fallback(from: &Path, to: &Path, fallback: &str) {
    if std::fs::copy(from, to).is_err() {
        if let Err(e) = std::fs::write(to, fallback) {
            println!("cargo:warning=cannot write {}: {e}", to.display());
        }
    }
}
