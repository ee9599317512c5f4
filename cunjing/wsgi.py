"""WSGI entry point (gunicorn cunjing.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunjing.settings")
application = get_wsgi_application()
