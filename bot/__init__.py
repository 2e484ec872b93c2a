"""The application shell: settings, persistence, the CLI and the channel adapters."""
