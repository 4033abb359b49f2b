from . import test_wizard
from . import test_upload
from . import test_security
