//! Starting, configuring and stopping one simulator process per test.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Which inventory the simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// A standalone ESX host: `ha-datacenter`, one host, its VMs (`ha-host_VM0`, ...).
    Esx,
    /// A vCenter: datacenters `DC0`.., clusters `DC0_C0` with hosts `DC0_C0_H0`.., standalone hosts
    /// `DC0_H0`, VMs `DC0_H0_VM0`, `DC0_C0_RP0_VM0`...
    Vpx,
}

/// How responses mark XML types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireStyle {
    /// As real ESX and vCenter: `xsi:type`, also on each item of `ArrayOfX` values.
    Xsi,
    /// As vcsim: an `XMLSchema-instance:type` prefix declared per element, untyped array items.
    Vcsim,
}

impl WireStyle {
    /// Both styles, for tests that must pass in each.
    pub const ALL: [WireStyle; 2] = [WireStyle::Xsi, WireStyle::Vcsim];

    fn flag(self) -> &'static str {
        match self {
            WireStyle::Xsi => "xsi",
            WireStyle::Vcsim => "vcsim",
        }
    }
}

/// Options of one simulator; see `tests/vcsim/README.md` for the behaviours behind them.
/// `None` keeps the simulator's default. Debug output leaves the password out.
#[derive(Clone)]
pub struct SimOptions {
    /// An ESX host or a vCenter.
    pub model: Model,
    /// How responses write `xsi:type`.
    pub wire: WireStyle,
    /// Serve https with a fresh CA and server certificate.
    pub tls: bool,
    /// vpx: datacenters.
    pub datacenters: Option<usize>,
    /// vpx: clusters per datacenter.
    pub clusters: Option<usize>,
    /// vpx: hosts per cluster.
    pub hosts_per_cluster: Option<usize>,
    /// vpx: standalone hosts per datacenter.
    pub standalone_hosts: Option<usize>,
    /// VMs per host (esx) or per standalone host and per cluster (vpx).
    pub vms: Option<usize>,
    /// Datastores per datacenter.
    pub datastores: Option<usize>,
    /// Most objects per RetrievePropertiesEx page (default 100).
    pub page_size: Option<usize>,
    /// Expire sessions idle this long.
    pub session_idle_timeout: Option<Duration>,
    /// Run time of power, migrate and extend-disk tasks (default: synchronous).
    pub task_duration: Option<Duration>,
    /// Run time of the tasks of VMs matching `slow_vms` (default 2 s).
    pub slow_task_duration: Option<Duration>,
    /// VM name patterns (shell globs) whose tasks take `slow_task_duration` (default `*slow*`).
    pub slow_vms: Option<Vec<String>>,
    /// VM name patterns that ask a question at each power-on (default `*question*`).
    pub question_vms: Option<Vec<String>>,
    /// VM name patterns whose long tasks cannot be cancelled (default `*noncancel*`).
    pub noncancelable_vms: Option<Vec<String>>,
    /// Require a session for RetrieveProperties(Ex) and `/folder`, as real servers (default true).
    /// Refuse calls without a session, as real servers do.
    pub strict_sessions: bool,
    /// Write a minimal .vmx for VMs whose .vmx is empty (default true).
    pub write_vmx: bool,
    /// The user name the simulator accepts.
    pub username: String,
    /// The password the simulator accepts.
    pub password: String,
    /// Further command-line flags, passed as they are.
    pub extra_args: Vec<String>,
}

impl SimOptions {
    /// The defaults for a model: xsi wire style, plain http, user `user`, password `pass`.
    pub fn new(model: Model) -> SimOptions {
        SimOptions {
            model,
            wire: WireStyle::Xsi,
            tls: false,
            datacenters: None,
            clusters: None,
            hosts_per_cluster: None,
            standalone_hosts: None,
            vms: None,
            datastores: None,
            page_size: None,
            session_idle_timeout: None,
            task_duration: None,
            slow_task_duration: None,
            slow_vms: None,
            question_vms: None,
            noncancelable_vms: None,
            strict_sessions: true,
            write_vmx: true,
            username: "user".to_string(),
            password: "pass".to_string(),
            extra_args: Vec::new(),
        }
    }

    /// An ESX host (2 VMs).
    pub fn esx() -> SimOptions {
        SimOptions::new(Model::Esx)
    }

    /// A vCenter (1 datacenter, a cluster of 3 hosts, 1 standalone host, 2 VMs each).
    pub fn vpx() -> SimOptions {
        SimOptions::new(Model::Vpx)
    }

