//! Operations: backups, restores, the service account, and the change counter sessions poll.

use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Clock, Request, Response, Service, ServiceError};
use crate::domain::{AuditAction, Field, Permission, Staff};
pub use crate::store::backup::{BackupInfo, EXTENSION as BACKUP_EXTENSION};
use crate::store::{CheckReport, StoreError, Tree};

/// A backup file's bytes as the service made them, with what they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupImage {
    /// What the image inside holds; `checksum` is the SHA-256 of that (plaintext) image.
    pub info: BackupInfo,
    /// The whole file, written out unchanged: an age file encrypted to `encrypted_to`, or (with
    /// `--plaintext`) the image itself.
    #[serde(with = "raw_bytes")]
    pub bytes: Vec<u8>,
    /// The recipients' public keys the file is encrypted to; empty for a plaintext backup.
    pub encrypted_to: Vec<String>,
    /// The file's length in bytes: what `backup_part` hands out from offset 0 to here.
    pub file_size: u64,
    /// Records left out because they cannot be read, one Chinese sentence each (only drafts are
    /// ever left out); shown as warnings and named in the backup's audit record.
    pub skipped: Vec<String>,
}

/// Backups remembered until reported saved; older ones are forgotten (their files, if written,
/// are then not audited, so `mingdan backup` reports right after writing).
const ISSUED_KEPT: usize = 16;

/// Where backup files wait in the store's directory to be fetched (removed with their `Issued`,
/// and all at the next open).
pub(super) const SPOOL_DIR: &str = "backup-spool";

/// Backup files kept on the server for fetching: each is as large as the store, so only the
/// newest two; an older one can still be reported saved, not fetched.
const SPOOLED_KEPT: usize = 2;

/// Bytes of a backup file per `backup_part` answer unless set (`Service::set_backup_part`): a
/// frame of 8 MiB keeps the server's memory per backup small and the socket busy.
pub const BACKUP_PART: usize = 8 << 20;

/// A backup handed out and not yet reported saved: what its audit record will say, and the file
/// the parts are read from (a temporary file in the store's directory, removed with this).
pub(super) struct Issued {
    checksum: String,
    size: u64,
    /// `None` once newer backups pushed it out (`SPOOLED_KEPT`).
    file: Option<tempfile::NamedTempFile>,
    /// 工号, or "system" for the service account.
    actor: String,
    detail: String,
}

/// Writes the file of `image` (from `start_backup`) to `out`, fetching it part by part from
/// `api`. A plaintext image's SHA-256 is computed as it arrives and must match both the hash at
/// its end and the checksum the server named; an encrypted one is authenticated by age when it
/// is read. A short or overlong file is refused.
pub fn fetch_backup<A: super::Api + ?Sized>(
    api: &A,
    image: &BackupImage,
    out: &mut dyn Write,
) -> Result<(), ServiceError> {
    use sha2::{Digest, Sha256};
    let written =
        |e: std::io::Error| ServiceError::Store(format!("无法写入备份文件：{}", crate::os::io_reason(&e)));
    let plaintext = image.encrypted_to.is_empty();
    let mut hash = Sha256::new();
    // The last 32 bytes seen, held back from the hash: a plaintext image ends in its SHA-256.
    let mut tail: Vec<u8> = Vec::with_capacity(64);
    let mut offset = 0u64;
    while offset < image.file_size {
        let part = api.backup_part(image.info.checksum.clone(), offset)?;
        if part.is_empty() {
            return Err(ServiceError::Transport(format!(
                "备份在第 {offset} 字节处中断（应有 {} 字节），备份没有完成；请重新执行 mingdan backup",
                image.file_size
            )));
        }
        out.write_all(&part).map_err(written)?;
        offset += part.len() as u64;
        if plaintext {
            tail.extend_from_slice(&part);
            let keep = tail.len().saturating_sub(32);
            if keep > 0 {
                hash.update(&tail[..keep]);
                tail.drain(..keep);
            }
        }
    }
    out.flush().map_err(written)?;
    if plaintext {
        let actual: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let stored: String = tail.iter().map(|b| format!("{b:02x}")).collect();
        if actual != stored || actual != image.info.checksum {
            return Err(StoreError::BadBackup(format!(
                "收到的备份校验和不符（应为 {}…，实际 {}…），传输中损坏；请重新执行 mingdan backup",
                image.info.checksum.get(..8).unwrap_or_default(),
                actual.get(..8).unwrap_or_default()
            ))
            .into());
        }
    }
    Ok(())
}

