//! The wire between `mingdan serve` and its clients: a fixed handshake, then frames.
//!
//! The handshake never changes shape, so any two builds of mingdan can read each other's and a
//! mismatch ends in a clear message rather than garbage. Integers are big-endian.
//!
//! ```text
//! client → server  "MINGDAN\0" | u32 protocol | u32 api fingerprint | u8 n | n bytes version
//! server → client  "MINGDAN\0" | u32 protocol | u32 api fingerprint | u8 n | n bytes version
//!                  | u8 status: 0 accepted, then one frame holding `Greeting`;
//!                               otherwise refused, then u32 n | n bytes UTF-8 message
//! ```
//!
//! A server refusing the connecting uid sends its side at once without reading the client's, then
//! closes; the client reads the refusal even if sending its own hello failed.
//!
//! After an accepted handshake the client sends frames holding a `Request` and the server answers
//! each with a frame holding `Result<Response, ServiceError>`. A frame is a u32 length and that
//! many bytes of bincode (standard configuration), decoded with a byte limit so a lying length
//! inside cannot make the reader allocate more than the frame may hold.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::domain::StaffNo;
use crate::service::{API_FINGERPRINT, Request, Response, ServiceError};

pub const MAGIC: &[u8; 8] = b"MINGDAN\0";
/// Bump when the handshake, the frame layout, or the shape of any type carried changes in a way
/// the api fingerprint cannot see (a field added to a view, a variant added to an enum).
/// 2: search hits carry the matched field's text and highlight; pairs of moves name the roster
/// they come from. 3: a balance may be unknown (`Amount::Unknown`). 4: an import's change groups
/// carry their total beside the lines listed. 5: a backup travels in parts (`backup_part`), its
/// image naming the file's size.
pub const PROTOCOL: u32 = 5;
/// Largest request a client may send: an import of a whole branch's client list fits easily.
pub const MAX_REQUEST: usize = 64 << 20;
/// Largest answer a client accepts: a report or export of a whole branch fits. A backup travels
/// in parts of `service::backup::BACKUP_PART`, however large the store.
pub const MAX_RESPONSE: usize = 1 << 30;
/// Refusal messages are a sentence or two.
const MAX_MESSAGE: usize = 64 << 10;

/// Refusal codes in the handshake's status byte.
pub const ACCEPTED: u8 = 0;
pub const INCOMPATIBLE: u8 = 1;
pub const UNKNOWN_USER: u8 = 2;
pub const BUSY: u8 = 3;

/// Why a read or write on the wire failed. Messages are for logs and, through `Transport`, users.
#[derive(Debug)]
pub enum WireError {
    /// The other side closed the connection between frames: a normal end.
    Closed,
    /// No request began within the idle limit.
    Idle,
    /// A frame or handshake began but did not finish in time.
    TimedOut,
    /// The connection ended inside a frame.
    Truncated,
    TooLarge {
        size: u64,
        max: usize,
    },
    /// The other side does not speak this protocol at all.
    NotMingdan,
    Decode(String),
    Encode(String),
    Io(io::Error),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Closed => write!(f, "连接已关闭"),
            WireError::Idle => write!(f, "长时间没有请求，连接已关闭"),
            WireError::TimedOut => write!(f, "数据没有在限定时间内传完"),
            WireError::Truncated => write!(f, "连接在传输中途断开"),
            WireError::TooLarge { size, max } => write!(f, "数据过大（{size} 字节，上限 {max} 字节）"),
            WireError::NotMingdan => write!(f, "对方不是 mingdan 程序"),
            WireError::Decode(e) => write!(f, "数据无法解析：{e}"),
            WireError::Encode(e) => write!(f, "数据无法编码：{e}"),
            WireError::Io(e) => write!(f, "读写失败：{e}"),
        }
    }
}

impl From<io::Error> for WireError {
    fn from(e: io::Error) -> WireError {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => WireError::TimedOut,
            io::ErrorKind::UnexpectedEof => WireError::Truncated,
            _ => WireError::Io(e),
        }
    }
}

/// The first thing each side says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    pub protocol: u32,
    pub fingerprint: u32,
    /// The mingdan release, for people: "0.1.0".
    pub version: String,
}

