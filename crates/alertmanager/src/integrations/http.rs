//! Outgoing HTTP for integrations. (being built)
