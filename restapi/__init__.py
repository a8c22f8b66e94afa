"""The API's shared vocabulary: request field types, versions and documentation shapes.

A library for the apps' `api` modules (no models, no views); it imports no app's API.
"""
