"""Trades: a user's trade journal with profit and loss computed on close."""