impl Hello {
    pub fn ours() -> Hello {
        Hello { protocol: PROTOCOL, fingerprint: API_FINGERPRINT, version: env!("CARGO_PKG_VERSION").into() }
    }

    pub fn compatible(&self, other: &Hello) -> bool {
        self.protocol == other.protocol && self.fingerprint == other.fingerprint
    }

    pub fn encode(&self) -> Vec<u8> {
        let version = &self.version.as_bytes()[..self.version.len().min(255)];
        let mut out = Vec::with_capacity(8 + 4 + 4 + 1 + version.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.protocol.to_be_bytes());
        out.extend_from_slice(&self.fingerprint.to_be_bytes());
        out.push(version.len() as u8);
        out.extend_from_slice(version);
        out
    }

    pub fn read_from(r: &mut impl Read) -> Result<Hello, WireError> {
        let mut head = [0u8; 17];
        read_exact_or_closed(r, &mut head)?;
        if &head[..8] != MAGIC {
            return Err(WireError::NotMingdan);
        }
        let protocol = u32::from_be_bytes([head[8], head[9], head[10], head[11]]);
        let fingerprint = u32::from_be_bytes([head[12], head[13], head[14], head[15]]);
        let mut version = vec![0u8; head[16] as usize];
        r.read_exact(&mut version)?;
        Ok(Hello { protocol, fingerprint, version: String::from_utf8_lossy(&version).into_owned() })
    }

    /// What to tell a person whose client and server differ, from either side.
    pub fn mismatch(client: &Hello, server: &Hello) -> String {
        format!(
            "本机的 mingdan（版本 {}，协议 {}/{:08x}）与服务器（版本 {}，协议 {}/{:08x}）不兼容。\
             请使用服务器上安装的 mingdan（通常是 /usr/local/bin/mingdan），或请管理员把两边升级到同一版本",
            client.version,
            client.protocol,
            client.fingerprint,
            server.version,
            server.protocol,
            server.fingerprint
        )
    }
}

/// What the server tells an accepted client about itself and who it is taken to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Greeting {
    /// "王芳（2001）", or "服务账户 mingdan".
    pub who: String,
    pub staff: Option<StaffNo>,
    pub server_version: String,
}

/// The server's refusal: status byte and message.
pub fn encode_refusal(status: u8, message: &str) -> Vec<u8> {
    let text = message.as_bytes();
    let text = &text[..text.len().min(MAX_MESSAGE)];
    let mut out = Vec::with_capacity(1 + 4 + text.len());
    out.push(status);
    out.extend_from_slice(&(text.len() as u32).to_be_bytes());
    out.extend_from_slice(text);
    out
}

/// Reads the status byte and, for a refusal, its message.
pub fn read_status(r: &mut impl Read) -> Result<Result<(), (u8, String)>, WireError> {
    let mut status = [0u8; 1];
    r.read_exact(&mut status)?;
    if status[0] == ACCEPTED {
        return Ok(Ok(()));
    }
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_MESSAGE {
        return Err(WireError::TooLarge { size: len as u64, max: MAX_MESSAGE });
    }
    let mut text = vec![0u8; len];
    r.read_exact(&mut text)?;
    Ok(Err((status[0], String::from_utf8_lossy(&text).into_owned())))
}

/// `read_exact`, except that nothing at all before the end is a clean close.
fn read_exact_or_closed(r: &mut impl Read, buf: &mut [u8]) -> Result<(), WireError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 => return Err(WireError::Closed),
            Ok(0) => return Err(WireError::Truncated),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Encodes a frame: length, then bincode. One buffer, so it goes out in one write.
pub fn frame<T: Serialize>(value: &T) -> Result<Vec<u8>, WireError> {
    let mut out = vec![0u8; 4];
    bincode::serde::encode_into_std_write(value, &mut out, bincode::config::standard())
        .map_err(|e| WireError::Encode(e.to_string()))?;
    let len = u32::try_from(out.len() - 4)
        .map_err(|_| WireError::TooLarge { size: (out.len() - 4) as u64, max: u32::MAX as usize })?;
    out[..4].copy_from_slice(&len.to_be_bytes());
    Ok(out)
}

pub fn write_frame<T: Serialize>(w: &mut impl Write, value: &T) -> Result<(), WireError> {
    let bytes = frame(value)?;
    w.write_all(&bytes)?;
    w.flush()?;
    Ok(())
}

