"""Channel adapters: map inbound events to `handlers.Inbound`, render `handlers.Reply`."""
