from . import linkedin_sync_reset
