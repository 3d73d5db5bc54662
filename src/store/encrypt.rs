//! Files that leave the server encrypted to the branch's recipients: backup images and the data
//! key's backup. The format is `age` (age-encryption.org/v1) with X25519 recipients: the server
//! holds only the recipients' public keys (`age1…`); the private keys (`AGE-SECRET-KEY-1…`) are
//! kept elsewhere, so whoever takes the server cannot read its backups. `age` authenticates
//! every chunk of the payload, so an altered or truncated file does not decrypt at all.

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

use age::x25519::{Identity, Recipient};

use super::StoreError;

/// How every age file begins.
pub const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// True when `bytes` is an age file (an encrypted backup or key backup).
pub fn is_encrypted(bytes: &[u8]) -> bool {
    bytes.starts_with(AGE_MAGIC)
}

/// Parses recipients' public keys (`age1…`), naming the first that is not one.
pub fn parse_recipients(keys: &[String]) -> Result<Vec<Recipient>, String> {
    keys.iter()
        .map(|k| {
            if is_private_key(k) {
                return Err(PRIVATE_KEY_REFUSED.to_string());
            }
            Recipient::from_str(k.trim()).map_err(|_| {
                format!(
                    "“{}”不是 age 公钥（应以 age1 开头，由 age-keygen 生成；填公钥，不要填私钥）",
                    crate::domain::text::inert(k.trim().chars().take(80).collect::<String>().as_str())
                )
            })
        })
        .collect()
}

/// Said instead of the value when someone pastes an age private key where a public key belongs:
/// the secret must not be echoed to a terminal, a log or the audit.
pub const PRIVATE_KEY_REFUSED: &str = "填入的是 age 私钥（AGE-SECRET-KEY-1…），不是公钥：私钥不能放在服务器上，\
     这里只填公钥（age1…，可用 age-keygen -y 私钥文件 得到）。这把私钥已在这台机器上输入过，请考虑换一对新密钥";

/// True when `key` is an age private key (`AGE-SECRET-KEY-1…`, any case): never to be shown back.
pub fn is_private_key(key: &str) -> bool {
    key.trim().get(..14).is_some_and(|p| p.eq_ignore_ascii_case("AGE-SECRET-KEY"))
}

/// `plain` encrypted to every recipient in `to` (at least one).
pub fn encrypt(plain: &[u8], to: &[Recipient]) -> Result<Vec<u8>, StoreError> {
    let fail = |what: &str| StoreError::Encode { kind: "加密文件", reason: what.to_string() };
    let encryptor = age::Encryptor::with_recipients(to.iter().map(|r| r as &dyn age::Recipient))
        .map_err(|_| fail("没有可用的接收人公钥"))?;
    let mut out = Vec::with_capacity(plain.len() + 1024);
    let mut writer = encryptor.wrap_output(&mut out).map_err(|_| fail("加密失败"))?;
    writer.write_all(plain).map_err(|_| fail("加密失败"))?;
    writer.finish().map_err(|_| fail("加密失败"))?;
    Ok(out)
}

/// Runs `write` on a writer that encrypts what it is given to `to` (age, as `encrypt`) into
/// `out`, a chunk at a time: for files too large to hold in memory (backup images).
pub fn encrypt_into<T>(
    to: &[Recipient],
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let fail = |what: &str| StoreError::Encode { kind: "加密文件", reason: what.to_string() };
    let encryptor = age::Encryptor::with_recipients(to.iter().map(|r| r as &dyn age::Recipient))
        .map_err(|_| fail("没有可用的接收人公钥"))?;
    let mut writer = encryptor.wrap_output(out).map_err(|_| fail("加密失败"))?;
    let done = write(&mut writer)?;
    writer.finish().map_err(|_| fail("加密失败"))?;
    Ok(done)
}

/// The X25519 identities (private keys) in an age identity file (`age-keygen -o` output: comment
/// lines starting with `#`, then `AGE-SECRET-KEY-1…` lines). The error is a Chinese sentence
/// naming the file.
pub fn read_identities(path: &Path) -> Result<Vec<Identity>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("无法读取私钥文件 {}：{}", path.display(), crate::os::io_reason(&e)))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let id = Identity::from_str(line).map_err(|_| {
            format!(
                "私钥文件 {} 第 {} 行不是 age 私钥（应以 AGE-SECRET-KEY-1 开头，由 age-keygen 生成）",
                path.display(),
                n + 1
            )
        })?;
        out.push(id);
    }
    if out.is_empty() {
        return Err(format!("私钥文件 {} 中没有 age 私钥（AGE-SECRET-KEY-1…）", path.display()));
    }
    Ok(out)
}

/// Decrypts an age file `bytes` with `identities`; `what` names the file for the messages
/// (“备份文件 x.mdbak”). Refused with a sentence when none of the identities is a recipient of
/// the file, or when the file was altered or cut short.
pub fn decrypt(bytes: &[u8], identities: &[Identity], what: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(bytes.len());
    decrypt_into(bytes, identities, what, &mut out)?;
    Ok(out)
}

/// [`decrypt`] from a reader into a writer a chunk at a time, for a backup too large to hold.
/// The age format authenticates each chunk as it is read, so an altered file stops with the
/// same sentence; what was written before then must be discarded by the caller.
pub fn decrypt_into(
    src: impl std::io::Read,
    identities: &[Identity],
    what: &str,
    out: &mut dyn std::io::Write,
) -> Result<u64, String> {
    let tampered =
        || format!("{what} 已被改动、损坏或不完整（加密数据校验不符），不能使用；请换一个完好的文件");
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(src)).map_err(|_| tampered())?;
    let mut reader =
        decryptor.decrypt(identities.iter().map(|i| i as &dyn age::Identity)).map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => format!(
                "{what} 不是加密给这个私钥的（私钥与接收人的公钥不配对，或文件头已被改动），没有解密；\
                 请换用与接收人公钥配对的私钥文件"
            ),
            _ => tampered(),
        })?;
    let mut chunk = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(tampered()),
        };
        out.write_all(&chunk[..n])
            .map_err(|e| format!("无法写出{what}解密后的内容：{}", crate::os::io_reason(&e)))?;
        total += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_recipients_identity_decrypts_and_an_altered_file_does_not() {
        let ours = Identity::generate();
        let theirs = Identity::generate();
        let sealed = encrypt(b"MDBACKUP secret", &[ours.to_public()]).unwrap();
        assert!(is_encrypted(&sealed));
        assert_eq!(decrypt(&sealed, std::slice::from_ref(&ours), "备份文件 b").unwrap(), b"MDBACKUP secret");
        let wrong = decrypt(&sealed, &[theirs], "备份文件 b").unwrap_err();
        assert!(wrong.contains("不是加密给这个私钥的"), "{wrong}");
        let mut altered = sealed.clone();
        let last = altered.len() - 3;
        altered[last] ^= 1;
        let msg = decrypt(&altered, &[ours], "备份文件 b").unwrap_err();
        assert!(msg.contains("已被改动"), "{msg}");
        let pasted = parse_recipients(&["AGE-SECRET-KEY-1XYZ".into()]).unwrap_err();
        assert!(pasted.contains("是 age 私钥") && !pasted.contains("1XYZ"), "never echoed: {pasted}");
        assert!(parse_recipients(&["age1nope".into()]).unwrap_err().contains("不是 age 公钥"));
    }
}
