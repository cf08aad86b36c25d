"""What ``bot.faces.service`` shows of the settings: nothing secret."""

from __future__ import annotations

from bot.faces.service import public_settings
from bot.settings import Settings

SECRET = "hunter2-very-secret"


def test_public_settings_leave_out_secrets_and_url_credentials() -> None:
    settings = Settings(
        neo4j_uri=f"bolt://neo4j:{SECRET}@graph.example:7687",
        neo4j_password=SECRET,  # type: ignore[arg-type]
        openai_api_key=SECRET,  # type: ignore[arg-type]
        openai_base_url=f"https://user:{SECRET}@llm.example/v1",
    )
    shown = public_settings(settings)
    assert SECRET not in repr(shown)
    assert "neo4j_password" not in shown and "openai_api_key" not in shown
    assert shown["neo4j_uri"] == "bolt://graph.example:7687"
    assert shown["openai_base_url"] == "https://llm.example/v1"
    assert shown["recommendations_per_turn"] == settings.recommendations_per_turn
