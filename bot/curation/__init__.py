"""From consultants' answers to published entries: drafts, publishing, and reloading the running base."""
