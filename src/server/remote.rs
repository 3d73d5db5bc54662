//! The client side: an `Api` that sends each request to `mingdan serve` over its socket. Screens
//! and commands cannot tell it from the in-process `Session`.

use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::wire::{self, Greeting, Hello, WireError};
use crate::service::{Api, Request, Response, ServiceError};

/// How long a client waits for an answer. Generous: a backup or a large import takes a while,
/// and the server is trusted to answer; this only catches a server that hangs.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no session could be had from a socket path. The CLI decides from this whether to fall
/// back to the embedded store.
#[derive(Debug)]
pub enum ConnectError {
    /// Nothing at that path: no server on this machine.
    Absent,
    /// A socket file no one listens on: the server stopped without removing it.
    NotListening,
    /// The OS would not let us connect: not in the group that may use the server.
    NoPermission(io::Error),
    /// The server answered and refused: wrong version or an unknown login.
    Refused(ServiceError),
    Failed(String),
}

impl ConnectError {
    /// The refusal as the service error a session would return.
    pub fn into_service_error(self, socket: &Path) -> ServiceError {
        match self {
            ConnectError::Refused(e) => e,
            ConnectError::Absent | ConnectError::NotListening => ServiceError::Transport(format!(
                "mingdan 服务器（{}）没有运行。请稍后再试；如持续出现请联系管理员（sudo systemctl status mingdan）",
                socket.display()
            )),
            ConnectError::NoPermission(e) => ServiceError::Transport(format!(
                "没有权限连接 mingdan 服务器 {}（{e}）。请管理员把您的系统账户加入 mingdan 组，然后重新登录",
                socket.display()
            )),
            ConnectError::Failed(m) => ServiceError::Transport(m),
        }
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Absent => write!(f, "套接字不存在"),
            ConnectError::NotListening => write!(f, "套接字存在但没有服务器在监听"),
            ConnectError::NoPermission(e) => write!(f, "没有权限连接：{e}"),
            ConnectError::Refused(e) => write!(f, "{e}"),
            ConnectError::Failed(m) => write!(f, "{m}"),
        }
    }
}

pub struct RemoteApi {
    socket: PathBuf,
    greeting: Greeting,
    /// `None` after a connection broke; the next call connects again.
    conn: Mutex<Option<UnixStream>>,
}

fn failed(socket: &Path, e: impl std::fmt::Display) -> ConnectError {
    ConnectError::Failed(format!("与 mingdan 服务器（{}）握手失败：{e}", socket.display()))
}

/// Connects and shakes hands with our own protocol version; tests pass another to see refusals.
pub fn handshake(socket: &Path, ours: &Hello) -> Result<(UnixStream, Greeting), ConnectError> {
    let stream = UnixStream::connect(socket).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ConnectError::Absent,
        io::ErrorKind::ConnectionRefused => ConnectError::NotListening,
        io::ErrorKind::PermissionDenied => ConnectError::NoPermission(e),
        _ => ConnectError::Failed(format!("无法连接 mingdan 服务器 {}：{e}", socket.display())),
    })?;
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).map_err(|e| failed(socket, e))?;
    stream.set_write_timeout(Some(HANDSHAKE_TIMEOUT)).map_err(|e| failed(socket, e))?;
    if let Err(e) = (&stream).write_all(&ours.encode()) {
        // A server that refuses a uid answers before reading its hello and closes; the refusal
        // is waiting to be read even though sending failed.
        if !peer_closed(&e) {
            return Err(failed(socket, e));
        }
    }
    let theirs = match Hello::read_from(&mut &stream) {
        Ok(h) => h,
        Err(WireError::NotMingdan) => {
            return Err(ConnectError::Failed(format!(
                "{} 上的程序不是 mingdan 服务器，请检查 --socket 或 MINGDAN_SOCKET",
                socket.display()
            )));
        }
        Err(e) => return Err(failed(socket, e)),
    };
    match wire::read_status(&mut &stream).map_err(|e| failed(socket, e))? {
        Ok(()) => {}
        Err((wire::UNKNOWN_USER, msg)) => return Err(ConnectError::Refused(ServiceError::UnknownUser(msg))),
        Err((_, msg)) => return Err(ConnectError::Refused(ServiceError::Transport(msg))),
    }
    // Accepted by a server we cannot understand would be a server bug; say so plainly.
    if !ours.compatible(&theirs) {
        return Err(ConnectError::Refused(ServiceError::Transport(Hello::mismatch(ours, &theirs))));
    }
    let body = wire::read_frame(&mut &stream, wire::MAX_RESPONSE).map_err(|e| failed(socket, e))?;
    let greeting = wire::decode_greeting(&body).map_err(|e| failed(socket, e))?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).map_err(|e| failed(socket, e))?;
    stream.set_write_timeout(Some(ANSWER_TIMEOUT)).map_err(|e| failed(socket, e))?;
    Ok((stream, greeting))
}

