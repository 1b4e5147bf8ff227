"""``finclear payersim``: the payer simulator as its own process (uvicorn, no Django)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command(help="Run the payer simulator (CAQH CORE MIME and SOAP) on a scenario file.")
    def payersim(
        host: str = typer.Option("127.0.0.1", help="Address to bind."),
        port: int = typer.Option(8765, help="Port to bind."),
        scenario: str = typer.Option(
            "var/scenario.json", help="The scenario file `finclear seed` writes."
        ),
        latency_ms: float = typer.Option(0.0, min=0, help="Added to every answer."),
        error_rate: float = typer.Option(
            0.0, min=0.0, max=1.0, help="Share of requests answered with HTTP 500."
        ),
        slow_ms: float = typer.Option(
            3000.0, min=0, help="How long a member ID ending in SLOW waits."
        ),
        users: str | None = typer.Option(
            None, help="TOML file of users (default: the development user finclear)."
        ),
        seed: int | None = typer.Option(None, help="Seed of the error-rate draws."),
    ) -> None:
        import uvicorn

        from finclear.demo.scenario import read_scenario
        from finclear.payersim.app import SimSettings, build_app
        from finclear.payersim.index import ScenarioIndex
        from finclear.payersim.users import UsersError, load_users

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        scenario_path = Path(scenario)
        if not scenario_path.is_file():
            raise typer.BadParameter(
                f"{scenario} does not exist: run `finclear seed` first", param_hint="--scenario"
            )
        try:
            loaded = read_scenario(scenario_path)
            accounts = load_users(users)
        except (ValueError, UsersError) as exc:
            raise typer.BadParameter(str(exc)) from None
        settings = SimSettings(
            latency_ms=latency_ms,
            error_rate=error_rate,
            slow_ms=slow_ms,
            seed=seed,
            users=accounts,
        )
        app = build_app(ScenarioIndex(loaded), settings)
        typer.echo(
            f"payer simulator: {len(loaded.payers)} payers, {len(loaded.members)} members, "
            f"http://{host}:{port}/core/mime and /core/soap"
        )
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
