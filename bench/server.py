"""The WSGI application the HTTP benchmarks serve with gunicorn: gridgov, plus one bare
endpoint (bench.server_urls) that is the floor of any write."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.server_settings")
application = get_wsgi_application()
