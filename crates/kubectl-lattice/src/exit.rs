//! The exit codes of every command, as the contract fixes them: `0` success,
//! `1` the answer is negative, `2` usage, I/O or cluster error.

use std::process::ExitCode;

/// How a command ended, mapped to its exit code in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Exit 0: the command did its job and the answer is positive (`check`
    /// found no errors; warnings alone do not count).
    Success,
    /// Exit 1: the command did its job and the answer is negative (`check`
    /// found errors).
    Negative,
    /// Exit 2: usage, I/O or cluster error; the answer is missing or
    /// incomplete.
    Failure,
}

impl ExitStatus {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Negative => 1,
            ExitStatus::Failure => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}
