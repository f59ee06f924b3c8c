"""How a company is paid: its own Square account (OAuth) or a Stripe Connect account for payouts."""
