"""Payments: the event, its rules, the topic's trigger, the three Step Functions tasks and their typed state, the records' adapter."""
