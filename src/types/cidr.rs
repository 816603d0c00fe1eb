//! IPv4 CIDR blocks: parsing with helpful errors, and subnet arithmetic done at
//! compile time (instead of emitting `Fn::Cidr`).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: u32,
    pub prefix: u8,
}

#[derive(Debug, PartialEq)]
pub struct CidrError {
    pub reason: String,
    pub suggestion: Option<String>,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, CidrError> {
        let err = |reason: &str| CidrError {
            reason: reason.to_string(),
            suggestion: None,
        };
        let (ip, prefix) = s
            .split_once('/')
            .ok_or_else(|| err("it has no `/prefix`"))?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the prefix is not a number"));
        }
        let prefix: u8 = prefix
            .parse()
            .map_err(|_| err("the prefix is not a number"))?;
        if prefix > 32 {
            return Err(err("the prefix is larger than 32"));
        }
        let octets: Vec<&str> = ip.split('.').collect();
        if octets.len() != 4 {
            return Err(err("the address does not have four parts"));
        }
        let mut addr = 0u32;
        for o in octets {
            if o.is_empty() || o.len() > 3 || !o.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("an address part is not a number from 0 to 255"));
            }
            let n: u32 = o
                .parse()
                .map_err(|_| err("an address part is not a number"))?;
            if n > 255 {
                return Err(err("an address part is larger than 255"));
            }
            addr = (addr << 8) | n;
        }
        let mask = Cidr::mask(prefix);
        if addr & !mask != 0 {
            let fixed = Cidr {
                addr: addr & mask,
                prefix,
            };
            return Err(CidrError {
                reason: "bits are set after the prefix".into(),
                suggestion: Some(fixed.to_string()),
            });
        }
        Ok(Cidr { addr, prefix })
    }

    fn mask(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        }
    }

    /// The `netnum`-th subnet with `newbits` more prefix bits, like `Fn::Cidr`.
    pub fn subnet(self, newbits: u8, netnum: u32) -> Result<Cidr, String> {
        let prefix = self.prefix as u32 + newbits as u32;
        if prefix > 32 {
            return Err(format!(
                "/{} plus {newbits} bits is longer than /32",
                self.prefix
            ));
        }
        if newbits < 32 && u64::from(netnum) >= 1u64 << newbits {
            return Err(format!(
                "{self} has only {} subnets of /{prefix}",
                1u64 << newbits
            ));
        }
        let shift = 32 - prefix;
        let offset = if shift >= 32 { 0 } else { netnum << shift };
        Ok(Cidr {
            addr: self.addr | offset,
            prefix: prefix as u8,
        })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.addr;
        write!(
            f,
            "{}.{}.{}.{}/{}",
            a >> 24,
            (a >> 16) & 255,
            (a >> 8) & 255,
            a & 255,
            self.prefix
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            Cidr::parse("10.10.0.0/16").unwrap().to_string(),
            "10.10.0.0/16"
        );
        assert!(Cidr::parse("10.10.0.0").is_err());
        assert!(Cidr::parse("10.10.0.0/33").is_err());
        assert!(Cidr::parse("10.256.0.0/16").is_err());
        assert!(Cidr::parse("10.0.0.0/+8").is_err());
        let e = Cidr::parse("10.10.0.1/16").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("10.10.0.0/16"));
    }

    #[test]
    fn subnets_like_fn_cidr() {
        let c = Cidr::parse("10.10.0.0/16").unwrap();
        assert_eq!(c.subnet(8, 0).unwrap().to_string(), "10.10.0.0/24");
        assert_eq!(c.subnet(8, 3).unwrap().to_string(), "10.10.3.0/24");
        assert!(c.subnet(8, 256).is_err());
        assert!(c.subnet(17, 0).is_err());
    }
}
