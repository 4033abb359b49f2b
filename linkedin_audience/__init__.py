from . import models
from . import wizards


def uninstall_hook(env):
    """The triggers that log the lists' changes write into a table the uninstallation drops: remove them, and
    the index on the contacts that the check of those changes reads."""
    models.linkedin_audience_change.drop_triggers(env.cr)
    models.linkedin_audience_member_plan.drop_email_key_index(env.cr)
