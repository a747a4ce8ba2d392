"""The guide parser, section by section, on the three seed guides and on guides written for
these tests in both layouts (the parser must not depend on the seeds' exact words)."""

import re

import pytest

from careers import guides
from tests.factories import GUIDES_DIR

NLP = GUIDES_DIR / "deep-learning-engineer-to-nlp-engineer.txt"
DL = GUIDES_DIR / "software-engineer-to-deep-learning-engineer.txt"
SPEECH = GUIDES_DIR / "deep-learning-engineer-to-speech-ai-engineer.txt"

# Text that only appears when the scraper's run-together fields were not taken apart.
MANGLED = re.compile(
    r"(Critical|Important|Nice to have)\d|\b[a-z]{3,}[A-Z][a-z]{2,}|[a-z]'[A-Z]|\)[A-Za-z]|\d+ views"
)


@pytest.fixture(scope="module")
def nlp():
    return guides.read(NLP)


@pytest.fixture(scope="module")
def dl():
    return guides.read(DL)


@pytest.fixture(scope="module")
def speech():
    return guides.read(SPEECH)


def all_texts(guide):
    yield guide.title
    yield from guide.overview
    for skill in guide.transferable_skills:
        yield from (skill.name, skill.description)
    for skill in guide.skills_to_learn:
        yield from (skill.name, skill.description)
    for phase in guide.phases:
        yield phase.title
        yield from phase.tasks
        yield from (resource.title for resource in phase.resources)
    for items in (*guide.reality_check.values(), *guide.action_plan.values()):
        yield from items
    for entry in guide.faq:
        yield from (entry.question, entry.answer)


# --- The plain layout: deep learning engineer to NLP engineer -------------------------------


def test_plain_layout_title_roles_and_duration(nlp):
    assert nlp.title == "From Deep Learning Engineer to NLP Engineer: Your 3-Month Specialization Guide"
    assert (nlp.from_role, nlp.to_role) == ("Deep Learning Engineer", "NLP Engineer")
    assert nlp.slug == "deep-learning-engineer-to-nlp-engineer"
    assert nlp.duration_months == 3
    assert (nlp.difficulty, nlp.timeline, nlp.salary_change, nlp.demand, nlp.other_facts) == (
        "",
        "",
        "",
        "",
        [],
    )


def test_plain_layout_overview_paragraphs(nlp):
    assert len(nlp.overview) == 2
    assert nlp.overview[0].startswith("You have a powerful foundation as a Deep Learning Engineer")
    assert nlp.overview[1].endswith("from customer service to content generation.")


def test_plain_layout_transferable_skills(nlp):
    assert [skill.name for skill in nlp.transferable_skills] == [
        "PyTorch Expertise",
        "Neural Network Architecture Design",
        "Mathematics (Linear Algebra, Calculus)",
        "Distributed Training",
        "Research Paper Comprehension",
        "CUDA/GPU Programming",
    ]
    assert nlp.transferable_skills[5].description == (
        "Your GPU optimization skills will help you efficiently train and deploy NLP models, which are "
        "often computationally intensive and benefit from hardware acceleration."
    )
    assert all(not skill.description.startswith("Great news") for skill in nlp.transferable_skills)


def test_plain_layout_skills_to_learn_have_no_priority(nlp):
    assert [skill.name for skill in nlp.skills_to_learn] == [
        "LLM Fine-tuning and Prompt Engineering",
        "Text Processing and Tokenization",
        "NLP Fundamentals and Linguistics Basics",
        "Transformers and HuggingFace Ecosystem",
        "NLP Deployment and MLOps",
        "Domain-Specific NLP Applications",
    ]
    assert {(skill.priority, skill.weeks) for skill in nlp.skills_to_learn} == {("", None)}
    assert nlp.skills_to_learn[3].description.startswith("Complete the 'HuggingFace Course' (free online)")


