fn main() {
    let cli = mingdan::cli::parse_args();
    let lang = cli.lang;
    // Rust ignores SIGPIPE, so a closed pipe is an EPIPE error: the commands turn it into
    // `StdoutClosed`, which ends them quietly with status 0 (`mingdan audit | head -1`).
    if let Err(e) = mingdan::cli::main(cli) {
        if mingdan::cli::is_stdout_closed(&e) {
            return;
        }
        eprintln!("{}", mingdan::cli::error_line(&e, lang));
        std::process::exit(1);
    }
}