    /// A vCenter holding exactly `vms` VMs: one datacenter, one cluster of 4 hosts, no standalone
    /// host (the benchmark inventory: 10,000 VMs start in about 10 s).
    pub fn vpx_with_vms(vms: usize) -> SimOptions {
        let mut options = SimOptions::vpx();
        options.clusters = Some(1);
        options.hosts_per_cluster = Some(4);
        options.standalone_hosts = Some(0);
        options.vms = Some(vms);
        options
    }

    /// Sets how responses write `xsi:type`.
    pub fn wire(mut self, wire: WireStyle) -> SimOptions {
        self.wire = wire;
        self
    }

    /// Serves https (with a fresh CA and certificate) when `tls`.
    pub fn tls(mut self, tls: bool) -> SimOptions {
        self.tls = tls;
        self
    }

    /// Sets the number of VMs per resource pool (`-vms`).
    pub fn vms(mut self, vms: usize) -> SimOptions {
        self.vms = Some(vms);
        self
    }

    /// Makes property retrievals page after `size` objects.
    pub fn page_size(mut self, size: usize) -> SimOptions {
        self.page_size = Some(size);
        self
    }

    /// Expires sessions idle for `timeout`.
    pub fn session_idle_timeout(mut self, timeout: Duration) -> SimOptions {
        self.session_idle_timeout = Some(timeout);
        self
    }

    /// Makes tasks run for `duration` instead of finishing at once.
    pub fn task_duration(mut self, duration: Duration) -> SimOptions {
        self.task_duration = Some(duration);
        self
    }

    /// VMs (name patterns) whose power-on asks a question first.
    pub fn question_vms<S: Into<String>>(
        mut self,
        patterns: impl IntoIterator<Item = S>,
    ) -> SimOptions {
        self.question_vms = Some(patterns.into_iter().map(Into::into).collect());
        self
    }

    /// VMs (name patterns) whose tasks cannot be cancelled.
    pub fn noncancelable_vms<S: Into<String>>(
        mut self,
        patterns: impl IntoIterator<Item = S>,
    ) -> SimOptions {
        self.noncancelable_vms = Some(patterns.into_iter().map(Into::into).collect());
        self
    }

    /// The only user name and password the simulator accepts.
    pub fn credentials(mut self, username: &str, password: &str) -> SimOptions {
        self.username = username.to_string();
        self.password = password.to_string();
        self
    }

    /// Passes one more command-line flag as it is.
    pub fn arg(mut self, arg: impl Into<String>) -> SimOptions {
        self.extra_args.push(arg.into());
        self
    }

    /// The simulator's command line.
    pub fn args(&self) -> Vec<String> {
        let mut a: Vec<String> = vec![
            "-exit-on-stdin-eof".into(),
            format!(
                "-model={}",
                match self.model {
                    Model::Esx => "esx",
                    Model::Vpx => "vpx",
                }
            ),
            format!("-wire={}", self.wire.flag()),
            format!("-tls={}", self.tls),
            format!("-strict-sessions={}", self.strict_sessions),
            format!("-vmx={}", self.write_vmx),
            format!("-username={}", self.username),
            format!("-password={}", self.password),
        ];
        let counts = [
            ("dc", self.datacenters),
            ("cluster", self.clusters),
            ("host", self.hosts_per_cluster),
            ("standalone-host", self.standalone_hosts),
            ("vm", self.vms),
            ("ds", self.datastores),
            ("page-size", self.page_size),
        ];
        for (flag, value) in counts {
            if let Some(v) = value {
                a.push(format!("-{flag}={v}"));
            }
        }
        let durations = [
            ("session-idle-timeout", self.session_idle_timeout),
            ("task-duration", self.task_duration),
            ("slow-task-duration", self.slow_task_duration),
        ];
        for (flag, value) in durations {
            if let Some(d) = value {
                a.push(format!("-{flag}={}ms", d.as_millis()));
            }
        }
        let lists = [
            ("slow-vms", &self.slow_vms),
            ("question-vms", &self.question_vms),
            ("noncancelable-vms", &self.noncancelable_vms),
        ];
        for (flag, value) in lists {
            if let Some(v) = value {
                a.push(format!("-{flag}={}", v.join(",")));
            }
        }
        a.extend(self.extra_args.iter().cloned());
        a
    }
}

impl fmt::Debug for SimOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimOptions")
            .field("model", &self.model)
            .field("wire", &self.wire)
            .field("tls", &self.tls)
            .field("datacenters", &self.datacenters)
            .field("clusters", &self.clusters)
            .field("hosts_per_cluster", &self.hosts_per_cluster)
            .field("standalone_hosts", &self.standalone_hosts)
            .field("vms", &self.vms)
            .field("datastores", &self.datastores)
            .field("page_size", &self.page_size)
            .field("session_idle_timeout", &self.session_idle_timeout)
            .field("task_duration", &self.task_duration)
            .field("slow_task_duration", &self.slow_task_duration)
            .field("slow_vms", &self.slow_vms)
            .field("question_vms", &self.question_vms)
            .field("noncancelable_vms", &self.noncancelable_vms)
            .field("strict_sessions", &self.strict_sessions)
            .field("write_vmx", &self.write_vmx)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("extra_args", &self.extra_args)
            .finish()
    }
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions::esx()
    }
}

