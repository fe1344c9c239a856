//! Regenerates `include/ftp.h` from the C layer (`src/capi/`) with cbindgen.
//!
//! ```text
//! cargo run --manifest-path tools/gen-header/Cargo.toml -- [--check] [OUT]
//! ```
//!
//! Without arguments it rewrites the committed `include/ftp.h` (only when its content
//! changes). `OUT` writes elsewhere (`-` for standard output). `--check` writes nothing
//! and exits with status 1 when `OUT` (default `include/ftp.h`) differs from what
//! cbindgen generates. `LIBFTP_SOURCE_DIR` names the libftp source tree when this tool
//! is not run from its place in it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: gen-header [--check] [OUT]\n  \
    writes the header cbindgen generates from src/capi/ to OUT (default: include/ftp.h, \
    '-' for standard output);\n  --check writes nothing and fails when OUT differs";

fn main() -> ExitCode {
    let mut check = false;
    let mut out: Option<PathBuf> = None;
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--check") => check = true,
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some(s) if s.starts_with("--") => return usage_error(&format!("unknown option {s}")),
            _ if out.is_some() => return usage_error("more than one OUT"),
            _ => out = Some(PathBuf::from(arg)),
        }
    }

    let source = source_dir();
    let text = match generate(&source) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("gen-header: {e}");
            return ExitCode::FAILURE;
        }
    };

    let out = out.unwrap_or_else(|| source.join("include").join("ftp.h"));
    if out.as_os_str() == "-" {
        if check {
            return usage_error("--check needs a file, not '-'");
        }
        use std::io::Write;
        return match std::io::stdout().write_all(&text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("gen-header: writing to standard output: {e}");
                ExitCode::FAILURE
            }
        };
    }

    let current = std::fs::read(&out).ok();
    if check {
        if current.as_deref() == Some(&text[..]) {
            println!("gen-header: {} is up to date", out.display());
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "gen-header: {} {} what cbindgen generates from src/capi/; regenerate it with\n  \
             cargo run --manifest-path tools/gen-header/Cargo.toml\n\
             (or: cmake --build BUILD_DIR --target header), then review and commit it",
            out.display(),
            if current.is_some() { "differs from" } else { "is missing, not" }
        );
        return ExitCode::FAILURE;
    }
    if current.as_deref() == Some(&text[..]) {
        println!("gen-header: {} is unchanged", out.display());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = write(&out, &text) {
        eprintln!("gen-header: writing {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("gen-header: wrote {}", out.display());
    ExitCode::SUCCESS
}

fn usage_error(what: &str) -> ExitCode {
    eprintln!("gen-header: {what}\n{USAGE}");
    ExitCode::from(2)
}

/// The libftp source tree: `LIBFTP_SOURCE_DIR`, else two levels above this package's
/// manifest as `cargo run` gives it at run time (so a binary another checkout built in
/// a shared target directory still reads this one), else as it was at compile time.
fn source_dir() -> PathBuf {
    let nonempty = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = nonempty("LIBFTP_SOURCE_DIR") {
        return PathBuf::from(dir);
    }
    let manifest_dir =
        nonempty("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let dir = manifest_dir.join("..").join("..");
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// The header's bytes: cbindgen.toml as the configuration, src/capi/overview.h as the
/// comment that opens the header (prose is easier to edit in a file of its own than in
/// a TOML string), src/capi/mod.rs as the only source (the core's public items are for
/// Rust users, not the header).
fn generate(source: &Path) -> Result<Vec<u8>, String> {
    let mut config = cbindgen::Config::from_file(source.join("cbindgen.toml")).map_err(|e| e.to_string())?;
    let overview = source.join("src").join("capi").join("overview.h");
    let text = std::fs::read_to_string(&overview).map_err(|e| format!("{}: {e}", overview.display()))?;
    config.header = Some(text);
    let capi = source.join("src").join("capi").join("mod.rs");
    let bindings = cbindgen::Builder::new()
        .with_src(&capi)
        .with_config(config)
        .generate()
        .map_err(|e| format!("cbindgen failed on {}: {e}", capi.display()))?;
    let mut text = Vec::new();
    bindings.write(&mut text);
    Ok(text)
}

fn write(out: &Path, text: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, text)
}
