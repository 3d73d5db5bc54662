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

/// The effective uid of this process: the service account, when running `mingdan serve`.
#[cfg(unix)]
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no failure mode.
    unsafe { libc::geteuid() }
}

/// The numeric id of a group, for giving the server's socket to the group allowed to connect.
#[cfg(unix)]
pub fn gid_of_group(name: &str) -> Option<u32> {
    let cname = std::ffi::CString::new(name).ok()?;
    let mut buf = vec![0u8; 16384];
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: as for getpwuid_r: every pointer is live and `buf` is as long as passed.
    let rc = unsafe {
        libc::getgrnam_r(cname.as_ptr(), &mut grp, buf.as_mut_ptr().cast(), buf.len(), &mut result)
    };
    if rc != 0 || result.is_null() {
        return None;
    }
    Some(grp.gr_gid)
}

/// What went wrong with a file, as a Chinese phrase a user can act on, instead of the system's
/// English text.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "文件不存在，请检查路径".into(),
        PermissionDenied => "没有读写权限，请检查文件和所在目录的权限，或换一个位置".into(),
        IsADirectory => "这是一个目录，不是文件".into(),
        NotADirectory => "路径中的某个目录不存在或不是目录，请检查路径，必要时先建立目录".into(),
        DirectoryNotEmpty => "目录不是空的，请先清空或换一个目录".into(),
        InvalidData => "内容无法读取".into(),
        StorageFull => "磁盘已满，请清理磁盘空间后重试".into(),
        QuotaExceeded => "超出了磁盘配额，请清理空间或联系系统管理员".into(),
        FileTooLarge => "文件太大，超出了文件系统的限制，请换一个位置".into(),
        ReadOnlyFilesystem => "文件系统是只读的，请换一个可写的位置".into(),
        AlreadyExists => "文件已存在".into(),
        CrossesDevices => "不能跨磁盘（文件系统）移动，请把文件放在同一磁盘上".into(),
        InvalidFilename => "文件名不合法（太长或含不允许的字符），请换一个文件名".into(),
        ResourceBusy | ExecutableFileBusy => "文件正被别的程序使用，请稍后重试".into(),
        TooManyLinks => "符号链接层数太多（可能绕成了圈），请检查路径".into(),
        TimedOut => "读写超时（网络磁盘？），请检查磁盘连接后重试".into(),
        UnexpectedEof => "文件意外结束（不完整或被截断）".into(),
        WriteZero => "没能写入（磁盘可能已满），请检查磁盘后重试".into(),
        _ => match e.raw_os_error() {
            Some(code) => format!("读写出错（系统错误码 {code}）"),
            None => "读写出错".into(),
        },
    }
}

/// Now in branch time (China Standard Time, +08:00, no daylight saving), whatever zone the
/// machine is set to: every time mingdan shows or puts in a file name is branch time.
pub fn branch_now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().with_timezone(&crate::service::shanghai())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_file_errors_are_told_in_chinese_with_what_to_do() {
        use std::io::{Error, ErrorKind};
        for (errno, wanted) in
            [(libc::ENOTDIR, "不是目录"), (libc::ENOSPC, "磁盘已满"), (libc::EROFS, "只读")]
        {
            let said = io_reason(&Error::from_raw_os_error(errno));
            assert!(said.contains(wanted) && !said.contains("系统错误码"), "{errno}: {said}");
        }
        assert!(io_reason(&Error::from(ErrorKind::NotADirectory)).contains("请检查路径"));
    }

    #[test]
    fn the_current_user_has_a_login() {
        let login = os_login().unwrap();
        assert!(!login.is_empty());
        assert_eq!(login_of_uid(unsafe { libc::getuid() }), Some(login));
    }

    #[test]
    fn groups_are_found_by_name_and_unknown_ones_are_not() {
        let gid = unsafe { libc::getgid() };
        let mut buf = vec![0u8; 16384];
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::group = std::ptr::null_mut();
        let rc = unsafe { libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr().cast(), buf.len(), &mut result) };
        if rc == 0 && !result.is_null() {
            let name = unsafe { std::ffi::CStr::from_ptr(grp.gr_name) }.to_string_lossy().into_owned();
            assert_eq!(gid_of_group(&name), Some(gid));
        }
        assert_eq!(gid_of_group("no-such-group-mingdan"), None);
        assert_eq!(gid_of_group("bad\0name"), None);
    }
}
