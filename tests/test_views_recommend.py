"""Which pathway fits me? The form (no account needed), its ranked answers with reasons, a learner's
answers kept in their profile, and the pathways suggested after a completed one.

(The ranking itself is in test_recommendations.py.)"""

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from accounts.models import Profile
from tests.factories import GUIDES_DIR, import_guide, tick, timed_tasks
from tests.pages import assert_well_formed_page, checkboxes, is_checked, read_page

pytestmark = pytest.mark.django_db

FIT = reverse("careers:fit")
SE_TO_DL = "Software Engineer → Deep Learning Engineer"
ANSWERS = {
    "current_role": "Software Engineer",
    "skills": ["Python Programming", "System Design", "Problem Solving"],
    "hours_per_week": "10",
}


@pytest.fixture
def seed_pathways(db):
    return {path.stem: import_guide(path.name) for path in sorted(GUIDES_DIR.glob("*.txt"))}


def results(page):
    """The ranked answers: [(short title, [reasons])]."""
    section = page.find("section", id="results")
    return [
        (card.find("h3").text, [li.text for li in card.find("ul").elements])
        for card in section.find_all("li", class_="fit-card")
    ]


def test_the_form_is_linked_from_the_home_page_and_the_catalogue(client, seed_pathways):
    for url in (reverse("careers:home"), reverse("careers:catalogue")):
        assert read_page(client.get(url)).find("a", href=FIT), url


def test_a_visitor_sees_the_form_with_every_answer_optional(client, seed_pathways):
    response = client.get(FIT)
    assert response.status_code == 200
    page = read_page(response)
    assert_well_formed_page(page)
    assert page.find("h1").text == "Which pathway fits me?"
    form = page.find("form", action=FIT)
    role = form.find("select", name="current_role")
    assert form.find("label", for_=role.attrs["id"]).text == "The role you have now"
    assert [option.text for option in role.find_all("option")] == [
        "Another role",
        "Deep Learning Engineer",
        "Software Engineer",
    ]
    # The transferable skills of the three guides, each once, as labelled checkboxes.
    skills = form.find("fieldset")
    assert skills.find("legend").text == "Skills you already have"
    names = list(checkboxes(skills))
    assert "Python Programming" in names and names.count("Neural Network Architecture Design") == 1
    assert not any(is_checked(box) for box in checkboxes(skills).values())
    assert form.find("input", name="hours_per_week")
    assert form.find("select", name="target_role")
    assert page.find("section", id="results") is None  # no answers yet


def test_a_software_engineer_gets_the_three_seed_pathways_ranked_with_reasons(client, seed_pathways):
    response = client.post(FIT, ANSWERS)
    # The answers land at a clean address (no empty parameters), which can be shared.
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.path, location.fragment) == (FIT, "results")
    assert parse_qsl(location.query) == [
        ("current_role", "Software Engineer"),
        ("skills", "Python Programming"),
        ("skills", "System Design"),
        ("skills", "Problem Solving"),
        ("hours_per_week", "10"),
    ]
    page = read_page(client.get(response["Location"]))
    assert_well_formed_page(page)
    assert results(page) == [
        (
            SE_TO_DL,
            [
                "Starts from your role (Software Engineer)",
                "You already have 3 of its 5 transferable skills",
                "About 26 months at 10 hours a week (112 weeks)",
            ],
        ),
        (
            "Deep Learning Engineer → NLP Engineer",
            [
                f"Follows on from {SE_TO_DL}, which starts from your role: take that one first",
                "You already have 0 of its 6 transferable skills",
                "About 11 months at 10 hours a week (48 weeks)",
            ],
        ),
        (
            "Deep Learning Engineer → Speech AI Engineer",
            [
                f"Follows on from {SE_TO_DL}, which starts from your role: take that one first",
                "You already have 0 of its 5 transferable skills",
                "About 22 months at 10 hours a week (96 weeks)",
            ],
        ),
    ]
    # The form keeps the answers; the links carry the hours to the enrol form.
    form = page.find("form", action=FIT)
    assert is_checked(checkboxes(form)["System Design"])
    link = page.find("li", class_="fit-card").find("a")
    pathway = seed_pathways["software-engineer-to-deep-learning-engineer"]
    assert link.attrs["href"] == f"{pathway.get_absolute_url()}?hours=10"
    assert Profile.objects.filter(hours_per_week__isnull=False).count() == 0  # a visitor: nothing kept


