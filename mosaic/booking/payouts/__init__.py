"""Payouts to studio companies: what their bookings earned, less refunds and the platform fee."""
