"""The pathway page, as a visitor sees it: every section of the guide, its facts, its roadmap.

(A learner's ticks on this page are in test_views_ticking.py; enrolling from it in
test_views_enrolment.py.)"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careers import guides, services
from careers.models import Phase, SkillToLearn, Task
from tests.factories import GUIDES_DIR, all_tasks, import_guide
from tests.pages import assert_well_formed_page, checkboxes, read_page, words

pytestmark = pytest.mark.django_db

SECTIONS = [
    "Overview",
    "Your transferable skills",
    "Skills to learn",
    "Learning roadmap",
    "Reality check",
    "Action plan",
    "Frequently asked questions",
]
GROUPS = [
    "What you'll love",
    "What you might miss",
    "Biggest challenges",
    "This Week",
    "This Month",
    "Next 90 Days",
]


def page_of(client, pathway):
    response = client.get(pathway.get_absolute_url())
    assert response.status_code == 200
    return read_page(response)


def section(page, section_id):
    return page.find("section", id=section_id)


def facts(page):
    """The facts at the top of the page: {term: definition}."""
    pairs = page.find("dl", class_="facts")
    return {} if pairs is None else {div.find("dt").text: div.find("dd").text for div in pairs.elements}


# ---------- The seed guides, end to end (one test per guide) ----------


@pytest.mark.parametrize("filename", sorted(path.name for path in GUIDES_DIR.glob("*.txt")))
def test_pathway_page_shows_every_item_of_the_guide(client, filename):
    pathway = import_guide(filename)
    guide = guides.read(GUIDES_DIR / filename)
    page = page_of(client, pathway)
    assert_well_formed_page(page)
    text = page.text

    def shown(item):
        assert words(item) in text, item

    shown(guide.title)
    for paragraph in guide.overview:
        shown(paragraph)
    for skill in [*guide.transferable_skills, *guide.skills_to_learn]:
        shown(skill.name)
        shown(skill.description)
    for number, phase in enumerate(guide.phases, 1):
        shown(f"Phase {number}")
        shown(phase.title)
        shown(phase.duration_label)
        for task in phase.tasks:
            shown(task)
        for resource in phase.resources:
            shown(resource.title)
    for items in [*guide.reality_check.values(), *guide.action_plan.values()]:
        for item in items:
            shown(item)
    for entry in guide.faq:
        shown(entry.answer)
    assert [h2.text for h2 in page.find("div", class_="pathway-body").find_all("h2")] == [
        *SECTIONS,
        "Not the move for you?",
    ]
    assert set(GROUPS) <= {h3.text for h3 in page.find_all("h3")}


# ---------- Factory-built pathways ----------


def test_pathway_page_shows_every_section_of_the_pathway(client, pathway):
    page = page_of(client, pathway)
    assert_well_formed_page(page)
    assert page.find("h1").text == "Data Analyst → Machine Learning Engineer"  # the short title
    assert page.find("p", class_="pathway-header__subtitle").text == pathway.title
    text = page.text

    def shown(item):
        assert words(item) in text, item

    for paragraph in pathway.overview_paragraphs:
        shown(paragraph)
    for skill in [*pathway.transferable_skills.all(), *pathway.skills_to_learn.all()]:
        shown(skill.name)
        shown(skill.description)
    roadmap = section(page, "roadmap")
    phases = list(pathway.phases.order_by("order"))
    for number, (phase, weeks) in enumerate(
        zip(phases, ["Weeks 1–3", "Weeks 4–5", "Week 6 onwards"], strict=True), 1
    ):
        item = roadmap.find("ol").elements[number - 1]
        assert item.text.startswith(
            f"Phase {number} {phase.title} {weeks} {phase.duration_label} {phase.summary}"
        )
        assert [li.text for li in item.find("ul", class_="task-list").elements] == [
            t.text for t in phase.tasks.all()
        ]
        for resource in phase.resources.all():
            assert item.find("a", href=resource.url).text == resource.title
    for item in [*pathway.reality_checks.all(), *pathway.action_items.all()]:
        shown(item.text)
    for entry in pathway.faq_entries.all():
        shown(entry.question)
        shown(entry.answer)

    body = page.find("div", class_="pathway-body")
    assert [h2.text for h2 in body.find_all("h2")] == [*SECTIONS, "Not the move for you?"]
    assert [h3.text for h3 in section(page, "reality-check").find_all("h3")] == GROUPS[:3]
    assert [h3.text for h3 in section(page, "action-plan").find_all("h3")] == GROUPS[3:]
    # The table of contents leads to every section.
    toc = page.find("nav", class_="toc")
    assert [a.text for a in toc.find_all("a")] == SECTIONS
    assert all(page.find(id=a.attrs["href"][1:]) for a in toc.find_all("a"))


def test_pathway_page_leaves_out_empty_sections(client, make_pathway):
    page = page_of(client, make_pathway(phases=[(2, 1)]))
    assert_well_formed_page(page)
    assert [a.text for a in page.find("nav", class_="toc").find_all("a")] == ["Overview", "Learning roadmap"]
    for section_id in ("transferable-skills", "skills-to-learn", "reality-check", "action-plan", "faq"):
        assert section(page, section_id) is None


def test_pathway_page_facts_weeks_and_skill_priorities(client, make_pathway):
    pathway = make_pathway(
        phases=[(6, 1), (8, 1), (6, 1), (4, 1)],
        duration_months=6,
        difficulty="Moderate",
        timeline="4-6 months",
        salary_change="+10% to +25%",
        demand="Growing fast",
        other_facts=[["Remote work", "Common"]],
        skills_to_learn=4,
    )
    skills = list(pathway.skills_to_learn.order_by("order"))
    for skill, priority in zip(skills, ["nice_to_have", "critical", "important", "critical"], strict=True):
        skill.priority = priority
    SkillToLearn.objects.bulk_update(skills, ["priority"])

    page = page_of(client, pathway)
    # The length comes from the plan; the guide's timeline agrees with it, so it is not repeated.
    assert facts(page) == {
        "Length": "24 weeks, about 5½ months at the full-time pace",
        "Difficulty": "Moderate",
        "Salary change": "+10% to +25%",
        "Remote work": "Common",
        "Demand": "Growing fast",
    }
    groups = section(page, "skills-to-learn").find_all("h3")
    assert [group.text for group in groups] == [
        "Critical 2 skills",
        "Important 1 skill",
        "Nice to have 1 skill",
    ]
    roadmap = section(page, "roadmap").text
    assert (
        "Weeks 1–6 6 weeks" in roadmap
        and "Weeks 7–14 8 weeks" in roadmap
        and "Weeks 21–24 4 weeks" in roadmap
    )


def test_pathway_page_without_facts_or_priorities(client, make_pathway):
    pathway = make_pathway(phases=[(3, 1), (None, 1)], skills_to_learn=2)
    page = page_of(client, pathway)
    assert facts(page) == {"Length": "3 weeks at the full-time pace"}
    skills = section(page, "skills-to-learn")
    assert [h3.text for h3 in skills.find_all("h3")] == [
        s.name for s in pathway.skills_to_learn.order_by("order")
    ]
    assert "Critical" not in skills.text and "Other skills" not in skills.text
    ongoing = section(page, "roadmap").find("ol").elements[-1]
    assert "Week 4 onwards Ongoing" in ongoing.text


def test_faq_questions_are_never_invented(client, make_pathway):
    pathway = make_pathway(
        faq=[("", "No—while research roles want a PhD, most do not."), ("Is it paid?", "Yes.")]
    )
    faq = section(page_of(client, pathway), "faq")
    assert [h3.text for h3 in faq.find_all("h3")] == ["Is it paid?"]  # the first answer has no question
    assert "No—while research roles want a PhD, most do not." in faq.text


def test_pathway_page_invites_visitors_to_sign_up(client, pathway):
    page = page_of(client, pathway)
    follow = page.find("section", class_="follow")
    back = f"?next={pathway.get_absolute_url()}"
    assert follow.find("a", href=f"{reverse('account_signup')}{back}").text == "Sign up to enrol"
    assert follow.find("a", href=f"{reverse('account_login')}{back}").text == "Log in"
    # Nothing to tick: the tasks are a plain list.
    assert checkboxes(page) == {}
    assert words(all_tasks(pathway)[0].text) in section(page, "roadmap").text


@pytest.mark.parametrize("visitor", ["anonymous", "enrolled learner"])
def test_pathway_page_queries_do_not_grow_with_the_pathway(
    client, make_pathway, make_enrolment, learner, visitor
):
    small = make_pathway(phases=[(1, 1)])
    big = make_pathway(
        phases=[(3, 4), (2, 3), (None, 2)],
        resources_per_phase=2,
        action_items={"this_week": 2, "this_month": 2},
        transferable_skills=3,
        skills_to_learn=3,
        reality_checks={"love": 2, "miss": 2},
        faq=3,
    )
    if visitor == "enrolled learner":
        client.force_login(learner)
        for pathway in (small, big):
            make_enrolment(user=learner, pathway=pathway)

    def queries(pathway):
        with CaptureQueriesContext(connection) as context:
            assert client.get(pathway.get_absolute_url()).status_code == 200
        return len(context.captured_queries)

    before = queries(big)
    phase = Phase.objects.create(pathway=big, order=99, title="Extra", duration_weeks=2)
    Task.objects.bulk_create(Task(phase=phase, order=n, text=f"Extra task {n}") for n in range(10))
    assert queries(big) == before == queries(small)


# ---------- An enrolled learner: their roadmap first ----------


def test_an_enrolled_learner_opens_on_their_roadmap(learner_client, learner, make_pathway, make_enrolment):
    pathway = make_pathway(
        phases=[(2, 2), (3, 3), (None, 1)], action_items={"this_week": 1}, faq=1, transferable_skills=1
    )
    today = timezone.now().date()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=2)  # this is week 3
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=monday)
    first, second, third, fourth, fifth, habit = all_tasks(pathway)
    services.skip_task(enrolment=enrolment, task=first, reason="not_for_me", now=timezone.now())
    page = page_of(learner_client, pathway)
    assert_well_formed_page(page)

    body = page.find("div", class_="pathway-body")
    assert body.elements[0].attrs["id"] == "roadmap"
    assert body.elements[0].find("h2").text == "Your roadmap"
    assert page.find("nav", class_="toc").find("a").text == "Your roadmap"
    phases = page.find("section", id="roadmap").find_all("li", class_="phase")
    # "You are here" on the current phase only, and real dates beside the week ranges.
    assert ["You are here" in phase.find(class_="phase__number").text for phase in phases] == [
        False,
        True,
        False,
    ]
    week_one = monday
    assert phases[0].find(class_="phase__weeks").text == (
        f"Weeks 1–2 · {week_one.day} {week_one:%b} – {(week_one + timedelta(days=13)).day} "
        f"{(week_one + timedelta(days=13)):%b}"
    )
    assert phases[2].find(class_="phase__weeks").text.startswith("Week 6 onwards · from ")
    # Each task with its planned week; the late one marked; the skipped one says so.
    metas = {
        list(checkboxes(row))[0]: row.find(class_="plan-item__meta").text for row in phases[0].find_all("li")
    }
    assert metas[second.text] == "Late · due week 2"
    assert "Skipped: not for me" in phases[0].find("form", id=f"task-{enrolment.id}-{first.id}").text
    rows = phases[1].find_all("li", class_="plan-item")
    assert [row.find(class_="plan-item__meta").text.split(" · ")[0] for row in rows] == [
        "Week 3",
        "Week 4",
        "Week 5",
    ]
    assert "this week" in rows[0].text
    assert "Weekly habit" in phases[2].text and habit.text in checkboxes(phases[2])
    # The follow panel says where the learner is, with a link there.
    follow = page.find("section", id="follow")
    here = follow.find(class_="follow__here")
    assert here.find("a").attrs["href"] == f"#phase-{pathway.phases.get(order=2).id}"
    assert "Behind by" in follow.text and "Week 3 of 5" in follow.text
    assert follow.find("figure", id=f"chart-{enrolment.id}")


def test_a_visitor_sees_the_guide_in_its_own_order(client, pathway):
    page = page_of(client, pathway)
    assert page.find("div", class_="pathway-body").elements[0].attrs["id"] == "overview"
    assert "You are here" not in page.text


# ---------- Titles, length and the FAQ ----------


def test_the_heading_is_the_short_title_with_the_guides_own_title_below(client):
    pathway = import_guide("software-engineer-to-deep-learning-engineer.txt")
    page = page_of(client, pathway)
    assert page.find("h1").text == "Software Engineer → Deep Learning Engineer"
    assert page.find("p", class_="pathway-header__subtitle").text == (
        "From Software Engineer to Deep Learning Engineer: Your 9-Month Transition to Advanced AI"
    )
    # The length comes from the plan, with the guide's own claim beside it where they disagree.
    assert facts(page)["Length"] == (
        "28 weeks, about 6½ months at the full-time pace (the guide says 9 months)"
    )


def test_a_pathway_without_both_roles_keeps_its_title_as_heading(client, make_pathway):
    pathway = make_pathway(from_role="")
    page = page_of(client, pathway)
    assert page.find("h1").text == pathway.title
    assert page.find("p", class_="pathway-header__subtitle") is None


@pytest.mark.parametrize(
    ("fields", "length"),
    [
        ({"duration_months": 3}, "12 weeks, about 3 months at the full-time pace"),  # they agree
        (
            {"duration_months": 6, "timeline": "4-6 months"},
            "12 weeks, about 3 months at the full-time pace (the guide says 4-6 months)",
        ),
        ({"duration_months": 1}, "12 weeks, about 3 months at the full-time pace (the guide says 1 month)"),
    ],
)
def test_the_guides_claim_is_shown_beside_the_plans_length_when_they_differ(
    client, make_pathway, fields, length
):
    page = page_of(client, make_pathway(phases=[(8, 2), (4, 1)], **fields))
    assert facts(page)["Length"] == length


def test_a_pathway_of_ongoing_phases_only_says_what_the_guide_claims(client, make_pathway):
    page = page_of(client, make_pathway(phases=[(None, 2)], duration_months=2))
    assert facts(page)["Length"] == "The guide says 2 months"


def test_a_learner_at_their_own_pace_sees_their_plan_beside_the_guides(
    learner_client, learner, make_pathway, make_enrolment
):
    pathway = make_pathway(phases=[(3, 2), (2, 1), (None, 1)])
    enrolment = make_enrolment(user=learner, pathway=pathway)
    services.change_pace(enrolment=enrolment, hours_per_week=20)
    page = page_of(learner_client, pathway)
    assert facts(page)["Length"] == (
        "5 weeks, about 1 month at the full-time pace Your plan: 10 weeks, about 2½ months at 20 hours a week"
    )
    phases = section(page, "roadmap").find_all("li", class_="phase")
    assert phases[0].find(class_="phase__weeks").text.startswith("Weeks 1–6 · ")
    assert phases[0].find(class_="phase__duration").text == "3 weeks at the full-time pace"
    assert phases[1].find(class_="phase__weeks").text.startswith("Weeks 7–10 · ")
    assert phases[2].find(class_="phase__weeks").text.startswith("Week 11 onwards")
    assert phases[2].find(class_="phase__duration").text == "Ongoing"


def test_a_phase_done_before_the_start_says_so_on_the_roadmap(learner_client, learner, make_pathway):
    pathway = make_pathway(phases=[(3, 2), (2, 1)])
    first, second, third = all_tasks(pathway)
    services.enrol(
        user=learner, pathway=pathway, start_date=timezone.now().date(), already_done=[first, second]
    )
    phases = section(page_of(learner_client, pathway), "roadmap").find_all("li", class_="phase")
    assert phases[0].find(class_="phase__weeks").text == "Already done before you started"
    assert [
        row.find(class_="plan-item__meta").text for row in phases[0].find_all("li", class_="plan-item")
    ] == [
        "Already done before you started",
        "Already done before you started",
    ]
    assert phases[1].find(class_="phase__weeks").text.startswith("Weeks 1–2 · ")


def test_the_enrol_button_is_reached_from_the_top_of_the_page(client, learner, pathway, make_enrolment):
    cta = page_of(client, pathway).find("p", class_="pathway-header__cta").find("a")
    assert (cta.attrs["href"], cta.text) == ("#follow", "Follow this pathway")
    client.force_login(learner)
    cta = page_of(client, pathway).find("p", class_="pathway-header__cta").find("a")
    assert (cta.attrs["href"], cta.text) == ("#follow", "Enrol in this pathway")
    make_enrolment(user=learner, pathway=pathway)
    assert page_of(client, pathway).find("p", class_="pathway-header__cta") is None


def test_a_question_added_in_the_admin_shows_above_its_answer(admin_client, client, make_pathway):
    pathway = make_pathway(faq=[("", "No—while research roles want a PhD, most do not.")])
    entry = pathway.faq_entries.get()
    response = admin_client.post(
        reverse("admin:careers_faqentry_change", args=[entry.pk]),
        {"pathway": pathway.pk, "order": entry.order, "question": "Do I need a PhD?", "answer": entry.answer},
    )
    assert response.status_code == 302, response.content.decode()
    faq = section(page_of(client, pathway), "faq")
    assert [h3.text for h3 in faq.find_all("h3")] == ["Do I need a PhD?"]
    assert (
        faq.find("div", class_="faq").text
        == "Do I need a PhD? No—while research roles want a PhD, most do not."
    )
