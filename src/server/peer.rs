//! Who is on the other end of a Unix socket, as the kernel says: the identity `mingdan serve`
//! trusts. A client cannot claim to be someone else, because it never says who it is.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    /// For the log; not every system reports it.
    pub pid: Option<i32>,
}

/// The credentials the kernel recorded when the peer connected (SO_PEERCRED).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn peer(stream: &UnixStream) -> io::Result<Peer> {
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is a live ucred and `len` its size, as SO_PEERCRED requires.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Peer { uid: cred.uid, pid: Some(cred.pid) })
}

/// BSD and macOS have no SO_PEERCRED; getpeereid gives the same uid.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn peer(stream: &UnixStream) -> io::Result<Peer> {
    let mut uid: libc::uid_t = 0;
    let mut gid: libc::gid_t = 0;
    // SAFETY: both out-pointers are live.
    let rc = unsafe { libc::getpeereid(stream.as_raw_fd(), &mut uid, &mut gid) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Peer { uid, pid: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_pair_reports_this_process() {
        let (a, _b) = UnixStream::pair().unwrap();
        let p = peer(&a).unwrap();
        assert_eq!(p.uid, unsafe { libc::geteuid() });
        if let Some(pid) = p.pid {
            assert_eq!(pid as u32, std::process::id());
        }
    }
}
