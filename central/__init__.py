"""Reference central service (FastAPI): catalogue, licences, applications, terminals."""
