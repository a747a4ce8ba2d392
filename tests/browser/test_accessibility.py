"""axe-core (the engine behind Lighthouse's accessibility audit) on the pages people use, as a
visitor and as a learner, on a desktop and a phone: no serious or critical violation.

axe-core comes bundled in axe-playwright-python: nothing is fetched while the tests run."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

from careers.models import Pathway
from tests.browser.conftest import PHONE
from tests.factories import make_enrolment, make_learner, tick

SPEECH = "/pathways/deep-learning-engineer-to-speech-ai-engineer/"
VISITOR_PAGES = ["/", "/pathways/", "/pathways/?q=speech", SPEECH, "/accounts/signup/", "/accounts/login/"]
LEARNER_PAGES = ["/dashboard/", SPEECH, "/accounts/preferences/", "/accounts/delete/"]
# axe's own impact scale: minor, moderate, serious, critical.
BLOCKING = {"serious", "critical"}


def blocking_violations(page):
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def learner_page(new_page, site, name, **options):
    user = make_learner(email="axe@example.com")
    enrolment = make_enrolment(user=user, pathway=Pathway.objects.get(slug=SPEECH.split("/")[2]))
    tick(enrolment, enrolment.pathway.phases.first().tasks.first())
    client = Client()
    client.force_login(user)
    page = new_page(name, **options)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site,
            }
        ]
    )
    return page


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_visitor_pages_have_no_serious_accessibility_violation(new_page, device):
    page = new_page(device, **(PHONE if device == "phone" else {}))
    found = {}
    for path in VISITOR_PAGES:
        page.goto(path)
        found[path] = blocking_violations(page)
    assert found == {path: [] for path in VISITOR_PAGES}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_learner_pages_have_no_serious_accessibility_violation(new_page, site, device):
    page = learner_page(new_page, site, device, **(PHONE if device == "phone" else {}))
    found = {}
    for path in LEARNER_PAGES:
        page.goto(path)
        found[path] = blocking_violations(page)
    assert found == {path: [] for path in LEARNER_PAGES}
