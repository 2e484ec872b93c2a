"""Running the desk in production: health, metrics, logs and redaction, retention and purge, doctor, ticket lists."""
