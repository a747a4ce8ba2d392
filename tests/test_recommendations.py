"""Which pathway fits me? careers.recommendations ranks pathways for a learner's answers, with the
reasons (pure), and careers.selectors reads the pathways and the form's choices for it."""

import pytest

from careers import selectors
from careers.recommendations import Answers, Candidate, rank
from tests.factories import GUIDES_DIR, import_guide


def candidate(title, from_role, to_role, durations=(4,), skills=()):
    return Candidate(
        pathway=title,
        title=f"{from_role} → {to_role}",
        from_role=from_role,
        to_role=to_role,
        durations=tuple(durations),
        skills=tuple(skills),
    )


SE_TO_DL = candidate(
    "SE to DL",
    "Software Engineer",
    "Deep Learning Engineer",
    durations=(8, 10, 6, 4),
    skills=("Python Programming", "System Design", "Problem Solving", "CI/CD Pipelines", "Version Control"),
)
DL_TO_NLP = candidate("DL to NLP", "Deep Learning Engineer", "NLP Engineer", (3, 3, 4, 2, None), ("PyTorch",))
DL_TO_SPEECH = candidate(
    "DL to Speech", "Deep Learning Engineer", "Speech AI Engineer", (6, 8, 6, 4), ("PyTorch", "CUDA")
)
TEACHER_TO_ANALYST = candidate("Teacher to Analyst", "Teacher", "Data Analyst", (10,), ("Explaining",))
ALL = [TEACHER_TO_ANALYST, DL_TO_SPEECH, DL_TO_NLP, SE_TO_DL]


def ranked(answers, candidates=ALL):
    return [fit.pathway for fit in rank(candidates, answers)]


def test_the_pathway_from_your_role_comes_first_then_those_that_follow_on_from_it():
    answers = Answers(current_role="software engineer", skills=("python programming", "System Design"))
    fits = rank(ALL, answers)
    assert [fit.pathway for fit in fits] == ["SE to DL", "DL to NLP", "DL to Speech", "Teacher to Analyst"]
    first, nlp, _speech, teacher = fits
    assert first.reasons == (
        "Starts from your role (software engineer)",
        "You already have 2 of its 5 transferable skills",
        "About 6½ months at the full-time pace (28 weeks)",
    )
    assert nlp.reasons == (
        "Follows on from Software Engineer → Deep Learning Engineer, which starts from your role: "
        "take that one first",
        "You already have 0 of its 1 transferable skill",
        "About 3 months at the full-time pace (12 weeks)",
    )
    assert teacher.reasons[0] == "Starts from Teacher, not your role"


def test_the_hours_you_can_give_set_the_length_said():
    (first,) = rank([SE_TO_DL], Answers(hours_per_week=10))
    assert first.weeks == 112
    assert first.reasons == (
        "Starts from Software Engineer",
        "About 26 months at 10 hours a week (112 weeks)",
    )


def test_the_role_you_want_ranks_the_pathways_that_lead_there_and_shows_the_route():
    answers = Answers(current_role="Software Engineer", target_role="Speech AI Engineer")
    fits = rank(ALL, answers)
    assert [fit.pathway for fit in fits][:2] == ["SE to DL", "DL to Speech"]
    assert "Then Deep Learning Engineer → Speech AI Engineer leads to the role you want" in fits[0].reasons
    assert "Leads to the role you want (Speech AI Engineer)" in fits[1].reasons
    nlp = next(fit for fit in fits if fit.pathway == "DL to NLP")
    assert "Leads to NLP Engineer, not the role you want" in nlp.reasons


def test_without_a_role_the_skills_you_have_rank():
    answers = Answers(skills=("Explaining",))
    assert ranked(answers)[0] == "Teacher to Analyst"
    # With no skill chosen, none is claimed and the shorter plan ranks first.
    assert ranked(Answers()) == ["Teacher to Analyst", "DL to NLP", "DL to Speech", "SE to DL"]
    assert not any("skill" in reason for fit in rank(ALL, Answers()) for reason in fit.reasons)


def test_roles_and_skills_match_whatever_their_case_and_spaces():
    (fit,) = rank([SE_TO_DL], Answers(current_role="  SOFTWARE engineer ", skills=(" ci/cd pipelines",)))
    assert fit.starts_from_role and fit.skills_had == 1


def test_a_pathway_of_only_ongoing_phases_says_no_length():
    (fit,) = rank([candidate("Habits", "A", "B", durations=(None,))], Answers())
    assert fit.weeks == 0 and fit.reasons == ("Starts from A",)


# --- Reading the pathways offered ---------------------------------------------------------------


@pytest.fixture
def seed_pathways(db):
    return {path.stem: import_guide(path.name) for path in sorted(GUIDES_DIR.glob("*.txt"))}


def test_the_three_seed_pathways_are_ranked_for_a_software_engineer(seed_pathways):
    answers = Answers(
        current_role="Software Engineer", skills=("Python Programming", "System Design"), hours_per_week=10
    )
    fits = selectors.pathway_fits(answers)
    assert [fit.pathway.short_title for fit in fits] == [
        "Software Engineer → Deep Learning Engineer",
        "Deep Learning Engineer → NLP Engineer",
        "Deep Learning Engineer → Speech AI Engineer",
    ]
    assert fits[0].reasons == (
        "Starts from your role (Software Engineer)",
        "You already have 2 of its 5 transferable skills",
        "About 26 months at 10 hours a week (112 weeks)",
    )
    assert fits[1].reasons[0].startswith("Follows on from Software Engineer → Deep Learning Engineer")


def test_an_archived_pathway_is_never_recommended(seed_pathways):
    nlp = seed_pathways["deep-learning-engineer-to-nlp-engineer"]
    nlp.archived_at = nlp.created_at
    nlp.save()
    fits = selectors.pathway_fits(Answers(current_role="Deep Learning Engineer"))
    assert nlp not in [fit.pathway for fit in fits] and len(fits) == 2
    assert "NLP Engineer" not in selectors.fit_choices().target_roles


def test_the_form_offers_the_roles_and_each_transferable_skill_once(seed_pathways):
    choices = selectors.fit_choices()
    assert choices.current_roles == ["Deep Learning Engineer", "Software Engineer"]
    assert choices.target_roles == ["Deep Learning Engineer", "NLP Engineer", "Speech AI Engineer"]
    # Two guides share "Neural Network Architecture Design" and the mathematics skill: listed once.
    assert choices.skills.count("Neural Network Architecture Design") == 1
    assert choices.skills == sorted(set(choices.skills), key=str.casefold)
    assert "Python Programming" in choices.skills and "PyTorch Expertise" in choices.skills


def test_reading_the_fits_takes_a_constant_number_of_queries(
    seed_pathways, make_pathway, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        selectors.pathway_fits(Answers())
    make_pathway(phases=[(2, 3), (4, 1)], transferable_skills=3)
    with django_assert_max_num_queries(3):
        assert len(selectors.pathway_fits(Answers())) == 4
