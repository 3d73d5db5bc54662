//! `mingdan serve`: owns the store and answers sessions over a Unix socket, one thread per
//! connection. The identity of each connection comes from the kernel (peer credentials), never
//! from the client, and is settled before a byte from the client is read: each connection is
//! charged to its uid at accept (see `limits`), and a uid with no staff record that is not the
//! service account is answered and dropped. A request's declared length is charged to its uid
//! before its body is read; it is read whole before the service sees it, and the answer is
//! written only after the service has flushed, so a client that vanishes mid-request leaves
//! either the whole write or nothing.

use std::collections::HashMap;
use std::io::Write;
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use super::limits::{Buffered, Event, FloodLog, Limits, OverBudget};
use super::peer::{Peer, peer};
use super::wire::{self, Greeting, Hello, WireError};
use crate::service::{Request, Response, Service, ServiceError};

/// How long the server waits for each side of a conversation.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From connecting to a complete handshake.
    pub handshake: Duration,
    /// Between requests. A live TUI asks about changes every second, so only a stopped or
    /// vanished client reaches this; it reconnects by itself if it comes back.
    pub idle: Duration,
    /// From the first byte of a request to its last.
    pub frame: Duration,
    /// For a client to take its answer.
    pub write: Duration,
    /// On shutdown, for requests in flight to finish. Together with `STOP_FLUSH` it bounds how
    /// long SIGTERM takes (under 10 s by default) even when a request is stuck inside sled on a
    /// damaged store.
    pub drain: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            handshake: Duration::from_secs(10),
            idle: Duration::from_secs(15 * 60),
            frame: Duration::from_secs(60),
            write: Duration::from_secs(60),
            drain: Duration::from_secs(4),
        }
    }
}

/// How `mingdan serve` is run: where it listens, who may connect, and what each account may hold.
pub struct ServeOptions {
    pub socket: PathBuf,
    /// The group whose members may connect; the socket is given to it with mode 0660.
    pub group: Option<String>,
    /// The uid that may back up and check without a staff record: the service account itself.
    pub service_uid: Option<u32>,
    /// uid → login; the password database unless a test says otherwise.
    pub login_of: fn(u32) -> Option<String>,
    pub timeouts: Timeouts,
    /// Connections and request bytes, in all and per uid (see `Limits`).
    pub limits: Limits,
}

impl ServeOptions {
    /// Defaults: no group, no service account, the password database, `Timeouts::default()`,
    /// `Limits::default()`.
    pub fn new(socket: PathBuf) -> ServeOptions {
        ServeOptions {
            socket,
            group: None,
            service_uid: None,
            login_of: crate::os::login_of_uid,
            timeouts: Timeouts::default(),
            limits: Limits::default(),
        }
    }
}

/// Who a connection acts as, decided once from its peer credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Staff { login: String, greeting: Greeting },
    ServiceAccount { login: String, greeting: Greeting },
}

impl Identity {
    pub fn greeting(&self) -> &Greeting {
        match self {
            Identity::Staff { greeting, .. } | Identity::ServiceAccount { greeting, .. } => greeting,
        }
    }
}

/// uid → login → staff member. An unknown or inactive login is refused with the service's message,
/// which tells them to ask an administrator; the service account is let in for operations only.
pub fn identify(
    service: &Service,
    uid: u32,
    login_of: fn(u32) -> Option<String>,
    service_uid: Option<u32>,
) -> Result<Identity, ServiceError> {
    let login = login_of(uid).ok_or_else(|| {
        ServiceError::UnknownUser(format!(
            "无法确定系统用户 uid {uid} 的登录名，不能识别您的身份。请联系管理员检查该账户"
        ))
    })?;
    let server_version = env!("CARGO_PKG_VERSION").to_string();
    match service.staff_for_login(&login) {
        Ok(s) => Ok(Identity::Staff {
            greeting: Greeting {
                who: format!("{}（{}）", s.name, s.no), staff: Some(s.no), server_version
            },
            login,
        }),
        Err(ServiceError::UnknownUser(_)) if service_uid == Some(uid) => Ok(Identity::ServiceAccount {
            greeting: Greeting { who: format!("服务账户 {login}"), staff: None, server_version },
            login,
        }),
        Err(e) => Err(e),
    }
}

