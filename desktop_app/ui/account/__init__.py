"""Which partner account is fetched: the account controller and the sign-in dialog."""
