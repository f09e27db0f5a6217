//! Throwaway TLS material for servers under test: a CA and a server certificate for
//! 127.0.0.1 (and localhost), made with the openssl command.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Paths of the PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Create `ca.pem`, `server.pem` and `server.key` in `dir`.
pub fn make_server_cert(dir: &Path) -> Result<TlsFiles, String> {
    let p = |name: &str| dir.join(name);
    std::fs::write(
        p("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| e.to_string())?;
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let steps: Vec<Vec<String>> = vec![
        [
            &["req", "-x509"][..],
            &ec,
            &["-days", "2", "-subj", "/CN=hastack test CA"],
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .chain([
            "-keyout".into(),
            path(&p("ca.key")),
            "-out".into(),
            path(&p("ca.pem")),
        ])
        .collect(),
        [&["req"][..], &ec, &["-subj", "/CN=127.0.0.1"]]
            .concat()
            .iter()
            .map(|s| s.to_string())
            .chain([
                "-keyout".into(),
                path(&p("server.key")),
                "-out".into(),
                path(&p("server.csr")),
            ])
            .collect(),
        ["x509", "-req", "-days", "2", "-CAcreateserial"]
            .iter()
            .map(|s| s.to_string())
            .chain([
                "-in".into(),
                path(&p("server.csr")),
                "-CA".into(),
                path(&p("ca.pem")),
                "-CAkey".into(),
                path(&p("ca.key")),
                "-extfile".into(),
                path(&p("server.ext")),
                "-out".into(),
                path(&p("server.pem")),
            ])
            .collect(),
    ];
    for args in steps {
        let out = Command::new("openssl")
            .args(&args)
            .output()
            .map_err(|e| format!("openssl: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(TlsFiles {
        ca: p("ca.pem"),
        cert: p("server.pem"),
        key: p("server.key"),
    })
}

fn path(p: &Path) -> String {
    p.display().to_string()
}