/// Reads one frame's bytes. The buffer grows as bytes arrive rather than trusting the length
/// up front, so a client that claims 64 MiB and sends nothing costs nothing.
pub fn read_frame(r: &mut impl Read, max: usize) -> Result<Vec<u8>, WireError> {
    let mut len = [0u8; 4];
    read_exact_or_closed(r, &mut len)?;
    read_body(r, u32::from_be_bytes(len) as u64, max)
}

/// How much a frame's buffer may grow by in one step. Growth follows the bytes that arrived,
/// doubling as they keep coming, but never beyond the declared length: memory follows what the
/// client sent, not what it claimed.
const READ_CHUNK: usize = 64 << 10;

fn read_body(r: &mut impl Read, len: u64, max: usize) -> Result<Vec<u8>, WireError> {
    if len > max as u64 {
        return Err(WireError::TooLarge { size: len, max });
    }
    // Within `max`, which fits in memory by construction.
    let len = len as usize;
    let mut buf: Vec<u8> = Vec::with_capacity(len.min(READ_CHUNK));
    let mut chunk = [0u8; READ_CHUNK];
    while buf.len() < len {
        let want = (len - buf.len()).min(READ_CHUNK);
        let n = match r.read(&mut chunk[..want]) {
            Ok(0) => return Err(WireError::Truncated),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if buf.capacity() - buf.len() < n {
            let grown = (buf.capacity() * 2).max(buf.len() + n).min(len);
            buf.reserve_exact(grown - buf.len());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf)
}

/// Reads from a socket with one deadline for the whole of a frame, however the bytes trickle in,
/// so a client sending a byte a minute cannot hold its thread for hours.
pub struct Deadline<'a> {
    stream: &'a UnixStream,
    until: Instant,
}

impl<'a> Deadline<'a> {
    pub fn new(stream: &'a UnixStream, within: Duration) -> Deadline<'a> {
        Deadline { stream, until: Instant::now() + within }
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "期限已到"));
        }
        self.stream.set_read_timeout(Some(left))?;
        (&*self.stream).read(buf)
    }
}

/// The same deadline for writing an answer: a client that takes its answer a byte a minute is
/// cut off when the time is up, not kept for as long as it keeps taking.
impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "期限已到"));
        }
        self.stream.set_write_timeout(Some(left))?;
        (&*self.stream).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A request whose length has arrived and whose body has not: the server decides whether it
/// may be buffered before reading a byte of it.
pub struct RequestStart<'a> {
    /// The length the client declared, in bytes.
    pub len: u64,
    reader: Deadline<'a>,
}

impl RequestStart<'_> {
    /// Reads the body within what is left of the frame's deadline. The buffer grows with the
    /// bytes that arrive, so a declared 63 MiB that never comes costs nothing.
    pub fn read_body(mut self) -> Result<Vec<u8>, WireError> {
        read_body(&mut self.reader, self.len, MAX_REQUEST)
    }
}

/// The server's read of the next request's length: waits up to `idle` for a request to begin,
/// then allows `within` for the rest of the frame (the length here, the body in
/// `RequestStart::read_body`). A length over `MAX_REQUEST` is `TooLarge`.
pub fn begin_request(
    stream: &UnixStream,
    idle: Duration,
    within: Duration,
) -> Result<RequestStart<'_>, WireError> {
    stream.set_read_timeout(Some(idle))?;
    let mut first = [0u8; 1];
    match read_exact_or_closed(&mut &*stream, &mut first) {
        Ok(()) => {}
        Err(WireError::TimedOut) => return Err(WireError::Idle),
        Err(e) => return Err(e),
    }
    let mut reader = Deadline::new(stream, within);
    let mut rest = [0u8; 3];
    reader.read_exact(&mut rest)?;
    let len = u32::from_be_bytes([first[0], rest[0], rest[1], rest[2]]) as u64;
    if len > MAX_REQUEST as u64 {
        return Err(WireError::TooLarge { size: len, max: MAX_REQUEST });
    }
    Ok(RequestStart { len, reader })
}

/// `begin_request` and `read_body` together, for callers with no budget to check.
pub fn read_request_frame(
    stream: &UnixStream,
    idle: Duration,
    within: Duration,
) -> Result<Vec<u8>, WireError> {
    begin_request(stream, idle, within)?.read_body()
}