def test_enrolling_from_a_recommendation_prefills_the_hours(client, learner, seed_pathways):
    client.force_login(learner)
    page = read_page(client.get(f"{FIT}?current_role=Software+Engineer&hours_per_week=5"))
    link = page.find("li", class_="fit-card").find("a").attrs["href"]
    enrol = read_page(client.get(link)).find("form", class_="enrol-form")
    assert enrol.find("input", name="hours_per_week").attrs["value"] == "5"


def test_a_signed_in_learners_answers_are_kept_and_prefill_the_form(client, learner, seed_pathways):
    client.force_login(learner)
    response = client.post(FIT, {**ANSWERS, "target_role": "Speech AI Engineer"}, follow=True)
    assert "Your answers are saved: they fill in this form next time." in read_page(response).text
    profile = Profile.objects.get(user=learner)
    assert (profile.current_role, profile.target_role, profile.skills, profile.hours_per_week) == (
        "Software Engineer",
        "Speech AI Engineer",
        ["Python Programming", "System Design", "Problem Solving"],
        10,
    )

    form = read_page(client.get(FIT)).find("form", action=FIT)
    role = form.find("select", name="current_role")
    assert [option.text for option in role.find_all("option") if "selected" in option.attrs] == [
        "Software Engineer"
    ]
    assert {name for name, box in checkboxes(form).items() if is_checked(box)} == set(ANSWERS["skills"])
    assert form.find("input", name="hours_per_week").attrs["value"] == "10"
    # The enrol form's hours come from the profile too.
    pathway = seed_pathways["deep-learning-engineer-to-speech-ai-engineer"]
    enrol = read_page(client.get(pathway.get_absolute_url())).find("form", class_="enrol-form")
    assert enrol.find("input", name="hours_per_week").attrs["value"] == "10"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"hours_per_week": "many"}, "Hours a week you can give: Enter a whole number of hours, like 10."),
        ({"hours_per_week": "200"}, "Hours a week you can give: Give at most 80 hours a week."),
        ({"current_role": "Astronaut"}, "The role you have now: Select a valid choice."),
        ({"skills": ["Juggling"]}, "Skills you already have: Choose skills from the list."),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_bad_answers_are_a_form_error_and_nothing_is_kept(
    client, learner, seed_pathways, data, error, method
):
    client.force_login(learner)
    response = getattr(client, method)(FIT, data)
    assert response.status_code == 400
    page = read_page(response)
    assert_well_formed_page(page)
    summary = page.find("div", class_="error-summary")
    (only,) = summary.find_all("li")
    assert only.text.startswith(error)
    assert page.find("section", id="results") is None
    profile = Profile.objects.get(user=learner)
    assert (profile.current_role, profile.skills, profile.hours_per_week) == ("", [], None)


def test_pathways_leading_on_from_a_completed_one_are_suggested_with_reasons(
    client, learner, make_enrolment, seed_pathways
):
    first = seed_pathways["software-engineer-to-deep-learning-engineer"]
    enrolment = make_enrolment(user=learner, pathway=first)
    for task in timed_tasks(first):
        tick(enrolment, task)
    Profile.objects.filter(user=learner).update(hours_per_week=20, skills=["PyTorch Expertise"])
    client.force_login(learner)

    completed = read_page(client.get(reverse("careers:dashboard"))).find("section", id="completed")
    suggestions = completed.find("ul", class_="suggestions").find_all("li")
    assert [
        (li.find("a").attrs["href"], li.find(class_="suggestion__reasons").text) for li in suggestions
    ] == [
        (
            seed_pathways["deep-learning-engineer-to-nlp-engineer"].get_absolute_url(),
            "Starts from your role (Deep Learning Engineer) · You already have 1 of its 6 transferable skills"
            " · About 5½ months at 20 hours a week (24 weeks)",
        ),
        (
            seed_pathways["deep-learning-engineer-to-speech-ai-engineer"].get_absolute_url(),
            "Starts from your role (Deep Learning Engineer) · You already have 0 of its 5 transferable skills"
            " · About 11 months at 20 hours a week (48 weeks)",
        ),
    ]
