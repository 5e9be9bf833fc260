"""HTTP layer of idmqa: thin FastAPI routes over :mod:`idmqa.service`."""
