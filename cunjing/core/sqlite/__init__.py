"""The embedded SQLite backend: Django's, with the audit trail's append-only rule kept by flush."""
