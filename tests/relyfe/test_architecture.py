"""The layers contract (pyproject.toml, [tool.importlinter]) holds: a module imports only from its own layer
and the layers below it. CI runs `lint-imports` too; this test makes `bin/test` catch a wrong import."""

from django.conf import settings
from importlinter import configuration
from importlinter.application.use_cases import lint_imports


def test_every_import_follows_the_layers(capsys):
    configuration.configure()  # what the lint-imports command does first: the readers of pyproject.toml

    kept = lint_imports(config_filename=str(settings.BASE_DIR / "pyproject.toml"), cache_dir=None, no_logo=True)

    report = capsys.readouterr().out
    assert kept, report
    assert "0 broken" in report
