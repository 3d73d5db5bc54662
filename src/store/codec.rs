//! The versioned envelope around every stored value: a two-byte format version, then bincode.
//! A reader meeting an older version upgrades it; a newer version is refused, never guessed at.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;

/// A type stored as a value in one of the trees.
pub trait Record: Serialize + DeserializeOwned {
    /// What a person calls it, for error messages (客户, 联系记录 …).
    const KIND: &'static str;
    /// Bump when the serialized shape changes, and teach `upgrade` the old shape.
    const VERSION: u16 = 1;

    /// Reads a value written under an older `version` of this type.
    fn upgrade(version: u16, _payload: &[u8]) -> Result<Self, String> {
        Err(format!("没有从第 {version} 版升级的方法"))
    }
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// No stored record comes near this. Decoding with a limit means a damaged length prefix is
/// refused as corrupt instead of making bincode allocate gigabytes (and abort the process), which
/// matters for `check` and for verifying a backup file someone hands us.
pub const MAX_RECORD: usize = 16 << 20;

/// The largest record `encode` writes, envelope included: well below `MAX_RECORD`, so whatever is
/// written can always be read back (by `check`, `backup` and `restore` too). The largest real
/// records (a client with a long plan, an import's audit record) are a few kilobytes; anything
/// near this limit came from a request no form could make, and is refused before it is stored.
pub const MAX_WRITE: usize = 4 << 20;

fn decode_config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<MAX_RECORD>,
> {
    config().with_limit::<MAX_RECORD>()
}

/// The value in its envelope. Refused with `StoreError::TooLarge` (naming `T::KIND`) when the
/// result would exceed `MAX_WRITE` bytes, so nothing unreadable is ever written.
pub fn encode<T: Record>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = T::VERSION.to_be_bytes().to_vec();
    let payload = bincode::serde::encode_to_vec(value, config())
        .map_err(|e| StoreError::Encode { kind: T::KIND, reason: e.to_string() })?;
    if out.len() + payload.len() > MAX_WRITE {
        return Err(StoreError::TooLarge {
            kind: T::KIND,
            bytes: out.len() + payload.len(),
            limit: MAX_WRITE,
        });
    }
    out.extend_from_slice(&payload);
    Ok(out)
}

pub fn decode<T: Record>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        kind: T::KIND,
        key: String::from_utf8_lossy(key).replace('\0', "/"),
        reason,
    };
    let (head, payload) = bytes.split_at_checked(2).ok_or_else(|| corrupt("记录过短，缺少版本号".into()))?;
    let version = u16::from_be_bytes([head[0], head[1]]);
    if version > T::VERSION {
        return Err(StoreError::RecordTooNew { kind: T::KIND, found: version, supported: T::VERSION });
    }
    if version < T::VERSION {
        return T::upgrade(version, payload).map_err(corrupt);
    }
    decode_payload(payload).map_err(corrupt)
}

/// Decodes a bincode payload, the current version's or (from `Record::upgrade`) an older one's
/// with that version's own type. Bytes left over mean the value is not what we think it is, so
/// they are refused on every path, not only the current version's.
pub fn decode_payload<T: DeserializeOwned>(payload: &[u8]) -> Result<T, String> {
    let (value, used) =
        bincode::serde::decode_from_slice(payload, decode_config()).map_err(|e| e.to_string())?;
    if used != payload.len() {
        return Err(format!("记录末尾多出 {} 字节", payload.len() - used));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct V1 {
        name: String,
    }

    impl Record for V1 {
        const KIND: &'static str = "测试";
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct V2 {
        name: String,
        vip: bool,
    }

    impl Record for V2 {
        const KIND: &'static str = "测试";
        const VERSION: u16 = 2;

        fn upgrade(version: u16, payload: &[u8]) -> Result<Self, String> {
            match version {
                1 => decode_payload::<V1>(payload).map(|old| V2 { name: old.name, vip: false }),
                v => Err(format!("没有从第 {v} 版升级的方法")),
            }
        }
    }

    #[test]
    fn values_round_trip_inside_the_envelope() {
        let bytes = encode(&V2 { name: "张伟".into(), vip: true }).unwrap();
        assert_eq!(&bytes[..2], &[0, 2]);
        assert_eq!(decode::<V2>(b"k", &bytes).unwrap(), V2 { name: "张伟".into(), vip: true });
    }

    #[test]
    fn older_versions_are_upgraded_on_read() {
        let old = encode(&V1 { name: "李娜".into() }).unwrap();
        assert_eq!(decode::<V2>(b"k", &old).unwrap(), V2 { name: "李娜".into(), vip: false });
    }

    #[test]
    fn newer_versions_and_garbage_are_refused_with_the_key() {
        let new = encode(&V2 { name: "x".into(), vip: true }).unwrap();
        let err = decode::<V1>(b"k", &new).unwrap_err();
        assert!(matches!(err, StoreError::RecordTooNew { found: 2, supported: 1, .. }), "{err:?}");
        let err = decode::<V1>(b"C001\0x", &[0, 1, 0xff, 0xff]).unwrap_err();
        assert!(err.to_string().contains("C001/x"), "{err}");
        assert!(decode::<V1>(b"k", &[0]).is_err());
    }

    #[test]
    fn trailing_bytes_are_refused_in_current_and_older_versions() {
        let mut current = encode(&V2 { name: "x".into(), vip: true }).unwrap();
        current.push(7);
        let err = decode::<V2>(b"k", &current).unwrap_err();
        assert!(err.to_string().contains("末尾多出 1 字节"), "{err}");
        let mut old = encode(&V1 { name: "x".into() }).unwrap();
        old.extend_from_slice(&[7, 7]);
        let err = decode::<V2>(b"k", &old).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("末尾多出 2 字节"), "{err}");
    }
}
