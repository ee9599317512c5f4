"""Creating a matter with its attachment in one service call (staff and residents): both are
stored or neither, the file's refusals are on ``attachment``; a key used again is refused with
the first matter, when its author may read it."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cunjing.matters import services
from cunjing.matters.models import Matter, MatterAttachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _create(county, persona="beat", **fields):
    values = {
        "actor": county.user(persona),
        "area": county.areas["own"],
        "kind": "request",
        "description": "村口路灯坏了",
        "client_uuid": uuid.uuid4(),
        **fields,
    }
    return services.matter_create(**values)


def test_staff_matter_and_attachment_together(county, media):
    m = _create(county, attachment=SimpleUploadedFile("p.png", PNG))
    assert m.attachments.get().content_type == "image/png"


@pytest.mark.parametrize("persona", ["beat", None])
def test_a_refused_file_stores_nothing_and_says_so_on_attachment(county, media, persona):
    bad = SimpleUploadedFile("a.png", b"GIF89a.....")
    with pytest.raises(ValidationError) as caught:
        if persona:
            _create(county, persona, attachment=bad)
        else:
            services.matter_submit(
                area=county.areas["own"], kind="request", description="路灯坏了", attachment=bad
            )
    assert set(caught.value.message_dict) == {"attachment"}
    assert not Matter.objects.exists() and not MatterAttachment.objects.exists()


def test_a_resident_matter_and_attachment_together(county, media):
    m = services.matter_submit(
        area=county.areas["own"],
        kind="request",
        description="路灯坏了",
        attachment=SimpleUploadedFile("p.png", PNG),
    )
    assert (m.attachments.get().content_type, m.attachments.get().uploaded_by) == (
        "image/png",
        None,
    )


def test_the_same_key_again_is_refused_with_the_first_matter(county):
    key = uuid.uuid4()
    first = _create(county, client_uuid=key)
    with pytest.raises(services.AlreadySubmitted) as caught:
        _create(county, client_uuid=key, description="另一件事")
    assert caught.value.matter_id == first.pk
    assert "client_uuid" in caught.value.message_dict
    assert Matter.objects.count() == 1


def test_an_aide_who_cannot_read_the_first_gets_no_id(county):
    key = uuid.uuid4()
    _create(county, "aide", kind="lead", source="aide", client_uuid=key)
    with pytest.raises(services.AlreadySubmitted) as caught:
        _create(county, "aide", kind="lead", source="aide", client_uuid=key)
    assert caught.value.matter_id is None