/// Why a simulator could not be started or controlled.
#[derive(Debug)]
pub struct SimError(String);

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SimError {}

fn err(msg: impl Into<String>) -> SimError {
    SimError(msg.into())
}

/// A running simulator; dropping it stops the process (it also exits by itself when the test
/// process dies, as its stdin closes).
pub struct Simulator {
    child: Child,
    stdin: Option<ChildStdin>,
    url: String,
    control: String,
    thumbprint: Option<String>,
    ca_pem: Option<String>,
    cert_pem: Option<String>,
    ca_file: Option<PathBuf>,
    temp: PathBuf,
    options: SimOptions,
    log: Arc<Mutex<String>>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("url", &self.url)
            .field("pid", &self.child.id())
            .field("model", &self.options.model)
            .field("wire", &self.options.wire)
            .finish_non_exhaustive()
    }
}

/// How long a simulator may take to build its inventory (10,000 VMs take about 10 s).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(180);

impl Simulator {
    /// Starts a simulator on a free loopback port and waits until it serves.
    pub fn start(options: SimOptions) -> Result<Simulator, SimError> {
        let binary = binary()?;
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let temp = temp_base().join(format!(
            "esx-rs-vcsim-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&temp)
            .map_err(|e| err(format!("creating {}: {e}", temp.display())))?;
        let mut child = Command::new(&binary)
            .args(options.args())
            .env("TMPDIR", &temp)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                err(format!(
                    "cannot run the simulator {}: {e}",
                    binary.display()
                ))
            })?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");

        let log = Arc::new(Mutex::new(String::new()));
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stderr);
                let mut line = String::new();
                while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
                    log.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push_str(&line);
                    line.clear();
                }
            });
        }
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
                let _ = tx.send(line.trim_end().to_string());
                line.clear();
            }
        });

        let mut lines = Vec::new();
        loop {
            match rx.recv_timeout(STARTUP_TIMEOUT) {
                Ok(line) if line == "ready" => break,
                Ok(line) => lines.push(line),
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let _ = std::fs::remove_dir_all(&temp);
                    std::thread::sleep(Duration::from_millis(50));
                    let log = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
                    return Err(err(format!(
                        "the simulator ({} {}) did not start: {}",
                        binary.display(),
                        options
                            .args()
                            .iter()
                            .map(|a| if a.starts_with("-password=") {
                                "-password=<redacted>"
                            } else {
                                a.as_str()
                            })
                            .collect::<Vec<_>>()
                            .join(" "),
                        if log.is_empty() {
                            "no output".to_string()
                        } else {
                            log
                        }
                    )));
                }
            }
        }

        let mut url = None;
        let mut control = String::new();
        let mut thumbprint = None;
        let mut pem = String::new();
        for line in &lines {
            if let Some(t) = line.strip_prefix("thumbprint=") {
                thumbprint = Some(t.to_string());
            } else if let Some(c) = line.strip_prefix("control=") {
                control = c.to_string();
            } else if line.starts_with("http://") || line.starts_with("https://") {
                url.get_or_insert_with(|| line.clone());
            } else if !line.is_empty() {
                pem.push_str(line);
                pem.push('\n');
            }
        }
        let url = url.ok_or_else(|| err(format!("the simulator printed no URL: {lines:?}")))?;
        // first the server certificate, then its CA
        let blocks: Vec<String> = pem
            .split_inclusive("-----END CERTIFICATE-----\n")
            .filter(|b| b.contains("BEGIN CERTIFICATE"))
            .map(str::to_string)
            .collect();
        let cert_pem = blocks.first().cloned();
        let ca_pem = blocks.get(1).cloned();
        let ca_file = match &ca_pem {
            Some(pem) => {
                let path = temp.join("ca.pem");
                std::fs::write(&path, pem)
                    .map_err(|e| err(format!("writing {}: {e}", path.display())))?;
                Some(path)
            }
            None => None,
        };
        Ok(Simulator {
            child,
            stdin,
            url,
            control,
            thumbprint,
            ca_pem,
            cert_pem,
            ca_file,
            temp,
            options,
            log,
        })
    }

    /// The SDK URL, e.g. `http://127.0.0.1:41234/sdk`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `127.0.0.1:<port>`.
    pub fn host_port(&self) -> &str {
        let rest = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }

    /// The port the SDK listens on.
    pub fn port(&self) -> u16 {
        self.host_port()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// The user name the simulator accepts.
    pub fn username(&self) -> &str {
        &self.options.username
    }

    /// The password the simulator accepts.
    pub fn password(&self) -> &str {
        &self.options.password
    }

    /// The options the simulator was started with.
    pub fn options(&self) -> &SimOptions {
        &self.options
    }

    /// The SHA-256 thumbprint of the server certificate (`AA:BB:...`), with TLS.
    pub fn thumbprint(&self) -> Option<&str> {
        self.thumbprint.as_deref()
    }

    /// PEM of the CA that signed the server certificate (what a client trusts), with TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// PEM of the server certificate itself, with TLS.
    pub fn cert_pem(&self) -> Option<&str> {
        self.cert_pem.as_deref()
    }

    /// A file holding [`Simulator::ca_pem`], removed when the simulator is dropped.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// Plain-http base URL of the `/_sim/` control endpoints.
    pub fn control_url(&self) -> &str {
        &self.control
    }

    /// The process id, e.g. to check that it is gone.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The simulator's temporary folder (its datastores live below it); removed on drop.
    pub fn temp_dir(&self) -> &Path {
        &self.temp
    }

    /// What the simulator logged on stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Ends every session at once, as if all had been idle too long; returns how many there were.
    pub fn expire_sessions(&self) -> Result<usize, SimError> {
        let body = self.control_post("/_sim/expire-sessions")?;
        body.split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                err(format!(
                    "unexpected answer from /_sim/expire-sessions: {body}"
                ))
            })
    }

    /// Maps a new LUN of `capacity` bytes on the iSCSI target `iqn` (a simulator started with
    /// `-iscsi`); the hosts see it after their next rescan. Returns the simulator's answer,
    /// `lun=N canonicalName=naa.ID`.
    pub fn provision_iscsi_lun(&self, iqn: &str, capacity: u64) -> Result<String, SimError> {
        self.control_post(&format!("/_sim/iscsi-lun?target={iqn}&capacity={capacity}"))
    }

    /// Has the simulator collect its garbage now (`POST /_sim/gc`): a benchmark calls it before
    /// each measured run, so that no run pays for the garbage of the one before.
    pub fn collect_garbage(&self) -> Result<(), SimError> {
        self.control_post("/_sim/gc").map(drop)
    }

    fn control_post(&self, path: &str) -> Result<String, SimError> {
        let host = self
            .control
            .strip_prefix("http://")
            .ok_or_else(|| err("the simulator has no control endpoint (-control-listen)"))?;
        let mut stream =
            TcpStream::connect(host).map_err(|e| err(format!("control endpoint {host}: {e}")))?;
        write!(stream, "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .map_err(|e| err(format!("control endpoint: {e}")))?;
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .map_err(|e| err(format!("control endpoint: {e}")))?;
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        if !head.starts_with("HTTP/1.1 200") {
            return Err(err(format!("control endpoint {path}: {head}")));
        }
        Ok(body.trim().to_string())
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        // Closing stdin asks for a clean exit; a simulator that does not go in time is killed.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(3);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.temp);
    }
}