fn decode_limited<T: DeserializeOwned, const LIMIT: usize>(bytes: &[u8]) -> Result<T, WireError> {
    let config = bincode::config::standard().with_limit::<LIMIT>();
    let (value, used) =
        bincode::serde::decode_from_slice(bytes, config).map_err(|e| WireError::Decode(e.to_string()))?;
    if used != bytes.len() {
        return Err(WireError::Decode(format!("末尾多出 {} 字节", bytes.len() - used)));
    }
    Ok(value)
}

pub fn decode_request(bytes: &[u8]) -> Result<Request, WireError> {
    decode_limited::<Request, MAX_REQUEST>(bytes)
}

pub fn decode_answer(bytes: &[u8]) -> Result<Result<Response, ServiceError>, WireError> {
    decode_limited::<Result<Response, ServiceError>, MAX_RESPONSE>(bytes)
}

pub fn decode_greeting(bytes: &[u8]) -> Result<Greeting, WireError> {
    decode_limited::<Greeting, MAX_MESSAGE>(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_a_lying_length_is_refused() {
        let bytes = frame(&Request::WhoAmI {}).unwrap();
        let body = read_frame(&mut &bytes[..], MAX_REQUEST).unwrap();
        assert!(matches!(decode_request(&body).unwrap(), Request::WhoAmI {}));

        let huge = (u32::MAX).to_be_bytes();
        assert!(matches!(read_frame(&mut &huge[..], MAX_REQUEST), Err(WireError::TooLarge { .. })));
        let short = [0, 0, 0, 9, 1, 2];
        assert!(matches!(read_frame(&mut &short[..], MAX_REQUEST), Err(WireError::Truncated)));
        assert!(matches!(read_frame(&mut &[][..], MAX_REQUEST), Err(WireError::Closed)));
    }

    #[test]
    fn a_frame_buffer_grows_with_the_bytes_and_never_past_the_declared_length() {
        let len = 200_001usize;
        let mut framed = (len as u32).to_be_bytes().to_vec();
        framed.extend(std::iter::repeat_n(7u8, len));
        let body = read_frame(&mut &framed[..], MAX_REQUEST).unwrap();
        assert_eq!((body.len(), body.capacity()), (len, len));
        // 63 MiB declared, 100 KB sent: an error, not a 63 MiB buffer.
        let mut half = ((63u32) << 20).to_be_bytes().to_vec();
        half.extend(std::iter::repeat_n(0u8, 100_000));
        assert!(matches!(read_frame(&mut &half[..], MAX_REQUEST), Err(WireError::Truncated)));
    }

    #[test]
    fn garbage_inside_a_frame_is_a_decode_error_not_a_panic() {
        // A variant index far past the end, and a string claiming four gigabytes.
        for body in [&[250u8, 255, 255, 255, 255][..], &[4, 252, 255, 255, 255, 255, 1, 2][..], &[][..]] {
            assert!(matches!(decode_request(body), Err(WireError::Decode(_))), "{body:?}");
        }
        let mut rng = fastrand::Rng::with_seed(6);
        for _ in 0..2000 {
            let body: Vec<u8> = (0..rng.usize(0..64)).map(|_| rng.u8(..)).collect();
            let _ = decode_request(&body);
        }
    }

    #[test]
    fn the_handshake_reads_back_and_tells_a_mismatch_in_chinese() {
        let ours = Hello::ours();
        let back = Hello::read_from(&mut &ours.encode()[..]).unwrap();
        assert_eq!(back, ours);
        assert!(matches!(Hello::read_from(&mut &b"GET / HTTP/1.1\r\n\r\n"[..]), Err(WireError::NotMingdan)));
        let old = Hello { protocol: 0, ..ours.clone() };
        assert!(!ours.compatible(&old));
        let msg = Hello::mismatch(&old, &ours);
        assert!(msg.contains("不兼容") && msg.contains("升级"), "{msg}");
        let refusal = encode_refusal(UNKNOWN_USER, "请联系管理员");
        assert_eq!(read_status(&mut &refusal[..]).unwrap(), Err((UNKNOWN_USER, "请联系管理员".to_string())));
    }
}
