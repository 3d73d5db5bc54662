//! Forward-secure sealing of the audit chain, after systemd-journald's Forward Secure Sealing,
//! simplified to standard primitives: the sealing key of epoch n+1 is SHA-256("mingdan-seal" ‖
//! k_n), so whoever holds today's key cannot go back to an earlier epoch's; each seal is
//! HMAC-SHA256(k_epoch, epoch ‖ seq ‖ hash) over the chain head it seals. The verification key
//! is the first key k0 with the epoch start and length: it recomputes every epoch's key, and is
//! kept off the server.
//!
//! A seal is checked against the key of the epoch it names, and the epoch it names must be the
//! one its own time falls in (the pitfall fixed as CVE-2023-31439: a seal made with a later
//! epoch's key must not vouch for an earlier epoch).

use chrono::{DateTime, FixedOffset, TimeZone};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{Field, Invalid};

/// Default epoch: 15 minutes.
pub const DEFAULT_EPOCH_SECS: u64 = 15 * 60;

/// Shortest epoch `seal-init` accepts: the server looks for due seals every few seconds.
pub const MIN_EPOCH_SECS: u64 = 60;

/// A 32-byte key (seed, epoch key).
pub type Key = [u8; 32];

const EVOLVE_LABEL: &[u8] = b"mingdan-seal";
const TEXT_PREFIX: &str = "MINGDAN-SEAL-1";

/// The next epoch's key: SHA-256("mingdan-seal" ‖ k). One-way, so an older key cannot be
/// recovered from a newer one.
pub fn evolve(k: &Key) -> Key {
    let mut h = Sha256::new();
    h.update(EVOLVE_LABEL);
    h.update(k);
    h.finalize().into()
}

/// Epoch `epoch`'s key from the seed `k0` (evolved `epoch` times).
pub fn key_at(k0: &Key, epoch: u64) -> Key {
    let mut k = *k0;
    for _ in 0..epoch {
        k = evolve(&k);
    }
    k
}

fn mac_over(k: &Key, epoch: u64, seq: u64, hash: &[u8; 32]) -> Hmac<Sha256> {
    // HMAC accepts a key of any length; a 32-byte one cannot be refused.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(k).unwrap_or_else(|_| unreachable!());
    m.update(&epoch.to_be_bytes());
    m.update(&seq.to_be_bytes());
    m.update(hash);
    m
}

/// HMAC-SHA256(k, epoch ‖ seq ‖ hash), numbers big-endian: the seal over chain head (seq, hash)
/// made in `epoch` with that epoch's key `k`.
pub fn seal_mac(k: &Key, epoch: u64, seq: u64, hash: &[u8; 32]) -> [u8; 32] {
    mac_over(k, epoch, seq, hash).finalize().into_bytes().into()
}

/// True when `mac` is the seal of (seq, hash) in `epoch` under key `k`; compared in constant time.
pub fn seal_matches(k: &Key, epoch: u64, seq: u64, hash: &[u8; 32], mac: &[u8; 32]) -> bool {
    mac_over(k, epoch, seq, hash).verify_slice(mac).is_ok()
}

/// Epoch numbering: epoch n runs from `start + n·len` seconds (Unix time) for `len` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Epochs {
    /// Unix seconds at which epoch 0 starts.
    pub start: i64,
    /// Epoch length in seconds (≥ `MIN_EPOCH_SECS`).
    pub len: u64,
}

impl Epochs {
    /// The epoch time `t` falls in; `None` before epoch 0.
    pub fn of(&self, t: DateTime<FixedOffset>) -> Option<u64> {
        let since = t.timestamp().checked_sub(self.start)?;
        if since < 0 || self.len == 0 { None } else { Some(since as u64 / self.len) }
    }

    /// When epoch `n` starts, in the offset `tz` (branch time).
    pub fn start_of(&self, n: u64, tz: FixedOffset) -> DateTime<FixedOffset> {
        let secs =
            (n as i128 * self.len as i128 + self.start as i128).clamp(i64::MIN as i128, i64::MAX as i128);
        tz.timestamp_opt(secs as i64, 0)
            .single()
            .unwrap_or_else(|| DateTime::<FixedOffset>::MAX_UTC.with_timezone(&tz))
    }

    /// When epoch `n` ends (the next one's start).
    pub fn end_of(&self, n: u64, tz: FixedOffset) -> DateTime<FixedOffset> {
        self.start_of(n.saturating_add(1), tz)
    }
}

