"""The durable pipeline's parts: what reaches the tables (edge), which errors are worth a retry
(faults), the inbox's table, and the outbound lanes."""
