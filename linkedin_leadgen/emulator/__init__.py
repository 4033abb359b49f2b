"""A LinkedIn emulator (OAuth, Marketing REST APIs, webhooks) for tests, demos and benchmarks. No Odoo import."""

from .emulator import LinkedInEmulator

__all__ = ["LinkedInEmulator"]
