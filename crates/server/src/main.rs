//! The `hamnvakt` binary. Parses the command line and hands over to [`hamnvakt_server::cli`].

fn main() -> std::process::ExitCode {
    hamnvakt_server::cli::main()
}
