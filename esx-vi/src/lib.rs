//! A vSphere (VI) SOAP client for VMware ESX hosts and vCenter servers: connection and TLS
//! policy, sessions with transparent re-login, typed property collection with paging, inventory
//! lookups, tasks and VM questions, and datastore file transfer.
//!
//! Start with [`Client::connect`]; the generated API types and method stubs are re-exported as
//! [`types`], and every stub runs on a [`Client`] (it implements their `Transport`).

pub use esx_vi_types as types;

mod client;
pub mod error;
mod files;
mod http;
pub mod inventory;
pub mod local_file;
pub mod options;
pub mod property;
pub mod redact;
mod screen;
pub mod secret;
pub mod task;
pub mod text;
pub mod tls;
mod transfer;

pub use client::Client;
pub use error::{Error, Report, TransportError};
pub use files::{ByteRange, DatastorePath, DatastorePathError, TransferProgress};
pub use inventory::{HostContext, ManagedObjectProperties};
pub use options::ConnectOptions;
pub use screen::MAX_SCREENSHOT_SIZE;
pub use secret::{Credentials, Secret};
pub use task::{
    AnsweredQuestion, BlockedTask, Choice, Preparation, Question, QuestionError, TaskProgress,
    TaskRun, TaskWait,
};
pub use tls::{Thumbprint, TlsVerification};
pub use transfer::{DownloadOptions, TransferSummary, UploadOptions};
