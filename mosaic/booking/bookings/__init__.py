"""Bookings (booking part two): holds, the lifecycle and its history, availability, payments."""