def test_plain_layout_roadmap(nlp):
    assert [(p.title, p.duration_weeks, p.duration_label, len(p.tasks)) for p in nlp.phases] == [
        ("NLP Foundations and Tooling", 3, "3 weeks", 3),
        ("Transformer Mastery and LLM Fine-tuning", 3, "3 weeks", 3),
        ("Portfolio Development and Specialization", 4, "4 weeks", 3),
        ("Job Search and Interview Preparation", 2, "2 weeks", 3),
        ("Continuous Learning and Community Engagement", None, "Ongoing", 3),
    ]
    assert nlp.phases[0].tasks[0] == "Complete the Coursera NLP Specialization by deeplearning.ai"
    assert nlp.phases[4].tasks[0] == "Stay updated with latest NLP research via arXiv and AI newsletters"
    assert (
        nlp.phases[3].tasks[1]
        == "Practice NLP interview questions on platforms like LeetCode and Interview Query"
    )
    assert all(phase.resources == [] and phase.summary == "" for phase in nlp.phases)


def test_plain_layout_reality_check(nlp):
    assert {kind: len(items) for kind, items in nlp.reality_check.items()} == {
        "love": 4,
        "miss": 4,
        "challenge": 4,
    }
    assert nlp.reality_check["love"][0] == (
        "Working on cutting-edge language models like GPT and BERT that have real-world impact"
    )
    assert nlp.reality_check["challenge"][3] == (
        "Communicating NLP concepts to non-technical stakeholders in business settings"
    )


def test_plain_layout_action_plan(nlp):
    assert {horizon: len(items) for horizon, items in nlp.action_plan.items()} == {
        "this_week": 3,
        "this_month": 3,
        "next_90_days": 3,
    }
    assert (
        nlp.action_plan["this_week"][0]
        == "Enroll in the Coursera NLP Specialization and complete the first module"
    )
    assert nlp.action_plan["next_90_days"][2] == (
        "Contribute to an open-source NLP project on GitHub to gain visibility"
    )


def test_plain_layout_faq_answer_without_invented_question(nlp):
    assert len(nlp.faq) == 1
    assert nlp.faq[0].question == ""
    assert nlp.faq[0].answer.startswith("Not necessarily. While the base salary ranges overlap")


def test_second_plain_guide(dl):
    assert (dl.from_role, dl.to_role, dl.duration_months) == (
        "Software Engineer",
        "Deep Learning Engineer",
        9,
    )
    assert len(dl.overview) == 2
    assert len(dl.transferable_skills) == 5
    assert dl.transferable_skills[4].name == "Version Control (Git)"
    assert len(dl.skills_to_learn) == 6
    assert [(p.title, p.duration_weeks, len(p.tasks)) for p in dl.phases] == [
        ("Foundation Building", 8, 4),
        ("Specialization & Implementation", 10, 4),
        ("Production & Scaling", 6, 4),
        ("Portfolio & Job Search", 4, 4),
    ]
    assert dl.phases[2].tasks[2] == "Deploy model with TorchServe/FastAPI"
    assert [len(items) for items in dl.reality_check.values()] == [4, 4, 4]
    assert [len(items) for items in dl.action_plan.values()] == [4, 4, 4]
    assert dl.action_plan["this_month"][3] == "Read 2 foundational papers (AlexNet, ResNet)"
    assert dl.faq[0].answer.startswith("No—while research roles often prefer advanced degrees")


# --- The richer layout: deep learning engineer to speech AI engineer ------------------------


def test_rich_layout_header_drops_page_furniture(speech):
    assert speech.title == "From Deep Learning Engineer to Speech AI Engineer: Your 6-Month Transition Guide"
    assert (speech.from_role, speech.to_role) == ("Deep Learning Engineer", "Speech AI Engineer")
    assert speech.slug == "deep-learning-engineer-to-speech-ai-engineer"
    assert speech.duration_months == 6


