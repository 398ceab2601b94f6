"""`tutor serve` and `tutor keys`: the server's own commands. The CLI finds them through the
``roadmap_tutor.cli`` entry-point group (pyproject.toml), so the front ends never import each other."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from app.infra.settings import Settings, load_settings

err = Console(stderr=True, highlight=False, soft_wrap=True)
keys_cli = typer.Typer(help="API keys for `tutor serve` (TUTOR_API_KEYS_FILE; a running server picks up changes "
                            "without a restart).", no_args_is_help=True)


def _settings() -> Settings:
    return load_settings(lambda line: err.print(f"[yellow]notice:[/yellow] {line}"))


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind; anything but loopback needs an API key "
                                                     "(TUTOR_API_KEY or `tutor keys add`).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option("--log-level", help="debug | info | warning | error")] = "info",
) -> None:
    """Serve an OpenAI-compatible API (/v1/chat/completions) with /healthz, /readyz and /metrics."""
    from app.server import run

    run(_settings(), host=host, port=port, log_level=log_level)


@keys_cli.command("add")
def keys_add(name: Annotated[str, typer.Argument(help="Who the key is for; shown in metrics and the turn log.")]
             ) -> None:
    """Create a key; it is printed once and only its sha256 is kept."""
    from app.server.auth import add_key

    path = _settings().api_keys_path
    key = add_key(path, name)
    err.print(f"added '{name}' to {path}; give the client this key (it is not shown again):")
    sys.stdout.write(key + "\n")


@keys_cli.command("list")
def keys_list() -> None:
    """The key names (the keys themselves are not kept)."""
    from app.server.auth import list_keys

    for name in list_keys(_settings().api_keys_path):
        sys.stdout.write(name + "\n")


@keys_cli.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Remove a key; a running server refuses it within a second."""
    from app.server.auth import revoke_key

    path = _settings().api_keys_path
    revoke_key(path, name)
    err.print(f"revoked '{name}' in {path}")
