//! The simulated platform and scheduler drivers (see ARCHITECTURE.md); filled in by the exploration work.
