"""Database plumbing below every app: several statements sent to PostgreSQL in one round trip
(pipelining.py)."""
