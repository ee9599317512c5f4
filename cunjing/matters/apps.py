from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "cunjing.matters"
    label = "matters"
    verbose_name = _("Matters")

    def ready(self) -> None:
        from cunjing.core import reveal
        from cunjing.core.roles import Capability
        from cunjing.matters.models import Matter

        # The reporter of a matter, for the handler who calls them back (aides never see
        # leads: ``Matter.scope_hidden_from_aides``).
        reveal.register(
            "matter", model=Matter, view=Capability.VIEW_MATTERS, fields={"phone": "reporter_phone"}
        )
