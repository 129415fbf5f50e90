"""Hardware drivers: one small module per device, behind the interfaces in drivers.base."""
