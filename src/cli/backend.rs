//! Which mode a session runs in: through the branch server when one answers on the socket, or
//! on the embedded store (one user at a time) when there is none.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};

use super::{Cli, actor, open};
use crate::server::{ConnectError, DEFAULT_SOCKET, RemoteApi};
use crate::service::{Api, Service, Session};
use crate::tui::Lang;

pub enum Backend {
    Server(RemoteApi),
    Local { session: Session, store: PathBuf },
}

impl Backend {
    /// Has the embedded store build its search index now and run the daily housekeeping in
    /// the background, for the TUI; the branch server does both itself at start-up.
    pub fn start_search(&self) {
        if let Backend::Local { session, .. } = self {
            session.start_search();
            session.housekeep_in_background();
        }
    }

    pub fn api(&self) -> &dyn Api {
        match self {
            Backend::Server(r) => r,
            Backend::Local { session, .. } => session,
        }
    }

    /// The embedded store's service, if this is one (the branch server keeps its own).
    pub fn local_service(&self) -> Option<Arc<Service>> {
        match self {
            Backend::Server(_) => None,
            Backend::Local { session, .. } => Some(session.service().clone()),
        }
    }

    /// The session, to be moved to the TUI's request thread.
    pub fn into_shared(self) -> std::sync::Arc<dyn Api + Send + Sync> {
        match self {
            Backend::Server(r) => std::sync::Arc::new(r),
            Backend::Local { session, .. } => std::sync::Arc::new(session),
        }
    }

    /// One line for stderr before a command's output.
    pub fn describe(&self) -> String {
        match self {
            Backend::Server(r) => {
                format!("服务器模式：{}，身份 {}", r.socket().display(), r.greeting().who)
            }
            Backend::Local { store, .. } => format!("单机模式：数据库 {}", store.display()),
        }
    }

    /// The word for the TUI's title bar.
    pub fn label(&self, lang: Option<Lang>) -> String {
        let en = matches!(lang, Some(Lang::En));
        match (self, en) {
            (Backend::Server(_), false) => "服务器".into(),
            (Backend::Server(_), true) => "server".into(),
            (Backend::Local { .. }, false) => "单机".into(),
            (Backend::Local { .. }, true) => "local".into(),
        }
    }
}

/// The socket to try, and whether the user named it (flag or `MINGDAN_SOCKET`).
pub fn socket_of(cli: &Cli) -> (PathBuf, bool) {
    match &cli.socket {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from(DEFAULT_SOCKET), false),
    }
}

/// Connects to the server if one is there, else opens the embedded store.
///
/// - A named socket must answer: no fallback.
/// - A named store (`--store`, `MINGDAN_STORE`) without a named socket means the embedded store.
/// - Otherwise the default socket is tried. A server that refuses us (unknown login, other
///   version, not in the group) is reported, never worked around: the store behind it is the
///   server's, and a private store would only confuse.
/// - With no server, the embedded store is used only if it already exists, so a staff member on
///   a branch server whose service is down is told so instead of getting an empty new store.
pub fn connect(cli: &Cli, store: &Path) -> Result<Backend> {
    let (socket, named_socket) = socket_of(cli);
    if named_socket || cli.store.is_none() {
        match RemoteApi::connect(&socket) {
            Ok(remote) => {
                if cli.as_staff.is_some() {
                    bail!("--as 不能用于服务器模式：服务器按您的系统账户识别身份");
                }
                return Ok(Backend::Server(remote));
            }
            Err(e @ (ConnectError::Absent | ConnectError::NotListening)) if !named_socket => {
                if !store.exists() {
                    let why = match e {
                        ConnectError::NotListening => "套接字存在但服务没有运行",
                        _ => "没有找到",
                    };
                    bail!(
                        "mingdan 服务器（{}）{why}，本机也没有数据库 {}。\n\
                         在支行服务器上：服务可能已停止，请联系管理员（sudo systemctl status mingdan）。\n\
                         单机使用：先运行 mingdan init 建立数据库，或用 --store 指定数据库目录",
                        socket.display(),
                        store.display()
                    );
                }
            }
            Err(e) => return Err(anyhow!(e.into_service_error(&socket))),
        }
    }
    let service: Arc<Service> = open(store)?;
    let me = actor(&service, cli.as_staff.as_deref())?;
    Ok(Backend::Local { session: Session::new(service, me), store: store.to_path_buf() })
}

/// True when a server answers on the socket (whatever it would say to us).
pub fn server_running(socket: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}
