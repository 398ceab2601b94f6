"""Infrastructure: settings, the vector store, the embedder, chat backends, logs, metrics, the turn log.

It imports neither the core nor a front end."""
