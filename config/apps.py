from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project's own plumbing: /healthz (config/health.py) and the log fields
    (config/observability.py). No models."""

    name = "config"
    label = "site_config"
    verbose_name = "Site configuration"

    def ready(self):
        from config import observability

        observability.connect()
