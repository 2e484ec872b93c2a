"""The shell around the desk (`handlers/`): what connects it to messengers, a database and operators.

- `app/`       the application and its wiring: the CLI, settings, start-up, the aiohttp service
- `pipeline/`  the durable path of a message: inbox, outbox, outbound lanes, pacing, rate limits
- `channels/`  the adapters: terminal, Telegram, WhatsApp (inbound events in, replies out)
- `db/`        persistence: models, stores, migrations (SQLite or PostgreSQL)
- `ops/`       operations: health, metrics, logs, retention and purge, doctor
- `analytics/` and `curation/`  what the desk learns from its records, and how entries get published
"""
