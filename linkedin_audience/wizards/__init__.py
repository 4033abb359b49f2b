from . import linkedin_audience_wizard
from . import linkedin_audience_remove_wizard
