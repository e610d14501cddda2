//! Perimeter and access control in the server: the engine that makes gate decisions against
//! the in-memory register and records each one in the audit chain before it answers, and the
//! use cases that change the register, the security levels and the policies.

pub mod engine;
pub mod projector;
pub mod register;

pub use engine::{DecisionInput, Engine, GateRef};