/// Open connections, so shutdown can stop their reads, and what each uid holds.
#[derive(Default)]
struct Registry {
    stopping: bool,
    next: u64,
    open: HashMap<u64, UnixStream>,
    /// Open connections per uid, refused and accepted alike, counted from the moment of accept.
    per_uid: HashMap<u32, usize>,
}

struct Shared {
    service: Arc<Service>,
    login_of: fn(u32) -> Option<String>,
    service_uid: Option<u32>,
    timeouts: Timeouts,
    limits: Limits,
    registry: Mutex<Registry>,
    closed: Condvar,
    buffered: Mutex<Buffered>,
    flood: Mutex<FloodLog>,
}

impl Shared {
    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes a line about `peer` unless its uid has already had its share of such lines this
    /// minute; the rest are counted and summarised.
    fn note(&self, peer: &Peer, event: Event, line: impl FnOnce(&str) -> String) {
        let login_of = self.login_of;
        let lines = self.flood.lock().unwrap_or_else(|p| p.into_inner()).note(
            Instant::now(),
            peer.uid,
            event,
            || {
                let who = who(peer.uid, login_of(peer.uid).as_deref());
                let text = line(&format!("{who}{}", peer.pid.map_or(String::new(), |p| format!(" pid {p}"))));
                (who, text)
            },
        );
        lines.into_iter().for_each(log);
    }

    /// Summaries of the flood log's ended windows, or of all of them when the server stops.
    fn flush_flood_log(&self, all: bool) {
        let mut flood = self.flood.lock().unwrap_or_else(|p| p.into_inner());
        let lines = if all { flood.drain() } else { flood.ended(Instant::now()) };
        drop(flood);
        lines.into_iter().for_each(log);
    }

    fn flood_log_pending(&self) -> bool {
        !self.flood.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    /// Charges a request's declared length to its sender's uid until the guard is dropped.
    fn reserve(&self, uid: u32, size: usize) -> Result<Reservation<'_>, OverBudget> {
        self.buffered.lock().unwrap_or_else(|p| p.into_inner()).reserve(uid, size, &self.limits)?;
        Ok(Reservation { shared: self, uid, size })
    }
}

/// A request's bytes, charged to its uid while it is received and answered.
struct Reservation<'a> {
    shared: &'a Shared,
    uid: u32,
    size: usize,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.shared.buffered.lock().unwrap_or_else(|p| p.into_inner()).release(self.uid, self.size);
    }
}

/// "uid 1001（登录名 wangfang）", or "uid 1001（无登录名）" for a uid the password database
/// does not know.
fn who(uid: u32, login: Option<&str>) -> String {
    match login {
        Some(l) => format!("uid {uid}（登录名 {}）", l.escape_debug()),
        None => format!("uid {uid}（无登录名）"),
    }
}

pub struct Server {
    shared: Arc<Shared>,
    listener: UnixListener,
    socket: PathBuf,
    wake_rx: UnixStream,
    wake_tx: UnixStream,
}

/// Asks a running server to stop as SIGTERM does: stop accepting, finish, flush, exit.
#[derive(Clone)]
pub struct StopHandle(Arc<UnixStream>);

impl StopHandle {
    pub fn stop(&self) {
        let _ = (&*self.0).write_all(b"x");
    }
}

fn log(msg: impl std::fmt::Display) {
    eprintln!("{} mingdan serve：{msg}", crate::os::branch_now().format("%Y-%m-%d %H:%M:%S"));
}

