from . import models
from . import wizards


def uninstall_hook(env):
    """The triggers that log the lists' changes write into a table the uninstallation drops: remove them."""
    models.linkedin_audience_change.drop_triggers(env.cr)
