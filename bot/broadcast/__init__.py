"""Sending to many people: one rate-limited sender shared by tips and broadcasts."""

from bot.broadcast.sender import Blocked, Delivered, Failed, Sender, SendOutcome, Sent

__all__ = ["Blocked", "Delivered", "Failed", "SendOutcome", "Sender", "Sent"]
