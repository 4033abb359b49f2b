"""Shared fixtures: the LinkedIn emulator over real HTTP (``emulator`` per session, ``emu`` reset per test)."""

import os

import pytest
import requests

try:
    from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator
except ImportError:  # the checkout is not installed (pip install -e .): put it on the addons path
    import odoo.addons

    odoo.addons.__path__.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from odoo.addons.linkedin_leadgen.emulator import LinkedInEmulator

VERSION = "202610"


class RestApi:
    """Raw ``/rest/`` calls with LinkedIn's headers; query strings are sent exactly as given."""

    def __init__(self, emu, scopes=None, member="default"):
        self.emu = emu
        self.token = emu.issue_tokens(scopes, member=member)["access_token"]
        self.session = requests.Session()

    def headers(self, **extra):
        headers = {
            "Authorization": f"Bearer {self.token}",
            "LinkedIn-Version": VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        headers.update(extra)
        return {name: value for name, value in headers.items() if value is not None}

    def get(self, path, query="", headers=None):
        url = self.emu.api_url + path + (f"?{query}" if query else "")
        return self.session.get(url, headers=self.headers(**(headers or {})), timeout=10)

    def post(self, path, body=None, headers=None, data=None):
        return self.session.post(
            self.emu.api_url + path, json=body, data=data, headers=self.headers(**(headers or {})), timeout=10
        )

    def delete(self, path):
        return self.session.delete(self.emu.api_url + path, headers=self.headers(), timeout=10)


@pytest.fixture(scope="session")
def load_registry():
    """These tests need no Odoo database: replace pytest-odoo's autouse fixtures in this directory."""
    yield


@pytest.fixture(scope="session")
def load_http():
    yield


@pytest.fixture(scope="session")
def emulator():
    with LinkedInEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator):
    emulator.reset()
    return emulator


@pytest.fixture
def api(emu):
    return RestApi(emu)


@pytest.fixture
def make_api(emu):
    """``make_api(scopes=None, member="default")`` -> a RestApi with its own token."""
    return lambda scopes=None, member="default": RestApi(emu, scopes, member)
