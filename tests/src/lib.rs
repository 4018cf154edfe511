//! Workspace-level integration tests and the harness that runs the vCenter simulator for them.