impl Server {
    /// Binds the socket, replacing a stale one left by a server that died, and sets its
    /// permissions. Refuses if another server is answering on it.
    pub fn bind(service: Arc<Service>, opts: ServeOptions) -> Result<Server> {
        opts.limits.check().map_err(|e| anyhow!(e))?;
        let gid = match &opts.group {
            Some(g) => Some(crate::os::gid_of_group(g).ok_or_else(|| {
                anyhow!("找不到用户组 {g}。请先创建它并把可以使用 mingdan 的员工加入：sudo groupadd {g}")
            })?),
            None => None,
        };
        let socket = opts.socket.clone();
        prepare_socket_dir(&socket, gid)?;
        if let Ok(meta) = std::fs::symlink_metadata(&socket) {
            if !meta.file_type().is_socket() {
                bail!("{} 已存在且不是套接字文件，不会覆盖；请换一个 --socket 路径", socket.display());
            }
            if UnixStream::connect(&socket).is_ok() {
                bail!("已有 mingdan serve 在 {} 上运行；同一时间只能有一个", socket.display());
            }
            // Left by a server that was killed; nobody is listening on it.
            std::fs::remove_file(&socket)
                .with_context(|| format!("无法删除旧的套接字 {}", socket.display()))?;
        }
        let listener =
            UnixListener::bind(&socket).with_context(|| format!("无法在 {} 上监听", socket.display()))?;
        // The peer-credential check is the security boundary; the mode keeps everyone outside
        // the group from even connecting.
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o660))
            .with_context(|| format!("无法设置 {} 的权限", socket.display()))?;
        if let Some(gid) = gid {
            chown_group(&socket, gid)?;
        }
        listener.set_nonblocking(true)?;
        let (wake_rx, wake_tx) = UnixStream::pair()?;
        let shared = Arc::new(Shared {
            service,
            login_of: opts.login_of,
            service_uid: opts.service_uid,
            timeouts: opts.timeouts,
            limits: opts.limits,
            registry: Mutex::new(Registry::default()),
            closed: Condvar::new(),
            buffered: Mutex::new(Buffered::default()),
            flood: Mutex::new(FloodLog::new(Duration::from_secs(60))),
        });
        Ok(Server { shared, listener, socket, wake_rx, wake_tx })
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    pub fn stop_handle(&self) -> Result<StopHandle> {
        Ok(StopHandle(Arc::new(self.wake_tx.try_clone()?)))
    }

    /// Makes SIGTERM, SIGINT and SIGHUP stop the server gracefully.
    pub fn stop_on_signals(&self) -> Result<()> {
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT, signal_hook::consts::SIGHUP] {
            signal_hook::low_level::pipe::register(sig, self.wake_tx.try_clone()?)?;
        }
        Ok(())
    }

    /// Serves until stopped; then stops accepting, lets requests in flight finish, flushes,
    /// removes the socket and returns.
    pub fn run(self) -> Result<()> {
        let Server { shared, listener, socket, wake_rx, wake_tx: _wake_tx } = self;
        log(format!(
            "开始服务，套接字 {}，数据库 {}",
            socket.display(),
            shared.service.store_path().display()
        ));
        let sealer = Sealer::start(shared.service.clone());
        let result = accept_loop(&shared, &listener, &wake_rx);
        sealer.stop();
        // New clients now find no server and say so; those already connected finish.
        let _ = std::fs::remove_file(&socket);
        drop(listener);
        let unfinished = drain(&shared);
        if unfinished > 0 {
            log(format!(
                "{unfinished} 个请求在 {} 秒内没有结束（可能卡在损坏的数据库中），不再等待",
                shared.timeouts.drain.as_secs()
            ));
        }
        shared.flush_flood_log(true);
        keep_search_index(&shared.service);
        let flushed = last_flush(&shared.service);
        match (&result, &flushed) {
            (Ok(()), Ok(())) if unfinished == 0 => log("已停止：所有请求已完成，数据已写入磁盘"),
            (Ok(()), Ok(())) => log("已停止：已确认的写入都已在磁盘上"),
            (_, Err(e)) => log(format!("停止时{e}")),
            _ => {}
        }
        result?;
        flushed?;
        if unfinished > 0 {
            bail!("{unfinished} 个请求在停止时没有结束，已放弃等待；请运行 mingdan check 检查数据库");
        }
        Ok(())
    }
}

