"""Telephony bridge: Asterisk AMI to the core call vocabulary."""
