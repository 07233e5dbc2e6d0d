"""The web page (issue #12): server-rendered HTML and a JSON API over the same engine functions
as the CLI and the chat bots. `create_app` (engine.web.app) builds it from an AppContext."""