/// What a restore did, for the person who ran it.
#[derive(Debug, Clone)]
pub struct RestoreOutcome {
    pub info: BackupInfo,
    /// Where the replaced store was kept.
    pub previous: Option<PathBuf>,
    pub report: CheckReport,
}

impl Service {
    pub fn changes(&self, _actor: &Staff) -> Result<u64, ServiceError> {
        Ok(self.store.generation())
    }

    /// A backup encrypted to `recipients` (age public keys) or, when none are given, to the
    /// branch's configured ones; with `plaintext`, not encrypted at all (said so in its audit
    /// record). Refused with no recipients anywhere and no `plaintext`.
    pub fn start_backup(
        &self,
        actor: &Staff,
        recipients: Vec<String>,
        plaintext: bool,
    ) -> Result<BackupImage, ServiceError> {
        self.require(actor, Permission::Admin, "备份数据库")?;
        self.take_backup(actor.no.as_str(), &format!("{}（{}）", actor.name, actor.no), recipients, plaintext)
    }

    pub fn backup_saved(&self, actor: &Staff, file: String, checksum: String) -> Result<(), ServiceError> {
        self.require(actor, Permission::Admin, "记录备份")?;
        self.record_backup_saved(actor.no.as_str(), &file, &checksum)
    }

    /// The branch's backup recipients (age public keys); admin only.
    pub fn backup_recipients(&self, actor: &Staff) -> Result<Vec<String>, ServiceError> {
        self.require(actor, Permission::Admin, "查看备份接收人")?;
        Ok(self.store.backup_recipients()?)
    }

    /// Replaces the branch's backup recipients with `recipients` (age public keys, checked;
    /// empty removes them all); admin only, audited as a change of configuration.
    pub fn set_backup_recipients(&self, actor: &Staff, recipients: Vec<String>) -> Result<(), ServiceError> {
        self.require(actor, Permission::Admin, "设置备份接收人")?;
        let keys: Vec<String> = recipients.iter().map(|k| k.trim().to_string()).collect();
        crate::store::encrypt::parse_recipients(&keys).map_err(|e| {
            ServiceError::invalid(Field::BackupRecipients, &e, format!("cannot be read: {e}"))
        })?;
        let detail = if keys.is_empty() {
            "清除了全部备份接收人：此后备份须指定 --recipient 或 --plaintext".to_string()
        } else {
            format!("备份接收人设为 {}", keys.join("、"))
        };
        let rec = self.audit_record(actor.no.as_str(), AuditAction::SetRules, "备份接收人", detail);
        let _w = self.write_lock();
        self.store.write(|tx| {
            tx.set_backup_recipients(&keys)?;
            tx.audit(&rec)
        })?;
        Ok(())
    }

    /// The store's data key file encrypted to `recipients` (or the configured ones), for the
    /// admin to keep off the server; admin only, audited as an export of the key with `file`
    /// (absolute path, or `-` for standard output) as its target, so `audit --target` finds it.
    pub fn export_key(
        &self,
        actor: &Staff,
        recipients: Vec<String>,
        file: String,
    ) -> Result<Vec<u8>, ServiceError> {
        self.require(actor, Permission::Admin, "导出数据密钥")?;
        check_file_name(&file, Field::KeyBackupFileName)?;
        let (to, keys) = self.recipients_for(recipients)?;
        let Some(to) = to else {
            return Err(ServiceError::Conflict(
                "没有备份接收人，数据密钥只能加密导出：请用 --recipient age1… 指定，\
                 或先运行 mingdan recipients add age1… 设置支行的备份接收人"
                    .into(),
            ));
        };
        let key = self.store.field_key();
        let bytes = crate::store::encrypt::encrypt(key.file_text().as_bytes(), &to)?;
        let detail = format!("导出数据密钥（标识 {}），加密给 {}", key.id(), keys.join("、"));
        let rec = self.audit_record(actor.no.as_str(), AuditAction::Export, &file, detail);
        self.audit_only(&rec)?;
        Ok(bytes)
    }

