//! Bundles the console's front-end libraries (Leaflet, for the live map) into the binary. They
//! come from the npm registry, pinned by `web/package-lock.json`: when `web/node_modules` is
//! missing, `npm ci` fetches them once. Without npm (or offline) the build still succeeds:
//! the map page then says the library is missing and shows the vessel table alone.

#![allow(clippy::print_stdout, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let web = manifest.join("web");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    println!("cargo:rerun-if-changed=web/node_modules/leaflet/package.json");
    let dist = web.join("node_modules/leaflet/dist");
    if !dist.join("leaflet.js").exists() {
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
}

/// Copies a bundled file, or writes what the page falls back to when it is missing.
fn copy_or_fallback(from: &Path, to: &Path, fallback: &str) {
    if std::fs::copy(from, to).is_err() {
        if let Err(e) = std::fs::write(to, fallback) {
            println!("cargo:warning=cannot write {}: {e}", to.display());
        }
    }
}
