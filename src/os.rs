//! Facts from the operating system: who is at the keyboard.

/// The login name of the user running this process, from the password database (not from
/// `$USER`, which anyone can set).
#[cfg(unix)]
pub fn os_login() -> Result<String, String> {
    let uid = unsafe { libc::getuid() };
    login_of_uid(uid).ok_or_else(|| format!("无法确定当前系统用户（uid {uid}）的登录名"))
}

#[cfg(not(unix))]
pub fn os_login() -> Result<String, String> {
    std::env::var("USERNAME").map_err(|_| "无法确定当前系统用户的登录名".to_string())
}

/// The login name of `uid`; also what the branch server uses for a socket peer.
#[cfg(unix)]
pub fn login_of_uid(uid: u32) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `pwd` and `buf`, both live and sized as passed; on success
    // `result` points at `pwd`, whose `pw_name` points into `buf`.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr().cast(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_user_has_a_login() {
        let login = os_login().unwrap();
        assert!(!login.is_empty());
        assert_eq!(login_of_uid(unsafe { libc::getuid() }), Some(login));
    }
}
