//! The scenario catalogue (see ARCHITECTURE.md); filled in by the exploration work.
