"""The authoring admin: pathways with their inlines, phases with tasks and resources."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_content(admin_client, speech_pathway):
    return admin_client


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:careers_pathway_changelist",
        "admin:careers_pathway_add",
        "admin:careers_phase_changelist",
        "admin:careers_enrolment_changelist",
        "admin:accounts_profile_changelist",
    ],
)
def test_admin_lists_and_forms_load(admin_client_with_content, url_name):
    assert admin_client_with_content.get(reverse(url_name)).status_code == 200


def test_pathway_change_page_has_its_sections_inline(admin_client_with_content, speech_pathway):
    html = admin_client_with_content.get(
        reverse("admin:careers_pathway_change", args=[speech_pathway.pk])
    ).content.decode()
    for text in ("Foundation in Speech Processing", "Signal Processing for Audio", "What you&#x27;ll love"):
        assert text in html


def test_phase_change_page_has_tasks_and_resources(admin_client_with_content, speech_pathway):
    phase = speech_pathway.phases.get(order=1)
    html = admin_client_with_content.get(
        reverse("admin:careers_phase_change", args=[phase.pk])
    ).content.decode()
    assert "Learn audio feature extraction with librosa and torchaudio" in html
    assert "Librosa documentation" in html


def test_admin_search_and_filters(admin_client_with_content):
    response = admin_client_with_content.get(reverse("admin:careers_pathway_changelist"), {"q": "speech"})
    assert "Speech AI Engineer" in response.content.decode()
    response = admin_client_with_content.get(
        reverse("admin:careers_pathway_changelist"), {"difficulty": "Moderate"}
    )
    assert response.status_code == 200
