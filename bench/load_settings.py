"""Settings of the server that bench/load.py starts: the project's own, with the bench's URLconf (the
minimal view next to the site's pages). Production never loads this module."""

from relyfe.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
