"""The web layer: Flask app factory, thin blueprints, templates, and the `onestop` CLI."""
