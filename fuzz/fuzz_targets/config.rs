//! Fuzz target: the configuration file (`hamnvakt.toml`) as `Config::load` reads it. The input
//! is the file's text, optionally followed by a NUL byte and environment overrides, one
//! `HAMNVAKT_…=value` per line, which are laid over the file as at start-up.

#![no_main]

use hamnvakt_server::web::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (file, env) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(file) else {
        return;
    };
    let env: Vec<(String, String)> = String::from_utf8_lossy(env)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let _ = Config::from_text(Some(text), "fuzz.toml", env);
});
