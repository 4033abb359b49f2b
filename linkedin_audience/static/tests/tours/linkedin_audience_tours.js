/** @odoo-module **/
// Tour of linkedin_audience, run by tests/test_tours.py against the LinkedIn emulator.

import {registry} from "@web/core/registry";

// Name the audience, confirm the small list, create it, and land on its record.
function createAudienceSteps(name) {
    return [
        {
            content: "Name the audience",
            trigger: ".modal .o_field_widget[name=name] input",
            run: `edit ${name}`,
        },
        {
            content: "Send it anyway",
            trigger: ".modal .o_field_widget[name=confirm_small] input",
            run: "click",
        },
        {
            content: "Create and upload",
            trigger: ".modal button[name=action_create]",
            run: "click",
        },
        {
            content: "The audience record",
            trigger: `.o_breadcrumb .active:contains(${name})`,
        },
    ];
}

// A marketer sends a mailing list to LinkedIn with the audience wizard and lands on the audience.
registry.category("web_tour.tours").add("linkedin_audience_wizard_tour", {
    steps: () => [
        {
            content: "The mailing list's Send to LinkedIn button",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_linkedin_audience_wizard]",
            run: "click",
        },
        {
            content: "The wizard counts the contacts it will send",
            trigger: ".modal .o_field_widget[name=contact_count]:contains(5)",
        },
        {
            content: "The marketer's connected profile is chosen",
            trigger: ".modal .o_field_widget[name=profile_id] input:value(Mark Marketer on LinkedIn)",
        },
        {
            content: "It warns that LinkedIn serves no ads below 300 matched members",
            trigger: ".modal .alert-danger:contains(fewer than 300 matched members)",
        },
        ...createAudienceSteps("Tour audience"),
        {
            content: "and the contacts sent to LinkedIn",
            trigger: ".o_form_view .oe_stat_button:contains(Contacts Sent):contains(5)",
        },
        {
            content: "and the segment LinkedIn created",
            trigger: ".o_form_view .o_field_widget[name=segment_id]:contains(9821)",
        },
    ],
});

// A marketer without a connected profile authorizes one from the wizard (LinkedIn's permission page is
// clicked by the test's browser), comes back to the wizard over the list, and creates the audience.
registry.category("web_tour.tours").add("linkedin_audience_authorize_tour", {
    steps: () => [
        {
            content: "The mailing list's Send to LinkedIn button",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_linkedin_audience_wizard]",
            run: "click",
        },
        {
            content: "No connected profile yet",
            trigger: ".modal .alert-warning:contains(No connected LinkedIn profile is available to you)",
        },
        {
            content: "Authorize: off to LinkedIn's permission page, then back",
            trigger: ".modal button[name=action_authorize_profile]",
            run: "click",
        },
        {
            content: "Back from LinkedIn in the wizard, the profile just authorized chosen",
            trigger: ".modal .o_field_widget[name=profile_id] input:value(Paula Marketer)",
        },
        {
            content: "with an ad account",
            trigger: ".modal .o_field_widget[name=ad_account_id] input:value(Acme)",
        },
        {
            content: "over the mailing list's form",
            trigger: ".o_breadcrumb .active:contains(Tour subscribers)",
        },
        {
            content: "whose breadcrumb leads back to the mailing lists",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Mailing Lists)",
        },
        {
            content: "The wizard counts the contacts it will send",
            trigger: ".modal .o_field_widget[name=contact_count]:contains(5)",
        },
        ...createAudienceSteps("Authorized audience"),
        {
            content: "Back to the mailing lists by the breadcrumb",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Mailing Lists)",
            run: "click",
        },
        {
            content: "The mailing lists",
            trigger: ".o_kanban_view .o_kanban_record:contains(Tour subscribers)",
        },
    ],
});
