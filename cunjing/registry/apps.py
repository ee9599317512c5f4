from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "cunjing.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from cunjing.core import reveal
        from cunjing.core.roles import Capability
        from cunjing.registry.models import Establishment, Resident

        view = Capability.VIEW_REGISTRY
        reveal.register(
            "resident",
            model=Resident,
            view=view,
            fields={"id_number": "id_number", "phone": "phone"},
        )
        reveal.register(
            "establishment", model=Establishment, view=view, fields={"phone": "contact_phone"}
        )