    /// The recipients a backup or key export is encrypted to: `given`, else the configured ones
    /// (`None` when there are none), with their text for the audit record.
    fn recipients_for(
        &self,
        given: Vec<String>,
    ) -> Result<(Option<Vec<age::x25519::Recipient>>, Vec<String>), ServiceError> {
        let keys: Vec<String> = if given.is_empty() {
            self.store.backup_recipients()?
        } else {
            given.iter().map(|k| k.trim().to_string()).collect()
        };
        if keys.is_empty() {
            return Ok((None, keys));
        }
        let what = if given.is_empty() { Field::BranchBackupRecipients } else { Field::RecipientFlag };
        let parsed = crate::store::encrypt::parse_recipients(&keys)
            .map_err(|e| ServiceError::invalid(what, &e, format!("cannot be read: {e}")))?;
        Ok((Some(parsed), keys))
    }

    /// Holds the writer lock for the copy: every write takes that lock, so the image is one point
    /// in time. Nothing is audited yet: the record is written by `backup_saved` once the file
    /// exists, so a backup that never reached its file leaves no record claiming it did.
    fn take_backup(
        &self,
        audit_actor: &str,
        by: &str,
        recipients: Vec<String>,
        plaintext: bool,
    ) -> Result<BackupImage, ServiceError> {
        if plaintext && !recipients.is_empty() {
            return Err(ServiceError::invalid(
                Field::PlaintextFlag,
                "不能与 --recipient 同时使用；请二选一",
                "cannot be used with --recipient; choose one",
            ));
        }
        let (to, keys) = if plaintext { (None, Vec::new()) } else { self.recipients_for(recipients)? };
        if to.is_none() && !plaintext {
            return Err(ServiceError::Conflict(
                "没有设置备份接收人，备份没有做：备份须加密给保存在服务器以外的私钥。请由管理员运行 \
                 mingdan recipients add age1…（公钥由 age-keygen 生成，私钥离线保存，见 docs/DEPLOY.md），\
                 或这次用 --recipient age1… 指定；确需不加密的备份请加 --plaintext"
                    .into(),
            ));
        }
        let spool = self.store.path().join(SPOOL_DIR);
        let spooling = |e: std::io::Error| {
            ServiceError::Store(format!(
                "无法在 {} 暂存备份（{}），备份没有做；请检查磁盘空间和目录权限",
                spool.display(),
                crate::os::io_reason(&e)
            ))
        };
        std::fs::create_dir_all(&spool).map_err(spooling)?;
        // The entries go to a file of their own, writers held off only while they are copied;
        // the image with its header, hash and encryption is made from it after.
        let mut body = tempfile::tempfile_in(&spool).map_err(spooling)?;
        let (header, unreadable) = {
            let _w = self.write_lock();
            let unreadable = self.store.unreadable_drafts()?;
            let skip: Vec<(Tree, Vec<u8>)> = unreadable.iter().map(|(t, k, _)| (*t, k.clone())).collect();
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut body);
            let header = self.store.snapshot_body(self.now(), by, &skip, &mut w)?;
            w.flush().map_err(spooling)?;
            (header, unreadable)
        };
        let kind = |t: Tree| if t == Tree::ComplaintDrafts { "投诉受理草稿" } else { "联系草稿" };
        let skipped: Vec<String> = unreadable
            .iter()
            .map(|(t, k, why)| {
                let (staff, client) = draft_key_words(k);
                let kind = kind(*t);
                match client {
                    Some(c) => format!("跳过了工号 {staff} 无法读取的{kind}（客户 {c}：{why}）"),
                    None => format!("跳过了工号 {staff} 无法读取的{kind}（{why}）"),
                }
            })
            .collect();
        body.seek(std::io::SeekFrom::Start(0)).map_err(spooling)?;
        let mut body = std::io::BufReader::with_capacity(1 << 20, body);
        let mut file = tempfile::NamedTempFile::new_in(&spool).map_err(spooling)?;
        let info = {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file.as_file_mut());
            let info = match &to {
                Some(to) => crate::store::encrypt::encrypt_into(to, &mut out, |w| {
                    crate::store::backup::write_image(header, &mut body, w)
                })?,
                None => crate::store::backup::write_image(header, &mut body, &mut out)?,
            };
            out.flush().map_err(spooling)?;
            info
        };
        let file_size = file.as_file().metadata().map_err(spooling)?.len();
        let sealed = if plaintext {
            "未加密（--plaintext）".to_string()
        } else {
            format!("加密给 {}", keys.join("、"))
        };
        let mut detail = format!(
            "由 {by} 备份（备份时间 {}，{}；{sealed}）",
            info.header.created_at.format("%Y-%m-%d %H:%M:%S"),
            info.summary()
        );
        for t in [Tree::Drafts, Tree::ComplaintDrafts] {
            let whose: Vec<String> = unreadable
                .iter()
                .filter(|(of, _, _)| *of == t)
                .map(|(_, k, _)| draft_key_words(k))
                .map(|(staff, client)| match client {
                    Some(c) => format!("{staff}（客户 {c}）"),
                    None => staff,
                })
                .collect();
            if !whose.is_empty() {
                detail.push_str(&format!("；跳过无法读取的{}：工号 {}", kind(t), whose.join("、")));
            }
        }
        let mut issued = self.issued_backups.lock().unwrap_or_else(|p| p.into_inner());
        if issued.len() >= ISSUED_KEPT {
            issued.remove(0);
        }
        let older = issued.len().saturating_sub(SPOOLED_KEPT - 1);
        for i in issued.iter_mut().take(older) {
            i.file = None;
        }
        issued.push(Issued {
            checksum: info.checksum.clone(),
            size: file_size,
            file: Some(file),
            actor: audit_actor.to_string(),
            detail,
        });
        Ok(BackupImage { info, bytes: Vec::new(), encrypted_to: keys, skipped, file_size })
    }

    /// Bytes of a backup file per `backup_part` answer from now on (at least 1 KiB); tests set a
    /// small one to make a small store's backup travel in many parts.
    pub fn set_backup_part(&self, bytes: usize) {
        self.backup_part.store(bytes.max(1024), std::sync::atomic::Ordering::SeqCst);
    }

    /// Up to the part size (`BACKUP_PART`) of the backup file `checksum` names, from byte
    /// `offset`; empty at its end. Only for the staff member (or service account) the backup was
    /// handed to, in this server run.
    pub fn backup_part(&self, actor: &Staff, checksum: String, offset: u64) -> Result<Vec<u8>, ServiceError> {
        self.require(actor, Permission::Admin, "备份数据库")?;
        self.read_backup_part(actor.no.as_str(), &checksum, offset)
    }

    fn read_backup_part(
        &self,
        audit_actor: &str,
        checksum: &str,
        offset: u64,
    ) -> Result<Vec<u8>, ServiceError> {
        use std::os::unix::fs::FileExt;
        let part = self.backup_part.load(std::sync::atomic::Ordering::SeqCst).max(1024);
        let issued = self.issued_backups.lock().unwrap_or_else(|p| p.into_inner());
        let found = issued.iter().rev().find(|i| i.checksum == checksum && i.actor == audit_actor);
        let Some((i, file)) = found.and_then(|i| Some((i, i.file.as_ref()?))) else {
            return Err(ServiceError::Conflict(format!(
                "没有校验值为 {checksum} 的待取备份：只能取本次服务运行中由您取得、尚未记录的备份；请重新执行 mingdan backup"
            )));
        };
        let len = i.size.saturating_sub(offset).min(part as u64) as usize;
        let mut out = vec![0u8; len];
        file.as_file().read_exact_at(&mut out, offset).map_err(|e| {
            ServiceError::Store(format!(
                "无法读取暂存的备份 {}（{}）；请重新执行 mingdan backup",
                file.path().display(),
                crate::os::io_reason(&e)
            ))
        })?;
        Ok(out)
    }

    /// The audit record of a backup handed out by `take_backup` to `audit_actor`, now complete in
    /// `file`.
    /// `file` (absolute path, or `-` for standard output) is the record's target, so
    /// `audit --target FILE` finds the backup.
    fn record_backup_saved(&self, audit_actor: &str, file: &str, checksum: &str) -> Result<(), ServiceError> {
        check_file_name(file, Field::BackupFileName)?;
        let taken = {
            let mut issued = self.issued_backups.lock().unwrap_or_else(|p| p.into_inner());
            let at = issued.iter().rposition(|i| i.checksum == checksum && i.actor == audit_actor);
            at.map(|at| issued.remove(at))
        };
        let Some(taken) = taken else {
            return Err(ServiceError::Conflict(format!(
                "没有校验值为 {checksum} 的待记录备份：只能记录本次服务运行中由您取得的备份；请重新执行 mingdan backup"
            )));
        };
        let shown = if file == "-" { "标准输出" } else { file };
        let detail =
            format!("数据库{}；已写入 {shown}（{} 字节，SHA-256 {checksum}）", taken.detail, taken.size);
        let rec = self.audit_record(audit_actor, AuditAction::Backup, file, detail);
        self.audit_only(&rec)
    }

    /// A request from the branch server's own OS account, which has no staff record. It may back
    /// up and check the store, which it can read on disk anyway, and nothing else: this is what a
    /// nightly backup timer runs as.
    pub fn handle_service_account(&self, login: &str, req: Request) -> Result<Response, ServiceError> {
        crate::store::naming(self.store.path(), || self.service_account_request(login, req))
    }

    fn service_account_request(&self, login: &str, req: Request) -> Result<Response, ServiceError> {
        let who = format!("服务账户 {login}");
        match req {
            // The nightly timer: encrypted to the configured recipients unless it asks otherwise.
            Request::Backup { recipients, plaintext } => {
                self.take_backup("system", &who, recipients, plaintext).map(Response::Backup)
            }
            Request::BackupPart { checksum, offset } => {
                self.read_backup_part("system", &checksum, offset).map(Response::BackupPart)
            }
            Request::BackupSaved { file, checksum } => {
                self.record_backup_saved("system", &file, &checksum).map(Response::BackupSaved)
            }
            Request::Check { .. } => self.check_store().map(Response::Check),
            Request::Changes { .. } => Ok(Response::Changes(self.store.generation())),
            other => Err(ServiceError::Denied(format!(
                "{who} 只能备份和检查数据库，不能执行 {}；日常工作请用员工本人的系统账户登录",
                other.name()
            ))),
        }
    }

    /// Flushes everything written so far, with writers held off; the server's last act.
    pub fn flush(&self) -> Result<(), ServiceError> {
        let _w = self.write_lock();
        Ok(self.store.flush()?)
    }

    /// Checks a backup image completely (SHA-256, structure, every record) without a store.
    /// `bytes` is the image itself: an encrypted backup file goes through `open_backup` first.
    pub fn verify_backup(bytes: &[u8]) -> Result<BackupInfo, ServiceError> {
        Ok(crate::store::backup::verify(bytes)?.info)
    }

    /// Backup file `path` opened to be read in passes, never whole: the file itself when it is a
    /// plain image; when it is encrypted, its plaintext decrypted (and so authenticated) a chunk
    /// at a time into an anonymous file in `scratch` (mode 0600, gone when closed — it holds
    /// what the store holds, clients' sensitive fields still sealed). Without `identity` an
    /// encrypted file, a wrong identity or an altered file is refused with a sentence naming
    /// `path`; nothing is touched.
    pub fn open_backup_file(
        path: &Path,
        identity: Option<&Path>,
        scratch: &Path,
    ) -> Result<(std::fs::File, bool), ServiceError> {
        use crate::store::encrypt;
        use std::io::{Read, Seek, SeekFrom};
        let what = format!("备份文件 {}", path.display());
        let unreadable =
            |e: std::io::Error| StoreError::Io(format!("无法读取{what}：{}", crate::os::io_reason(&e)));
        let mut file = std::fs::File::open(path).map_err(unreadable)?;
        let mut head = vec![0u8; encrypt::AGE_MAGIC.len()];
        let got = (&mut file).take(head.len() as u64).read(&mut head).map_err(unreadable)?;
        file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
        if !encrypt::is_encrypted(&head[..got]) {
            return Ok((file, false));
        }
        let Some(id_path) = identity else {
            return Err(StoreError::BadBackup(format!(
                "{what} 是加密的，请加 --identity 私钥文件（与备份接收人公钥配对的 age 私钥）"
            ))
            .into());
        };
        let ids = encrypt::read_identities(id_path)
            .map_err(|e| ServiceError::invalid(Field::IdentityFlag, &e, format!("cannot be read: {e}")))?;
        let mut plain = tempfile::tempfile_in(scratch).map_err(|e| {
            StoreError::Io(format!(
                "无法在 {} 建立解密用的临时文件：{}；请确认该目录可写、磁盘有空间",
                scratch.display(),
                crate::os::io_reason(&e)
            ))
        })?;
        encrypt::decrypt_into(std::io::BufReader::new(file), &ids, &what, &mut plain)
            .map_err(StoreError::BadBackup)?;
        plain.seek(SeekFrom::Start(0)).map_err(unreadable)?;
        Ok((plain, true))
    }

    /// `verify_backup` for an image read in passes (see `open_backup_file`).
    pub fn verify_backup_image(
        src: &mut dyn crate::store::backup::Image,
    ) -> Result<BackupInfo, ServiceError> {
        Ok(crate::store::backup::verify_image(src)?.info)
    }

    /// Replaces the store in `dir` with a backup: a local administrator's operation, done while
    /// no one has the store open. The restore is audited in the restored store, as the staff
    /// member `os_login` belongs to there, or as "system" naming the login. A backup of another
    /// store (its branch identity differs) is refused unless `other_branch`.
    pub fn restore(
        dir: &Path,
        bytes: &[u8],
        source: &str,
        os_login: &str,
        other_branch: bool,
        clock: Arc<dyn Clock>,
    ) -> Result<RestoreOutcome, ServiceError> {
        Service::restore_image(dir, &mut std::io::Cursor::new(bytes), source, os_login, other_branch, clock)
    }

    /// [`Service::restore`] from an image read in passes (a backup file, see
    /// `open_backup_file`): memory holds a batch of records, not the image.
    pub fn restore_image(
        dir: &Path,
        src: &mut dyn crate::store::backup::Image,
        source: &str,
        os_login: &str,
        other_branch: bool,
        clock: Arc<dyn Clock>,
    ) -> Result<RestoreOutcome, ServiceError> {
        let stamp = clock.now().format("%Y%m%d-%H%M%S").to_string();
        let restored =
            crate::store::backup::restore_image(dir, src, &stamp, other_branch).map_err(|e| match e {
                StoreError::Locked { holder, .. } => ServiceError::Conflict(format!(
                    "数据库 {} 正在使用（{holder}），不能恢复。请先停止服务（sudo systemctl stop mingdan）\
                 并让所有人退出 mingdan，再执行 mingdan restore",
                    dir.display()
                )),
                other => other.into(),
            })?;
        let service = Service::open(dir, clock)?;
        let actor = match service.store.staff_by_login(os_login)? {
            Some(s) => s.no.to_string(),
            None => "system".to_string(),
        };
        let h = &restored.info.header;
        let kept = restored
            .previous
            .as_ref()
            .map_or("（原先没有数据库）".to_string(), |p| p.display().to_string());
        let detail = format!(
            "系统用户 {os_login} 从 {source} 恢复；备份时间 {}，备份人 {}；原数据库保留在 {kept}",
            h.created_at.format("%Y-%m-%d %H:%M:%S"),
            h.created_by
        );
        let rec = service.audit_record(&actor, AuditAction::Restore, "数据库", detail);
        service.audit_only(&rec)?;
        Ok(RestoreOutcome { info: restored.info, previous: restored.previous, report: restored.report })
    }
}

