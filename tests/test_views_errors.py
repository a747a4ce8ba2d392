"""The styled error pages: what a visitor sees on a 404, and templates that render even when the
request or the database is what failed."""

import pytest
from django.template import loader
from django.urls import reverse

from tests.pages import assert_well_formed_page, read_page

CATALOGUE = reverse("careers:catalogue")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/pathways/no-such-pathway/", "/no/such/page/"])
def test_a_missing_page_is_a_styled_404(client, pathway, path):
    response = client.get(path)
    assert response.status_code == 404
    page = read_page(response)
    assert_well_formed_page(page)
    assert page.find("h1").text == "Page not found"
    assert "Browse the pathways" in [a.text for a in page.find_all("a", href=CATALOGUE)]


def test_500_template_needs_no_context():
    page = read_page(loader.get_template("500.html").render())
    assert_well_formed_page(page)
    assert page.find("h1").text == "Something went wrong"
    assert "Browse the pathways" in [a.text for a in page.find_all("a", href="/pathways/")]


@pytest.mark.parametrize("name", ["400.html", "403.html", "404.html"])
def test_error_templates_render_without_a_request(name):
    page = read_page(loader.get_template(name).render())
    assert_well_formed_page(page)
    assert f"Error {name[:3]}" in page.text
    assert "Browse the pathways" in [a.text for a in page.find_all("a", href=CATALOGUE)]
