"""Accounts of members of the public who sign in with an OpenID provider (Login.gov), and their links to
the people the agency serves (docs/adr/0032-public-sign-in-with-login-gov.md)."""
