//! The `ls --json` manifest: every folder, message and attachment of a file, in the schema of
//! the shared corpus's `expected/*.json` files, so that this reader can be checked against an
//! independent one.
#![allow(missing_docs)]

use std::collections::HashSet;

use pstkit::{NodeId, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A whole file.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Manifest {
    pub file: String,
    pub sha256: String,
    pub size: u64,
    pub format: Format,
    pub reader: String,
    pub totals: Totals,
    pub folders: Vec<Folder>,
    /// What was noticed reading the file that lost nothing, with where; not part of the
    /// manifest schema (the command prints it on stderr).
    #[serde(skip)]
    pub warnings: Vec<String>,
    /// What of the messages listed was in the file but could not be read (each message's
    /// [`pstkit::messaging::Loss`]es), with where; not part of the schema either.
    #[serde(skip)]
    pub losses: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Format {
    pub client: String,
    #[serde(rename = "wVer")]
    pub wver: u16,
    pub layout: String,
    pub crypt: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub folders: usize,
    pub messages: usize,
    pub attachments: usize,
    #[serde(default)]
    pub orphans: usize,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Folder {
    pub nid: u32,
    pub path: Vec<String>,
    pub message_count: usize,
    #[serde(default)]
    pub messages: Vec<Message>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Message {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nid: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_or_error"
    )]
    pub class: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_or_error"
    )]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipients: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: Option<String>,
    pub method: i32,
    #[serde(default)]
    pub size: u64,
    pub sha256: Option<String>,
}

/// Reads a text field that a reference reader may have replaced by `{"error": ...}` (or `null`)
/// where it failed: such a field reads as absent.
fn text_or_error<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Field {
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Field>::deserialize(d)? {
        Some(Field::Text(s)) => Some(s),
        _ => None,
    })
}

/// SHA-256 of `data` as lower-case hex, as manifests record files and attachments.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Builds the manifest of an open store. `with_messages` false lists folders only.
pub fn build(store: &Store, file_name: &str, with_messages: bool) -> Manifest {
    let bytes = store.ndb().bytes();
    let h = store.header();
    let tree = store.folders();
    let mut totals = Totals {
        folders: tree.folders.len(),
        ..Totals::default()
    };
    let mut warnings: Vec<String> = tree.warnings.iter().map(ToString::to_string).collect();
    let mut losses = Vec::new();
    let mut listed = HashSet::new();
    let mut folders = Vec::new();
    for f in &tree.folders {
        let ids = match store.contents(f.nid) {
            Ok(ids) => ids,
            Err(e) => {
                warnings.push(format!("folder {} contents unreadable: {e}", f.nid));
                Vec::new()
            }
        };
        listed.extend(ids.iter().copied());
        let mut messages = Vec::new();
        if with_messages {
            for id in &ids {
                messages.push(message_entry(
                    store,
                    *id,
                    &mut totals,
                    &mut warnings,
                    &mut losses,
                ));
            }
        }
        totals.messages += ids.len();
        folders.push(Folder {
            nid: f.nid.0,
            path: f.path.clone(),
            message_count: ids.len(),
            messages,
        });
    }
    totals.orphans = store.orphans(&listed).len();
    warnings.extend(store.warnings().iter().map(ToString::to_string));
    Manifest {
        file: file_name.to_owned(),
        sha256: if with_messages {
            sha256_hex(bytes)
        } else {
            String::new()
        },
        size: bytes.len() as u64,
        format: Format {
            client: h.client.name().to_owned(),
            wver: h.version,
            layout: h.layout.name().to_owned(),
            crypt: h.crypt.name().to_owned(),
        },
        reader: format!("ost-extract {}", env!("CARGO_PKG_VERSION")),
        totals,
        folders,
        warnings,
        losses,
    }
}

fn message_entry(
    store: &Store,
    nid: NodeId,
    totals: &mut Totals,
    warnings: &mut Vec<String>,
    losses: &mut Vec<String>,
) -> Message {
    match store.message(nid) {
        Ok(m) => {
            for w in &m.warnings {
                warnings.push(format!("message {nid}: {w}"));
            }
            for l in &m.losses {
                losses.push(format!("message {nid}: {l}"));
            }
            let attachments: Vec<Attachment> = m
                .attachments
                .iter()
                .map(|a| {
                    let data = a.data();
                    Attachment {
                        name: a.filename().map(str::to_owned),
                        method: a.method(),
                        size: data.map_or(0, |d| d.len() as u64),
                        sha256: data.map(sha256_hex),
                    }
                })
                .collect();
            totals.attachments += attachments.len();
            Message {
                nid: Some(nid.0),
                class: Some(m.class().to_owned()),
                subject: Some(m.subject().to_owned()),
                recipients: Some(m.recipients.len()),
                attachments: Some(attachments),
                error: None,
            }
        }
        Err(e) => {
            warnings.push(format!("message {nid} unreadable: {e}"));
            Message {
                nid: Some(nid.0),
                class: None,
                subject: None,
                recipients: None,
                attachments: None,
                error: Some(e.to_string()),
            }
        }
    }
}