def test_rich_layout_facts(speech):
    assert speech.difficulty == "Moderate"
    assert speech.timeline == "4-6 months"
    assert speech.salary_change == "-5% to +10% (depending on location and company)"
    assert speech.demand.startswith("High demand in tech companies, automotive (voice assistants)")
    assert speech.demand.endswith("voice-enabled devices and conversational AI.")
    assert speech.other_facts == []


def test_rich_layout_overview_and_transferable_skills(speech):
    assert len(speech.overview) == 3
    assert speech.overview[2].startswith("You'll find that many speech AI models, such as wav2vec 2.0")
    assert [skill.name for skill in speech.transferable_skills] == [
        "PyTorch and Deep Learning Frameworks",
        "Neural Network Architecture Design",
        "Research Paper Implementation",
        "CUDA/GPU Programming and Distributed Training",
        "Mathematics (Linear Algebra, Calculus)",
    ]


def test_rich_layout_skills_to_learn_priority_and_weeks_taken_apart(speech):
    assert [(s.name, s.priority, s.weeks, s.duration_label) for s in speech.skills_to_learn] == [
        ("Text-to-Speech (TTS) Models", "important", 6, "6 weeks"),
        ("Audio Data Preprocessing and Augmentation", "important", 4, "4 weeks"),
        ("Signal Processing for Audio", "critical", 6, "6 weeks"),
        ("Speech Recognition (ASR) Systems", "critical", 8, "8 weeks"),
        ("Speech-Specific Evaluation Metrics", "nice_to_have", 2, "2 weeks"),
        ("Real-Time Inference Optimization", "nice_to_have", 3, "3 weeks"),
    ]
    assert speech.skills_to_learn[0].description == (
        "Study Tacotron 2 and WaveNet architectures via papers and implement them using NVIDIA's NeMo "
        "toolkit. Take the 'Text-to-Speech Synthesis' module on DeepLearning.AI."
    )


def test_rich_layout_numbered_phases_with_tasks_and_resources(speech):
    assert [(p.title, p.duration_weeks, len(p.tasks)) for p in speech.phases] == [
        ("Foundation in Speech Processing", 6, 3),
        ("Deep Dive into ASR and TTS", 8, 3),
        ("Project Development and Portfolio", 6, 3),
        ("Job Search and Interview Prep", 4, 3),
    ]
    assert speech.phases[1].tasks == [
        "Implement a custom ASR pipeline with CTC loss",
        "Experiment with TTS models using NVIDIA NeMo",
        "Fine-tune a speech model on a custom dataset (e.g., Common Voice)",
    ]
    assert [[r.title for r in p.resources] for p in speech.phases] == [
        [
            "Coursera: 'Digital Signal Processing'",
            "Librosa documentation",
            "Hugging Face Transformers library",
        ],
        ["Udacity: 'Automatic Speech Recognition'", "NVIDIA NeMo toolkit", "Common Voice dataset"],
        [
            "GitHub repositories (e.g., ESPnet, Coqui TTS)",
            "ONNX Runtime documentation",
            "Personal blog or GitHub Pages for showcasing projects",
        ],
        [
            "LeetCode for audio/data structure problems",
            "INTERSPEECH conference materials",
            "Speech AI communities on Discord or Slack",
        ],
    ]


def test_rich_layout_reality_check_action_plan_and_faq(speech):
    assert [len(items) for items in speech.reality_check.values()] == [4, 4, 4]
    assert (
        speech.reality_check["miss"][2]
        == "The simplicity of working with structured data vs. raw audio signals"
    )
    assert [len(items) for items in speech.action_plan.values()] == [3, 3, 3]
    assert (
        speech.action_plan["next_90_days"][1]
        == "Achieve a WER under 10% on a benchmark dataset like LibriSpeech"
    )
    assert len(speech.faq) == 1 and speech.faq[0].question == ""
    assert "($130k-$230k vs. $140k-$280k for Deep Learning Engineers)" in speech.faq[0].answer


