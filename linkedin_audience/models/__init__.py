from . import linkedin_audience_member
from . import linkedin_audience_member_plan
from . import linkedin_audience_change
from . import linkedin_audience
from . import linkedin_audience_upload
from . import linkedin_user_profile
from . import mailing_list
from . import res_config_settings
