"""The durable pipeline: updates stored in the inbox, messages sent through the outbox and lanes, pacing and limits."""
