//! gongkai (公开): a static-site generator for government transparency sites.
//!
//! Data flows one way through the modules, each of which knows only those before it:
//!
//! ```text
//! config ─▶ content::load ─▶ resolve ─▶ render ─▶ output
//! (site.toml) (files → Library) (URLs, links, (templates → (atomic swap
//!                                 taxonomies)   HTML)        into public/)
//! ```
//!
//! [`site::build`] runs the whole pipeline; `serve` and `check` reuse its stages.

pub mod assets;
pub mod config;
pub mod content;
pub mod dates;
pub mod diagnostics;
pub mod fields;
pub mod markdown;
pub mod output;
pub mod pagination;
pub mod render;
pub mod resolve;
pub mod serve;
pub mod site;
pub mod slug;
pub mod templates;
pub mod urlpath;
pub mod walk;
