use clap::Parser;

fn main() {
    let cli = mingdan::cli::Cli::parse();
    if let Err(e) = mingdan::cli::main(cli) {
        eprintln!("mingdan：{e:#}");
        std::process::exit(1);
    }
}
