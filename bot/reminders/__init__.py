"""Deadline reminders (issue 17): subscriptions, the one sender across instances, and its figures.

The channel-neutral conversation is `handlers.subscriptions`; the calendar is
`knowledge.calendar`. Here: the tables, the store, the scheduler with its lease,
the adapter onto the outbox, the bodies each messenger gets, metrics and `remind plan`.
"""
