"""A user's connected wallets, with their credentials encrypted at rest."""
