//! Runs one program as a whole process and measures what the page reports of it: wall time from
//! spawn to exit and peak resident memory (GNU time's `%M`, the program alone).

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One run of one program.
#[derive(Clone, Debug)]
pub(crate) struct Sample {
    pub(crate) wall: Duration,
    pub(crate) peak_rss_kib: u64,
    pub(crate) stdout: Vec<u8>,
}

/// Runs `command` to its end with stdout captured into `stdout_file` (read back after the clock
/// stopped, so that a pipe reader never slows the program), stderr kept for the error message.
pub(crate) fn run(command: &mut Command, stdout_file: &Path) -> Result<Sample, String> {
    let out = File::create(stdout_file)
        .map_err(|e| format!("cannot create {}: {e}", stdout_file.display()))?;
    let err_path = stdout_file.with_extension("stderr");
    let err = File::create(&err_path)
        .map_err(|e| format!("cannot create {}: {e}", err_path.display()))?;
    // The peak RSS comes from GNU time, which forks the program from its own small process:
    // wait4 on a child spawned from here would report at least this process's own peak, which
    // Linux hands down through the vfork that spawns it.
    let rss_path = stdout_file.with_extension("rss");
    let mut timed = Command::new("/usr/bin/time");
    timed
        .args(["-f", "%M", "-o"])
        .arg(&rss_path)
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    let start = Instant::now();
    let child = timed
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let status = wait_for(child.id())?;
    let wall = start.elapsed();
    let peak_rss_kib = std::fs::read_to_string(&rss_path)
        .ok()
        .and_then(|text| text.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0);
    let stdout = std::fs::read(stdout_file).unwrap_or_default();
    if status != 0 {
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        let tail: String = stderr
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        return Err(format!(
            "{command:?} failed (wait status {status}):\n{tail}"
        ));
    }
    Ok(Sample {
        wall,
        peak_rss_kib,
        stdout,
    })
}

/// Waits for the child `pid` (spawned, never waited for through `Child`) and returns its wait
/// status.
fn wait_for(pid: u32) -> Result<i32, String> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| format!("process id {pid} out of range"))?;
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: `status` is valid for writes for the duration of the call.
        let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
        if rc == pid {
            return Ok(status);
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("waiting for process {pid}: {error}"));
        }
    }
}

/// The median of `values` (the lower middle one for an even count); `None` when empty.
pub(crate) fn median<T: Copy + PartialOrd>(values: &[T]) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    sorted.get(sorted.len().saturating_sub(1) / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(&[3, 1, 2]), Some(2));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2));
        assert_eq!(median::<u32>(&[]), None);
    }

    #[test]
    fn a_process_is_timed_and_its_memory_read() {
        let dir = std::env::temp_dir().join(format!("esx-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sample = run(
            Command::new("sh").args(["-c", "echo hello"]),
            &dir.join("out"),
        )
        .unwrap();
        assert_eq!(sample.stdout, b"hello\n");
        assert!(sample.peak_rss_kib > 0);
        let failed = run(
            Command::new("sh").args(["-c", "echo broken >&2; exit 3"]),
            &dir.join("out"),
        )
        .unwrap_err();
        assert!(failed.contains("broken"), "{failed}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
