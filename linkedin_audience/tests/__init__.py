from . import test_wizard
from . import test_upload
from . import test_security
from . import test_crash
from . import test_throttle
from . import test_authorize
from . import test_hostile
from . import test_incremental
