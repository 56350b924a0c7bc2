"""The demo data (`manage.py demo`): may import every app; no app imports it."""
