"""Handlers fed by the orders table stream: the change log and the pipe's enrichment."""