@pytest.mark.parametrize("path", [NLP, DL, SPEECH], ids=lambda p: p.stem)
def test_no_item_is_mangled_or_page_furniture(path):
    guide = guides.read(path)
    texts = [text for text in all_texts(guide) if text]
    for text in texts:
        assert not MANGLED.search(text), text
        assert "Ready to Start Your Transition" not in text
        assert "Take the next step in your career journey" not in text
        assert "Career Pathway" not in text
    raw = path.read_text()
    for brand in ("GitHub", "LeetCode", "NeMo", "LinkedIn", "PyTorch", "HuggingFace", "YouTube"):
        assert raw.count(brand) == sum(text.count(brand) for text in texts), brand


@pytest.mark.parametrize("path", [NLP, DL, SPEECH], ids=lambda p: p.stem)
def test_every_list_item_of_the_source_lands(path):
    """Each bulleted line of the source text is a task, reality-check or action-plan item."""
    guide = guides.read(path)
    texts = set(all_texts(guide))
    bullets = [
        re.sub(r"^(?:\d+ weeks|Ongoing)?\s*[-•]\s", "", line.strip())
        for line in path.read_text().splitlines()
        if re.match(r"^(?:\d+ weeks|Ongoing)?[-•]\s", line.strip())
    ]
    assert bullets
    assert [bullet for bullet in bullets if bullet not in texts] == []


# --- Guides in both layouts with other words: the structure, not the seeds' text ------------

PLAIN_GUIDE = """From Teacher to UX Designer: A 6-Month Plan
Overview
Teaching builds empathy for learners, which is the heart of user research.
You will learn to turn that empathy into interfaces.
Your Transferable Skills
Great news! Some of what you do every day carries over.
Classroom Facilitation
Running workshops with stakeholders feels like running a class.
Lesson Planning
Planning a unit is planning a user journey.
Skills You'll Need to Learn
Here's what you'll need to learn.
Figma
Practise with the free plan and rebuild three apps you use.
Your Learning Roadmap
Follow this roadmap.
Research Basics
2 weeks- Read 'Just Enough Research'
- Interview five people
Prototyping
1 month- Build a clickable prototype in Figma
- Test it with three users
Community
Ongoing- Go to a local UX meetup
Reality Check
Before you start, an honest look.
What You'll Love
- Seeing people use what you made
What You Might Miss
- Summer holidays
Biggest Challenges
- Building a portfolio from nothing
Start Your Journey Now
Don't wait.
This Week
- Sign up for Figma
This Month
- Finish one case study
Next 90 Days
- Apply to ten junior roles
Frequently Asked Questions
Do I need a design degree?
No. A portfolio matters far more than a degree.
Ready to Start Your Transition?
Take the next step.
"""

RICH_GUIDE = """Career Pathway12 views
Nurse
Health Data Analyst

From Nurse to Health Data Analyst: Your 8-Month Transition Guide

Difficulty
Challenging
Timeline
6-8 months
Salary Change
+15%
Demand
Growing in hospitals.
Remote Friendly
Often

Overview

Clinical knowledge is rare among analysts.

Your Transferable Skills

Great news! You already have valuable skills.

Clinical Documentation

You already record data carefully.

Skills You'll Need to Learn

Here's what you'll need to learn, prioritized by importance.

SQL

Critical10 weeks

Learn SELECT, JOIN and GROUP BY on a public hospital dataset.

Dashboards

Nice to have3 weeks

Build one dashboard in Tableau Public.

Your Learning Roadmap

Follow this step-by-step roadmap.

1

Data Foundations

12 weeks
Tasks
  • Finish an SQL course
  • Learn spreadsheet pivots
Resources
Mode SQL tutorialKhan Academy statisticsO'Reilly's 'SQL Cookbook'PostgreSQL documentation
2

Portfolio

2 months
Tasks
  • Publish two analyses
Resources
GitHub Pages; Kaggle notebooks

Reality Check

Before making this transition, here's an honest look.

What You'll Love

  • Fixing problems at scale

What You Might Miss

  • Patient contact

Biggest Challenges

  • Learning statistics

Start Your Journey Now

Don't wait. Here's your action plan starting today.

This Week

  • Install PostgreSQL

This Month

  • Finish the SQL course

Next 90 Days

  • Apply to three analyst roles

Frequently Asked Questions

Yes, hospitals hire analysts with clinical backgrounds.

Ready to Start Your Transition?

Take the next step in your career journey.
"""


