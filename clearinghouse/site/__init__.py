"""The transparency site's templates and static files (DESIGN §13); its views are the
``api.site`` blueprint."""
