//! `kubectl-lattice`: the command-line front end.
fn main() {}
