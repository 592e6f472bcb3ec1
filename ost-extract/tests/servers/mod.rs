//! The real servers the upload tests talk to: Dovecot and Radicale on 127.0.0.1, started by
//! `scripts/test-servers` (once per test process, stopped when it ends) unless
//! `OST_EXTRACT_TEST_SERVERS` names the env file of servers already running (as `.ci/run`
//! does). A server that cannot start fails the tests; nothing is skipped.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ost_extract::upload::{self, Auth, Secret, TokenCommand};
use sha2::{Digest, Sha256};

/// What `servers.env` says.
#[derive(Debug, Clone)]
pub struct Servers {
    pub imap_port: u16,
    pub imaps_port: u16,
    pub dav_url: String,
    pub user: String,
    pub password: String,
    pub ca_file: PathBuf,
    pub oauth2_key: Vec<u8>,
    pub dovecot_conf: PathBuf,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn servers() -> &'static Servers {
    static S: OnceLock<Servers> = OnceLock::new();
    S.get_or_init(|| {
        let env_file = match std::env::var_os("OST_EXTRACT_TEST_SERVERS") {
            Some(p) => PathBuf::from(p),
            None => {
                let dir = std::env::temp_dir()
                    .join(format!("ost-extract-servers-{}", std::process::id()));
                let out = Command::new(repo_root().join("scripts/test-servers"))
                    .arg("start")
                    .arg(&dir)
                    .arg("--watch")
                    .arg(std::process::id().to_string())
                    .output()
                    .expect("run scripts/test-servers");
                assert!(
                    out.status.success(),
                    "the test servers did not start: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                dir.join("servers.env")
            }
        };
        let text = std::fs::read_to_string(&env_file)
            .unwrap_or_else(|e| panic!("{}: {e}", env_file.display()));
        let kv: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
        let get = |k: &str| {
            kv.get(k)
                .unwrap_or_else(|| panic!("{k} missing in servers.env"))
                .to_string()
        };
        Servers {
            imap_port: get("IMAP_PORT").parse().unwrap(),
            imaps_port: get("IMAPS_PORT").parse().unwrap(),
            dav_url: get("DAV_URL"),
            user: get("USER"),
            password: get("PASSWORD"),
            ca_file: PathBuf::from(get("CA_FILE")),
            oauth2_key: base64_decode(&get("OAUTH2_HS256_KEY")),
            dovecot_conf: PathBuf::from(get("DOVECOT_CONF")),
        }
    })
}

impl Servers {
    pub fn imaps(&self, user: &str) -> upload::imap::ImapUrl {
        upload::imap::ImapUrl::parse(&format!("imaps://{user}@127.0.0.1:{}", self.imaps_port))
            .unwrap()
    }
    pub fn starttls(&self, user: &str) -> upload::imap::ImapUrl {
        upload::imap::ImapUrl::parse(&format!("imap://{user}@127.0.0.1:{}", self.imap_port))
            .unwrap()
    }
    pub fn dav(&self, user: &str) -> upload::dav::DavUrl {
        let rest = self.dav_url.strip_prefix("https://").unwrap();
        upload::dav::DavUrl::parse(&format!("https://{user}@{rest}"), "--caldav", false).unwrap()
    }
    pub fn password(&self) -> Auth {
        Auth::Password(Secret::new(self.password.clone()))
    }
    pub fn options(&self, ledger_dir: &Path) -> upload::Options {
        let mut o = upload::Options::new(self.password(), ledger_dir.to_path_buf());
        o.ca_file = Some(self.ca_file.clone());
        o.backoff = std::time::Duration::from_millis(50);
        o
    }
    /// A logged-in session for checking what arrived.
    pub fn session(&self, user: &str) -> upload::imap::Session {
        let tls = upload::tls_config(Some(&self.ca_file)).unwrap();
        let url = self.imaps(user);
        let mut s = upload::imap::Session::connect(&url, &tls, false).unwrap();
        s.login(&url, &self.password()).unwrap();
        s
    }
    /// Closes every IMAP connection of `user` from the server side.
    pub fn kick(&self, user: &str) {
        let _ = Command::new("doveadm")
            .arg("-c")
            .arg(&self.dovecot_conf)
            .args(["kick", user])
            .output();
    }
    /// An HS256 JWT for `user` that Dovecot's oauth2 passdb checks locally, expiring at
    /// `exp` (seconds since 1970), written to a file; the token command prints it.
    pub fn token_command(&self, dir: &Path, user: &str, exp: i64) -> Auth {
        let now = chrono::Utc::now().timestamp();
        let header = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims =
            b64url(format!(r#"{{"sub":"{user}","iat":{},"exp":{exp}}}"#, now - 60).as_bytes());
        let signing = format!("{header}.{claims}");
        let sig = b64url(&hmac_sha256(&self.oauth2_key, signing.as_bytes()));
        let path = dir.join(format!("token-{exp}"));
        std::fs::write(&path, format!("{signing}.{sig}\n")).unwrap();
        Auth::OAuth2(TokenCommand {
            command: format!("cat '{}'", path.display()),
        })
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .to_vec()
}

fn b64url(b: &[u8]) -> String {
    base64_simd::URL_SAFE_NO_PAD.encode_to_string(b)
}

fn base64_decode(s: &str) -> Vec<u8> {
    base64_simd::STANDARD
        .decode_to_vec(s.trim().as_bytes())
        .unwrap()
}

#[test]
fn hmac_matches_rfc4231_case_2() {
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    assert_eq!(
        hex::encode(mac),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}