/// Where simulators keep their datastores: `$ESX_VCSIM_TMPDIR`, else `/dev/shm` when available (the
/// initial inventory is tens of thousands of small files, which a busy disk makes slow: 10,000 VMs
/// build in about a third of the time on tmpfs), else the system's temporary folder.
fn temp_base() -> PathBuf {
    if let Some(dir) = std::env::var_os("ESX_VCSIM_TMPDIR") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    let writable = shm.is_dir()
        && shm
            .metadata()
            .map(|m| !m.permissions().readonly())
            .unwrap_or(false);
    if writable {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The workspace root (the parent of this crate).
fn workspace() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// The simulator binary: `$ESX_VCSIM`, else the workspace build, (re)built once per process.
fn binary() -> Result<PathBuf, SimError> {
    if let Some(path) = std::env::var_os("ESX_VCSIM") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(err(format!("ESX_VCSIM={} is not a file", path.display())))
        };
    }
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = workspace();
            let binary = root.join("target/vcsim/vcsim");
            let script = root.join("scripts/vcsim");
            let output = Command::new(&script).arg("build").current_dir(&root).output();
            match output {
                Ok(o) if o.status.success() && binary.is_file() => Ok(binary),
                Ok(o) => Err(format!(
                    "`scripts/vcsim build` failed ({}); it needs the Debian packages golang-go and \
                     golang-github-vmware-govmomi-dev (`scripts/vcsim install`), or set ESX_VCSIM to a built \
                     simulator:\n{}{}",
                    o.status,
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                )),
                Err(e) => Err(format!("cannot run {}: {e}", script.display())),
            }
        })
        .clone()
        .map_err(SimError)
}
