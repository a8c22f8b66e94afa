"""Tests of the admin as hosts and superusers use it, one file per admin page or behaviour."""
