"""Wallet catalogue: the exchanges and wallets users can connect (admin-managed)."""