/// What went wrong in one exchange, and whether the server can have seen the request.
enum Broken {
    /// The request did not get out: safe to send again on a new connection.
    NotSent(WireError),
    /// It may have been carried out; only the person can tell whether to repeat it.
    Unknown(WireError),
}

/// Whether a failed write means the server closed the connection (rather than, say, a timeout):
/// whatever it said before closing can still be read.
fn peer_closed(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset)
}

/// Sends one framed request and reads its answer.
fn exchange(stream: &UnixStream, framed: &[u8]) -> Result<Result<Response, ServiceError>, Broken> {
    if let Err(e) = (&*stream).write_all(framed) {
        // The server may have refused the request from its length alone (too large, over the
        // account's memory share) and closed before taking the rest: its answer says why, and
        // the request was not carried out. A connection that simply died has no answer.
        if peer_closed(&e)
            && let Ok(body) = wire::read_frame(&mut &*stream, wire::MAX_RESPONSE)
            && let Ok(answer) = wire::decode_answer(&body)
        {
            return Ok(answer);
        }
        return Err(Broken::NotSent(e.into()));
    }
    let body = wire::read_frame(&mut &*stream, wire::MAX_RESPONSE).map_err(Broken::Unknown)?;
    wire::decode_answer(&body).map_err(Broken::Unknown)
}

impl RemoteApi {
    pub fn connect(socket: &Path) -> Result<RemoteApi, ConnectError> {
        let (stream, greeting) = handshake(socket, &Hello::ours())?;
        Ok(RemoteApi { socket: socket.to_path_buf(), greeting, conn: Mutex::new(Some(stream)) })
    }

    /// Who the server takes this session to be.
    pub fn greeting(&self) -> &Greeting {
        &self.greeting
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    fn reconnect(&self) -> Result<UnixStream, ServiceError> {
        handshake(&self.socket, &Hello::ours())
            .map(|(s, _)| s)
            .map_err(|e| e.into_service_error(&self.socket))
    }
}

impl Api for RemoteApi {
    fn call(&self, req: Request) -> Result<Response, ServiceError> {
        // Encoded once, before any connection is touched: a request that cannot be encoded will
        // not succeed on a retry either.
        let framed = wire::frame(&req).map_err(|e| {
            ServiceError::Transport(format!("请求（{}）无法发送：{e}，操作没有执行", req.name()))
        })?;
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut retried = false;
        loop {
            let stream = match conn.take() {
                Some(s) => s,
                None => self.reconnect()?,
            };
            match exchange(&stream, &framed) {
                Ok(answer) => {
                    *conn = Some(stream);
                    return answer;
                }
                // Typically the server restarted since our last request: the old connection is
                // dead and nothing was sent, so one fresh try is safe.
                Err(Broken::NotSent(_)) if !retried => retried = true,
                Err(Broken::NotSent(e)) => {
                    return Err(ServiceError::Transport(format!(
                        "无法把请求发送到 mingdan 服务器（{e}），操作没有执行。请稍后再试"
                    )));
                }
                Err(Broken::Unknown(e)) => {
                    return Err(ServiceError::Transport(format!(
                        "与 mingdan 服务器的连接中断（{e}）。这次操作（{}）可能已完成也可能没有，\
                         请刷新查看后再决定是否重做",
                        req.name()
                    )));
                }
            }
        }
    }
}
