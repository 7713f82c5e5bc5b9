"""What the API serves to browsers: the ops dashboard and the offline API docs.

Every file comes from ``static/`` inside the package (no CDN, nothing to build): the
dashboard's own HTML, CSS and ES modules, and vendored Swagger UI and ReDoc bundles
(versions, checksums and licences in ``static/vendor/README.md``).
"""

from orchestrator.web.routes import STATIC_DIR, install_web

__all__ = ["STATIC_DIR", "install_web"]
