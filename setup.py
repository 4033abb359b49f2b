"""Packaging for the LinkedIn connector addons.

``pip install -e .`` makes ``odoo.addons.linkedin_leadgen`` and
``odoo.addons.linkedin_audience`` importable and installs their Python
dependencies. Odoo itself is not on PyPI and is not required here: install
Odoo 18 first (see README.rst).
"""

from pathlib import Path

from setuptools import setup

ADDONS = ["linkedin_leadgen", "linkedin_audience"]


def _packages():
    import os

    packages, package_dir = [], {}
    for addon in ADDONS:
        for dirpath, _dirnames, filenames in os.walk(addon):
            if "__init__.py" in filenames and "__pycache__" not in dirpath:
                name = "odoo.addons." + dirpath.replace(os.sep, ".")
                packages.append(name)
                package_dir[name] = dirpath
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()

setup(
    name="odoo-addons-linkedin-connector",
    version="18.0.1.0.0",
    description="Odoo 18 addons: LinkedIn Lead Gen Forms into CRM and Matched Audiences from mailing lists",
    long_description=Path(__file__).with_name("README.rst").read_text(encoding="utf-8"),
    long_description_content_type="text/x-rst",
    license="AGPL-3.0-or-later",
    python_requires=">=3.10",
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    include_package_data=True,
    package_data={"": ["*.xml", "*.csv", "*.sql", "*.pot", "*.po", "*.md", "*.png", "*.svg", "*.js", "*.scss"]},
    install_requires=["requests>=2.25", "requests-oauthlib>=1.3", "oauthlib>=3.1,<4", "phonenumbers"],
    extras_require={
        "test": ["pytest", "pytest-odoo>=2.1", "freezegun", "websocket-client"],  # websocket: the browser tours
    },
    classifiers=[
        "Framework :: Odoo",
        "Framework :: Odoo :: 18.0",
        "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
        "Programming Language :: Python :: 3.11",
    ],
)