impl Service {
    /// `mingdan restore --finish` (`finish`) or `--rollback`: completes or undoes a restore of
    /// `dir` that was cut off between its renames, then records it in the audit of the store
    /// now in place (as the staff member `os_login` belongs to there, or "system"). Refused while
    /// the store is in use, or when no restore of `dir` is unfinished.
    pub fn resolve_restore(
        dir: &Path,
        finish: bool,
        os_login: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<crate::store::backup::Resolved, ServiceError> {
        let resolved = if finish {
            crate::store::backup::finish_restore(dir)?
        } else {
            crate::store::backup::rollback_restore(dir)?
        };
        // A rollback to "there was no store before" leaves nothing to record in.
        if !crate::store::Store::exists(dir) {
            return Ok(resolved);
        }
        let service = Service::open(dir, clock)?;
        let actor = match service.store.staff_by_login(os_login)? {
            Some(s) => s.no.to_string(),
            None => "system".to_string(),
        };
        let detail = if finish {
            format!("系统用户 {os_login} 完成了被中断的恢复（记录 {}）", resolved.journal.display())
        } else {
            format!(
                "系统用户 {os_login} 撤销了被中断的恢复（记录 {}），放回原数据库",
                resolved.journal.display()
            )
        };
        let rec = service.audit_record(&actor, AuditAction::Restore, "数据库", detail);
        service.audit_only(&rec)?;
        Ok(resolved)
    }
}

/// Bytes as one length-prefixed block rather than serde's default of one element per byte,
/// which would make a large backup slow to send.
mod raw_bytes {
    use serde::de::{Deserializer, Error, SeqAccess, Visitor};
    use serde::ser::Serializer;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    struct Bytes;

