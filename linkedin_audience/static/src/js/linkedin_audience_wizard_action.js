/** @odoo-module **/
// Where LinkedIn's sign-in, started from the audience wizard, brings the user back.

import {registry} from "@web/core/registry";

const MAILING_LISTS_ACTION = "mass_mailing.action_view_mass_mailing_lists";

/**
 * Open the "Send to LinkedIn" wizard over its mailing list, as the user left it for LinkedIn's sign-in:
 * /odoo/action-mass_mailing.action_view_mass_mailing_lists/<list id>/linkedin-audience-wizard?profile_id=<id>
 * shows the list's form, with the Mailing Lists breadcrumb, and the wizard over it with the profile just
 * authorized chosen (Create and upload checks, as always, that the user may use it).
 */
export async function openLinkedInAudienceWizard(env, action) {
    const listId = action.context.active_id;
    const profileId = action.params?.profile_id;
    const actionService = env.services.action;
    // as a click in Mailing Lists does, so the breadcrumb leads back to the lists
    await actionService.doAction(MAILING_LISTS_ACTION, {clearBreadcrumbs: true});
    if (!listId) {
        return;
    }
    await actionService.switchView("form", {resId: listId});
    // then its Send to LinkedIn button, clicked
    await actionService.doActionButton({
        type: "object",
        name: "action_open_linkedin_audience_wizard",
        resModel: "mailing.list",
        resId: listId,
        buttonContext: profileId ? {default_profile_id: profileId} : {},
    });
}
openLinkedInAudienceWizard.path = "linkedin-audience-wizard";

registry.category("actions").add("linkedin_audience.open_wizard", openLinkedInAudienceWizard);
