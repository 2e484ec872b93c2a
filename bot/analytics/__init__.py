"""What the desk learns from its own records: the period report, gaps, consultants' figures, the digest."""
