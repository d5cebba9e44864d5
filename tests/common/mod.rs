//! Shared helpers of the integration tests: the real Kumamoto database (imported once by the real
//! binary) and a real server on a free port.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// The kanwamap binary built for these tests.
pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_kanwamap"))
}

/// The real data directory (`KANWAMAP_DATA_DIR`, else `var/data`).
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("KANWAMAP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("var/data"));
    assert!(
        dir.join("01_mhlw_facilities").is_dir(),
        "no data in {}: run scripts/fetch-data.sh",
        dir.display()
    );
    dir
}

/// Runs the binary and returns (status ok, stdout, stderr).
pub fn run(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(binary()).args(args).output().expect("run kanwamap");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The Kumamoto database, imported by the real binary once and reused while it is newer than the
/// binary. Imports go to a temporary file renamed into place, so parallel test processes are safe.
pub fn kumamoto_db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| imported_once("kumamoto", "43"))
}

/// The national registry (`--prefecture all`: every prefecture's areas and hospitals, and what the
/// data directory holds per prefecture), imported by the real binary once, like [`kumamoto_db`].
pub fn national_db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| imported_once("national", "all"))
}

/// Imports `prefecture` into `<name>.sqlite` under the test directory unless a database newer than
/// the binary is there; the summary goes to `<name>.import-summary.txt`.
fn imported_once(name: &str, prefecture: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kanwamap-tests");
    std::fs::create_dir_all(&dir).expect("test directory");
    let db = dir.join(format!("{name}.sqlite"));
    let fresh = matches!((modified(&db), modified(binary())), (Some(d), Some(b)) if d > b);
    if !fresh {
        let tmp = dir.join(format!("{name}-{}.sqlite", std::process::id()));
        let report = dir.join(format!("{name}.import-rejections.csv"));
        let (ok, stdout, stderr) = run(&[
            "import",
            "--data-dir",
            data_dir().to_str().expect("utf-8 path"),
            "--prefecture",
            prefecture,
            "--db",
            tmp.to_str().expect("utf-8 path"),
            "--report",
            report.to_str().expect("utf-8 path"),
        ]);
        assert!(ok, "import failed:\n{stdout}\n{stderr}");
        std::fs::write(dir.join(format!("{name}.import-summary.txt")), &stdout).expect("write summary");
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        std::fs::rename(&tmp, &db).expect("move database into place");
    }
    db
}

/// A running `kanwamap serve` on a free port, killed on drop.
pub struct Server {
    child: Child,
    /// e.g. `http://127.0.0.1:40123`.
    pub base: String,
}

impl Server {
    /// Starts the server on the Kumamoto database and waits until it listens.
    pub fn start() -> Server {
        Server::start_with(kumamoto_db(), &[])
    }

    /// Starts the server on a database with extra arguments.
    pub fn start_with(db: &Path, extra: &[&str]) -> Server {
        let log_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kanwamap-tests");
        std::fs::create_dir_all(&log_dir).expect("log directory");
        let log = std::fs::File::create(log_dir.join(format!("server-{}.log", std::process::id())))
            .expect("server log");
        let mut command = Command::new(binary());
        command
            .args(["serve", "--db", db.to_str().expect("utf-8 path"), "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log);
        // A server shared through a static is never dropped: have the kernel stop it when the test
        // process exits, however it exits.
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        // PR_SET_PDEATHSIG follows the spawning *thread*, so spawn from one that lives as long as
        // the test process.
        let (spawned_tx, spawned_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = spawned_tx.send(command.spawn());
            loop {
                std::thread::park();
            }
        });
        let mut child = spawned_rx.recv().expect("spawner thread").expect("start kanwamap serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let base = rx.recv_timeout(Duration::from_secs(60)).expect("server printed its address within 60 s");
        Server { child, base }
    }

    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET a path; returns status, content type and body.
    pub fn get(&self, path: &str) -> (u16, String, String) {
        http_get(&self.url(path))
    }

    /// GET a path expecting 200 JSON.
    pub fn json(&self, path: &str) -> serde_json::Value {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: invalid JSON ({e}): {body}"))
    }
}

impl Server {
    /// Kills the server with SIGKILL (no shutdown, no flush) and waits for it to be gone.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking GET (reqwest without its blocking feature, on a throwaway runtime): status, content
/// type, body.
pub fn http_get(url: &str) -> (u16, String, String) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let response = reqwest::get(url).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = response.text().await.unwrap_or_default();
        (status, content_type, body)
    })
}

/// A private copy of the Kumamoto database for a test that writes.
pub fn kumamoto_db_copy(dir: &Path) -> PathBuf {
    let db = dir.join("kumamoto.sqlite");
    std::fs::copy(kumamoto_db(), &db).expect("copy the Kumamoto database");
    db
}

/// Issues a pharmacy token with the real CLI and returns the secret it printed.
pub fn issue_token(db: &Path, facility: &str) -> String {
    let (ok, stdout, stderr) =
        run(&["token", "issue", "--facility", facility, "--db", db.to_str().expect("utf-8 path")]);
    assert!(ok, "token issue failed: {stderr}");
    stdout.trim().to_owned()
}

/// An HTTP answer: status, headers (lower-case names), body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body text.
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", self.body))
    }
}

/// One request with an optional bearer token and body, on a throwaway runtime. Connection errors
/// come back as Err (the crash test expects them).
pub fn http(method: &str, url: &str, bearer: Option<&str>, body: Option<String>) -> Result<Answer, String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = client.request(method, url).timeout(Duration::from_secs(30));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.map_err(|e| e.to_string())?;
        Ok(Answer { status, headers, body })
    })
}

/// A GET returning the raw body (for vector tiles): status and bytes.
pub fn get_bytes(url: &str) -> (u16, Vec<u8>) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let response = reqwest::get(url).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        (status, response.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
    })
}
