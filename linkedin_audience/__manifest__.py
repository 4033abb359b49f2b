# Copyright 2026 LinkedIn Connector for Odoo contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "LinkedIn Matched Audiences",
    "summary": "Send mailing lists to LinkedIn as Matched Audiences and keep them in step",
    "version": "18.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "website": "https://github.com/linkedin-odoo/linkedin-connector",
    "author": "LinkedIn Connector for Odoo contributors",
    "maintainers": [],
    "license": "AGPL-3",
    "development_status": "Beta",
    "installable": True,
    "depends": ["linkedin_leadgen", "mass_mailing"],
    "external_dependencies": {"python": ["requests_oauthlib"]},
    "uninstall_hook": "uninstall_hook",
    "data": [
        "security/linkedin_audience_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/linkedin_audience_views.xml",
        "wizards/linkedin_audience_wizard_views.xml",
        "views/mailing_list_views.xml",
        "views/res_config_settings_views.xml",
        "views/linkedin_leadgen_settings_views.xml",
    ],
    "assets": {
        "web.assets_backend": ["linkedin_audience/static/src/**/*"],
        "web.assets_tests": ["linkedin_audience/static/tests/tours/*.js"],
    },
}