/// What the branch keeps offline: the seed key and the epochs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyKey {
    pub k0: Key,
    pub epochs: Epochs,
}

impl VerifyKey {
    /// `MINGDAN-SEAL-1:<64 hex digits>:<epoch 0 start, Unix seconds>:<epoch seconds>`, in
    /// capitals so that a QR code can hold it in its compact alphanumeric mode.
    pub fn to_text(&self) -> String {
        format!("{TEXT_PREFIX}:{}:{}:{}", hex::encode_upper(self.k0), self.epochs.start, self.epochs.len)
    }

    /// Reads `to_text`'s form (letters in either case; spaces and line breaks anywhere are
    /// ignored, since `seal-init` prints it on two lines).
    pub fn parse(raw: &str) -> Result<VerifyKey, Invalid> {
        let raw: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = |why: &str, en: &str| {
            Invalid::said(
                Field::VerifyKey,
                format!("{why}；应为 seal-init 打印的整行，形如 {TEXT_PREFIX}:64位十六进制:起始秒:时段秒数"),
                format!(
                    "{en}; give the whole line seal-init printed, {TEXT_PREFIX}:64 hex digits:start seconds:period seconds"
                ),
            )
        };
        let parts: Vec<&str> = raw.split(':').collect();
        let [prefix, k0, start, len] = parts[..] else {
            return Err(bad("段数不对", "wrong number of parts"));
        };
        if !prefix.eq_ignore_ascii_case(TEXT_PREFIX) {
            return Err(bad("开头不是 MINGDAN-SEAL-1", "it does not start with MINGDAN-SEAL-1"));
        }
        let mut key = [0u8; 32];
        hex::decode_to_slice(k0, &mut key)
            .map_err(|_| bad("密钥不是 64 位十六进制", "the key is not 64 hex digits"))?;
        let start: i64 =
            start.parse().map_err(|_| bad("起始时间不是整数秒", "the start is not whole seconds"))?;
        let len: u64 =
            len.parse().map_err(|_| bad("时段长度不是整数秒", "the period is not whole seconds"))?;
        if len < MIN_EPOCH_SECS {
            return Err(bad("时段长度过短", "the period is too short"));
        }
        Ok(VerifyKey { k0: key, epochs: Epochs { start, len } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_key_is_the_seed_evolved_that_many_times() {
        let k0 = [7u8; 32];
        assert_eq!(key_at(&k0, 0), k0);
        assert_eq!(key_at(&k0, 3), evolve(&evolve(&evolve(&k0))));
        assert_ne!(key_at(&k0, 1), key_at(&k0, 2));
    }

    #[test]
    fn a_seal_matches_only_its_own_epoch_key_and_head() {
        let k0 = [1u8; 32];
        let h = [9u8; 32];
        let mac = seal_mac(&key_at(&k0, 5), 5, 40, &h);
        assert!(seal_matches(&key_at(&k0, 5), 5, 40, &h, &mac));
        assert!(!seal_matches(&key_at(&k0, 6), 5, 40, &h, &mac), "a later key is another key");
        assert!(!seal_matches(&key_at(&k0, 5), 5, 41, &h, &mac));
        assert!(!seal_matches(&key_at(&k0, 5), 6, 40, &h, &mac));
    }

    #[test]
    fn the_verification_key_reads_back_from_its_text_in_either_case() {
        let key = VerifyKey { k0: [0xab; 32], epochs: Epochs { start: 1_764_547_200, len: 900 } };
        let text = key.to_text();
        assert_eq!(VerifyKey::parse(&text).unwrap(), key);
        assert_eq!(VerifyKey::parse(&format!("  {}\n", text.to_lowercase())).unwrap(), key);
        let err = VerifyKey::parse("MINGDAN-SEAL-1:zz:1:900").unwrap_err();
        assert!(err.problem.to_string().contains("十六进制"), "{}", err.problem.to_string());
    }

    #[test]
    fn epochs_count_from_their_start() {
        let e = Epochs { start: 1000, len: 900 };
        let tz = FixedOffset::east_opt(8 * 3600).unwrap();
        assert_eq!(e.of(tz.timestamp_opt(999, 0).unwrap()), None);
        assert_eq!(e.of(tz.timestamp_opt(1000, 0).unwrap()), Some(0));
        assert_eq!(e.of(tz.timestamp_opt(1900, 0).unwrap()), Some(1));
        assert_eq!(e.start_of(2, tz).timestamp(), 2800);
        assert_eq!(e.end_of(2, tz).timestamp(), 3700);
    }
}