def test_plain_layout_other_guide():
    guide = guides.parse(PLAIN_GUIDE, source="teacher.txt")
    assert (guide.from_role, guide.to_role, guide.duration_months) == ("Teacher", "UX Designer", 6)
    assert guide.overview == [
        "Teaching builds empathy for learners, which is the heart of user research.",
        "You will learn to turn that empathy into interfaces.",
    ]
    assert [(s.name, s.description) for s in guide.transferable_skills] == [
        ("Classroom Facilitation", "Running workshops with stakeholders feels like running a class."),
        ("Lesson Planning", "Planning a unit is planning a user journey."),
    ]
    assert [(s.name, s.priority) for s in guide.skills_to_learn] == [("Figma", "")]
    assert [(p.title, p.duration_weeks, p.duration_label, p.tasks) for p in guide.phases] == [
        ("Research Basics", 2, "2 weeks", ["Read 'Just Enough Research'", "Interview five people"]),
        ("Prototyping", 4, "1 month", ["Build a clickable prototype in Figma", "Test it with three users"]),
        ("Community", None, "Ongoing", ["Go to a local UX meetup"]),
    ]
    assert guide.reality_check == {
        "love": ["Seeing people use what you made"],
        "miss": ["Summer holidays"],
        "challenge": ["Building a portfolio from nothing"],
    }
    assert guide.action_plan == {
        "this_week": ["Sign up for Figma"],
        "this_month": ["Finish one case study"],
        "next_90_days": ["Apply to ten junior roles"],
    }
    assert [(e.question, e.answer) for e in guide.faq] == [
        ("Do I need a design degree?", "No. A portfolio matters far more than a degree.")
    ]


def test_rich_layout_other_guide():
    guide = guides.parse(RICH_GUIDE, source="nurse.txt")
    assert guide.title == "From Nurse to Health Data Analyst: Your 8-Month Transition Guide"
    assert (guide.from_role, guide.to_role, guide.duration_months) == ("Nurse", "Health Data Analyst", 8)
    assert (guide.difficulty, guide.timeline, guide.salary_change, guide.demand) == (
        "Challenging",
        "6-8 months",
        "+15%",
        "Growing in hospitals.",
    )
    assert guide.other_facts == [["Remote Friendly", "Often"]]
    assert [(s.name, s.priority, s.weeks) for s in guide.skills_to_learn] == [
        ("SQL", "critical", 10),
        ("Dashboards", "nice_to_have", 3),
    ]
    assert [(p.title, p.duration_weeks, p.tasks) for p in guide.phases] == [
        ("Data Foundations", 12, ["Finish an SQL course", "Learn spreadsheet pivots"]),
        ("Portfolio", 9, ["Publish two analyses"]),
    ]
    assert [r.title for r in guide.phases[0].resources] == [
        "Mode SQL tutorial",
        "Khan Academy statistics",
        "O'Reilly's 'SQL Cookbook'",
        "PostgreSQL documentation",
    ]
    assert [r.title for r in guide.phases[1].resources] == ["GitHub Pages", "Kaggle notebooks"]
    assert guide.action_plan["this_week"] == ["Install PostgreSQL"]
    assert [(e.question, e.answer) for e in guide.faq] == [
        ("", "Yes, hospitals hire analysts with clinical backgrounds.")
    ]


