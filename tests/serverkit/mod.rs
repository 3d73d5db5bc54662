//! Running a branch server inside a test, and pointing the current OS login at a staff member
//! (the server knows people only by the uid that connects, and every test connects as this one).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mingdan::domain::{Login, Permission, Staff, StaffNo};
use mingdan::server::{RemoteApi, ServeOptions, Server, StopHandle, Timeouts};
use mingdan::service::{Api, Service, Session};

pub fn my_login() -> String {
    mingdan::os::os_login().unwrap()
}

/// Gives this process's OS login to staff member `no` (creating admin `no` if absent), taking it
/// from whoever had it. `admin` is an administrator other than `no`.
pub fn map_me(service: &Arc<Service>, admin: &str, no: &str) {
    let admin = Session::new(service.clone(), StaffNo::parse(admin).unwrap());
    let me = Login::parse(&my_login()).unwrap();
    for s in admin.list_staff().unwrap() {
        if s.login.as_ref() == Some(&me) && s.no.as_str() != no {
            admin.save_staff(Staff { login: None, ..s }).unwrap();
        }
    }
    let existing = admin.list_staff().unwrap().into_iter().find(|s| s.no.as_str() == no);
    let staff = match existing {
        Some(s) => Staff { login: Some(me), ..s },
        None => Staff {
            no: StaffNo::parse(no).unwrap(),
            name: "测试管理员".into(),
            role: mingdan::domain::JobRole::new("后台管理人员"),
            outlet: mingdan::domain::OutletId::parse("城关").unwrap(),
            login: Some(me),
            permission: Permission::Admin,
            scope: mingdan::domain::Scope::Branch,
            active: true,
        },
    };
    admin.save_staff(staff).unwrap();
}

/// Takes this process's OS login away from everyone.
pub fn unmap_me(service: &Arc<Service>, admin: &str) {
    let admin = Session::new(service.clone(), StaffNo::parse(admin).unwrap());
    let me = Login::parse(&my_login()).unwrap();
    for s in admin.list_staff().unwrap() {
        if s.login.as_ref() == Some(&me) {
            admin.save_staff(Staff { login: None, ..s }).unwrap();
        }
    }
}

pub struct Running {
    pub socket: PathBuf,
    stop: StopHandle,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

pub fn options(dir: &Path) -> ServeOptions {
    ServeOptions::new(dir.join("run").join("mingdan.sock"))
}

/// Starts a server on `service` in this process; it is listening when this returns.
pub fn serve(service: Arc<Service>, opts: ServeOptions) -> Running {
    let server = Server::bind(service, opts).unwrap();
    let socket = server.socket().to_path_buf();
    let stop = server.stop_handle().unwrap();
    let thread = std::thread::spawn(move || server.run());
    Running { socket, stop, thread: Some(thread) }
}

pub fn serve_in(service: Arc<Service>, dir: &Path) -> Running {
    serve(service, options(dir))
}

pub fn short_timeouts() -> Timeouts {
    Timeouts {
        handshake: Duration::from_millis(500),
        idle: Duration::from_secs(5),
        frame: Duration::from_millis(500),
        write: Duration::from_secs(5),
        drain: Duration::from_secs(5),
    }
}

impl Running {
    pub fn connect(&self) -> RemoteApi {
        RemoteApi::connect(&self.socket).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Stops as SIGTERM would and waits for the server to finish.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.stop.stop();
        self.thread.take().map(|t| t.join().unwrap()).unwrap_or(Ok(()))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.stop.stop();
            let _ = t.join();
        }
    }
}

/// Waits for `cond`, failing the test after `limit`.
pub fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Percentile of sorted durations, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}
