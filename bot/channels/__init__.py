"""Channels: each one translates between a way of chatting and the engine's values."""
