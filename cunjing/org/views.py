"""Organisation pages (placeholders until built)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


unit_tree = unit_detail = area_list = area_detail = area_edit = _todo
beat_assign = beat_end = coverage = _todo
