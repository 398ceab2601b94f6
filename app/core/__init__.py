"""The core: the roadmap graph, retrieval, composing, citations, prompts, guards and the tutor.

It imports infrastructure (app.infra) and never a front end (app.cli, app.server, app.ui)."""
