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
    if dir.display().to_string().contains(char::is_whitespace) {
        return Err(format!(
            "{}: the openssl steps below need a path without spaces",
            dir.display()
        ));
    }
    let p = |name: &str| dir.join(name).display().to_string();
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| e.to_string())?;
    let ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    let (ca, ca_key, key, csr, cert, ext) = (
        p("ca.pem"),
        p("ca.key"),
        p("server.key"),
        p("server.csr"),
        p("server.pem"),
        p("server.ext"),
    );
    let steps = [
        format!("req -x509 {ec_key} -days 2 -subj /CN=hastack-test-CA -keyout {ca_key} -out {ca}"),
        format!("req {ec_key} -subj /CN=127.0.0.1 -keyout {key} -out {csr}"),
        format!(
            "x509 -req -days 2 -CAcreateserial -in {csr} -CA {ca} -CAkey {ca_key} -extfile {ext} -out {cert}"
        ),
    ];
    for step in steps {
        // Paths were checked for spaces above, so splitting on whitespace is exact.
        let out = Command::new("openssl")
            .args(step.split_whitespace())
            .output()
            .map_err(|e| format!("openssl: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "openssl {step}: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(TlsFiles {
        ca: ca.into(),
        cert: cert.into(),
        key: key.into(),
    })
}

/// The usual `openssl req -x509` server certificate in `dir`: self-signed for 127.0.0.1, and
/// (OpenSSL's default `v3_ca` extensions) marked CA:TRUE. `ca` is the certificate itself.
pub fn make_self_signed(dir: &Path) -> Result<TlsFiles, String> {
    make_self_signed_at(dir, None)
}

/// [`make_self_signed`], made with the clock shifted by `offset` (libfaketime, e.g. `-864000s`: a
/// certificate valid for two days that expired eight days ago).
pub fn make_self_signed_at(dir: &Path, offset: Option<&str>) -> Result<TlsFiles, String> {
    let (cert, key) = (dir.join("self.pem"), dir.join("self.key"));
    let mut command = Command::new("openssl");
    if let Some(offset) = offset {
        command.envs(crate::harness::system::faketime_env(offset)?);
    }
    let out = command
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl req -x509: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(TlsFiles {
        ca: cert.clone(),
        cert,
        key,
    })
}
