"""The catalogue search: every section of a guide, ranked, forgiving typos, on PostgreSQL and SQLite.

Each pathway has a search document (careers.models.SearchDocument): the words of its live content
in three texts, by weight. A: the title and the two roles; B: the overview and the skills
(transferable and to learn, with their descriptions); C: everything else (phases, tasks,
resources, reality check, action plan, FAQ, facts). `refresh()` rebuilds it: the importer and the
admin call it after every edit. On PostgreSQL a trigger (migration 0009) keeps a weighted tsvector
of the three texts, with a GIN index.

A query is read as words (letters and digits, in lower case), and a pathway matches when every
word starts a word of its document ("kal" finds "Kaldi", as one types). A word that starts no word
of the whole catalogue is taken for a typo: the most similar word of the catalogue stands in for it
(trigram similarity as pg_trgm computes it, at least MIN_SIMILARITY; "speach" -> "speech"). A word
with no such neighbour matches nothing.

Ranking: for each word the weight of the best text it is found in (A 5, B 2, C 1), added up, so a
match in the title and roles comes before one in the skills, before one anywhere else; then how
often the words occur, each occurrence counted at its text's weight; then the title. (Not
PostgreSQL's ts_rank: it also weighs how close the words are, which SQLite could only imitate, and
both databases must give the same answers. Whole-number weights keep the sums exact on both.)

Both databases read the same documents: stored as lower-case words split on anything else, and
PostgreSQL's 'simple' configuration (no stemming, no stop words) then sees the very words
Python does, so a word is in the vocabulary of one exactly when it is in the other's. Prefixes and
typo correction stand in for stemming ("engineers" is a word of the guides; "engineering" finds
"engineering"). On SQLite (the laptop default) the documents are scored in Python: fine for a
catalogue of a few hundred guides, which PostgreSQL serves from its index.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate

from careers.models import Pathway, SearchDocument

# The weights of the document's texts, best first: (tsvector label, text field, weight).
WEIGHTS = (("A", "title", 5), ("B", "skills", 2), ("C", "body", 1))
# How similar (pg_trgm's similarity) a word of the catalogue must be to stand in for a typo.
MIN_SIMILARITY = 0.3

_WORD = re.compile(r"[^\W_]+")


def words(text):
    """The words of `text` as the search sees them: runs of letters and digits, in lower case."""
    return _WORD.findall(text.lower())


# --- The document -----------------------------------------------------------------------------


def document_texts(pathway):
    """The three texts of `pathway`'s document, from its live content, keyed by field.

    Rows are filtered on `archived_at` here rather than by the live manager, so that the data
    migration (whose historical models have plain managers) builds the same documents."""

    def live(rows):
        return [row for row in rows if row.archived_at is None]

    phases = live(pathway.phases.order_by("order").prefetch_related("tasks", "resources"))
    title = [pathway.title, pathway.from_role, pathway.to_role]
    skills = [pathway.overview]
    for skill in live(pathway.transferable_skills.order_by("order")):
        skills += [skill.name, skill.description]
    for skill in live(pathway.skills_to_learn.order_by("order")):
        skills += [skill.name, skill.description]
    body = []
    for phase in phases:
        body += [phase.title, phase.duration_label, phase.summary]
        body += [task.text for task in sorted(live(phase.tasks.all()), key=_by_order)]
        body += [resource.title for resource in sorted(live(phase.resources.all()), key=_by_order)]
    for section in (pathway.reality_checks, pathway.action_items):
        body += [item.text for item in live(section.order_by("order"))]
    for entry in live(pathway.faq_entries.order_by("order")):
        body += [entry.question, entry.answer]
    body += [pathway.difficulty, pathway.timeline, pathway.salary_change, pathway.demand]
    for fact in pathway.other_facts or ():  # [label, value] pairs
        body += [" ".join(map(str, fact)) if isinstance(fact, list) else str(fact)]
    return {
        "title": _as_words(title),
        "skills": _as_words(skills),
        "body": _as_words(body),
    }


def _by_order(row):
    return row.order


def _as_words(texts):
    return " ".join(word for text in texts for word in words(text or ""))


def refresh(pathway, *, document_model=SearchDocument):
    """Rebuild `pathway`'s search document from its live content; writes only what changed.
    (`document_model`: the data migration passes its historical model.)"""
    texts = document_texts(pathway)
    stored = document_model.objects.filter(pathway=pathway).values("title", "skills", "body").first()
    if stored != texts:
        document_model.objects.update_or_create(pathway=pathway, defaults=texts)


# --- Reading a query --------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """A query as searched: `typed`, its words; `words`, what each is searched as (itself, the
    catalogue's word standing in for a typo, or "" when nothing in the catalogue is like it)."""

    typed: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.typed)

    @property
    def found(self):
        """Every word is (or stands for) a word of the catalogue, so a pathway may match them all."""
        return all(self.words)

    @property
    def corrected(self):
        """The words searched, when a typo was corrected ("speech" for "speach"); else ""."""
        if self.typed == self.words or not self.found:
            return ""
        return " ".join(self.words)


def understand(query):
    """`query` (as typed in the search box) as Terms: its distinct words, each checked against the
    words of the offered pathways and corrected when it starts none of them."""
    typed = tuple(dict.fromkeys(words(query or "")))
    if not typed:
        return Terms()
    if connection.vendor == "postgresql":
        resolved = _resolve_postgresql(typed)
    else:
        resolved = _resolve_python(typed, _documents(Pathway.objects.filter(archived_at__isnull=True)))
    return Terms(typed, tuple(resolved[word] for word in typed))


