"""Import pages (placeholders until built)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


import_page = import_template = _todo
