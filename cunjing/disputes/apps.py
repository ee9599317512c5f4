from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "cunjing.disputes"
    label = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from cunjing.core import reveal
        from cunjing.core.roles import Capability
        from cunjing.disputes.models import DisputeParty
        from cunjing.disputes.services import register_figure_sources

        register_figure_sources()
        # The parties of a dispute, for the officer who calls them or checks who they are
        # (aides never reveal: they have not the capability; admins read no dispute at all).
        reveal.register(
            "dispute_party",
            model=DisputeParty,
            view=Capability.VIEW_FIELDWORK,
            fields={"id_number": "id_number", "phone": "phone"},
        )
