"""The application and its wiring: the CLI, settings, start-up, the aiohttp service and what it is built from."""