/// How often the sealer looks for an epoch to seal (see `Service::seal_due`): a key is kept at
/// most this long past its epoch, and records written after a seal wait at most an epoch and
/// this long for the next.
const SEAL_TICK: Duration = Duration::from_secs(10);

/// The audit sealing timer: a thread calling `Service::seal_due` every `SEAL_TICK`, logging a
/// failure once (and again only when it changes), until stopped.
struct Sealer {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sealer {
    fn start(service: Arc<Service>) -> Sealer {
        Sealer::every(SEAL_TICK, move || service.seal_due())
    }

    /// Calls `seal` every `tick` until stopped; a panic in it is logged like an error.
    fn every(
        tick: Duration,
        seal: impl Fn() -> Result<Option<u64>, ServiceError> + Send + 'static,
    ) -> Sealer {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("mingdan-seal".into())
            .spawn(move || {
                let mut last_error: Option<String> = None;
                let mut next = Instant::now();
                while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                    if Instant::now() >= next {
                        next = Instant::now() + tick;
                        // A bug in sealing must be logged and retried, not end the thread and
                        // sealing with it unseen.
                        let sealed = std::panic::catch_unwind(AssertUnwindSafe(&seal)).unwrap_or_else(|_| {
                            Err(ServiceError::Store(
                                "封存时出现内部错误（程序缺陷），稍后重试；请把服务器日志交给维护人员".into(),
                            ))
                        });
                        match sealed {
                            Ok(_) => {
                                if last_error.take().is_some() {
                                    log("审计封存已恢复");
                                }
                            }
                            Err(e) => {
                                let msg = e.to_string();
                                if last_error.as_ref() != Some(&msg) {
                                    log(format!("审计封存失败：{msg}"));
                                    last_error = Some(msg);
                                }
                            }
                        }
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
            .map_err(|e| log(format!("无法启动审计封存线程（{e}）：本次运行不会封存审计")))
            .ok();
        Sealer { stop, thread }
    }

    /// Tells the thread to end. Not joined: a seal waits for the writer lock, which a request
    /// stuck inside sled may hold forever, and stopping must not wait on it (a seal cut off
    /// by the exit is a transaction that never committed; its key file is replaced by rename).
    fn stop(self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        drop(self.thread);
    }
}

/// How long keeping the search index may take on the way out (about 1 s at a million clients; it
/// gives up at once when a stuck request holds the writer lock); beyond it the next start builds
/// the index instead. With the drain and the last flush, SIGTERM still ends the server in 10 s.
const STOP_KEEP_INDEX: Duration = Duration::from_secs(4);

/// Keeps the search index beside the store so the next start reads it instead of building it
/// (`Service::keep_search_index`), on a worker so a writer lock held by a stuck request cannot
/// keep the server from stopping. Abandoned at `STOP_KEEP_INDEX`: the file is written under
/// another name and renamed, so an abandoned one is never taken for the index.
fn keep_search_index(service: &Arc<Service>) {
    let worker = service.clone();
    match crate::store::deadline::run("keep-index", STOP_KEEP_INDEX, move || worker.keep_search_index()) {
        Ok(Ok(true)) => log("已保存搜索索引，下次启动时直接读取"),
        Ok(Ok(false)) => {}
        Ok(Err(e)) => log(format!("{e}；下次启动时将重新建立搜索索引")),
        Err(_) => log(format!(
            "保存搜索索引在 {} 秒内没有完成，已放弃；下次启动时将重新建立",
            STOP_KEEP_INDEX.as_secs()
        )),
    }
}

/// How long the server's last flush may take. It waits for the writer lock, which a request
/// stuck inside sled may hold forever.
const STOP_FLUSH: Duration = Duration::from_secs(3);

/// The last flush before exiting, on a worker so a stuck one cannot keep the server from
/// stopping (see `store::deadline`); abandoned at `STOP_FLUSH`.
fn last_flush(service: &Arc<Service>) -> Result<()> {
    let path = service.store_path().to_path_buf();
    let service = service.clone();
    match crate::store::deadline::run("flush", STOP_FLUSH, move || service.flush()) {
        Ok(flushed) => Ok(flushed?),
        Err(_) => bail!(
            "最后一次写盘在 {} 秒内没有完成（数据库 {} 可能已损坏，或有请求卡住），已放弃等待；\
             已确认的写入在确认前都已写盘。请运行 mingdan check 检查数据库",
            STOP_FLUSH.as_secs(),
            path.display()
        ),
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &UnixListener, wake: &UnixStream) -> Result<()> {
    let mut flushed = Instant::now();
    loop {
        let mut fds = [
            libc::pollfd { fd: listener.as_raw_fd(), events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: wake.as_raw_fd(), events: libc::POLLIN, revents: 0 },
        ];
        // Woken each second while a flood's count waits to be written, so the summary comes
        // when its minute ends rather than at the next connection.
        let timeout = if shared.flood_log_pending() { 1000 } else { -1 };
        // SAFETY: two live pollfds, as counted.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(anyhow!("等待连接失败：{e}"));
        }
        if fds[1].revents != 0 {
            return Ok(());
        }
        if flushed.elapsed() >= Duration::from_secs(1) {
            shared.flush_flood_log(false);
            flushed = Instant::now();
        }
        if n == 0 {
            continue;
        }
        match listener.accept() {
            Ok((stream, _)) => admit(shared, stream),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // Out of file descriptors and the like: say so, keep serving the others.
            Err(e) => {
                log(format!("接受连接失败：{e}"));
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Takes a new connection on, or refuses it at once. The uid comes from the kernel before
/// anything is read; a uid already holding its share of connections, or a server holding its
/// total, is refused here on the accepting thread, so a flood costs no thread and no buffer.
fn admit(shared: &Arc<Shared>, stream: UnixStream) {
    let peer = match peer(&stream) {
        Ok(p) => p,
        Err(e) => return log(format!("无法取得连接方身份，已断开：{e}")),
    };
    let limits = shared.limits;
    let id = {
        let mut reg = shared.registry();
        if reg.stopping {
            return;
        }
        let held = reg.per_uid.get(&peer.uid).copied().unwrap_or(0);
        if held >= limits.connections_per_uid {
            drop(reg);
            let msg = format!(
                "您的系统账户已同时打开 {held} 个 mingdan 连接，达到每个账户的上限；请关闭不用的 mingdan \
                 窗口后再试。如确需更多，请管理员调整 mingdan serve 的 --max-connections-per-user"
            );
            refuse_at_once(&stream, wire::BUSY, &msg);
            return shared.note(&peer, Event::AccountFull, |who| {
                format!("拒绝 {who}：该账户已有 {held} 个连接，达到每个账户的连接上限")
            });
        }
        if reg.open.len() >= limits.connections {
            drop(reg);
            let msg =
                format!("服务器连接数已满（{}），请稍后再试；如持续出现请联系管理员", limits.connections);
            refuse_at_once(&stream, wire::BUSY, &msg);
            return shared.note(&peer, Event::ServerFull, |who| {
                format!("拒绝 {who}：服务器连接数已满（{}）", limits.connections)
            });
        }
        // Accepted sockets inherit non-blocking mode on some systems; connections use timeouts.
        if stream.set_nonblocking(false).is_err() {
            return;
        }
        let Ok(clone) = stream.try_clone() else { return };
        reg.next += 1;
        let id = reg.next;
        reg.open.insert(id, clone);
        *reg.per_uid.entry(peer.uid).or_default() += 1;
        id
    };
    let thread_shared = shared.clone();
    let spawned = std::thread::Builder::new().name(format!("mingdan-conn-{id}")).spawn(move || {
        let shared = thread_shared;
        serve_connection(&shared, &stream, &peer);
        let _ = stream.shutdown(Shutdown::Both);
        close(&shared, id, peer.uid);
    });
    if let Err(e) = spawned {
        log(format!("无法为新连接创建线程：{e}"));
        close(shared, id, peer.uid);
    }
}

/// Forgets a connection and gives its uid's slot back.
fn close(shared: &Shared, id: u64, uid: u32) {
    let mut reg = shared.registry();
    reg.open.remove(&id);
    if let Some(n) = reg.per_uid.get_mut(&uid) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            reg.per_uid.remove(&uid);
        }
    }
    shared.closed.notify_all();
}

/// Stops every connection's next read, then waits for the threads to finish what they are
/// doing. Returns how many were still open at the deadline.
fn drain(shared: &Shared) -> usize {
    let deadline = Instant::now() + shared.timeouts.drain;
    let mut reg = shared.registry();
    reg.stopping = true;
    for s in reg.open.values() {
        let _ = s.shutdown(Shutdown::Read);
    }
    while !reg.open.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        reg = match shared.closed.wait_timeout(reg, left) {
            Ok((g, _)) => g,
            Err(p) => p.into_inner().0,
        };
    }
    reg.open.len()
}

fn prepare_socket_dir(socket: &Path, gid: Option<u32>) -> Result<()> {
    let Some(dir) = socket.parent().filter(|d| !d.as_os_str().is_empty()) else { return Ok(()) };
    if dir.exists() {
        return Ok(());
    }
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)
        .with_context(|| format!("无法创建套接字目录 {}", dir.display()))?;
    // Group members must be able to reach the socket inside; others must not.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))?;
    if let Some(gid) = gid {
        chown_group(dir, gid)?;
    }
    Ok(())
}

fn chown_group(path: &Path, gid: u32) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: a live NUL-terminated path; uid -1 leaves the owner as it is.
    let rc = unsafe { libc::chown(c.as_ptr(), u32::MAX, gid) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        bail!("无法把 {} 的用户组设为 gid {gid}：{e}。运行 mingdan serve 的账户必须属于该组", path.display());
    }
    Ok(())
}

/// Answers the handshake with our hello and a refusal, without reading a byte of the client's:
/// one write the empty socket buffer takes whole, then the connection is closed. The client
/// reads the refusal even when it finds the connection closed while sending its own hello.
fn refuse_at_once(stream: &UnixStream, status: u8, message: &str) {
    let mut out = Hello::ours().encode();
    out.extend_from_slice(&wire::encode_refusal(status, message));
    // Never wait on a client that does not read: the accepting thread must not stall.
    let _ = stream.set_nonblocking(true);
    let _ = (&*stream).write(&out);
    let _ = stream.shutdown(Shutdown::Write);
}

fn refuse(mut stream: &UnixStream, status: u8, message: &str) {
    let _ = stream.write_all(&wire::encode_refusal(status, message));
}

fn serve_connection(shared: &Shared, stream: &UnixStream, peer: &Peer) {
    let t = shared.timeouts;
    let _ = stream.set_write_timeout(Some(t.write));
    // Who it is, before anything from it is read: a uid with no place here is answered and
    // dropped without its hello ever being looked at.
    let identity = match identify(&shared.service, peer.uid, shared.login_of, shared.service_uid) {
        Ok(i) => i,
        Err(e) => {
            let msg = e.to_string();
            refuse_at_once(stream, wire::UNKNOWN_USER, &msg);
            let reason = msg.lines().next().unwrap_or_default().to_string();
            return shared.note(peer, Event::NotStaff, |who| format!("拒绝 {who}：{reason}"));
        }
    };
    let theirs = match Hello::read_from(&mut wire::Deadline::new(stream, t.handshake)) {
        Ok(h) => h,
        Err(WireError::Closed) => return,
        Err(e) => return shared.note(peer, Event::Trouble, |who| format!("{who} 握手失败：{e}")),
    };
    let ours = Hello::ours();
    if (&*stream).write_all(&ours.encode()).is_err() {
        return;
    }
    if !ours.compatible(&theirs) {
        let msg = Hello::mismatch(&theirs, &ours);
        shared.note(peer, Event::Trouble, |who| format!("拒绝 {who}：{msg}"));
        return refuse(stream, wire::INCOMPATIBLE, &msg);
    }
    let Ok(greeting) = wire::frame(identity.greeting()) else { return };
    let mut accepted = vec![wire::ACCEPTED];
    accepted.extend_from_slice(&greeting);
    if (&*stream).write_all(&accepted).is_err() {
        return;
    }
    let name = identity.greeting().who.clone();
    shared.note(peer, Event::Session, |who| format!("已连接：{name}，{who}"));
    let end = serve_requests(shared, stream, &identity, peer);
    shared.note(peer, Event::Session, |who| format!("已断开：{name}，{who}（{end}）"));
}

/// Answers requests until the client leaves; returns why the connection ended, for the log.
fn serve_requests(shared: &Shared, stream: &UnixStream, identity: &Identity, peer: &Peer) -> String {
    let t = shared.timeouts;
    let send = |answer: &Result<Response, ServiceError>| {
        wire::write_frame(&mut wire::Deadline::new(stream, t.write), answer)
    };
    loop {
        let start = match wire::begin_request(stream, t.idle, t.frame) {
            Ok(s) => s,
            Err(WireError::Closed) => return "客户端退出".into(),
            Err(WireError::TooLarge { size, max }) => {
                let e = ServiceError::Transport(format!("请求过大（{size} 字节，上限 {max} 字节），未执行"));
                let _ = send(&Err(e));
                return "请求过大".into();
            }
            // Nothing of a half-received request reached the service.
            Err(e) => return e.to_string(),
        };
        // Within MAX_REQUEST, checked by begin_request.
        let size = start.len as usize;
        // The declared length is charged before a byte of the body is read, so however many
        // connections an account opens, it never has more than its share in the server's memory.
        let charged = match shared.reserve(peer.uid, size) {
            Ok(r) => r,
            Err(over) => {
                let msg = over.message(size);
                shared.note(peer, Event::OverBudget, |who| format!("拒绝 {who} 的请求：{msg}"));
                // The body is not read: the connection ends, and the client reads this answer
                // even though its sending was cut short.
                let _ = send(&Err(ServiceError::Transport(msg)));
                return "请求超过内存上限，未执行".into();
            }
        };
        let decoded = match start.read_body() {
            Ok(bytes) => wire::decode_request(&bytes),
            Err(e) => return e.to_string(),
        };
        let answer = match decoded {
            Ok(req) => answer(shared, identity, req),
            // The frame boundary is intact, so the connection can go on.
            Err(e) => Err(ServiceError::Transport(format!(
                "服务器无法解析这个请求（{e}）。请确认本机 mingdan 与服务器版本一致"
            ))),
        };
        // The request and its bytes are gone once the service has answered; given back before
        // the answer goes out, so a client that has its answer finds its share free again.
        drop(charged);
        if let Err(e) = send(&answer) {
            // The work is done and flushed either way; only the answer is lost.
            return format!("应答未送达：{e}");
        }
    }
}

fn answer(shared: &Shared, identity: &Identity, req: Request) -> Result<Response, ServiceError> {
    let service = &shared.service;
    let name = req.name();
    // A bug in one request must cost that request, not the server or the other sessions.
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| match identity {
        // The login is looked up again each time, so an administrator's change to the staff
        // directory applies to sessions already open.
        Identity::Staff { login, .. } => {
            service.staff_for_login(login).and_then(|s| service.handle_remote(&s.no, req))
        }
        Identity::ServiceAccount { login, .. } => service.handle_service_account(login, req),
    }));
    outcome.unwrap_or_else(|_| {
        log(format!("请求 {name} 处理中出现内部错误（{}）", identity.greeting().who));
        Err(ServiceError::Store(
            "服务器内部错误，这次操作没有完成。请重试；如再次出现请联系管理员查看服务器日志".into(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn the_sealer_survives_a_panic_in_sealing_and_tries_again() {
        let calls = Arc::new(AtomicU32::new(0));
        let seen = calls.clone();
        let sealer = Sealer::every(Duration::from_millis(1), move || {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("a bug in sealing");
            }
            Ok(None)
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while calls.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        sealer.stop();
        assert!(calls.load(Ordering::SeqCst) >= 2, "the thread ended with the panic");
    }
}
