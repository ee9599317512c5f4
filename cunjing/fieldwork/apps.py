from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "cunjing.fieldwork"
    label = "fieldwork"
    verbose_name = _("Field work")

    def ready(self) -> None:
        from cunjing.core import reveal
        from cunjing.core.roles import Capability
        from cunjing.fieldwork.models import FloatingResident, Volunteer
        from cunjing.fieldwork.services import register_figure_sources

        register_figure_sources()
        view = Capability.VIEW_FIELDWORK
        reveal.register(
            "floating_resident",
            model=FloatingResident,
            view=view,
            fields={"id_number": "id_number", "phone": "phone"},
        )
        reveal.register("volunteer", model=Volunteer, view=view, fields={"phone": "phone"})
