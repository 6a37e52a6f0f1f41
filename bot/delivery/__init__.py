"""Outbound delivery: the transactional outbox dispatcher and its senders."""
