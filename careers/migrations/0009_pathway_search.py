import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

from careers import search

# PostgreSQL keeps each document's weighted tsvector in step with its three texts (so documents
# written by any means, `loaddata` included, are searchable), and indexes it. SQLite has neither:
# careers.search reads the texts there.
VECTOR_TRIGGER = """
CREATE FUNCTION careers_searchdocument_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.vector :=
        setweight(to_tsvector('simple', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(NEW.skills, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(NEW.body, '')), 'C');
    RETURN NEW;
END
$$;
CREATE TRIGGER careers_searchdocument_vector BEFORE INSERT OR UPDATE ON careers_searchdocument
    FOR EACH ROW EXECUTE FUNCTION careers_searchdocument_vector();
CREATE INDEX careers_searchdocument_vector_gin ON careers_searchdocument USING gin (vector);
"""
DROP_VECTOR_TRIGGER = """
DROP INDEX careers_searchdocument_vector_gin;
DROP TRIGGER careers_searchdocument_vector ON careers_searchdocument;
DROP FUNCTION careers_searchdocument_vector();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


def build_documents(apps, schema_editor):
    """A search document for every pathway there is (archived ones too: restored, they are found)."""
    Pathway = apps.get_model("careers", "Pathway")
    SearchDocument = apps.get_model("careers", "SearchDocument")
    for pathway in Pathway.objects.order_by("pk"):
        search.refresh(pathway, document_model=SearchDocument)


class Migration(migrations.Migration):
    dependencies = [
        ("careers", "0008_enrolment_pace_and_trigram"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "pathway",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="careers.pathway",
                    ),
                ),
                ("title", models.TextField(blank=True, help_text="Weight A: the title and the two roles.")),
                ("skills", models.TextField(blank=True, help_text="Weight B: the overview and the skills.")),
                (
                    "body",
                    models.TextField(blank=True, help_text="Weight C: every other section and the facts."),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
            ],
        ),
        migrations.RunPython(
            on_postgresql(VECTOR_TRIGGER), on_postgresql(DROP_VECTOR_TRIGGER), elidable=False
        ),
        migrations.RunPython(build_documents, migrations.RunPython.noop),
    ]