def _resolve_python(typed, documents):
    vocabulary = {}  # word -> how many documents have it (ts_stat's ndoc)
    for document in documents:
        for word in set().union(*document.fields):
            vocabulary[word] = vocabulary.get(word, 0) + 1
    resolved = {}
    for term in typed:
        if any(word.startswith(term) for word in vocabulary):
            resolved[term] = term
            continue
        scored = [(similarity(term, word), vocabulary[word], word) for word in vocabulary]
        scored = [entry for entry in scored if entry[0] >= MIN_SIMILARITY]
        best = min(scored, key=lambda entry: (-entry[0], -entry[1], entry[2]), default=None)
        resolved[term] = best[2] if best else ""
    return resolved


def _resolve_postgresql(typed):
    documents = connection.ops.quote_name(SearchDocument._meta.db_table)
    pathways = connection.ops.quote_name(Pathway._meta.db_table)
    offered = f"{documents} d JOIN {pathways} p ON p.id = d.pathway_id WHERE p.archived_at IS NULL"
    with connection.cursor() as cursor:
        # Words some document starts with: from the GIN index.
        cursor.execute(
            f"""SELECT term, EXISTS (SELECT 1 FROM {offered}
                                     AND d.vector @@ to_tsquery('simple', term || ':*'))
                FROM unnest(%s::text[]) AS term""",
            [list(typed)],
        )
        resolved = {term: term for term, known in cursor.fetchall() if known}
        unknown = [term for term in typed if term not in resolved]
        if unknown:
            # Typos: the closest word of all the documents' words (ts_stat: word, documents).
            cursor.execute(
                """WITH vocabulary AS MATERIALIZED (SELECT word, ndoc FROM ts_stat(%s))
                   SELECT term, (SELECT word FROM vocabulary
                                  WHERE similarity(word, term) >= %s
                                  ORDER BY similarity(word, term) DESC, ndoc DESC, word COLLATE "C"
                                  LIMIT 1)
                   FROM unnest(%s::text[]) AS term""",
                [f"SELECT d.vector FROM {offered}", MIN_SIMILARITY, unknown],
            )
            resolved.update((term, closest or "") for term, closest in cursor.fetchall())
    return resolved


# --- Trigram similarity, as pg_trgm computes it -----------------------------------------------


def trigrams(text):
    """pg_trgm's trigrams of `text`: each word, in lower case, padded with two spaces before and
    one after, cut into every run of three characters."""
    found = set()
    for word in words(text):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def similarity(a, b):
    """pg_trgm's similarity(a, b): the trigrams they share over all the trigrams of either."""
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


# --- Matching and ranking ---------------------------------------------------------------------


def ranked(pathways, terms, *, every=True):
    """The ids of the pathways of the queryset `pathways` that match `terms` (every word, or with
    every=False any of them), best first."""
    wanted = [word for word in terms.words if word]
    if not wanted or (every and not terms.found):
        return []
    if connection.vendor == "postgresql":
        return _ranked_postgresql(pathways, wanted, every)
    return _ranked_python(_documents(pathways), wanted, every)


def _tsquery(text):
    return SearchQuery(text, search_type="raw", config="simple")


def _ranked_postgresql(pathways, wanted, every):
    # The words are letters and digits only, so they are safe in to_tsquery's syntax.
    query = _tsquery((" & " if every else " | ").join(f"{word}:*" for word in wanted))
    best_weight = [
        Case(
            *[When(vector=_tsquery(f"{word}:*{label}"), then=Value(weight)) for label, _, weight in WEIGHTS],
            default=Value(0),
            output_field=IntegerField(),
        )
        for word in wanted
    ]
    weight_of = " ".join(f"WHEN '{label}' THEN {weight}" for label, _, weight in WEIGHTS)
    occurrences = RawSQL(
        f"""SELECT coalesce(sum(CASE weight {weight_of} ELSE 0 END), 0)
            FROM unnest({SearchDocument._meta.db_table}.vector) AS entry,
                 unnest(entry.weights) AS weight, unnest(%s::text[]) AS word
            WHERE starts_with(entry.lexeme, word)""",
        [wanted],
        output_field=IntegerField(),
    )
    return list(
        SearchDocument.objects.filter(pathway__in=pathways, vector=query)
        .annotate(score=sum(best_weight, start=Value(0)), occurrences=occurrences)
        .order_by("-score", "-occurrences", Collate("pathway__title", "C"), "pathway_id")
        .values_list("pathway_id", flat=True)
    )


@dataclass(frozen=True)
class _Document:
    pathway_id: int
    pathway_title: str
    fields: tuple[list[str], ...]  # the words of the weighted texts, in WEIGHTS order


def _documents(pathways):
    fields = [field for _label, field, _weight in WEIGHTS]
    rows = SearchDocument.objects.filter(pathway__in=pathways).values_list(
        "pathway_id", "pathway__title", *fields
    )
    return [_Document(pk, title, tuple(text.split() for text in texts)) for pk, title, *texts in rows]


def _ranked_python(documents, wanted, every):
    scored = []
    for document in documents:
        score = occurrences = matched = 0
        for word in wanted:
            best = 0
            for (_label, _field, weight), field_words in zip(WEIGHTS, document.fields, strict=True):
                hits = sum(1 for candidate in field_words if candidate.startswith(word))
                if hits:
                    best = max(best, weight)
                    occurrences += weight * hits
            score += best
            matched += bool(best)
        if matched == len(wanted) or (matched and not every):
            scored.append((-score, -occurrences, document.pathway_title, document.pathway_id))
    return [pathway_id for *_keys, pathway_id in sorted(scored)]
