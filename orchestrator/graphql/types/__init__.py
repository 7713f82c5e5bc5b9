"""GraphQL object types, one module per resource, each built from the same public models
(``orchestrator.schemas``) the REST routes answer with."""