    impl<'de> Visitor<'de> for Bytes {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("bytes")
        }

        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = seq.next_element()? {
                out.push(b);
            }
            Ok(out)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(Bytes)
    }
}

/// The 工号 and client number in a `drafts` key (`工号 ∅ 客户号`), as text for a message; no
/// client when the key names none (an unreadable draft from before drafts were per client).
fn draft_key_words(key: &[u8]) -> (String, Option<String>) {
    match key.iter().position(|b| *b == crate::store::keys::SEP) {
        Some(at) if at + 1 < key.len() => (
            String::from_utf8_lossy(&key[..at]).into_owned(),
            Some(String::from_utf8_lossy(&key[at + 1..]).into_owned()),
        ),
        Some(at) => (String::from_utf8_lossy(&key[..at]).into_owned(), None),
        None => (String::from_utf8_lossy(key).into_owned(), None),
    }
}

/// Refuses a file name no audit record should carry as its target: empty, over 1024 characters,
/// or with control characters (which could forge lines in a printed audit).
fn check_file_name(file: &str, field: Field) -> Result<(), ServiceError> {
    if file.is_empty() || file.chars().count() > 1024 || file.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            field,
            "不能为空、不能超过 1024 个字符、不能含控制字符；请换一个文件名",
            "must not be empty, over 1024 characters or hold control characters; choose another file name",
        ));
    }
    Ok(())
}
