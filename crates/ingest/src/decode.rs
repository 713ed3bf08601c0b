//! Payload decoding for cloud envelopes: base64 (CloudWatch data delivered to Lambda and
//! Firehose, Pub/Sub message data) and gzip, both bounded so a small record cannot expand into an
//! unbounded allocation.

use std::io::Read;

use flate2::read::MultiGzDecoder;

/// Why a payload could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not base64.
    #[error("invalid base64")]
    Base64,
    /// A corrupt or truncated gzip stream.
    #[error("invalid gzip data: {message}")]
    Gzip {
        /// What the decompressor reported.
        message: String,
    },
    /// The decoded payload is larger than the limit.
    #[error("decoded payload larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// Decode base64 in the standard or URL-safe alphabet, with or without padding; ASCII
/// whitespace is ignored.
pub(crate) fn base64(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = 0;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return Err(DecodeError::Base64),
        };
        if padding > 0 {
            return Err(DecodeError::Base64);
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Six leftover bits cannot come from whole bytes.
    if bits >= 6 || padding > 2 {
        return Err(DecodeError::Base64);
    }
    Ok(out)
}

/// Whether `bytes` start with the gzip magic number.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Decompress gzip (all members) into at most `limit` bytes.
pub(crate) fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4).min(limit));
    let mut decoder = MultiGzDecoder::new(bytes).take(limit as u64 + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Gzip { message: e.to_string() })?;
    if out.len() > limit {
        return Err(DecodeError::TooLarge { limit });
    }
    Ok(out)
}

/// Decode base64 and, when the result is gzip, decompress it.
pub(crate) fn base64_maybe_gzip(text: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let bytes = base64(text)?;
    if is_gzip(&bytes) {
        gunzip(&bytes, limit)
    } else if bytes.len() > limit {
        Err(DecodeError::TooLarge { limit })
    } else {
        Ok(bytes)
    }
}

/// Compress bytes into one gzip member, as CloudWatch Logs does before base64 (tests and the
/// simulator's formats use it to build envelopes).
#[must_use]
pub fn encode_gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .unwrap_or_default()
}

/// Encode bytes as standard padded base64 (used by tests and the simulator's formats).
#[must_use]
pub fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= n {
                let idx = ((v >> (18 - 6 * k)) & 63) as usize;
                out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn base64_round_trip() {
        for input in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0xff, 0xfe, 0x00, 0x1f],
        ] {
            let enc = encode_base64(input);
            assert_eq!(base64(enc.as_bytes()).unwrap(), input, "{enc}");
            assert_eq!(base64(enc.trim_end_matches('=').as_bytes()).unwrap(), input);
        }
        assert_eq!(encode_base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"Zm9v\nYmFy").unwrap(), b"foobar");
        assert_eq!(base64(b"-_-_").unwrap(), base64(b"+/+/").unwrap());
        assert!(base64(b"Zm9v!").is_err());
        assert!(base64(b"Z").is_err());
        assert!(base64(b"Zg==Zg").is_err());
    }

    #[test]
    fn gzip_bounded() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&[b'a'; 10_000]).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(gunzip(&gz, 10_000).unwrap().len(), 10_000);
        assert_eq!(gunzip(&gz, 9_999), Err(DecodeError::TooLarge { limit: 9_999 }));
        assert!(matches!(
            gunzip(&gz[..gz.len() / 2], 100_000),
            Err(DecodeError::Gzip { .. })
        ));
        let b64 = encode_base64(&gz);
        assert_eq!(base64_maybe_gzip(b64.as_bytes(), 20_000).unwrap().len(), 10_000);
        assert_eq!(base64_maybe_gzip(b"eyJhIjoxfQ==", 100).unwrap(), b"{\"a\":1}");
    }
}