def test_title_without_from_and_to_uses_the_breadcrumb_roles():
    text = RICH_GUIDE.replace(
        "From Nurse to Health Data Analyst: Your 8-Month Transition Guide", "Nursing Into Data"
    )
    guide = guides.parse(text, source="nurse.txt")
    assert guide.title == "Nursing Into Data"
    assert (guide.from_role, guide.to_role) == ("Nurse", "Health Data Analyst")
    assert guide.duration_months == 8  # from the timeline fact


@pytest.mark.parametrize(
    ("line", "items"),
    [
        (
            "Coursera: 'Digital Signal Processing'Librosa documentationHugging Face Transformers library",
            [
                "Coursera: 'Digital Signal Processing'",
                "Librosa documentation",
                "Hugging Face Transformers library",
            ],
        ),
        (
            "GitHub repositories (e.g., ESPnet, Coqui TTS)ONNX Runtime docs",
            ["GitHub repositories (e.g., ESPnet, Coqui TTS)", "ONNX Runtime docs"],
        ),
        ("LeetCode problemsNeMo toolkit on GitHub", ["LeetCode problems", "NeMo toolkit on GitHub"]),
        (
            "spaCy course for macOS usersYouTube playlist",
            ["spaCy course for macOS users", "YouTube playlist"],
        ),
        (
            'The "Deep Learning" book"Dive into Deep Learning" online',
            ['The "Deep Learning" book', '"Dive into Deep Learning" online'],
        ),
        ("NVIDIA's developer blog", ["NVIDIA's developer blog"]),
    ],
)
def test_split_run_together(line, items):
    assert guides.split_run_together(line) == items


def test_resource_with_a_link():
    text = RICH_GUIDE.replace("GitHub Pages; Kaggle notebooks", "Kaggle notebooks (https://kaggle.com/code)")
    guide = guides.parse(text, source="nurse.txt")
    resource = guide.phases[1].resources[0]
    assert (resource.title, resource.url) == ("Kaggle notebooks", "https://kaggle.com/code")


# --- Refusals ---------------------------------------------------------------------------------


def test_refuses_a_value_too_long_to_store_naming_it():
    long_link = "https://kaggle.com/code/" + "x" * 500
    text = RICH_GUIDE.replace("GitHub Pages; Kaggle notebooks", f"Kaggle notebooks ({long_link})")
    with pytest.raises(guides.GuideError, match=r"^nurse.txt: resource link is longer than 500 characters$"):
        guides.parse(text, source="nurse.txt")


def without(text, heading, next_heading):
    """`text` without the section from `heading` up to `next_heading`."""
    start, end = text.index(f"{heading}\n"), text.index(f"{next_heading}\n")
    return text[:start] + text[end:]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "empty.txt: not a guide", id="empty"),
        pytest.param("Shopping list\n- eggs\n- milk\n", "empty.txt: not a guide", id="no-sections"),
        pytest.param(
            PLAIN_GUIDE.split("Your Learning Roadmap")[0], "empty.txt: missing roadmap", id="no-roadmap"
        ),
        pytest.param(
            without(PLAIN_GUIDE, "Overview", "Your Transferable Skills"),
            "empty.txt: missing overview",
            id="no-overview",
        ),
        pytest.param(
            "Overview\nSome text.\nYour Learning Roadmap\nPhase\n2 weeks- Do it\n",
            "empty.txt: missing title",
            id="no-title",
        ),
    ],
)
def test_refuses_text_that_is_not_a_usable_guide(text, message):
    with pytest.raises(guides.GuideError) as error:
        guides.parse(text, source="empty.txt")
    assert str(error.value).startswith(message)


def test_refuses_unreadable_files(tmp_path):
    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(guides.GuideError, match=r"photo.png: not a guide \(not UTF-8 text\)"):
        guides.read(binary)
    with pytest.raises(guides.GuideError, match="missing.txt: no such file"):
        guides.read(tmp_path / "missing.txt")
    with pytest.raises(guides.GuideError, match="is a folder"):
        guides.read(tmp_path)
