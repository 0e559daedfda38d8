//! Tests of the policy compiler and of `explain`, on the bundled examples
//! and on small in-memory workspaces. One test crate, so the helpers in
//! `support` are shared without dead code.

mod compile;
mod explain;
mod schema;
mod support;
