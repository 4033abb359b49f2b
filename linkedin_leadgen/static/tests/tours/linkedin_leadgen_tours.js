/** @odoo-module **/
// Tours of linkedin_leadgen, run by tests/test_tours.py against the LinkedIn emulator.

import {registry} from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// An administrator enters the LinkedIn app's client ID and secret in CRM's settings.
tours.add("linkedin_leadgen_settings_tour", {
    url: "/odoo/action-crm.crm_config_settings_action",
    steps: () => [
        {
            content: "The LinkedIn Lead Gen block of CRM's settings",
            trigger: "#linkedin_leadgen_app .o_field_widget[name=linkedin_client_id] input",
            run: "edit emu-client",
        },
        {
            content: "The app's client secret",
            trigger: "#linkedin_leadgen_app .o_field_widget[name=linkedin_client_secret] input",
            run: "edit emu-secret",
        },
        {
            content: "Save the settings",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: the page shows the client ID, nothing left unsaved",
            trigger:
                ".o-settings-form-view:not(:has(.o_dirty_warning)) " +
                ".o_field_widget[name=linkedin_client_id] input:value(emu-client)",
        },
        {
            content: "The redirect URL to register with LinkedIn is shown",
            trigger: ".o_field_widget[name=linkedin_redirect_uri]:contains(/linkedin_leadgen/oauth/callback)",
        },
    ],
});

// A salesperson creates and authorizes a profile (LinkedIn's permission page is clicked by the test's
// browser), syncs, and opens the LinkedIn tab of a lead the sync created.
tours.add("linkedin_leadgen_authorize_tour", {
    url: "/odoo/action-linkedin_leadgen.linkedin_user_profile_action",
    steps: () => [
        {
            content: "New LinkedIn user profile",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Sally on LinkedIn",
        },
        {
            content: "Authorize: off to LinkedIn's permission page, then back",
            trigger: ".o_form_view button[name=action_authorize]:contains(Authorize)",
            run: "click",
        },
        {
            content: "Back from LinkedIn: connected as the LinkedIn member",
            trigger: ".o_field_widget[name=member_name]:contains(Morgan Lee)",
        },
        {
            content: "The profile is connected",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Connected)",
        },
        {
            content: "Sync its submissions",
            trigger: ".o_form_view button[name=action_sync_submissions]",
            run: "click",
        },
        {
            content: "The sync says how many leads it created",
            trigger: ".o_notification:contains(leads created)",
        },
        {
            content: "It opens the leads it created: open the first",
            trigger: ".o_list_view .o_data_row:first .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The lead's LinkedIn tab",
            trigger: ".o_notebook .nav-link[name=linkedin_lead_info]",
            run: "click",
        },
        {
            content: "It shows the form and campaign the lead came from",
            trigger: ".tab-pane.active .o_field_widget[name=linkedin_form_name]:not(:empty)",
        },
        {
            content: "and the submission's answers",
            trigger: ".tab-pane.active .o_field_widget[name=linkedin_answer_ids] .o_data_row",
        },
    ],
});

// A LinkedIn Lead Gen administrator edits a matching strategy, then resets an account's synchronization.
tours.add("linkedin_leadgen_admin_tour", {
    url: "/odoo/action-linkedin_leadgen.linkedin_matching_strategy_action",
    steps: () => [
        {
            content: "Open the Phone matching strategy",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=name]:contains(Phone)",
            run: "click",
        },
        {
            content: "Rename it",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Sanitized phone",
        },
        {
            content: "Say what it is for",
            trigger: ".o_form_view .o_field_widget[name=description] textarea",
            run: "edit Same phone number as an open lead.",
        },
        {
            content: "Activate it (saves the changes)",
            trigger: ".o_form_view button[name=action_activate]",
            run: "click",
        },
        {
            content: "The strategy is the activated one",
            trigger: ".o_form_view .ribbon:contains(Activated)",
        },
        {
            content: "Saved under its new name",
            trigger: ".o_breadcrumb .active:contains(Sanitized phone)",
        },
        {
            content: "The LinkedIn Lead Gen menu",
            trigger: ".o_main_navbar .dropdown-toggle:contains(LinkedIn Lead Gen)",
            run: "click",
        },
        {
            content: "Synchronization > Sync Status",
            trigger: ".dropdown-menu .dropdown-item:contains(Sync Status)",
            run: "click",
        },
        {
            content: "Select the Acme Europe account",
            trigger: ".o_list_view .o_data_row:contains(Acme Europe) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Actions",
            trigger: ".o_control_panel .o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Reset Synchronization",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Reset Synchronization)",
            run: "click",
        },
        {
            content: "The wizard names the selected account",
            trigger: ".modal .o_field_widget[name=account_ids] .o_tag:contains(Acme Europe)",
        },
        {
            content: "Reset",
            trigger: ".modal button[name=action_reset]",
            run: "click",
        },
        {
            content: "LinkedIn synchronization reset: it says what happens next",
            trigger: ".o_notification:contains(synchronized again from the start)",
        },
        {
            content: "Sync Status again",
            trigger: ".o_main_navbar .dropdown-toggle:contains(LinkedIn Lead Gen)",
            run: "click",
        },
        {
            content: "Synchronization > Sync Status",
            trigger: ".dropdown-menu .dropdown-item:contains(Sync Status)",
            run: "click",
        },
        {
            content: "The account waits for its backlog to be pulled again",
            trigger: ".o_list_view .o_data_row:contains(Acme Europe) .o_data_cell[name=sync_state]:contains(Backlog)",
        },
    ],
});
