"""The categories of matters a bureau starts with (per kind, e.g. 噪音扰民 under requests)."""

from __future__ import annotations

from django.db import transaction

from cunjing.core import audit
from cunjing.matters.models import MatterCategory, MatterKind
from cunjing.org.models import Bureau

DEFAULT_CATEGORIES: dict[str, tuple[str, ...]] = {
    MatterKind.SENTIMENT: ("治安状况", "干群关系", "民生热点", "其他社情民意"),
    MatterKind.REQUEST: ("噪音扰民", "证件办理", "求助", "邻里纠纷", "其他诉求"),
    MatterKind.LEAD: ("盗窃", "抢劫抢夺", "诈骗", "涉毒", "涉赌", "其他线索"),
    MatterKind.HAZARD: ("消防隐患", "交通隐患", "危房危墙", "校园周边", "其他隐患"),
}


@transaction.atomic
def categories_ensure_defaults(*, actor, bureau: Bureau) -> int:
    """Create the default categories the bureau does not have yet; returns how many."""
    existing = set(MatterCategory.objects.filter(bureau=bureau).values_list("kind", "name"))
    created = 0
    for kind, names in DEFAULT_CATEGORIES.items():
        for name in names:
            if (kind, name) in existing:
                continue
            category = MatterCategory(bureau=bureau, kind=kind, name=name)
            category.full_clean()
            category.save()
            audit.record(
                actor=actor,
                action="matter.category.create",
                instance=category,
                after=audit.snapshot(category),
            )
            created += 1
    return created
