//! Mass, volume and energy roll-up (being written).
