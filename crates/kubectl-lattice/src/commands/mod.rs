//! One module per subcommand, each with a `run` that returns the exit status.

pub mod apply;
pub mod check;
pub mod compile;
pub mod diff;
pub mod explain;
pub mod graph;
pub mod lsp;
pub mod path;
