from django.db import migrations

LEGACY_LINK_SUFFIX = " — share link"


def drop_the_english_suffix(apps, schema_editor):
    """A link holder's comments were signed "Name — share link": the page now says it in the reader's language."""
    Comment = apps.get_model("comments", "Comment")
    for comment in Comment.objects.filter(author__isnull=True, author_label__endswith=LEGACY_LINK_SUFFIX):
        comment.author_label = comment.author_label.removesuffix(LEGACY_LINK_SUFFIX)
        comment.save(update_fields=["author_label"])


class Migration(migrations.Migration):
    dependencies = [("comments", "0001_initial")]

    operations = [migrations.RunPython(drop_the_english_suffix, migrations.RunPython.noop)]
