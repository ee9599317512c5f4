from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "cunjing.portal"
    verbose_name = _("Residents' portal")
