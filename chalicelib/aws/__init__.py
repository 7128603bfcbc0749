"""Adapters: the only package that talks to AWS through boto3."""
