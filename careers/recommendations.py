"""Which pathway fits me? Ranking pathways for a learner's answers, with the reasons, as pure
functions (careers.selectors reads the pathways and the answers; nothing here queries).

A pathway ranks higher when, in this order:
1. it starts from the learner's current role (they can begin it now);
2. it leads to the role they want;
3. it follows on from a pathway that starts from their role (the second step of a route);
4. they already have more of its transferable skills (as a share of them);
then the shorter plan at their pace, then by title. Every pathway offered is ranked, none hidden:
the reasons say honestly how each one relates to the answers.
"""

from dataclasses import dataclass

from careers import pace


@dataclass(frozen=True)
class Answers:
    """What the learner told "Which pathway fits me?" (every part optional)."""

    current_role: str = ""
    skills: tuple[str, ...] = ()  # transferable skills they have, by name
    hours_per_week: int | None = None  # None: the full-time pace
    target_role: str = ""


@dataclass(frozen=True)
class Candidate:
    """What the ranking needs of a pathway."""

    pathway: object  # handed back untouched in the Fit (a careers.models.Pathway)
    title: str  # the short title ("Software Engineer → Deep Learning Engineer")
    from_role: str
    to_role: str
    durations: tuple[int | None, ...]  # each phase's weeks at the full-time pace; None: ongoing
    skills: tuple[str, ...]  # its transferable skills, by name


@dataclass(frozen=True)
class Fit:
    """A pathway as it fits the answers: why, and how long it takes at the learner's pace."""

    pathway: object
    reasons: tuple[str, ...]
    starts_from_role: bool
    leads_to_target: bool
    follows_on_from: str  # the title of the pathway from the learner's role it follows, or ""
    skills_had: int
    skills_total: int
    weeks: int  # the timed phases at the learner's pace (0: only ongoing phases)

    @property
    def skill_share(self):
        return self.skills_had / self.skills_total if self.skills_total else 0


def _key(text):
    """Roles and skills match whatever their case and spacing."""
    return " ".join(text.split()).casefold()


def _same(a, b):
    return bool(_key(a)) and _key(a) == _key(b)


def rank(candidates, answers):
    """Every candidate as a Fit for `answers`, best first (see the module's docstring)."""
    have = {_key(skill) for skill in answers.skills}
    from_role = [c for c in candidates if _same(c.from_role, answers.current_role)]
    fits = [_fit(candidate, answers, have, from_role, candidates) for candidate in candidates]
    return sorted(
        fits,
        key=lambda fit: (
            not fit.starts_from_role,
            not fit.leads_to_target,
            not fit.follows_on_from,
            -fit.skill_share,
            fit.weeks,
            str(fit.pathway),
        ),
    )


def _fit(candidate, answers, have, from_role, candidates):
    starts = _same(candidate.from_role, answers.current_role)
    leads = _same(candidate.to_role, answers.target_role)
    before = next(
        (c for c in from_role if c is not candidate and _same(c.to_role, candidate.from_role)), None
    )
    follows_on_from = before.title if before and not starts else ""
    skills_had = sum(_key(skill) in have for skill in candidate.skills)
    weeks = pace.plan_weeks(candidate.durations, answers.hours_per_week)

    reasons = []
    if starts:
        reasons.append(f"Starts from your role ({answers.current_role.strip()})")
    elif follows_on_from:
        reasons.append(f"Follows on from {follows_on_from}, which starts from your role: take that one first")
    elif candidate.from_role.strip():
        mine = ", not your role" if answers.current_role.strip() else ""
        reasons.append(f"Starts from {candidate.from_role.strip()}{mine}")
    if leads:
        reasons.append(f"Leads to the role you want ({candidate.to_role.strip()})")
    elif answers.target_role.strip():
        then = next(
            (
                c
                for c in candidates
                if _same(c.from_role, candidate.to_role) and _same(c.to_role, answers.target_role)
            ),
            None,
        )
        if then is not None:
            reasons.append(f"Then {then.title} leads to the role you want")
        elif candidate.to_role.strip():
            reasons.append(f"Leads to {candidate.to_role.strip()}, not the role you want")
    if candidate.skills and have:
        total = len(candidate.skills)
        reasons.append(f"You already have {skills_had} of its {total} transferable skill{'s' * (total != 1)}")
    if weeks:
        reasons.append(_length(weeks, answers.hours_per_week))
    return Fit(
        pathway=candidate.pathway,
        reasons=tuple(reasons),
        starts_from_role=starts,
        leads_to_target=leads,
        follows_on_from=follows_on_from,
        skills_had=skills_had,
        skills_total=len(candidate.skills),
        weeks=weeks,
    )


def _length(weeks, hours_per_week):
    """How long the plan takes at the learner's pace, from its own weeks: "About 13 months at 20
    hours a week (56 weeks)"."""
    roughly = pace.about(weeks)
    if not roughly:
        return f"{pace.describe_length(weeks)} {pace.describe_pace(hours_per_week)}"
    return f"{roughly.capitalize()} {pace.describe_pace(hours_per_week)} ({weeks} weeks)"
